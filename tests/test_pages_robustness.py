"""The robustness and scoreboard pages' helpers: readable tables, counts, the design checker."""

import pytest

from expand_neurons.book import exercises
from expand_neurons.book.figures import VERDICT_COLOURS
from expand_neurons.book.pages import robustness as page
from expand_neurons.book.pages.scoreboard import board_facts
from expand_neurons.book.scoreboard import CLAIMS, Row
from expand_neurons.experiments import robustness as rb
from expand_neurons.experiments.claims import Outcome


def _verdicts(design, holds):
    verdicts = {c: rb.HOLDS if c in holds else rb.NOT_SHOWN for c in rb.CLAIMS}
    pilot = {"dense": 0.8999999, "random": 0.9, "clause": 1.0}
    return rb.DesignVerdicts(design, rb.design_label(design), verdicts, {}, 0.5, 0.1, pilot)


@pytest.fixture(scope="module")
def verdicts():
    default = rb.default_design()
    other = {**default, "inputs": "uniform"}
    return [_verdicts(default, {"ordering", "alpha"}), _verdicts(other, set())]


def test_tables_are_readable(verdicts):
    html = page.fractions_table(verdicts, rb.claim_fractions(verdicts)).to_html()
    assert ">1 of 2<" in html and ">50<" in html and "50.0" not in html
    assert "one output per clause, or one DNF output" in page.factors_table().to_html()
    html = page.levels_table(verdicts).to_html()
    assert ">per_clause<" in html and ".0<" not in html
    ranked = rb.closest_to(verdicts, {"dense": 0.787, "random": 0.887, "clause": 0.994})
    closest = page.closest_table(ranked, {"dense": 0.787, "random": 0.887, "clause": 0.994})
    html = closest.to_html()
    assert ">90.0<" in html and "89.99" not in html and ">78.7<" in html
    assert ">2<" in html  # claims holding: an integer, blank on the paper's row
    assert "nan" not in html.lower()


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


def test_board_facts_count_the_verdicts():
    def row(claim, verdict):
        outcome = Outcome("t", verdict, "text")
        return Row(claim, (outcome,) * len(claim.tests), (outcome,) * len(claim.tests))

    tested = [c for c in CLAIMS if c.tests]
    rows = [row(tested[0], "holds"), row(tested[1], "does not hold"), row(tested[2], "holds")]
    rows.append(row(next(c for c in CLAIMS if not c.tests), "holds"))
    facts = board_facts(rows, "quick")
    assert (facts["sb_tested"], facts["sb_holds"], facts["sb_fails"]) == (3, 2, 1)
    assert facts["sb_unclear"] == 0 and facts["sb_stored"] == 3
    assert board_facts([], "quick")["sb_tested"] == 0


def test_verdict_figure_numbers_the_designs_and_shows_each_verdict():
    from expand_neurons.book.stored import paper_result

    stored = rb.all_verdicts(paper_result("boolean-robustness"))
    fig = page.verdict_figure(stored, "paper profile, stored")
    (heat,) = fig.data
    assert [y.split(".")[0] for y in heat.y] == [str(i) for i in range(1, len(stored) + 1)]
    assert list(heat.x) == list(rb.CLAIMS)
    names = list(VERDICT_COLOURS)
    expected = [[names.index(v.verdicts[c]) for c in rb.CLAIMS] for v in stored]
    assert [list(row) for row in heat.z] == expected
    assert "(paper profile, stored)" in fig.layout.title.text
