"""The robustness page's tables and figure (narrow, readable, numbered as the design matrix) and
the design exercise's checker."""

import pytest

from expand_neurons.book import exercises
from expand_neurons.book.pages import robustness as page
from expand_neurons.claims import main_effects as me
from expand_neurons.experiments import robustness as rb


def _result(designs, seeds=3, gain=0.05):
    """Records of every claim setting in each design: random gains ``gain`` at the pilot."""
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
                acc = 0.7 + gain * (v != "dense") + 0.05 * (v == "clause")
                accs = [acc + 0.001 * j for j in range(seeds)]
                records.append({"design": d, "setting": setting, "variant": v,
                                "accuracies": accs, "exact_matches": accs})  # fmt: skip
    return {"records": records, "config": {"grid": {"design": list(designs)}}}


def test_the_factors_table_gives_each_choice_its_letter():
    frame = page.factors_table().data
    assert list(frame["letter"]) == list("ABCDEFG")
    assert frame.loc["outputs", "meaning"] == "one output per clause, or one DNF output"
    assert frame.shape[1] <= 4


def test_the_design_matrix_is_a_balanced_sign_table_numbered_from_one():
    matrix = page.design_matrix(rb.fractional_factorial())
    assert list(matrix.index[:2]) == [1, 2] and matrix.index.name == "design"
    assert list(matrix.columns) == list("ABCDEFG")
    assert set(matrix.loc[1]) == {"−"}  # the first design: every choice at its first level
    assert all((matrix[c] == "+").sum() == 8 for c in matrix)
    row = page.design_matrix([{**rb.default_design(), "inputs": "uniform"}]).loc[1]
    assert row["D"] == "+" and (row == "+").sum() == 1


def test_design_means_are_numbered_as_in_the_grid_and_split_by_claims():
    designs = rb.fractional_factorial()[:3]
    result = _result(designs)
    result["records"] = [r for r in result["records"] if r["design"] != designs[1]]
    table = page.design_means_table(result, me.CLAIMS[:3])
    frame = table.data
    assert list(frame.index) == [1, 3] and list(frame.columns) == list(me.CLAIMS[:3])
    assert frame.loc[1, "random_vs_dense"] == pytest.approx(5.0)
    assert frame.loc[3, "recovery"] == pytest.approx(0.0)
    html = table.to_html()
    assert ">5.0<" in html and "-0.0" not in html and "padding" in html


def test_effects_table_puts_estimate_and_interval_in_one_cell_per_claim():
    fits = [me.main_effects(_result(rb.fractional_factorial()), c) for c in me.CLAIMS[:2]]
    frame = page.effects_table(fits).data
    assert list(frame.columns) == list(me.CLAIMS[:2]) and len(frame) == 1 + len(rb.FACTORS)
    assert frame.loc["grand mean", "random_vs_dense"].startswith("+5.0 [")
    assert frame.index[1] == "outputs → dnf"
    tiny = me.MainEffects(
        "alpha",
        me.Mean(-0.04, -1.26, 0.8, 0.5),
        tuple(me.Effect(f.name, f.levels, -0.03, -2.0, 2.0, 0.9) for f in rb.FACTORS),
        0.95,
        16,
        5,
        "design-means",
    )
    assert page.effects_table([tiny]).data.iloc[0, 0] == "0.0 [-1.3, +0.8]"


def test_the_effects_figure_has_short_tooltip_lines():
    fits = [me.main_effects(_result(rb.fractional_factorial()), c) for c in me.CLAIMS[:2]]
    fig = page.effects_figure(fits)
    assert len(fig.data) == 2
    for trace in fig.data:
        lines = trace.hovertemplate.removesuffix("<extra></extra>").split("<br>")
        assert len(lines) == 5 and max(map(len, lines)) <= 60, lines
        assert "95% interval" in trace.hovertemplate


def test_closest_table_lists_the_paper_last():
    designs = rb.fractional_factorial()[:2]
    pilots = rb.design_pilots(_result(designs))
    target = {"dense": 0.787, "random": 0.887, "clause": 0.994}
    html = page.closest_table(rb.closest_to(pilots, target), target).to_html()
    assert ">70.1<" in html and ">78.7<" in html and "nan" not in html.lower()
    assert page.closest_table(rb.closest_to(pilots, target), target).data.index[-1] == "paper"


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
