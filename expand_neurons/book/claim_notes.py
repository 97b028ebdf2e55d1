"""The catalogue's outcomes of the claims a chapter discusses, exactly as the scoreboard has them.

A chapter shows the claims of the catalogue (:mod:`expand_neurons.claims.catalogue`) whose
``sections`` lie in it (:func:`claims_in`: the chapter's label, or a label that starts with it
and a hyphen) with :func:`claims_table`. The table is cut from the scoreboard's own
:func:`~expand_neurons.book.scoreboard.board`, evaluated on the same results (the committed
paper-profile store, and this build's profile as far as the build's store holds it, plus the
chapter's own runs), so a claim has one outcome wherever the book states it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from ..claims.catalogue import CLAIMS, experiments_of
from ..claims.evaluate import evaluate
from .glue import paper_outcomes
from .runs import read
from .scoreboard import Row, estimate_cell
from .tables import readable

__all__ = ["claims_in", "live_results", "rows_for", "claims_table"]


def live_results(
    profile: str, own: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, Mapping[str, Any] | None]:
    """Every experiment the catalogue reads in ``profile``: the chapter's ``own`` results, else
    what the build's store holds (``None`` outside a book build), computing nothing."""
    own = dict(own or {})
    return {name: own[name] if name in own else read(name, profile) for name in experiments_of()}


def claims_in(chapter: str) -> list[str]:
    """The keys of the claims with a section in ``chapter`` (its MyST label, e.g. ``"fpe"``)."""
    keys = [
        c.key
        for c in CLAIMS
        if any(s == chapter or s.startswith(f"{chapter}-") for s in c.sections)
    ]
    if not keys:
        raise KeyError(f"no claim of the catalogue has a section in chapter {chapter!r}")
    return keys


def rows_for(chapter: str, live: Mapping[str, Mapping[str, Any] | None]) -> list[Row]:
    """The scoreboard's rows of the claims in ``chapter`` (catalogue order), on ``live`` and
    on the committed paper-profile store."""
    keys = claims_in(chapter)
    # Each profile is one family, as on the scoreboard; the committed store's outcomes are the
    # kernel's one evaluation of it (paper_outcomes), which the chapter's checks read too.
    on_stored, on_live = paper_outcomes(), evaluate(live)
    return [Row(c, on_stored[c.key], on_live[c.key]) for c in CLAIMS if c.key in keys]


def claims_table(
    chapter: str, profile: str, own: Mapping[str, Mapping[str, Any]] | None = None
) -> Styler:
    """The claims in ``chapter`` as the scoreboard reads them, narrow enough for a phone: the
    paper's value, then for the paper profile and for this build's ``profile`` (the quick
    check) each part's estimate with its interval and the catalogue's outcome."""
    rows = rows_for(chapter, live_results(profile, own))
    frame = pd.DataFrame(
        [
            {
                "claim": f"{r.claim.key}. {r.claim.text}",
                "profile": name,
                "the paper": r.claim.paper if name == "paper" else "",
                "estimate [interval]": estimate_cell(result),
                "outcome": str(result.verdict),
            }
            for r in rows
            for name, result in (("paper", r.stored), (profile, r.live))
        ]
    ).set_index(["claim", "profile"])
    return readable(frame)
