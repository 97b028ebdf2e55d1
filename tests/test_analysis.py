"""Helpers that read sweep results: rows, fold changes and paired differences."""

import pytest

from expand_neurons.experiments import get, to_frame
from expand_neurons.experiments.analysis import (
    compare,
    fold_change_fit,
    fold_change_points,
    is_perfect,
    paired_values,
)
from expand_neurons.stats import paired


def _entry(variant, n_clauses, acc, cap, cos, gain, accs):
    return {"n_clauses": n_clauses, "variant": variant, "accuracy": acc, "capacity": cap,
            "cosine": cos, "relative_gain": gain, "accuracies": accs}  # fmt: skip


def _sweep():
    records = []
    for n, (dense, rand, cap) in {4: (0.9, 0.99, 2.0), 8: (0.8, 0.96, 3.0)}.items():
        records.append(_entry("dense", n, dense, 0.1, 0.4, 0.0, [dense] * 2))
        records.append(
            _entry("random", n, rand, 0.1 * cap, 0.2, rand / dense - 1, [rand - 0.01, rand + 0.01])
        )
    return {"experiment": "toy", "setting_keys": ["n_clauses"], "records": records}


def test_frame_has_a_row_per_record_without_per_seed_lists():
    frame = to_frame(_sweep())
    assert len(frame) == 4 and "accuracies" not in frame.columns
    assert list(frame["n_clauses"]) == [4, 4, 8, 8]
    assert len(to_frame(_sweep(), per_seed=True)) == 8


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
    del s["records"][0]
    with pytest.raises(ValueError, match="no dense variant at setting {'n_clauses': 4}"):
        fold_change_points([s])


def _pair(a, b):
    return {"records": [{"variant": "a", "accuracies": a}, {"variant": "b", "accuracies": b}]}


def test_paired_values():
    s = _pair([0.9, 0.8, 0.7], [0.8, 0.8, 0.6])
    assert paired_values(s, "a", "b") == ([0.9, 0.8, 0.7], [0.8, 0.8, 0.6])
    with pytest.raises(ValueError, match="must both be"):
        paired_values(s, "a", "c")
    with pytest.raises(ValueError, match="metric 'accuracy' is not a per-seed field"):
        paired_values(s, "a", "b", metric="accuracy")


def test_compare_is_a_holm_family_at_settings():
    s = _sweep()
    c = compare(s, {"at 8": ("random", "dense", {"n_clauses": 8}), "at 4": ("random", "dense",
                {"n_clauses": 4})})  # fmt: skip
    assert list(c) == ["at 8", "at 4"]
    assert c["at 8"].mean == pytest.approx(0.16) and c["at 8"].n == 2 and c["at 8"].df == 1
    # two seeds of spread 0.01: the intervals are wide, yet both exclude zero only if Holm allows
    alone = paired(*paired_values(s, "random", "dense", n_clauses=8))
    assert (
        c["at 8"].level >= alone.level and c["at 8"].high - c["at 8"].low >= alone.high - alone.low
    )
    assert {x.verdict for x in c.values()} <= {"better", "not distinguishable"}


def test_perfect():
    assert is_perfect(0.9996) and not is_perfect(0.999)


def test_on_a_real_tiny_sweep():
    result = get("boolean-clauses").run(
        "quick", grid={"n_clauses": [2, 4]}, seeds=2, epochs=4, n_train=256, n_test=128
    )
    pts = fold_change_points([result])
    assert len(pts) == 4 and {p["variant"] for p in pts} == {"random", "clause"}
    assert all(p["x"] > 0 for p in pts)
    assert to_frame(result)["load"].iloc[0] == pytest.approx(2 / 8)
    assert result["setting_keys"] == ["n_clauses"]


def test_a_setting_shared_by_two_sweeps_is_one_cell_and_one_point(tmp_path):
    tiny = {"seeds": 2, "epochs": 6, "n_train": 128, "n_test": 128}
    clauses = get("boolean-clauses").run(
        "quick", store=tmp_path, grid={"n_clauses": [4, 8]}, **tiny
    )
    neurons = get("boolean-neurons").run("quick", store=tmp_path, grid={"hidden": [8, 16]}, **tiny)
    assert neurons["cells"] == {"total": 2, "computed": 1}  # 8 clauses on 8 neurons: stored once
    shared = [r for r in neurons["records"] if r["hidden"] == 8]
    assert all(r in clauses["records"] for r in shared)
    points = fold_change_points([clauses, neurons])
    fpe = [r for r in clauses["records"] + neurons["records"] if r["variant"] != "dense"]
    assert len(fpe) == 8 and len(points) == 6  # the shared setting's two FPE records once
