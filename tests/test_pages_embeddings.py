"""The embeddings chapter's helpers: readable figures and tables, sentences that survive the
degenerate cases (a ratio at the edge of a range, zero-width ranges, empty groups, ties)."""

import math

import pandas as pd
import pytest
from support_real_pages import (
    assert_clean_table,
    assert_readable_figure,
    comparison,
    result,
)

from expand_neurons.book.pages import embeddings as page

WIDTHS, ALPHAS = [2, 4, 8], [2, 4]


def _width_result():
    rows = []
    for h in WIDTHS:
        base = 0.2 + 0.05 * h
        for a in ALPHAS:
            nz = 411 * h + 26
            rows.append(
                {
                    "hidden": h,
                    "alpha": a,
                    "variant": "dense",
                    "nonzero": nz,
                    "accuracies": [base, base + 0.01, base - 0.01],
                }
            )
            rows.append(
                {
                    "hidden": h,
                    "alpha": a,
                    "variant": "random",
                    "nonzero": nz,
                    "accuracies": [base + 0.02 * a / h, base + 0.03, base + 0.001],
                }
            )
    for v, accs in (("dense", [0.6, 0.61, 0.59]), ("feature", [0.62, 0.63, 0.6])):
        if v != "dense":
            rows.append(
                {"hidden": 8, "alpha": 4, "variant": v, "nonzero": 3314, "accuracies": accs}
            )
    return result(rows, config={"seeds": 3})


def _match(**changes):
    m = {
        "alpha": 4,
        "hidden": 8,
        "fpe_accuracy": 0.588,
        "fpe_accuracy_std": 0.012,
        "fpe_nonzero": 3314,
        "matched_nonzero": 3414.7,
        "matched_hidden": 8.24,
        "param_ratio": 1.03,
        "param_ratio_low": 1.0,
        "param_ratio_high": 1.09,
        "bound": "interpolated",
        "dense_curve": [
            {"hidden": h, "nonzero": 411 * h + 26, "accuracy": acc, "accuracy_std": 0.01}
            for h, acc in ((8, 0.582), (10, 0.632), (12, 0.631), (16, 0.665), (24, 0.678))
        ],
    }
    return m | changes


def test_width_figure_and_table_are_readable():
    width = _width_result()
    fig = page.width_figure(width)
    assert_readable_figure(fig)
    assert list(fig.layout.xaxis.tickvals) == WIDTHS
    assert_clean_table(page.width_table(width, 26), ["non-zeros"])


def test_split_table_has_no_float_junk():
    assert_clean_table(page.split_table(_width_result(), 8, 4), ["non-zeros"])


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"bound": "below", "param_ratio": 1.0, "param_ratio_low": 1.0, "param_ratio_high": 1.0},
        {"bound": "above", "param_ratio": 2.98, "param_ratio_high": 2.98},
    ],
)
def test_match_figure_shows_fpe_the_crossing_and_the_paper(changes):
    m = _match(**changes)
    fig = page.match_figure(m, 1.2, 3)
    assert_readable_figure(fig)
    names = " ".join(t.name for t in fig.data)
    assert "FPE, h = 8" in names and "dense" in names and "paper" in names
    # FPE's accuracy is drawn across each panel, and the zoom holds the matched ratio and 1.2.
    lines = [t for t in fig.data if t.name.startswith("FPE's accuracy")]
    assert len(lines) == 2 and all(t.x[1] - t.x[0] > 0.2 for t in lines)
    lo, hi = fig.layout.xaxis2.range
    assert lo < 1.0 and hi > max(1.2, m["param_ratio"]) - 1e-9
    labels = [a.text for a in fig.layout.annotations]
    assert any(f"{m['param_ratio']:.2f}×" in t or "at most 1×" in t for t in labels)
    # Error bars in the zoom are not clipped: each dense point inside it fits with its bar.
    y0, y1 = fig.layout.yaxis2.range
    for e in m["dense_curve"]:
        if lo <= e["nonzero"] / m["fpe_nonzero"] <= hi:
            assert y0 <= 100 * (e["accuracy"] - e["accuracy_std"]) <= y1
            assert y0 <= 100 * (e["accuracy"] + e["accuracy_std"]) <= y1


def test_spread_words_ratio_inside_above_and_below():
    assert "includes the paper's 1.2." in page.spread_words(1.2, 1.0, 1.5)
    above = page.spread_words(1.2, 1.0, 1.09)
    assert "does not include the paper's 1.2, which lies 0.11 above it" in above
    below = page.spread_words(1.2, 1.3, 1.5)
    assert "which lies 0.10 below it" in below


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (1.0, 1.1999, "at its upper end"),  # prints as 1.20: at the edge, never "0.00 above"
        (1.196, 1.4, "at its lower end"),
        (1.2, 1.2, "is 1.20 at both ends, equal to the paper's 1.2"),
        (1.0, 1.0, "is 1.00 at both ends, below the paper's 1.2"),
        (1.5, 1.5, "is 1.50 at both ends, above the paper's 1.2"),
    ],
)
def test_spread_words_degenerate_cases(low, high, expected):
    text = page.spread_words(1.2, low, high)
    assert expected in text
    assert "0.00" not in text and "**" not in text


def test_spread_words_rejects_a_reversed_range():
    with pytest.raises(ValueError, match="upwards"):
        page.spread_words(1.2, 1.5, 1.0)


def _ladder(*verdicts):
    make = {"better": (1.0, 0.5, 1.5), "worse": (-1.0, -1.5, -0.5), "nd": (0.0, -1.0, 1.0)}
    return {
        1000 * (i + 1): comparison(*make[v], name=f"FPE − dense h = {i}")
        for i, v in enumerate(verdicts)
    }


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        (
            ("better", "nd", "worse"),
            "more than 1.00 and less than 3.00 times the parameters, and "
            "the paper's 1.2× lies within",
        ),
        (("nd", "nd"), "bound the matched size from neither side, and these seeds neither confirm"),
        (
            ("better", "better"),
            "more than 2.00 times the parameters, with no upper bound, so FPE "
            "is worth more than the paper's 1.2×",
        ),
        (
            ("worse", "worse"),
            "less than 1.00 times the parameters, with no lower bound, so FPE "
            "is worth less than the paper's 1.2×: that does not reproduce",
        ),
        (("worse", "better"), "These verdicts disagree"),
    ],
)
def test_match_words_every_bracket(verdicts, expected):
    text = page.match_words(_ladder(*verdicts), 1000, 1.2)
    assert expected in text
    assert "**" not in text


def test_match_words_compares_at_printed_precision():
    # FPE worse than a dense model with 1.2004 × its parameters: printed 1.20, and the paper's
    # 1.2 is then at that bound, so FPE is worth less (the matched size is below 1.20).
    ladder = {12004: comparison(-1.0, -1.5, -0.5)}
    assert "worth less than the paper's 1.2×" in page.match_words(ladder, 10000, 1.2)


def test_load_numbers_with_an_empty_group_and_constant_gains():
    rows = pd.DataFrame(
        {"classes per neuron": [0.5, 1.0, 1.5], "relative gain (%)": [2.0, 2.0, 2.0]}
    )
    out = page.load_numbers(rows, {}, type("Cfg", (), {"grid": {"hidden": [2], "n_classes": [3]}}))
    assert "no setting has at least 4" in out["load_means"]
    assert out["rho"].startswith("undefined")
    assert out["load_family"] == 0


def test_rank_correlation_is_none_when_undefined():
    assert page.rank_correlation([1], [2]) is None
    assert page.rank_correlation([1, 2, 3], [5, 5, 5]) is None
    assert math.isclose(page.rank_correlation([1, 2, 3], [1, 3, 2]), 0.5)
    with pytest.raises(ValueError):
        page.rank_correlation([1, 2], [1])


def test_load_figure_and_table_are_readable():
    rows = pd.DataFrame(
        [
            {
                "classes": c,
                "hidden": h,
                "classes per neuron": c / h,
                "dense (%)": 50.0,
                "FPE (%)": 55.123456,
                "± s.d.": 1.0,
                "relative gain (%)": 10.0 * c / h,
                "gain ± s.d.": 2.0,
                "absolute gain (points)": 5.123456,
            }
            for h in (2, 4)
            for c in (3, 6, 13)
        ]
    )
    fig = page.load_figure(rows, 4, 3)
    assert_readable_figure(fig)
    assert set(fig.layout.xaxis.tickvals) >= {1, 2, 4}
    assert_clean_table(page.load_table(rows))


def test_curve_table_integers_and_ratios():
    assert_clean_table(page.curve_table(_match()), ["non-zeros"])


def test_match_numbers_words_the_bound_and_the_paper_width():
    out = page.match_numbers(_match(bound="above"), {}, 384, 26)
    assert "lower bound" in out["m_bound"]
    assert math.isclose(out["m_paper_width"], (1.2 * (8 * 411 + 26) - 26) / 411)
    assert out["paper_ratio"] == "1.2"


def test_width_labels_stay_inside_the_panel_and_apart():
    from expand_neurons.book.pages.embeddings import _label_positions

    # 1.0 and 1.05 are close: the second label goes above; 2.9 is in the last fifth: left
    assert _label_positions([1.0, 1.05, 2.0, 2.9], 0.9, 3.0) == [
        "bottom right",
        "top right",
        "bottom right",
        "bottom left",
    ]
