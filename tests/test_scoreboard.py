"""The claims scoreboard: every claim's sources resolve on the quick grids, the committed store
is read without computing, the tables and the figure show every claim, narrow and readable, and
the page's prose names every section the catalogue points to."""

import math
import re
from pathlib import Path

import pytest

from expand_neurons.book.pages.scoreboard import (
    health_table,
    outcome_table,
    plan_table,
)
from expand_neurons.book.scoreboard import (
    CLAIMS,
    Row,
    board,
    estimate_cell,
    estimates_figure,
    experiments_of,
    sources_table,
    stored_results,
)
from expand_neurons.claims.estimands import Estimate
from expand_neurons.claims.evaluate import ClaimResult, PartResult
from expand_neurons.claims.outcomes import Outcome, Reason, Verdict
from expand_neurons.experiments import get

BOOK = Path(__file__).resolve().parents[1] / "book"


def test_every_claim_has_parts_or_a_reason_and_a_section_that_exists():
    labels = set()
    for page in BOOK.glob("*.md"):
        labels |= set(re.findall(r"^\(([\w-]+)\)=$", page.read_text(), flags=re.M))
    keys = [c.key for c in CLAIMS]
    assert len(set(keys)) == len(keys)
    for claim in CLAIMS:
        assert claim.parts or claim.not_tested
        assert set(claim.sections) <= labels, claim.sections
        for part in claim.parts:
            for source in part.estimand.sources():
                get(source.experiment)  # registered
    assert {"1", "2", "3", "4", "5", "7", "α", "R²"} <= set(keys)
    assert any(k.startswith("6") for k in keys)


# Small enough to train in seconds, large enough that no dense network has zero accuracy.
BOOLEAN_TINY = {"epochs": 10, "seeds": 2, "n_train": 128, "n_test": 256}
REAL_TINY = {"dataset": "synthetic", "max_per_class": 20, "epochs": 2, "seeds": 2}


@pytest.fixture(scope="module")
def tiny_results():
    """Every experiment the scoreboard reads, run tiny on its quick grid."""
    out = {}
    for name in experiments_of():
        tiny = BOOLEAN_TINY if name.startswith("boolean") else REAL_TINY
        out[name] = get(name).run("quick", **tiny)
    return out


def test_every_source_resolves_on_the_quick_grids(tiny_results):
    rows = board(tiny_results, {})
    for row in rows:
        assert row.live.outcome is not Outcome.NOT_COMPUTED, row.claim.key
        assert row.stored.outcome in (Outcome.NOT_COMPUTED, Outcome.NOT_TESTED)
    for table in (outcome_table(rows), outcome_table(rows, "quick")):
        frame = table.data
        assert len(frame) == len(CLAIMS) and len(frame.columns) <= 3  # and the index: claim
        assert "nan" not in table.to_html().lower()
    assert list(outcome_table(rows, "quick").data.columns)[-1] == "outcome (quick)"
    frame = sources_table(rows)
    assert len(frame) == sum(len(c.parts) for c in CLAIMS)
    assert frame["sources"].str.len().min() > 0
    fig = estimates_figure(rows, "quick")
    drawn = {t.y[0] for t in fig.data if t.name != "the paper"}
    estimated = {
        f"{r.claim.key}: {p.part.name}"
        for r in rows
        for p in r.live.parts
        if p.estimate and not math.isnan(p.level)
    }
    assert estimated and estimated <= drawn


def test_stored_results_read_the_committed_store_without_computing():
    stored = stored_results()
    assert set(stored) == set(experiments_of())
    for result in stored.values():
        assert result["profile"] == "paper" and "missing" in result
    rows = board({}, stored)
    for row in rows:
        assert row.live.outcome in (Outcome.NOT_COMPUTED, Outcome.NOT_TESTED)
        assert row.stored.outcome in set(Outcome)
    paper = outcome_table(rows).data
    assert list(paper.columns) == ["the paper", "estimate [interval]", "outcome"]
    assert list(paper["outcome"]) == [str(r.stored.verdict) for r in rows]
    for table in (health_table(stored), plan_table(rows, stored)):
        assert table.data.shape[1] + table.data.index.nlevels <= 5
        assert "padding" in table.to_html() and "nan" not in table.to_html().lower()


@pytest.mark.parametrize("chapter", ["fpe", "load", "collisions", "embeddings", "cnn", "deep"])
def test_each_chapter_gives_the_scoreboard_s_outcomes(chapter, tiny_results, monkeypatch):
    from expand_neurons.book import claim_notes

    monkeypatch.setattr(claim_notes, "read", lambda name, profile: tiny_results[name])
    live = claim_notes.live_results("quick")
    scoreboard = {r.claim.key: r for r in board(live, stored_results())}
    rows = claim_notes.rows_for(chapter, live)
    assert rows and {r.claim.key for r in rows} == set(claim_notes.claims_in(chapter))
    for r in rows:
        same = scoreboard[r.claim.key]
        assert (r.live.verdict, r.stored.verdict) == (same.live.verdict, same.stored.verdict)
        assert [p.low for p in r.live.parts] == pytest.approx(
            [p.low for p in same.live.parts], nan_ok=True
        )
    table = claim_notes.claims_table(chapter, "quick")
    assert len(table.data.columns) <= 3, "narrow enough for a phone"
    assert set(table.data.index.get_level_values("profile")) == {"paper", "quick"}
    outcomes = set(table.data["outcome"])
    assert outcomes == {str(r.stored.verdict) for r in rows} | {str(r.live.verdict) for r in rows}
    assert "nan" not in table.to_html().lower()


def test_a_chapter_without_claims_is_an_error():
    from expand_neurons.book.claim_notes import claims_in

    with pytest.raises(KeyError, match="no claim of the catalogue has a section in chapter"):
        claims_in("hardware-training")


def _part(claim, index, value=None, low=float("nan"), high=float("nan"), level=0.99):
    part = claim.parts[index]
    if value is None:
        return PartResult(part, Verdict(Outcome.NOT_COMPUTED))
    verdict = Verdict(Outcome.SUPPORTED) if low > 0 else Verdict(Outcome.INCONCLUSIVE, Reason.WIDE)
    estimate = Estimate(value, 10, "seeds", "random minus dense")
    return PartResult(part, verdict, estimate, low, high, level)


def test_an_estimate_cell_gives_each_part_its_interval_on_a_line():
    one = next(c for c in CLAIMS if len(c.parts) == 1 and c.parts[0].estimand.unit == "points")
    assert estimate_cell(ClaimResult(one, (_part(one, 0, 1.64, -2.6, 5.84),))) == (
        "+1.6 [-2.6, +5.8]"
    )
    assert estimate_cell(ClaimResult(one, (_part(one, 0),))) == "–"
    assert estimate_cell(ClaimResult(one, (_part(one, 0, 9.0),))) == "+9.0"  # no interval
    two = next(c for c in CLAIMS if [p.estimand.unit for p in c.parts] == ["points", "points"])
    text = estimate_cell(ClaimResult(two, (_part(two, 0, 3.0, 1.0, 5.0), _part(two, 1))))
    first, second = text.split("<br>")
    assert first.startswith(two.parts[0].name) and first.endswith("+3.0 [+1.0, +5.0]")
    assert second == f"{two.parts[1].name}: –"


def test_the_figure_s_tooltips_are_short_lines():
    one = next(c for c in CLAIMS if len(c.parts) == 1 and c.parts[0].estimand.unit == "points")
    result = ClaimResult(one, (_part(one, 0, 1.64, -2.6, 5.84, level=0.9998),))
    fig = estimates_figure([Row(one, result, result)], "quick")
    hovers = [t.hovertemplate for t in fig.data if t.name != "the paper"]
    assert len(hovers) == 2  # paper profile and this build
    for hover in hovers:
        lines = hover.removesuffix("<extra></extra>").split("<br>")
        assert len(lines) >= 4 and max(map(len, lines)) <= 60, lines
        assert "99.980 % interval -2.6 to +5.8" in lines


def test_the_page_refers_to_every_section_the_catalogue_names():
    page = (BOOK / "scoreboard.md").read_text()
    refs = set(re.findall(r"\{ref\}`(?:[^`<]*<)?([\w-]+)>?`", page))
    for claim in CLAIMS:
        assert set(claim.sections) <= refs, (claim.key, set(claim.sections) - refs)
