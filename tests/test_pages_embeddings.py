"""The embeddings chapter's helpers: figures and tables that read both profiles' results, and
the numbers the chapter glues and checks its sentences against."""

import math
from types import SimpleNamespace

import pytest
from support_real_pages import assert_clean_table, assert_readable_figure, comparison, result

from expand_neurons.book.figures import PAPER_MARKER, variant_colour
from expand_neurons.book.pages import embeddings as page
from expand_neurons.models import mlp_parameters

WIDTHS, ALPHAS = [2, 4, 8], [2, 4]


def _base(h):
    return 0.2 + 0.05 * h


def _width_result():
    """Dense and FPE at every width and alpha (FPE's gain falls with the width and rises with
    alpha), and a feature-based split at 8 neurons, alpha 4; three seeds."""
    rows = []
    for h in WIDTHS:
        b, nz = _base(h), 411 * h + 26
        for a in ALPHAS:
            lift = 0.02 * a / h
            for v, accs in (("dense", [b, b + 0.01, b - 0.01]), ("random", [b + lift] * 3)):
                rows.append(
                    {"hidden": h, "alpha": a, "variant": v, "nonzero": nz, "accuracies": accs}
                )
    feature = [_base(8) + 0.01, _base(8) + 0.02, _base(8)]
    rows.append(
        {"hidden": 8, "alpha": 4, "variant": "feature", "nonzero": 3314, "accuracies": feature}
    )
    return result(rows, config={"seeds": 3}, setting_keys=["hidden", "alpha"])


def _load_result():
    rows = []
    for h in (2, 4):
        for k in (3, 6, 12):
            setting = {"n_classes": k, "hidden": h, "alpha": 4, "classes": k, "load": k / h}
            dense = [0.9 - 0.05 * k / h + d for d in (0.0, 0.01, -0.01)]
            fpe = [x * (1 + 0.01 * k / h) for x in dense]
            rows.append({**setting, "variant": "dense", "accuracies": dense})
            rows.append({**setting, "variant": "random", "accuracies": fpe})
    return result(rows, config={"seeds": 3}, setting_keys=["n_classes", "hidden", "alpha"])


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


def test_width_numbers_are_the_means_and_gains_in_percent():
    out = page.width_numbers(_width_result(), "p_")
    assert math.isclose(out["p_dense_2"], 100 * _base(2))
    assert math.isclose(out["p_fpe4_2"], 100 * (_base(2) + 0.04))
    # the relative gain is averaged per seed: (b + lift) / b - 1 over the three dense seeds
    b = _base(2)
    gain = sum((b + 0.04) / x - 1 for x in (b, b + 0.01, b - 0.01)) / 3
    assert math.isclose(out["p_gain4_2"], 100 * gain)
    assert out["p_gain4_2"] > out["p_gain4_4"] > out["p_gain4_8"]  # what the chapter checks
    assert len(out) == len(WIDTHS) * (1 + 2 * len(ALPHAS))
    assert all(k.startswith("p_") for k in out)


def test_width_table_has_one_short_column_per_model():
    styler = page.width_table(_width_result())
    assert list(styler.data.columns) == ["dense (%)", "α = 2 (%)", "α = 4 (%)"]
    assert list(styler.data.index) == WIDTHS
    assert math.isclose(styler.data.loc[4, "α = 4 (%)"], 100 * (_base(4) + 0.02))
    assert_clean_table(styler)


def test_width_figure_is_readable_in_the_book_palette():
    fig = page.width_figure(_width_result())
    assert_readable_figure(fig)
    assert list(fig.layout.xaxis.tickvals) == WIDTHS
    views = fig.layout.updatemenus[-1]
    assert [b.label for b in views.buttons] == ["every α", "α = 2", "α = 4"]
    shown = [t for t in fig.data if t.visible and t.xaxis == "x" and t.mode == "lines+markers"]
    names = ["dense", "FPE α = 2", "FPE α = 4", "feature split α = 4"]
    assert [t.name for t in shown] == names
    assert shown[0].line.color == variant_colour("dense")
    assert shown[-1].line.color == variant_colour("feature")
    assert len({t.line.color for t in shown}) == 4
    assert "over 3 seeds" in fig.layout.title.subtitle.text
    # The α = 2 button shows dense and FPE at α = 2 only, in both panels.
    visible = views.buttons[1].args[0]["visible"]
    assert {t.name for t, v in zip(fig.data, visible) if v} >= {"dense", "FPE α = 2"}
    assert {t.name.split(",")[0] for t, v in zip(fig.data, visible) if v} == {"dense", "FPE α = 2"}


def test_diff_table_shows_intervals_in_points():
    diffs = {2: comparison(0.1, 0.05, 0.15), 32: comparison(0.001, -0.0002, 0.0038)}
    styler = page.diff_table(diffs)
    assert len(styler.data.columns) <= 4
    assert styler.data.loc[32, "CI from"] == pytest.approx(-0.02)
    assert styler.data.loc[2, "difference (points)"] == pytest.approx(10.0)
    assert_clean_table(styler)


def test_split_numbers_read_the_feature_setting():
    width = _width_result()
    out = page.split_numbers(width, comparison(0.0008, -0.0024, 0.0039), "p_")
    assert math.isclose(out["p_split_dense"], 100 * _base(8))
    assert math.isclose(out["p_split_feature"], 100 * (_base(8) + 0.01))
    assert math.isclose(out["p_split_random"], 100 * (_base(8) + 0.01))
    assert out["p_fr"] == pytest.approx(0.08) and out["p_fr_high"] == pytest.approx(0.39)
    assert out["p_fr_level"] == pytest.approx(95.0)


def test_load_rows_and_table():
    rows = page.load_rows(_load_result())
    assert len(rows) == 6 and list(rows["hidden"]) == [2, 2, 2, 4, 4, 4]
    # the columns the error-rate exercise reads
    assert {"dense (%)", "FPE (%)", "classes per neuron", "relative gain (%)"} <= set(rows)
    assert rows["relative gain (%)"].tolist() == pytest.approx(
        [100 * 0.01 * k / h for h, k in ((2, 3), (2, 6), (2, 12), (4, 3), (4, 6), (4, 12))]
    )
    styler = page.load_table(rows)
    assert list(styler.data.columns) == ["h = 2 (%)", "h = 4 (%)"]
    assert list(styler.data.index) == [3, 6, 12]
    assert_clean_table(styler)


def test_load_figure_one_line_per_width_on_a_log_axis():
    fig = page.load_figure(_load_result())
    assert_readable_figure(fig)
    lines = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in lines] == ["h = 2", "h = 4"]
    assert list(lines[0].x) == sorted(lines[0].x)
    ticks = fig.layout.xaxis.tickvals
    assert fig.layout.xaxis.type == "log" and min(ticks) <= 0.75 and max(ticks) >= 6
    assert lines[1].y[-1] == pytest.approx(3.0)  # 12 classes over 4 neurons: +3 %
    assert "12 classes" in lines[0].hovertext[-1]
    assert "FPE − dense per seed (points):<br>" in lines[0].hovertext[-1]


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
    by_name = {t.name.split(",")[0].split(":")[0]: t for t in fig.data}
    assert list(by_name["FPE"].x) == [1.0]
    assert by_name["matched"].x[0] == m["param_ratio"]
    assert by_name["matched"].error_x.arrayminus[0] == pytest.approx(
        m["param_ratio"] - m["param_ratio_low"]
    )
    assert by_name["paper"].x[0] == 1.2 and by_name["paper"].marker.symbol == PAPER_MARKER["symbol"]
    assert by_name["dense"].line.color == variant_colour("dense")
    ticks = list(fig.layout.xaxis.tickvals)
    assert 1 in ticks and 1.2 in ticks and max(ticks) >= 2
    assert "3 seeds" in fig.layout.legend.title.text


def test_curve_table_integers_and_ratios():
    styler = page.curve_table(_match())
    assert len(styler.data.columns) <= 4
    assert styler.data.loc[8, "× FPE's"] == pytest.approx(1.0)
    assert_clean_table(styler, ["non-zeros"])


def test_match_numbers_in_percent_with_prefix():
    out = page.match_numbers(_match(), "q_m_")
    assert out["q_m_fpe"] == pytest.approx(58.8) and out["q_m_fpe_std"] == pytest.approx(1.2)
    assert out["q_m_low"] == 1.0 and out["q_m_high"] == 1.09
    assert out["q_m_param_ratio"] == 1.03 and out["q_m_fpe_nonzero"] == 3314


def test_part_numbers_with_and_without_a_look():
    estimate = SimpleNamespace(value=5.3, n=10)
    plan = SimpleNamespace(looks=(5, 10, 20, 40))
    part = SimpleNamespace(
        estimate=estimate,
        low=3.8,
        high=6.7,
        level=0.99978,
        look=SimpleNamespace(index=1),
        part=SimpleNamespace(plan=plan),
    )
    out = page.part_numbers(part, "c_")
    assert out == pytest.approx(
        {
            "c_est": 5.3,
            "c_n": 10,
            "c_low": 3.8,
            "c_high": 6.7,
            "c_level": 99.978,
            "c_look": 2,
            "c_looks": 4,
        }
    )
    no_look = page.part_numbers(SimpleNamespace(**{**vars(part), "look": None}), "c_")
    assert "c_look" not in no_look and no_look["c_est"] == 5.3


def test_paper_width_has_the_ratio_times_the_parameters():
    w = page.paper_width(384, 26, 8, 1.2)
    per_neuron = 384 + 26 + 1
    assert mlp_parameters(384, 8, 26) * 1.2 == pytest.approx(w * per_neuron + 26)
    assert 9.6 < w < 9.7  # a little over 1.2 x 8: the output bias does not scale
    assert page.paper_width(384, 26, 8, 1.0) == pytest.approx(8)


def test_data_numbers_and_seeds():
    cfg = SimpleNamespace(max_per_class=200, warmup_epochs=25, epochs=50)
    out = page.data_numbers(cfg, n_classes=26, dim=384, n_train=30, n_test=8)
    assert out["post_epochs"] == 25 and out["n_train"] == 30 and out["n_test"] == 8
    assert out["chance"] == pytest.approx(100 / 26)
    assert page.seeds(_width_result()) == 3
    assert page.seeds({"records": [{"accuracies": [1, 2]}, {"accuracies": [1]}]}) == 1
