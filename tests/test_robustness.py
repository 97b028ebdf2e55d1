"""The open choices of the Boolean laboratory and the robustness study across them.

Options are validated, keep the keys and numbers of existing configs, and do what they say;
the design matrix is balanced; the verdict logic and the fraction interval are checked on
hand-made cases.
"""

import itertools
import math

import pytest

from expand_neurons.experiments import BooleanConfig, get
from expand_neurons.experiments import robustness as rb
from expand_neurons.experiments.audit import audit_store
from expand_neurons.experiments.boolean import boolean_runs
from expand_neurons.experiments.runner import cells_of
from expand_neurons.experiments.store import PAPER_STORE, ResultStore
from expand_neurons.tasks import make_task

TINY = {"epochs": 4, "seeds": 2, "n_train": 256, "n_test": 128}


# --- options -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value, allowed",
    [
        ("variables", "overlapping", "disjoint"),
        ("distribution", "gaussian", "planted"),
        ("bias", "half", "split"),
        ("label_mode", "or", "per_clause"),
    ],
)
def test_an_unknown_choice_names_the_allowed_ones(field, value, allowed):
    with pytest.raises(ValueError, match=f"unknown {field} '{value}'.*{allowed}"):
        BooleanConfig(**{field: value})


@pytest.mark.parametrize("field", ["count_biases", "exact_match"])
def test_flags_must_be_booleans(field):
    with pytest.raises(ValueError, match=f"{field} must be True or False"):
        BooleanConfig(**{field: "yes"})


def test_shared_variables_need_two_clauses_of_two_literals():
    with pytest.raises(ValueError, match="shared.*n_clauses >= 2 and k >= 2"):
        BooleanConfig(variables="shared", k=1)
    with pytest.raises(ValueError, match="shared.*n_clauses >= 2 and k >= 2"):
        make_task(1, 3, variables="shared", n_train=8, n_test=8)
    with pytest.raises(ValueError, match="unknown variables 'ring'"):
        make_task(variables="ring", n_train=8, n_test=8)


def test_disjoint_clauses_share_no_variable_and_shared_ones_do():
    disjoint = make_task(8, 3, n_train=16, n_test=16, seed=1)
    shared = make_task(8, 3, variables="shared", n_train=16, n_test=16, seed=1)
    d_vars = [set(c) for c in disjoint.clause_inputs]
    s_vars = [set(c) for c in shared.clause_inputs]
    assert all(not (a & b) for a, b in itertools.combinations(d_vars, 2))
    assert disjoint.n_vars == 24 and shared.n_vars == 16  # a ring of 8 * (3 - 1) variables
    assert all(len(c) == 3 for c in s_vars)  # every clause keeps k distinct literals
    for c in range(8):  # consecutive clauses (and the last and the first) share one variable
        assert len(s_vars[c] & s_vars[(c + 1) % 8]) == 1
    assert shared.labels(shared.X_test).equal(shared.y_test)


def test_uniform_inputs_are_not_planted():
    planted = make_task(8, 3, n_train=4096, n_test=16, seed=0)
    uniform = make_task(8, 3, distribution="uniform", n_train=4096, n_test=16, seed=0)
    # a clause of 3 literals is true for 1/2 + 1/16 of planted samples, 1/8 of uniform ones
    assert planted.y_train.mean().item() == pytest.approx(0.5625, abs=0.02)
    assert uniform.y_train.mean().item() == pytest.approx(0.125, abs=0.02)


def test_distractors_copied_bias_and_weights_only_budget_reach_the_model():
    runs = boolean_runs(BooleanConfig(**TINY, extra_vars=24, bias="copy", count_biases=False))
    dense, random = runs["dense"][0].model, runs["random"][0].model
    assert dense[0].in_features == 48
    # biases outside the budget: the expanded model has h * (alpha - 1) more non-zero biases
    weights = sum(int((p != 0).sum()) for n, p in dense.named_parameters() if "bias" not in n)
    from expand_neurons.expansion import count_nonzero

    assert count_nonzero(random, biases=False) == weights
    assert runs["random"][0].nonzero > runs["dense"][0].nonzero


def test_exact_match_is_at_most_per_label_accuracy_and_equal_with_one_output():
    for label_mode in ("per_clause", "dnf"):
        runs = boolean_runs(BooleanConfig(**TINY, label_mode=label_mode, exact_match=True))
        for rs in runs.values():
            for r in rs:
                assert r.exact_match is not None and r.exact_match <= r.accuracy + 1e-9
                if label_mode == "dnf":
                    assert r.exact_match == pytest.approx(r.accuracy, abs=1e-6)
    result = get("boolean-pilot").run("quick", **TINY, metric="accuracy")  # per label
    for record in result["records"]:
        assert all(e <= a for e, a in zip(record["exact_matches"], record["accuracies"]))
    lab = get("boolean-pilot").run("quick", **TINY)["records"]  # the laboratory: exact match
    assert all(r["accuracies"] == r["exact_matches"] for r in lab)
    per_label = get("boolean-pilot").run("quick", **TINY, metric="accuracy", exact_match=False)
    assert "exact_matches" not in per_label["records"][0]


# --- key and number stability --------------------------------------------------------------


def test_new_fields_at_their_defaults_leave_keys_unchanged():
    fields = (
        "variables",
        "distribution",
        "bias",
        "count_biases",
        "exact_match",
        "metric",
        "distractors",
    )
    for field in fields:
        assert field not in BooleanConfig().to_dict()
    cfg = BooleanConfig(epochs=2000, seeds=10)
    key = cells_of("boolean-pilot", "paper", cfg, 0)[0].key
    defaults = {f: getattr(BooleanConfig(), f) for f in fields}
    assert cells_of("boolean-pilot", "paper", cfg.replace(**defaults), 0)[0].key == key
    changed = cfg.replace(bias="copy")
    assert changed.to_dict()["bias"] == "copy"
    assert cells_of("boolean-pilot", "paper", changed, 0)[0].key != key


def test_a_setting_that_sweeps_share_is_one_cell():
    pilot = get("boolean-pilot").cells("paper")[0]
    shared = {
        "boolean-clauses": {"n_clauses": 8},
        "boolean-neurons": {"hidden": 8},
        "boolean-alpha": {"alpha": 2},
        "boolean-load": {"n_clauses": 8, "hidden": 8},
    }
    for name, point in shared.items():
        cells = [c for c in get(name).cells("paper") if dict(c.point) == point]
        assert [c.key for c in cells] == [pilot.key], name
        assert ResultStore("s").path(cells[0]) == ResultStore("s").path(pilot)


def test_the_committed_store_has_no_stale_cells():
    audit = audit_store(PAPER_STORE)
    assert not audit.stale and not audit.invalid, audit.stale + audit.invalid


def test_defaults_reproduce_the_numbers_from_before_the_options():
    runs = boolean_runs(BooleanConfig(**TINY))
    got = {name: [r.accuracy for r in rs] for name, rs in runs.items()}
    before = {  # measured before the options were added, same config and seed
        "dense": [0.5751953125, 0.5859375],
        "random": [0.5712890625, 0.5986328125],
        "clause": [0.564453125, 0.5830078125],
    }
    for name, accs in before.items():
        assert got[name] == pytest.approx(accs, abs=1e-3)


# --- the design matrix ---------------------------------------------------------------------


@pytest.mark.parametrize("designs", [rb.fractional_factorial(), rb.one_at_a_time()])
def test_designs_set_every_factor_to_a_level_and_start_at_the_default(designs):
    assert designs[0] == rb.default_design()
    for d in designs:
        assert set(d) == {f.name for f in rb.FACTORS}
        assert all(d[f.name] in f.levels for f in rb.FACTORS)
    assert len({tuple(sorted(d.items())) for d in designs}) == len(designs)


def test_the_fractional_factorial_is_balanced_and_of_resolution_iv():
    designs = rb.fractional_factorial()
    assert len(designs) == 16
    for f in rb.FACTORS:
        assert [sum(d[f.name] == level for d in designs) for level in f.levels] == [8, 8]
    for f, g in itertools.combinations(rb.FACTORS, 2):  # main effects orthogonal
        for a, b in itertools.product(f.levels, g.levels):
            assert sum(d[f.name] == a and d[g.name] == b for d in designs) == 4


def test_one_at_a_time_changes_one_choice_per_design():
    base, *others = rb.one_at_a_time()
    assert [sum(d[k] != base[k] for k in base) for d in others] == [1] * len(rb.FACTORS)


def test_robustness_config_rejects_bad_designs_and_direct_choices():
    with pytest.raises(ValueError, match="must set every factor"):
        rb.RobustnessConfig(design={"outputs": "dnf"})
    with pytest.raises(ValueError, match="unknown level 'or' of factor 'outputs'"):
        rb.RobustnessConfig(design={**rb.default_design(), "outputs": "or"})
    with pytest.raises(ValueError, match="set by the design"):
        rb.RobustnessConfig(bias="copy")
    with pytest.raises(ValueError, match="settings must name some of"):
        rb.RobustnessConfig(settings={"pilot": {}, "other": {}})


def test_a_design_translates_into_the_boolean_config():
    design = {**rb.default_design(), "distractors": "equal", "variables": "shared"}
    design.update(outputs="dnf", inputs="uniform", bias="copy", budget="weights_only")
    cfg = rb.setting_config(rb.RobustnessConfig(design=design), "clauses16")
    assert (cfg.n_clauses, cfg.n_distractors, cfg.variables) == (16, 32, "shared")
    assert cfg.n_inputs == 64
    assert (cfg.label_mode, cfg.distribution, cfg.bias) == ("dnf", "uniform", "copy")
    assert cfg.count_biases is False and cfg.exact_match is True


# --- verdicts and fractions ----------------------------------------------------------------


def _record(design, setting, variant, accs, capacity):
    return {"design": design, "setting": setting, "variant": variant, "accuracies": accs,
            "exact_matches": [a - 0.2 for a in accs], "capacity": capacity}  # fmt: skip


def _fake_result(design, gain):
    """Records of one design where FPE gains ``gain`` per unit of capacity fold change."""
    noise = [0.0, 0.004, -0.003, 0.002, -0.001, 0.003]
    other = [0.003, -0.002, 0.001, -0.004, 0.002, 0.0]  # the random split's own noise
    dense = [0.7 + e for e in noise]
    shift = {"pilot": 1.0, "alpha4": 1.5, "clauses4": 0.5, "clauses16": 1.2, "neurons32": 0.2}
    records = []
    for i, (setting, s) in enumerate(shift.items()):
        own = other[i:] + other[:i]
        random = [d + gain * s + e for d, e in zip(dense, own)]
        records.append(_record(design, setting, "dense", dense, 1.0))
        records.append(_record(design, setting, "random", random, 1 + s))
    records.append(_record(design, "pilot", "clause", [d + 3 * gain for d in dense], 4.0))
    return {"records": records, "config": {"grid": {"design": [design]}}}


def test_design_pilots_read_each_design_s_own_metric():
    design = rb.default_design()
    [p] = rb.design_pilots(_fake_result(design, 0.05))
    assert p.pilot["dense"] == pytest.approx(0.7 + 0.005 / 6) and p.label == "default"
    exact = {**design, "metric": "exact_match"}
    [q] = rb.design_pilots(_fake_result(exact, 0.05))
    assert q.pilot["dense"] == pytest.approx(0.5 + 0.005 / 6)


def test_closest_to_ranks_by_root_mean_square_distance():
    [v] = rb.design_pilots(_fake_result(rb.default_design(), 0.05))
    [(best, dist)] = rb.closest_to([v], {"dense": v.pilot["dense"] + 0.03})
    assert best is v and dist == pytest.approx(0.03)
    pilot = v.pilot
    two = rb.closest_to([v], {k: pilot[k] + (0.03 if k == "dense" else 0.0) for k in pilot})
    assert two[0][1] == pytest.approx(0.03 / math.sqrt(3))


def test_a_tiny_robustness_run_gives_every_claim_value_in_every_design():
    from expand_neurons.claims import main_effects as me

    designs = rb.one_at_a_time()[:2] + [rb.fractional_factorial()[-1]]
    result = get("boolean-robustness").run(
        "quick", epochs=4, seeds=2, n_train=128, n_test=64, grid={"design": designs}
    )
    assert [p.design for p in rb.design_pilots(result)] == designs
    for claim in me.CLAIMS:
        rows = me.claim_values(result, claim)
        assert len(rows) == 2 * len(designs)
    for record in result["records"]:
        assert all(e <= a for e, a in zip(record["exact_matches"], record["accuracies"]))


def test_planted_dnf_labels_are_almost_always_true():
    # the robustness chapter: a sample is false only if no clause is planted or true by chance,
    # 1 - (1 - 1/2 - 1/16)^8 = 99.86 % true for the pilot's 8 clauses of 3 literals
    task = make_task(8, 3, label_mode="dnf", n_train=8192, n_test=16, seed=0)
    assert task.y_train.mean().item() > 0.99
    uniform = make_task(8, 3, label_mode="dnf", distribution="uniform", n_train=8192, n_test=16)
    assert uniform.y_train.mean().item() == pytest.approx(1 - (7 / 8) ** 8, abs=0.02)
