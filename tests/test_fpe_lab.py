"""The FPE lab's JavaScript (``_static/fpe-lab/fpe-lab.mjs``) against the library, in node.

Node imports the module's pure functions and is fed what the library uses: task data, initial
weights, batch orders and the splits' random draws (:func:`expand_neurons.book.lab.replay_data`).
The lab must then build identical masks and non-zero counts, prune identically, and train to
the library's losses within ``REPLAY_TOLERANCE`` (stated in ``expand_neurons.book.lab`` and in
the book). The lab keeps weights and Adam's state in float32
as torch does but sums in float64, so losses differ in the last float32 digits: measured at most
1e-7 over the whole quick pilot (200 epochs, 4096 samples), with identical accuracies.
Skipped, with a message, when node is not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import torch
from support_fpe_lab import replay_problems

from expand_neurons import expand, metrics
from expand_neurons.book.figures import BOOK_BUILD_ENV
from expand_neurons.book.lab import (
    ESM,
    REPLAY_TOLERANCE,
    SPLIT_VARIANTS,
    FpeLab,
    init_data,
    lab_settings,
    mount_html,
    replay_data,
    settings_config,
    show_lab,
    split_draws,
    task_data,
)
from expand_neurons.experiments.boolean import LAB, boolean_runs, boolean_tasks
from expand_neurons.layers.protocol import fpe_layers
from expand_neurons.models import seeded_mlp
from expand_neurons.splits import ClauseAligned
from expand_neurons.training import fit

ROOT = Path(__file__).resolve().parents[1]
MODULE = ROOT / "_static" / "fpe-lab" / "fpe-lab.mjs"
#: A small setting of the book's laboratory: both splits, 10 + 10 epochs.
SMALL = LAB.replace(epochs=20, split_at=0.5, seeds=1, n_train=1024, n_test=512)


def node(script: str, payload: Any, tmp_path: Path) -> Any:
    """Run ``script`` (an ES module body with ``lab``, the module, and ``input``, the payload)
    in node; return what it prints as JSON."""
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("node is not installed: the lab's JavaScript cannot be checked here")
    data = tmp_path / "payload.json"
    data.write_text(json.dumps(payload))
    prelude = (
        'import { readFileSync } from "node:fs";\n'
        f"import * as lab from {json.dumps(MODULE.as_uri())};\n"
        f"const input = JSON.parse(readFileSync({json.dumps(str(data))}, 'utf8'));\n"
    )
    done = subprocess.run(
        [exe, "--input-type=module", "-e", prelude + script],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"node failed:\n{done.stderr}"
    return json.loads(done.stdout)


def test_the_package_ships_the_site_module():
    assert ESM.read_bytes() == MODULE.read_bytes()


def test_the_lab_defaults_are_the_book_pilot(tmp_path):
    got = node("console.log(JSON.stringify(lab.DEFAULTS));", None, tmp_path)
    assert got == lab_settings()
    assert settings_config(got) == LAB.replace(seeds=1)


def test_bad_settings_are_refused_with_their_name(tmp_path):
    script = """
    const out = [];
    for (const bad of input) {
        try { lab.checkConfig(bad); out.push("accepted"); } catch (e) { out.push(e.message); }
    }
    console.log(JSON.stringify(out));
    """
    bad = [{"neurons": 0}, {"split": "half"}, {"split_at": 300}, {"alpha": 2.5}, {"variables": 1}]
    got = node(script, bad, tmp_path)
    assert "neurons must be an integer in 1..32" in got[0]
    assert "split must be one of none, random, clause, both" in got[1]
    assert "split_at (300) must be at most epochs (200)" in got[2]
    assert "alpha must be an integer" in got[3]
    assert "variables must be one of shared, disjoint, got 1" in got[4]


def test_the_lab_task_has_the_laboratory_structure(tmp_path):
    script = """
    const out = input.map(([clauses, variables]) => {
        const t = lab.makeTask({ clauses, k: 3, variables, n_train: 2000, n_test: 10, seed: 1 });
        const rate = t.train.y.reduce((a, b) => a + b, 0) / t.train.y.length;
        return { n_vars: t.nVars, inputs: t.clauseInputs, rate };
    });
    console.log(JSON.stringify(out));
    """
    settings = [(m, v) for m in (2, 8, 24) for v in ("shared", "disjoint")]
    for (m, variables), got in zip(settings, node(script, settings, tmp_path)):
        cfg = LAB.replace(n_clauses=m, variables=variables)
        assert got["n_vars"] == cfg.n_inputs
        inputs = got["inputs"]
        assert all(len(g) == cfg.k for g in inputs)
        assert len({v for g in inputs for v in g}) == cfg.clause_inputs
        shared = 0 if variables == "disjoint" else 1 if m > 2 else 2
        for c in range(m):  # shared: a ring, consecutive clauses share one variable
            assert len(set(inputs[c]) & set(inputs[(c + 1) % m])) == shared
        assert abs(got["rate"] - 2**-cfg.k) < 0.03  # uniform inputs: a clause holds 1/8 of the time


EXPAND = """
const out = {};
const task = lab.taskFrom(input.task.clauses, input.task.n_vars,
    lab.bitsOf(input.task.X_train), lab.bitsOf(input.task.X_test));
const dense = lab.netFrom(input.weights);
for (const kind of ["random", "clause"]) {
    const draws = input.draws[kind];
    const masks = kind === "random"
        ? lab.randomSplit(dense.h, dense.d, input.alpha, Int32Array.from(draws.perm.flat()))
        : lab.clauseSplit(dense.W1, dense.h, dense.d, input.alpha, task.clauseInputs, draws.rest);
    const wide = lab.expandNet(dense, input.alpha, masks, Int32Array.from(draws.shuffle));
    const A = lab.clauseAttribution(wide.W1, wide.h, wide.d, task.clauseInputs);
    out[kind] = {
        budget: lab.countNonzero(dense), nonzero: lab.countNonzero(wide),
        M1: Array.from(wide.M1), M2: Array.from(wide.M2), W1: Array.from(wide.W1),
        W2: Array.from(wide.W2), b1: Array.from(wide.b1), b2: Array.from(wide.b2),
        attribution: A, polysemantic: lab.polysemanticNeurons(A),
        capacity: lab.featureCapacity(wide.W1, wide.h, wide.d),
    };
}
console.log(JSON.stringify(out));
"""


@pytest.mark.parametrize(
    ("clauses", "hidden", "alpha", "variables"), [(8, 8, 2, "shared"), (5, 6, 3, "disjoint")]
)
def test_expansion_and_pruning_match_the_library(clauses, hidden, alpha, variables, tmp_path):
    cfg = LAB.replace(
        n_clauses=clauses, hidden=hidden, alpha=alpha, variables=variables, n_train=512, n_test=64
    )
    task = boolean_tasks(cfg.replace(seeds=1), 3)[0]
    model = seeded_mlp(5, task.n_inputs, hidden, task.n_outputs)
    fit(model, task, epochs=3, seed=1)  # trained weights: the clause ranking has something to rank
    payload = {
        "task": task_data(task),
        "weights": init_data(model),
        "alpha": alpha,
        "draws": split_draws(task, hidden, alpha, seed=11),
    }
    got = node(EXPAND, payload, tmp_path)
    splits = {"random": "random", "clause": ClauseAligned(task.clause_inputs, task.n_inputs)}
    for kind, split in splits.items():
        wide = expand(model, alpha, split, seed=11)
        first, second = fpe_layers(wide)
        js = got[kind]
        assert (
            js["nonzero"] == js["budget"] == sum(int(p.count_nonzero()) for p in model.parameters())
        )
        assert js["M1"] == first.live_mask().flatten().int().tolist(), kind
        assert js["M2"] == second.live_mask().flatten().int().tolist(), kind
        for name, values in (("W1", first.effective_weight()), ("W2", second.effective_weight())):
            assert js[name] == values.flatten().tolist(), f"{kind}: {name} differs"
        for name, layer in (("b1", first), ("b2", second)):
            assert torch.allclose(torch.tensor(js[name]), layer.effective_bias(), atol=1e-7, rtol=0)
        W = first.effective_weight()
        A = metrics.clause_attribution(W, task.clause_inputs)
        assert torch.allclose(torch.tensor(js["attribution"]), A, atol=1e-6)
        assert js["polysemantic"] == metrics.polysemantic_neurons(A)
        assert js["capacity"] == pytest.approx(metrics.mean_feature_capacity(W), abs=1e-6)


def test_the_lab_replays_the_library_run(tmp_path):
    runs = boolean_runs(SMALL, seed=4)
    payload = {"settings": lab_settings(SMALL), "data": replay_data(SMALL, seed=4)}
    got = node(
        "console.log(JSON.stringify(lab.runLab(input.settings, input.data)));", payload, tmp_path
    )
    assert set(got["runs"]) == set(SPLIT_VARIANTS["both"])
    for run in got["runs"].values():
        assert [r["epoch"] for r in run["history"]] == list(range(1, SMALL.epochs + 1))
    assert replay_problems(got, runs) == []


def test_the_replay_check_finds_a_loss_off_by_more_than_the_tolerance(tmp_path):
    runs = boolean_runs(SMALL.replace(variants=("dense",), epochs=2), seed=4)
    history = runs["dense"][0].history
    records = [
        {"epoch": e, "train_loss": tr, "test_loss": te, "accuracy": acc}
        for e, tr, te, acc in zip(
            history.epoch, history.train_loss, history.test_loss, history.test_accuracy
        )
    ]
    final = {"exact_match": runs["dense"][0].exact_match, "nonzero": 336, "neurons": 8}
    summary = {"runs": {"dense": {"history": records, "final": final}}}
    assert replay_problems(summary, runs) == []
    records[-1]["test_loss"] += 2 * REPLAY_TOLERANCE
    assert replay_problems(summary, runs) == [
        f"dense, epoch 2: test_loss {records[-1]['test_loss']} vs {history.test_loss[-1]}"
    ]


def test_mount_html_carries_the_settings_and_loads_the_site_module():
    page = mount_html(lab_settings(SMALL))
    assert 'data-fpe-lab="{&quot;alpha&quot;: 2' in page
    assert '"_static/fpe-lab/fpe-lab.mjs"' in page and "dataset.content_root" in page


def test_show_lab_refuses_an_unknown_setting():
    with pytest.raises(ValueError, match=r"unknown lab settings \['width'\]"):
        show_lab(width=3)


def test_lab_settings_refuse_a_design_the_lab_does_not_mirror():
    with pytest.raises(ValueError, match=r"differs in \['distribution'\]"):
        lab_settings(LAB.replace(distribution="planted"))
    with pytest.raises(ValueError, match="unknown split"):
        lab_settings(split="half")


def test_show_lab_mounts_html_in_the_book_build_and_a_widget_elsewhere(monkeypatch):
    shown: list[Any] = []
    monkeypatch.setattr("expand_neurons.book.lab.display", lambda obj, **kw: shown.append(obj))
    monkeypatch.setenv(BOOK_BUILD_ENV, "1")
    show_lab(split="none", clauses=4)
    assert shown[-1] == {"text/html": mount_html({**lab_settings(split="none"), "clauses": 4})}
    monkeypatch.delenv(BOOK_BUILD_ENV)
    show_lab(split="none", clauses=4)
    widget = shown[-1]
    assert isinstance(widget, FpeLab)
    assert (widget.split, widget.clauses, widget.neurons) == ("none", 4, LAB.hidden)
    assert widget.status == "idle" and widget.results == {}
    widget.close()


def test_a_replay_widget_carries_the_library_draws():
    cfg = SMALL.replace(epochs=4, split_at=0.5)
    widget = FpeLab.replay(cfg, seed=3, split="random")
    assert (widget.epochs, widget.split_at, widget.split) == (4, 2, "random")
    assert widget.data == replay_data(cfg, seed=3)
    assert len(widget.data["orders"]["post"]) == 2
    widget.close()
