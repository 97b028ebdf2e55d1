"""The robustness and scoreboard pages' helpers: readable tables, counts, the design checker."""

import pytest

from expand_neurons.book import exercises
from expand_neurons.book.pages import robustness as page
from expand_neurons.book.pages.scoreboard import board_facts
from expand_neurons.book.scoreboard import CLAIMS, Row
from expand_neurons.claims import main_effects as me
from expand_neurons.claims.evaluate import ClaimResult, PartResult
from expand_neurons.claims.outcomes import Outcome, Reason, Verdict
from expand_neurons.experiments import robustness as rb


def _result(designs, seeds=3):
    """Records of every claim setting in each design: random gains 5 points at the pilot."""
    records = []
    for d in designs:
        for setting, variants in (
            ("pilot", ("dense", "random", "clause")),
            ("alpha4", ("dense", "random")),
            ("clauses4", ("dense", "random")),
            ("clauses16", ("dense", "random")),
            ("neurons32", ("dense", "random")),
        ):
            for v in variants:
                acc = 0.7 + 0.05 * (v != "dense") + 0.05 * (v == "clause")
                accs = [acc + 0.001 * j for j in range(seeds)]
                records.append({"design": d, "setting": setting, "variant": v,
                                "accuracies": accs, "exact_matches": accs})  # fmt: skip
    return {"records": records, "config": {"grid": {"design": list(designs)}}}


def test_tables_are_readable():
    designs = rb.fractional_factorial()[:2]
    html = page.design_means_table(_result(designs)).to_html()
    assert ">1. default<" in html and ">5.0<" in html and "nan" not in html.lower()
    assert "one output per clause, or one DNF output" in page.factors_table().to_html()
    pilots = rb.design_pilots(_result(designs))
    target = {"dense": 0.787, "random": 0.887, "clause": 0.994}
    html = page.closest_table(rb.closest_to(pilots, target), target).to_html()
    assert ">70.1<" in html and ">78.7<" in html and "nan" not in html.lower()
    fits = [me.main_effects(_result(rb.fractional_factorial()), "random_vs_dense")]
    html = page.effects_table(fits).to_html()
    assert ">grand mean<" in html and ">5.0<" in html


def test_design_matrix_numbers_the_designs():
    matrix = page.design_matrix(rb.one_at_a_time())
    assert list(matrix.index[:2]) == [1, 2] and matrix.index.name == "design"


def test_robustness_design_checker_names_the_mistake():
    one = [{**rb.default_design(), "bias": "copy"}]
    assert exercises.check_robustness_design(
        lambda cfg: cfg.replace(grid={"design": one})
    ).startswith("Correct: that config runs one design, 'copy'")
    with pytest.raises(exercises.ExerciseError, match="default design"):
        exercises.check_robustness_design(
            lambda cfg: cfg.replace(grid={"design": [rb.default_design()]})
        )
    with pytest.raises(exercises.ExerciseError, match="one design"):
        exercises.check_robustness_design(lambda cfg: cfg)
    with pytest.raises(exercises.ExerciseError, match="also changed"):
        exercises.check_robustness_design(lambda cfg: cfg.replace(grid={"design": one}, seeds=2))
    with pytest.raises(exercises.ExerciseError, match="return a config"):
        exercises.check_robustness_design(lambda cfg: one)


def test_board_facts_count_the_outcomes():
    def row(claim, outcome):
        verdict = Verdict(outcome, Reason.WIDE if outcome is Outcome.INCONCLUSIVE else None)
        result = ClaimResult(claim, tuple(PartResult(p, verdict) for p in claim.parts))
        return Row(claim, result, result)

    tested = [c for c in CLAIMS if c.parts]
    rows = [
        row(tested[0], Outcome.SUPPORTED),
        row(tested[1], Outcome.CONTRADICTED),
        row(tested[2], Outcome.SUPPORTED),
        row(tested[3], Outcome.NOT_COMPUTED),
        row(next(c for c in CLAIMS if not c.parts), Outcome.SUPPORTED),
    ]
    facts = board_facts(rows, "quick")
    assert (facts["sb_tested"], facts["sb_paper_supported"]) == (4, 2)
    assert facts["sb_paper_contradicted"] == 1 and facts["sb_paper_not_computed"] == 1
    assert facts["sb_stored"] == 3 and facts["sb_live_not_tested"] == 1
    assert board_facts([], "quick")["sb_tested"] == 0
