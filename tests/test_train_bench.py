"""The end-to-end training benchmark: the same budget in every layout, ratios against dense."""

import pytest

from expand_neurons.layers.train_bench import Shape, TrainBenchConfig, run_training


def test_rows_share_the_dense_budget_and_ratio_against_it():
    cfg = TrainBenchConfig(
        shapes=(Shape("tiny", 12, (4, 4), 3),),
        alphas=(2,),
        n=64,
        batch=16,
        reps=1,
        warmup=0,
        blocks=2,
    )
    rows = run_training(cfg)
    trained = [r for r in rows if r["layout"] != "expand"]
    assert [r["layout"] for r in trained] == ["dense", "masked", "grouped", "sparse"]
    dense = trained[0]
    assert dense["ratio"] == 1.0 and dense["neurons"] == 8
    for r in trained[1:]:
        assert r["nonzero"] == dense["nonzero"] and r["neurons"] == 16
        assert r["ratio"] == pytest.approx(r["epoch_s"] / dense["epoch_s"])
    (expand_row,) = [r for r in rows if r["layout"] == "expand"]
    assert expand_row["expand_s"] > 0
    assert expand_row["fraction_of_epoch"] == pytest.approx(
        expand_row["expand_s"] / dense["epoch_s"]
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alphas": (1,)}, "alpha"),
        ({"layouts": ("dense", "csr")}, r"unknown layouts \['csr'\]"),
        ({"blocks": 3}, "blocks=3 must divide every hidden width"),
        ({"reps": 0}, "reps"),
        ({"shapes": ()}, "at least one network"),
    ],
)
def test_bad_configs_say_what_is_allowed(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainBenchConfig(**kwargs)


def test_a_shape_needs_hidden_layers():
    with pytest.raises(ValueError, match="at least one width"):
        Shape("none", 4, ())
