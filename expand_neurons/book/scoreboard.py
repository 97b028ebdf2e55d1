"""The claims scoreboard: one row per claim of the paper, its test, the book's verdicts.

:data:`CLAIMS` lists the paper's seven claims (claim 6 in four parts: embeddings, CNN, deeper
networks, the matched dense size), the gain's rise from α = 2 to 4 and the fold-change fit,
each with the paper's own number or direction (:mod:`.paper`), its tests
(:mod:`expand_neurons.experiments.claims`: every result field they read is named there) and
the book sections that show the evidence. :func:`live_results` runs what the tests need in one
profile through :func:`.runs.run`, the chapters' own function (so in a book build the cells are
shared with the chapters); :func:`stored_results` reads the paper profile from the committed
store (:func:`.stored.paper_result`), computing nothing. :func:`board` evaluates every test on
both (each profile its own Holm family) and :func:`markdown_table` writes the scoreboard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..experiments.claims import (
    Claim,
    Difference,
    Extreme,
    FitR2,
    FoldChange,
    Nearest,
    Outcome,
    Source,
    combine,
    evaluate,
)
from . import paper
from .runs import run
from .stored import paper_result

__all__ = [
    "CLAIMS",
    "SWEEPS",
    "REAL_ALPHA",
    "LEVEL",
    "experiments_of",
    "live_results",
    "stored_results",
    "Row",
    "board",
    "markdown_table",
    "sources_table",
]

#: The Boolean sweeps whose (setting, variant) points the fold-change tests pool, as in the
#: load chapter.
SWEEPS = ("boolean-clauses", "boolean-neurons", "boolean-alpha", "boolean-load")
#: The expansion factor of the real-data tests: the one of the paper's CLIP match.
REAL_ALPHA = int(paper.CLIP_MATCH["alpha"])

#: The familywise confidence level of each profile's family of tests.
LEVEL = 0.95

_DENSE = {"variant": "dense"}
_PA = paper.PILOT_ACCURACY


def _points(name: str) -> str:
    return f"{100 * _PA[name]:.1f} %"


def _pilot(variant: str, words: str) -> str:
    return (
        f"pilot: dense {_points('dense')} → {words} {_points(variant)} "
        f"({100 * (_PA[variant] - _PA['dense']):+.1f} points)"
    )


def _widths(experiment: str, label: str, **where: Any) -> tuple[Difference, Difference]:
    """FPE (random, :data:`REAL_ALPHA`) minus dense at the smallest and the largest width."""
    fpe = {"variant": "random", "alpha": REAL_ALPHA, **where}
    return tuple(  # type: ignore[return-value]
        Difference(
            f"{label}, {word} width",
            Source(experiment, fpe, pick=Extreme("hidden", end)),
            Source(experiment, _DENSE, same_setting=True),
            paper.SIGNS["widths"],
        )
        for word, end in (("smallest", "min"), ("largest", "max"))
    )


def _load(experiment: str, label: str, **where: Any) -> Difference:
    """Relative gain (random split) at the largest minus at the smallest load."""
    fpe = {"variant": "random", **where}
    return Difference(
        f"{label}: gain at the largest − the smallest load",
        Source(experiment, fpe, pick=Extreme("load", "max"), relative_to=_DENSE),
        Source(experiment, fpe, pick=Extreme("load", "min"), relative_to=_DENSE),
        paper.SIGNS["load"],
        unit=" points of relative gain",
    )


_A0, _A1 = paper.ALPHA_RISE
_SHARE = (_PA["random"] - _PA["dense"]) / (_PA["clause"] - _PA["dense"])

#: The scoreboard's rows, in the paper's order.
CLAIMS: tuple[Claim, ...] = (
    Claim(
        "1",
        "More neurons at the same non-zero count raise accuracy.",
        _pilot("random", "random split"),
        (
            Difference(
                "pilot, random − dense",
                Source("boolean-pilot", {"variant": "random"}),
                Source("boolean-pilot", _DENSE),
                1,
            ),
        ),
        ("fpe-pilot",),
    ),
    Claim(
        "2",
        "The gain comes with less interference between features.",
        paper.FINDINGS["interference"],
        (
            FoldChange("capacity, FPE / dense", SWEEPS, "capacity", paper.SIGNS["capacity"]),
            FoldChange("cosine, FPE / dense", SWEEPS, "cosine", paper.SIGNS["cosine"]),
        ),
        ("load-interference",),
    ),
    Claim(
        "3",
        "Splitting with knowledge of the clauses lowers polysemanticity and raises accuracy.",
        f"{_pilot('clause', 'clause-aligned')}; lower polysemanticity metrics",
        (
            Difference(
                "pilot, clause-aligned − dense",
                Source("boolean-pilot", {"variant": "clause"}),
                Source("boolean-pilot", _DENSE),
                1,
            ),
            FoldChange(
                "capacity, clause-aligned / dense",
                SWEEPS,
                "capacity",
                paper.SIGNS["capacity"],
                variants=("clause",),
            ),
        ),
        ("fpe-pilot", "load-interference"),
    ),
    Claim(
        "4",
        "Random splits approximate these gains: fewer collisions, not precise assignment, "
        "drive them.",
        f"random split: {100 * _SHARE:.0f} % of the clause-aligned gain at the pilot; "
        f"{paper.FINDINGS['overlap']}",
        (
            Difference(
                "ablation point, random − dense",
                Source("boolean-ablations", {"variant": "random"}),
                Source("boolean-ablations", _DENSE),
                1,
            ),
            Difference(
                "ablation point, random − overlapping children",
                Source("boolean-ablations", {"variant": "random"}),
                Source("boolean-ablations", {"variant": "overlap"}),
                -paper.SIGNS["overlap"],
            ),
            Difference(
                "equal coverage, apart − packed",
                Source("boolean-collisions", {"variant": "apart"}),
                Source("boolean-collisions", {"variant": "packed"}),
                1,
            ),
        ),
        ("load-ablations", "collisions-equal-coverage"),
    ),
    Claim(
        "5",
        "The benefit grows with interference: it is largest when the polysemantic load is high.",
        paper.DIRECTIONS["load"],
        (
            _load("boolean-load", "Boolean"),
            _load("embeddings-load", "embeddings", alpha=REAL_ALPHA),
        ),
        ("load-grid", "embeddings-load"),
    ),
    Claim(
        "6a",
        "On real data, widening at a constant non-zero count raises accuracy: classifiers "
        "over frozen embeddings (MiniLM on WordNet glosses here, CLIP in the paper).",
        f"{paper.FINDINGS['real']}; {paper.DIRECTIONS['widths']}",
        _widths("embeddings-width", "embeddings"),
        ("embeddings-width",),
    ),
    Claim(
        "6b",
        "The same for a CNN trained jointly with an expanded head (Fashion-MNIST here, "
        "CIFAR-100 in the paper).",
        paper.DIRECTIONS["widths"],
        _widths("cnn-fashion", "CNN"),
        ("cnn-training",),
    ),
    Claim(
        "6c",
        "The same for deeper networks (5 hidden layers, all expanded).",
        paper.FINDINGS["real"],
        _widths("deep-mlp", "5 layers", depth=5),
        ("deep-experiment",),
    ),
    Claim(
        "6d",
        f"FPE with α = {REAL_ALPHA} is worth a dense model with "
        f"{paper.CLIP_MATCH['param_ratio']} × the non-zero parameters, or more.",
        f"{int(paper.CLIP_MATCH['hidden'])} neurons, α = {int(paper.CLIP_MATCH['alpha'])} on "
        f"CLIP-CIFAR-100: roughly a dense model with {paper.CLIP_MATCH['param_ratio']} × the "
        "parameters",
        (
            Difference(
                f"FPE − dense with ≈ {paper.CLIP_MATCH['param_ratio']} × the non-zeros",
                Source("embeddings-match", {"variant": "random", "alpha": REAL_ALPHA}),
                Source(
                    "embeddings-match",
                    _DENSE,
                    pick=Nearest("nonzero", paper.CLIP_MATCH["param_ratio"]),
                ),
                1,
            ),
        ),
        ("embeddings-match",),
    ),
    Claim(
        "7",
        "This suits accelerators where moving non-zero parameters, not compute, is the bottleneck.",
        paper.FINDINGS["hardware"],
        (),
        ("hardware", "hardware-bytes"),
        not_tested="the claim is about accelerators; this book runs on CPUs, and its hardware "
        "chapter measures CPU step times and bytes moved of three storage layouts, which no "
        "registered experiment records",
    ),
    Claim(
        "α",
        f"The gain keeps rising from α = {_A0} to α = {_A1}.",
        paper.DIRECTIONS["alpha"],
        (
            Difference(
                f"random split, α = {_A1} − α = {_A0}",
                Source("boolean-alpha", {"variant": "random", "alpha": _A1}),
                Source("boolean-alpha", {"variant": "random", "alpha": _A0}),
                paper.SIGNS["alpha"],
            ),
        ),
        ("load-alpha",),
    ),
    Claim(
        "R²",
        "The fold change of the interference metrics predicts the relative gain (a "
        "least-squares line with high R²).",
        paper.FINDINGS["fit"],
        (
            FitR2("R², capacity", SWEEPS, "capacity"),
            FitR2("R², cosine", SWEEPS, "cosine"),
        ),
        ("load-interference",),
    ),
)


def experiments_of(claims: Sequence[Claim] = CLAIMS) -> list[str]:
    """The experiments the tests of ``claims`` read, in first-use order."""
    return list(dict.fromkeys(s.experiment for c in claims for t in c.tests for s in t.sources()))


def live_results(profile: str, claims: Sequence[Claim] = CLAIMS) -> dict[str, dict[str, Any]]:
    """Run (or read from the build's store) every experiment the tests need, in ``profile``."""
    return {name: run(name, profile) for name in experiments_of(claims)}


def stored_results(claims: Sequence[Claim] = CLAIMS) -> dict[str, dict[str, Any]]:
    """The paper profile of every experiment the tests need, as far as the committed store
    holds it (incomplete results carry their ``missing`` cells)."""
    return {name: paper_result(name) for name in experiments_of(claims)}


@dataclass(frozen=True)
class Row:
    """One claim evaluated on two sets of results: its tests' outcomes and the verdicts."""

    claim: Claim
    live: tuple[Outcome, ...]
    stored: tuple[Outcome, ...]

    @property
    def live_verdict(self) -> str:
        """The claim's verdict on the live results (see :func:`combine`)."""
        return combine([o.verdict for o in self.live])

    @property
    def stored_verdict(self) -> str:
        """The claim's verdict on the stored results."""
        return combine([o.verdict for o in self.stored])


def board(
    live: Mapping[str, Mapping[str, Any] | None],
    stored: Mapping[str, Mapping[str, Any] | None],
    claims: Sequence[Claim] = CLAIMS,
    level: float = LEVEL,
) -> list[Row]:
    """Evaluate every claim on ``live`` and on ``stored`` results; each is one family."""
    tests = [t for c in claims for t in c.tests]
    on_live = evaluate(tests, live, level=level)
    on_stored = evaluate(tests, stored, level=level)
    return [
        Row(c, tuple(on_live[t.name] for t in c.tests), tuple(on_stored[t.name] for t in c.tests))
        for c in claims
    ]


def _cell(claim: Claim, outcomes: Sequence[Outcome]) -> str:
    if claim.not_tested is not None:
        return f"not tested here: {claim.not_tested}"
    if len(outcomes) == 1 or len({o.text for o in outcomes}) == 1:
        return outcomes[0].text  # one test, or all missing for the same reason
    return "; ".join(f"{o.name}: {o.text}" for o in outcomes)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: Sequence[Row], live_profile: str) -> str:
    """The scoreboard as a MyST table; the last column links the sections (``{ref}``)."""
    head = [
        "claim",
        "the paper",
        f"{live_profile} profile (this build)",
        "verdict",
        "paper profile (stored)",
        "verdict",
        "shown in",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        c = r.claim
        cells = [
            f"**{c.key}** {c.text}",
            c.paper,
            _cell(c, r.live),
            f"**{r.live_verdict}**",
            _cell(c, r.stored),
            f"**{r.stored_verdict}**",
            ", ".join(f"{{ref}}`{s}`" for s in c.sections),
        ]
        lines.append("| " + " | ".join(_escape(x) for x in cells) + " |")
    return "\n".join(lines)


def _sources_text(sources: Sequence[Source]) -> str:
    """Sources grouped by experiments: ``"a, b: variant=random; capacity / variant=dense;
    capacity"``."""
    by_selection: dict[str, list[str]] = {}
    for s in sources:
        by_selection.setdefault(s.selection(), []).append(s.experiment)
    by_experiments: dict[str, list[str]] = {}
    for sel, names in by_selection.items():
        by_experiments.setdefault(", ".join(dict.fromkeys(names)), []).append(sel)
    return "; ".join(f"{names}: {' / '.join(sels)}" for names, sels in by_experiments.items())


def sources_table(rows: Sequence[Row]) -> Any:
    """A ``pandas.DataFrame``, one row per test: the claim, the test, every result field it
    reads, and the records the live results picked."""
    import pandas as pd  # the book's dependency

    out = []
    for r in rows:
        for t, o in zip(r.claim.tests, r.live):
            out.append(
                {
                    "claim": r.claim.key,
                    "test": t.name,
                    "sources": _sources_text(t.sources()),
                    "records (this build)": o.detail,
                }
            )
    return pd.DataFrame(out, columns=["claim", "test", "sources", "records (this build)"])
