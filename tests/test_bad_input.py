"""Bad input is refused early with a clear message; interrupted runs lose no finished results.

Tasks, theory and metrics arguments; the JSON writer's leftovers after a killed run; the command
line's checks before a run (``--json``, ``--seed``) and its Ctrl-C handling; an unwritable cache.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import expand_neurons
from expand_neurons import cli, metrics, results, theory
from expand_neurons.checks import check_int
from expand_neurons.data import CacheWarning, cache_path, cached
from expand_neurons.data.cache import load_entry
from expand_neurons.experiments import registry
from expand_neurons.results import check_writable, read_json, write_json
from expand_neurons.seeds import MAX_SEED as SEED_MAX
from expand_neurons.tasks import make_task, task_from_clauses

ROOT = Path(expand_neurons.__file__).resolve().parents[1]
SMALL = dict(n_train=8, n_test=8)
CLAUSES = [[(0, False), (1, True)], [(1, False), (2, False)]]


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Never touch the user's cache."""
    monkeypatch.setenv("EXPAND_NEURONS_CACHE", str(tmp_path / "cache"))


# ------------------------------------------------------------------------------------- tasks


def test_check_int_names_argument_value_and_range():
    assert check_int("k", 3) == 3 and type(check_int("k", np.int64(3))) is int
    with pytest.raises(TypeError, match=r"^k must be an integer >= 1, got 2.5 \(float\)$"):
        check_int("k", 2.5)
    with pytest.raises(ValueError, match=r"^k must be an integer >= 1, got 0$"):
        check_int("k", 0)
    with pytest.raises(ValueError, match=r"^s must be an integer in \[0, 9\], got 10$"):
        check_int("s", 10, minimum=0, maximum=9)


@pytest.mark.parametrize("name", ["k", "n_clauses"])
@pytest.mark.parametrize("value", [2.5, 2.0, "3", True, None])
def test_make_task_needs_integer_sizes(name, value):
    with pytest.raises(TypeError, match=rf"^{name} must be an integer >= 1, got "):
        make_task(**{name: value}, **SMALL)


@pytest.mark.parametrize("name", ["k", "n_clauses"])
def test_make_task_needs_positive_sizes(name):
    with pytest.raises(ValueError, match=rf"^{name} must be an integer >= 1, got 0$"):
        make_task(**{name: 0}, **SMALL)


@pytest.mark.parametrize("build", [make_task, lambda **kw: task_from_clauses(CLAUSES, 4, **kw)])
@pytest.mark.parametrize("name", ["n_train", "n_test"])
@pytest.mark.parametrize("value", [0, -3])
def test_sample_counts_must_be_positive(build, name, value):
    kw = {**SMALL, name: value}
    with pytest.raises(ValueError, match=rf"^{name} must be an integer >= 1, got {value}$"):
        build(**kw)
    with pytest.raises(TypeError, match=rf"^{name} must be an integer >= 1, got 8.0 \(float\)"):
        build(**{**SMALL, name: 8.0})


def test_extra_vars_n_vars_and_negations_are_checked():
    with pytest.raises(ValueError, match=r"^extra_vars must be an integer >= 0, got -1$"):
        make_task(extra_vars=-1, **SMALL)
    with pytest.raises(TypeError, match=r"^extra_vars must be an integer >= 0, got 1.5"):
        make_task(extra_vars=1.5, **SMALL)
    with pytest.raises(TypeError, match=r"^n_vars must be an integer >= 1, got 30.0"):
        make_task(n_vars=30.0, **SMALL)
    with pytest.raises(TypeError, match=r"negations must be True or False, got 'no'"):
        make_task(negations="no", **SMALL)
    assert make_task(extra_vars=0, **SMALL).n_vars == 24


@pytest.mark.parametrize("build", [make_task, lambda **kw: task_from_clauses(CLAUSES, 4, **kw)])
def test_seed_range(build):
    allowed = r"seed must be an integer in \[0, 9223372036854775807\]"
    for seed in (-1, 2**63):
        with pytest.raises(ValueError, match=rf"^{allowed}, got {seed}$"):
            build(seed=seed, **SMALL)
    for seed in (1.0, "0", True):
        with pytest.raises(TypeError, match=rf"^{allowed}, got "):
            build(seed=seed, **SMALL)
    assert build(seed=SEED_MAX, **SMALL).seed == SEED_MAX
    a, b = build(seed=np.int64(3), **SMALL), build(seed=3, **SMALL)
    assert torch.equal(a.X_train, b.X_train)


def test_task_from_clauses_checks_distribution_and_p_plant():
    with pytest.raises(
        ValueError, match=r"unknown distribution 'bogus'; allowed are \['planted', 'uniform'\]"
    ):
        task_from_clauses(CLAUSES, 4, distribution="bogus", **SMALL)
    for p in (2, -0.1, float("nan"), math.inf):
        with pytest.raises(ValueError, match=r"^p_plant must be in \[0, 1\], got "):
            task_from_clauses(CLAUSES, 4, p_plant=p, **SMALL)
    with pytest.raises(TypeError, match=r"p_plant must be a number in \[0, 1\], got '0.5'"):
        task_from_clauses(CLAUSES, 4, p_plant="0.5", **SMALL)
    with pytest.raises(ValueError, match=r"unknown label_mode 'x'; allowed are \['per_clause'"):
        task_from_clauses(CLAUSES, 4, label_mode="x", **SMALL)


@pytest.mark.parametrize("var", [1.5, "3", True, None])
def test_task_from_clauses_needs_integer_variables(var):
    with pytest.raises(TypeError, match=r"^clause 1 names variable .*; variables are integers 0.."):
        task_from_clauses([[(0, False)], [(var, False)]], 4, **SMALL)


@pytest.mark.parametrize(
    ("clauses", "message"),
    [
        ([], r"^clauses must be a non-empty list of clauses"),
        ((), r"^clauses must be a non-empty list of clauses"),
        ("x0", r"^clauses must be a non-empty list of clauses"),
        ([[]], r"^clause 0 must be a non-empty list of \(var, negated\) literals, got \[\]"),
        ([[(0, False)], []], r"^clause 1 must be a non-empty list of \(var, negated\) literals"),
        ([[(0,)]], r"^clause 0 has literal \(0,\); a literal is a pair \(var, negated\)"),
        ([[3]], r"^clause 0 has literal 3; a literal is a pair \(var, negated\)"),
    ],
)
def test_task_from_clauses_rejects_empty_or_malformed_clauses(clauses, message):
    with pytest.raises(ValueError, match=message):
        task_from_clauses(clauses, 4, **SMALL)


def test_task_from_clauses_checks_negation_flags_and_n_vars():
    with pytest.raises(TypeError, match=r"negation flag 'yes' for variable 0; allowed are True"):
        task_from_clauses([[(0, "yes")]], 4, **SMALL)
    with pytest.raises(ValueError, match=r"^n_vars must be an integer >= 1, got 0$"):
        task_from_clauses(CLAUSES, 0, **SMALL)
    with pytest.raises(TypeError, match=r"^n_vars must be an integer >= 1, got 4.0"):
        task_from_clauses(CLAUSES, 4.0, **SMALL)
    task = task_from_clauses([[(0, 0), (1, 1)], [(1, False)]], 4, **SMALL)  # 0/1 flags are fine
    assert task.clauses == (((0, False), (1, True)), ((1, False),))
    assert torch.equal(task.y_train, task.labels(task.X_train))


# ------------------------------------------------------------------------------------ theory


@pytest.mark.parametrize("s", [0, -1])
def test_together_probability_needs_s_at_least_one(s):
    with pytest.raises(ValueError, match=rf"^s must be an integer >= 1, got {s}$"):
        theory.together_probability(s, 2)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: theory.together_probability(2.5, 2), TypeError, r"^s must be .*got 2.5 \(float"),
        (lambda: theory.together_probability(2, 2.5), TypeError, r"^alpha must be .*got 2.5"),
        (lambda: theory.together_probability(2, 0), ValueError, r"^alpha must be .* >= 1, got 0"),
        (lambda: theory.coverage_probability(2, 0), ValueError, r"^k must be an .* >= 1, got 0$"),
        (lambda: theory.coverage_probability(2, 1.5), TypeError, r"^k must be an integer >= 1"),
        (lambda: theory.collision_probability(True, 3), TypeError, r"^alpha must be an integer"),
        (lambda: theory.coverage_probability(2, 3, 12.0), TypeError, r"^d must be .*got 12.0"),
        (lambda: theory.coverage_probability(2, 3, 0), ValueError, r"^d must be .* >= 1, got 0$"),
        (lambda: theory.expected_collisions(-1, 2, 3), ValueError, r"^m must be .* >= 0, got -1"),
        (lambda: theory.expected_collisions(2.5, 2, 3), TypeError, r"^m must be an integer >= 0"),
        (
            lambda: theory.coverage_anywhere_probability(2, 3, -1),
            ValueError,
            r"^parents must be an integer >= 0, got -1$",
        ),
    ],
)
def test_theory_arguments_are_checked(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_theory_still_accepts_good_arguments():
    assert theory.together_probability(1, 2) == 1.0
    assert theory.together_probability(3, 2) == 0.25
    assert theory.coverage_probability(np.int64(2), 3) == 0.25
    assert theory.coverage_anywhere_probability(2, 3, 0) == 0.0


@pytest.mark.parametrize("trials", [0, 1, -5])
def test_simulate_needs_two_trials(trials):
    with pytest.raises(ValueError, match=rf"^trials must be an integer >= 2, got {trials}$"):
        theory.simulate(2, 3, 12, trials=trials)


def test_simulate_checks_trials_type_d_and_seed():
    with pytest.raises(TypeError, match=r"^trials must be an integer >= 2, got 100.0 \(float\)"):
        theory.simulate(2, 3, 12, trials=100.0)
    with pytest.raises(ValueError, match=r"need 6 distinct inputs, got d=4"):
        theory.simulate(4, 3, 4, trials=10, model="independent")
    with pytest.raises(TypeError, match=r"^d must be an integer >= 1, got None"):
        theory.simulate(2, 3, None, trials=10)
    with pytest.raises(ValueError, match=r"^seed must be an integer in \[0, "):
        theory.simulate(2, 3, 12, trials=10, seed=-1)
    mc = theory.simulate(2, 3, 12, trials=2)
    assert math.isfinite(mc.coverage_se) and math.isfinite(mc.collision_se)


# ----------------------------------------------------------------------------------- metrics


def _bad_weights(value: float = float("nan")) -> torch.Tensor:
    W = torch.randn(4, 6)
    W[0, 0] = W[1, 3] = W[3, 5] = value
    return W


WEIGHT_METRICS = {
    "feature_capacity": metrics.feature_capacity,
    "mean_feature_capacity": metrics.mean_feature_capacity,
    "mean_cosine_similarity": metrics.mean_cosine_similarity,
    "clause_attribution": lambda W: metrics.clause_attribution(W, [[0, 1], [2, 3]]),
}


@pytest.mark.parametrize("fn", WEIGHT_METRICS.values(), ids=WEIGHT_METRICS.keys())
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_weight_metrics_refuse_non_finite_weights(fn, value):
    with pytest.raises(
        ValueError,
        match=r"^W has 3 non-finite entries \(NaN or inf\); metrics need finite weights$",
    ):
        fn(_bad_weights(value))
    with pytest.raises(ValueError, match=r"^W has 3 non-finite entries"):
        fn(torch.nn.Parameter(_bad_weights(value)))  # a layer's weight, as the book passes it


@pytest.mark.parametrize("fn", WEIGHT_METRICS.values(), ids=WEIGHT_METRICS.keys())
def test_weight_metrics_need_a_matrix(fn):
    with pytest.raises(ValueError, match=r"^W must be a 2-D \(neurons, inputs\) matrix, got shape"):
        fn(torch.ones(6))
    with pytest.raises(TypeError, match=r"^W must be a torch.Tensor, got list"):
        fn([[1.0, 0.0]])


ATTRIBUTION_METRICS = {
    "clauses_per_neuron": metrics.clauses_per_neuron,
    "polysemantic_neurons": metrics.polysemantic_neurons,
    "effective_clauses": metrics.effective_clauses,
}


@pytest.mark.parametrize("fn", ATTRIBUTION_METRICS.values(), ids=ATTRIBUTION_METRICS.keys())
def test_attribution_metrics_refuse_non_finite_attributions(fn):
    A = torch.full((3, 4), 0.25)
    A[1, 2] = float("nan")
    with pytest.raises(
        ValueError, match=r"^A has 1 non-finite entries \(NaN or inf\); metrics need finite"
    ):
        fn(A)


def test_clause_attribution_checks_clause_inputs():
    with pytest.raises(ValueError, match=r"^clause 1 names inputs \[9\]; allowed are 0..5$"):
        metrics.clause_attribution(torch.ones(2, 6), [[0, 1], [2, 9]])
    with pytest.raises(ValueError, match=r"^clause 0 names inputs \[-1\]; allowed are 0..5$"):
        metrics.clause_attribution(torch.ones(2, 6), [[-1, 1]])
    with pytest.raises(ValueError, match=r"^clause 0 names inputs \[1.5, True\]; allowed are 0"):
        metrics.clause_attribution(torch.ones(2, 6), [[0, 1.5, True]])
    A = metrics.clause_attribution(torch.ones(2, 6), [[np.int64(0), torch.tensor(1)], [2]])
    assert torch.allclose(A, torch.tensor([[1 / 3, 1 / 3], [1 / 6, 1 / 6]]))


def test_fits_and_gains_refuse_non_finite_values():
    with pytest.raises(ValueError, match=r"^x has 1 non-finite values \(NaN or inf\)"):
        metrics.fit_line([1, float("nan"), 3], [1, 2, 3])
    with pytest.raises(ValueError, match=r"^y has 2 non-finite values"):
        metrics.fit_line([1, 2, 3], [1, float("inf"), float("nan")])
    with pytest.raises(ValueError, match=r"^accuracies must be finite, got nan and 0.5$"):
        metrics.relative_improvement(float("nan"), 0.5)


# ----------------------------------------------------------------------------------- results


def _env() -> dict[str, str]:
    """The environment for a child Python that imports this checkout of the package."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _age(path: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_write_json_removes_stale_temporaries_of_its_target(tmp_path):
    path = tmp_path / "r.json"
    write_json(path, {"a": 1})
    dead, live = _dead_pid(), os.getppid()
    stale = [
        tmp_path / f".r.json.{dead}.abc123_x.tmp",  # writer was killed
        tmp_path / f".r.json.{os.getpid()}.zzzzzzzz.tmp",  # ours, from an earlier life of the pid
        tmp_path / f".r.json.{live}.oldoldol.tmp",  # a live pid, but ages old
        tmp_path / ".r.json.legacy12.tmp",  # the name used before the pid was in it, old
    ]
    kept = [
        tmp_path / f".r.json.{live}.writing1.tmp",  # another process writing right now
        tmp_path / ".r.json.legacy34.tmp",  # old-style name, recent: may still be written
        tmp_path / f".other.json.{dead}.abcdefgh.tmp",  # another target's
        tmp_path / f".r.json.bak.{dead}.abcdefgh.tmp",  # the target r.json.bak's
        tmp_path / f"r.json.{dead}.abcdefgh.tmp",  # not hidden: not a temporary of ours
    ]
    for p in stale + kept:
        p.write_text("{")
    _age(stale[2], 2 * results.STALE_S)
    _age(stale[3], 2 * results.STALE_S)
    write_json(path, {"a": 2})
    assert read_json(path) == {"a": 2}
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([path.name] + [p.name for p in kept])


def test_write_json_keeps_temporaries_this_process_is_writing(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    busy = tmp_path / f".r.json.{os.getpid()}.busybusy.tmp"
    busy.write_text("{")
    monkeypatch.setattr(results, "_IN_FLIGHT", {str(busy)})
    write_json(path, {"a": 1})
    assert busy.exists()


KILLED_WRITER = """
import os, signal, sys
from expand_neurons import results
def killed(src, dst):
    os.kill(os.getpid(), signal.SIGKILL)
results.os.replace = killed
results.write_json(sys.argv[1], {"a": 2, "big": list(range(1000))})
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_a_killed_writer_leaves_the_old_file_and_its_orphan_is_removed(tmp_path):
    path = tmp_path / "r.json"
    write_json(path, {"a": 1})
    env = _env()
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(path)], env=env, cwd=ROOT, timeout=120
    )
    assert proc.returncode == -9
    orphans = [p.name for p in tmp_path.iterdir() if p.name != "r.json"]
    assert len(orphans) == 1 and re.fullmatch(r"\.r\.json\.\d+\.\w+\.tmp", orphans[0])
    assert read_json(path) == {"a": 1}  # the finished result survived the kill
    write_json(path, {"a": 3})
    assert os.listdir(tmp_path) == ["r.json"] and read_json(path) == {"a": 3}


def test_check_writable_accepts_good_paths_without_leaving_anything(tmp_path):
    assert check_writable(tmp_path / "r.json") == tmp_path / "r.json"
    (tmp_path / "old.json").write_text('{"keep": 1}')
    assert check_writable(str(tmp_path / "old.json")) == tmp_path / "old.json"
    assert check_writable(tmp_path / "new" / "deeper" / "r.json").name == "r.json"
    assert sorted(os.listdir(tmp_path)) == ["old.json"]  # no probe file, no folders left behind
    assert json.loads((tmp_path / "old.json").read_text()) == {"keep": 1}


def test_check_writable_rejects_empty_and_directories(tmp_path):
    with pytest.raises(ValueError, match=r"^the output path '' is empty; give a file name"):
        check_writable("")
    with pytest.raises(
        ValueError, match=rf"^cannot write results to {re.escape(str(tmp_path))}: it is a directory"
    ):
        check_writable(tmp_path)
    with pytest.raises(
        ValueError, match=r"not-yet/: it ends with a slash, so names a directory; give a file path"
    ):
        check_writable(f"{tmp_path}/not-yet/")
    assert not (tmp_path / "not-yet").exists()


def test_check_writable_rejects_unusable_folders(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match=r"a-file is not a directory, so the folder .* cannot be"):
        check_writable(blocker / "sub" / "r.json")
    with pytest.raises(ValueError, match=r"a-file is not a directory"):
        check_writable(blocker / "r.json")
    if os.path.exists("/dev/null"):
        with pytest.raises(ValueError, match=r"/dev/null: it exists and is not a regular file"):
            check_writable("/dev/null")

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(results.tempfile, "mkstemp", refused)
    with pytest.raises(
        ValueError, match=r"cannot write results to .*r.json: Permission denied \(PermissionError\)"
    ):
        check_writable(tmp_path / "new" / "r.json")
    assert not (tmp_path / "new").exists()  # the folder made for the test is gone again


# --------------------------------------------------------------------------------------- cli


FAKE_RESULT = {"variants": {"dense": {"accuracy": 0.5, "nonzero": 10}}, "elapsed_s": 0.0}


@pytest.fixture
def runs(monkeypatch):
    """Replace every experiment's run; the list records the calls."""
    calls: list[tuple] = []

    def fake_run(self, profile=None, seed=0, **overrides):
        calls.append((self.name, profile, seed))
        return FAKE_RESULT

    monkeypatch.setattr(registry.Experiment, "run", fake_run)
    return calls


@pytest.fixture
def no_run(monkeypatch):
    def must_not_run(self, *args, **kwargs):
        pytest.fail("the experiment ran although its options were bad")

    monkeypatch.setattr(registry.Experiment, "run", must_not_run)
    monkeypatch.setattr(cli.bench, "main", must_not_run)


def _json_cases(tmp_path: Path) -> list[tuple[str, str]]:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    return [
        (str(tmp_path), "it is a directory"),
        ("", "is empty"),
        (str(blocker / "r.json"), "a-file is not a directory"),
    ]


@pytest.mark.parametrize("command", [["run", "boolean-pilot"], ["bench", "--quick"]])
def test_cli_checks_json_path_before_running(tmp_path, capsys, no_run, command):
    for path, message in _json_cases(tmp_path):
        assert cli.main([*command, "--json", path]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err, err


@pytest.mark.parametrize("seed", ["-1", str(2**63)])
def test_cli_checks_the_seed_range(capsys, no_run, seed):
    assert cli.main(["run", "boolean-pilot", "--seed", seed]) == 2
    err = capsys.readouterr().err
    assert f"error: --seed must be an integer in [0, {2**63 - 1}], got {seed}" in err


def test_cli_rejects_a_non_integer_seed(capsys, no_run):
    with pytest.raises(SystemExit) as exc:
        cli.main(["run", "boolean-pilot", "--seed", "1.5"])
    assert exc.value.code == 2
    assert "--seed: invalid int value: '1.5'" in capsys.readouterr().err


def test_cli_runs_and_writes_with_good_options(tmp_path, capsys, runs):
    path = tmp_path / "out" / "r.json"
    assert cli.main(["run", "boolean-pilot", "--seed", str(2**63 - 1), "--json", str(path)]) == 0
    assert runs == [("boolean-pilot", "quick", 2**63 - 1)]
    assert read_json(path) == FAKE_RESULT and f"wrote {path}" in capsys.readouterr().out


def test_cli_run_interrupted(tmp_path, capsys, monkeypatch):
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(registry.Experiment, "run", interrupted)
    path = tmp_path / "r.json"
    assert cli.main(["run", "boolean-pilot", "--json", str(path)]) == 130
    assert capsys.readouterr().err == "interrupted; nothing written\n"
    assert os.listdir(tmp_path) == []


def test_cli_bench_interrupted(tmp_path, capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.bench, "main", interrupted)
    assert cli.main(["bench", "--quick", "--json", str(tmp_path / "b.json")]) == 130
    assert capsys.readouterr().err == "interrupted; nothing written\n"
    assert os.listdir(tmp_path) == []


def test_module_entry_point_exits_with_the_status():
    env = _env()
    proc = subprocess.run(
        [sys.executable, "-m", "expand_neurons", "run", "boolean-pilot", "--json", ""],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: the output path '' is empty")
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------------------------- cache


KEY = {"dataset": "toy", "encoder": "enc-a", "seed": 0}


class _Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"X": torch.arange(6.0).view(2, 3), "names": ["a", "b"]}


def test_cache_with_a_directory_where_the_file_should_be(tmp_path):
    path = cache_path(KEY, tmp_path)
    path.mkdir(parents=True)
    compute = _Counter()
    message = (
        rf"could not write the embedding cache to {re.escape(str(path))} \(IsADirectoryError"
        r".*the embeddings were computed and are used, but will be recomputed next time"
    )
    with pytest.warns(CacheWarning, match=message):
        out = cached(KEY, compute, cache_dir=tmp_path)
    assert compute.calls == 1 and torch.equal(out["X"], torch.arange(6.0).view(2, 3))
    assert out["names"] == ["a", "b"]
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
    with pytest.warns(CacheWarning, match="could not write the embedding cache"):
        cached(KEY, compute, cache_dir=tmp_path)
    assert compute.calls == 2


@pytest.mark.parametrize("via", ["argument", "environment"])
def test_cache_root_that_cannot_be_created(tmp_path, monkeypatch, via):
    root = tmp_path / "cache-root"
    root.write_text("a regular file where the cache folder should be")
    if via == "environment":
        monkeypatch.setenv("EXPAND_NEURONS_CACHE", str(root))
    compute = _Counter()
    with pytest.warns(CacheWarning, match=r"could not write the embedding cache to .*cache-root"):
        out = cached(KEY, compute, cache_dir=root if via == "argument" else None)
    assert compute.calls == 1 and out["names"] == ["a", "b"]
    assert root.read_text().startswith("a regular file")


def test_cache_full_disk_is_a_warning_too(tmp_path, monkeypatch):
    def full(obj, f, *args, **kwargs):
        raise RuntimeError("PytorchStreamWriter failed writing file data/0: file write failed")

    with monkeypatch.context() as m:
        m.setattr(torch, "save", full)
        with pytest.warns(CacheWarning, match=r"\(RuntimeError: PytorchStreamWriter failed"):
            out = cached(KEY, _Counter(), cache_dir=tmp_path)
    assert out["names"] == ["a", "b"]
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
    cached(KEY, _Counter(), cache_dir=tmp_path)  # writable again: stored and valid
    assert load_entry(cache_path(KEY, tmp_path), KEY)["names"] == ["a", "b"]
