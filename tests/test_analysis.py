"""Helpers that read sweep results: rows, fold changes and paired differences."""

import math

import pytest

from expand_neurons.experiments import get
from expand_neurons.experiments.analysis import (
    fold_change_fit,
    fold_change_points,
    paired_difference,
    rows,
)


def _entry(variant, n_clauses, acc, cap, cos, gain, accs):
    return {"n_clauses": n_clauses, "variant": variant, "accuracy": acc, "capacity": cap,
            "cosine": cos, "relative_gain": gain, "accuracies": accs}  # fmt: skip


def _sweep():
    v = {}
    for n, (dense, rand, cap) in {4: (0.9, 0.99, 2.0), 8: (0.8, 0.96, 3.0)}.items():
        v[f"n_clauses={n}/dense"] = _entry("dense", n, dense, 0.1, 0.4, 0.0, [dense] * 2)
        v[f"n_clauses={n}/random"] = _entry(
            "random", n, rand, 0.1 * cap, 0.2, rand / dense - 1, [rand - 0.01, rand + 0.01]
        )
    return {"experiment": "toy", "config": {"n_clauses": 8, "hidden": 4, "alpha": 2},
            "settings": [{"n_clauses": 4}, {"n_clauses": 8}], "variants": v}  # fmt: skip


def test_rows_carry_setting_and_load():
    r = rows(_sweep())
    assert len(r) == 4
    first = r[0]
    assert first["n_clauses"] == 4 and first["hidden"] == 4 and first["load"] == 1.0
    assert "accuracies" not in first and first["experiment"] == "toy"


def test_fold_change_points_and_fit():
    pts = fold_change_points([_sweep()], "capacity", ["random"])
    assert [p["x"] for p in pts] == pytest.approx([2.0, 3.0])
    assert [p["y"] for p in pts] == pytest.approx([0.1, 0.2])
    fit = fold_change_fit(pts)
    assert (fit.slope, fit.r2) == pytest.approx((0.1, 1.0))
    cos = fold_change_points([_sweep()], "cosine", ["random"])
    assert [p["x"] for p in cos] == pytest.approx([0.5, 0.5])


def test_fold_change_needs_dense():
    s = _sweep()
    del s["variants"]["n_clauses=4/dense"]
    with pytest.raises(ValueError, match="no dense variant"):
        fold_change_points([s])


def test_paired_difference():
    s = {"variants": {"a": {"accuracies": [0.9, 0.8, 0.7]}, "b": {"accuracies": [0.8, 0.8, 0.6]}}}
    d = paired_difference(s, "a", "b")
    assert d["mean"] == pytest.approx(0.2 / 3) and d["n"] == 3
    assert d["se"] == pytest.approx(math.sqrt(1 / 300) / math.sqrt(3))
    same = {"variants": {"a": {"accuracies": [1.0, 1.0]}, "b": {"accuracies": [1.0, 1.0]}}}
    assert math.isnan(paired_difference(same, "a", "b")["t"])
    with pytest.raises(ValueError, match="must both be"):
        paired_difference(s, "a", "c")


def test_on_a_real_tiny_sweep():
    result = get("boolean-clauses").run(
        "quick", grid={"n_clauses": [2, 4]}, seeds=2, epochs=4, n_train=256, n_test=128
    )
    pts = fold_change_points([result])
    assert len(pts) == 4 and {p["variant"] for p in pts} == {"random", "clause"}
    assert all(p["x"] > 0 for p in pts)
    assert rows(result)[0]["load"] == pytest.approx(2 / 8)
