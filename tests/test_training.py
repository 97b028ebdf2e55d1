"""Training: determinism, batched = separate, histories, and the schedule."""

import pytest
import torch
import torch.nn.functional as F

import expand_neurons as en
from expand_neurons.baselines import dropconnect
from expand_neurons.schedule import dense_variant
from expand_neurons.tasks import make_task
from expand_neurons.training import _losses

TASKS = [make_task(8, 3, n_train=512, n_test=256, seed=s) for s in range(2)]


def test_same_seed_gives_the_same_numbers_twice():
    runs = []
    for _ in range(2):
        models = [en.seeded_mlp(s, 24, 8, 8) for s in range(2)]
        hs = en.fit(models, TASKS, epochs=5, seed=3)
        runs.append(([h.test_accuracy for h in hs], [m[0].weight.clone() for m in models]))
    assert runs[0][0] == runs[1][0]
    assert all(torch.equal(a, b) for a, b in zip(runs[0][1], runs[1][1]))


def test_models_trained_together_match_models_trained_alone():
    together = [en.expand(en.seeded_mlp(s, 24, 8, 8), 2, "random", seed=s) for s in range(2)]
    alone = [en.expand(en.seeded_mlp(s, 24, 8, 8), 2, "random", seed=s) for s in range(2)]
    h_together = en.fit(together, TASKS, epochs=4, seed=5)
    h_alone = [en.fit(m, t, epochs=4, seed=5)[0] for m, t in zip(alone, TASKS)]
    for a, b, ma, mb in zip(h_together, h_alone, together, alone):
        assert a.test_accuracy == pytest.approx(b.test_accuracy, abs=2e-3)
        assert torch.allclose(ma[0].weight, mb[0].weight, atol=1e-4)


@pytest.mark.parametrize("batch", [64, 37])  # a power of two, and the last partial batch
@pytest.mark.parametrize("loss", ["bce", "ce"])
def test_the_stacked_loss_is_each_models_own_mean_loss(loss, batch):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(5, batch, 8, generator=g, requires_grad=True)  # (N, batch, outputs)
    if loss == "bce":
        y = torch.randint(0, 2, (5, batch, 8), generator=g).float()
        per_model = [F.binary_cross_entropy_with_logits(o, t) for o, t in zip(logits, y)]
    else:
        y = torch.randint(0, 8, (5, batch), generator=g)
        per_model = [F.cross_entropy(o, t) for o, t in zip(logits, y)]
    (one_by_one,) = torch.autograd.grad(torch.stack(per_model).sum(), logits)
    stacked = _losses(logits, y, loss)
    (at_once,) = torch.autograd.grad(stacked.sum(), logits)
    assert stacked.shape == (5,)
    if batch == 64 or loss == "ce":  # both divide by the batch, or by a power of two (64 x 8)
        assert torch.equal(at_once, one_by_one)
    assert torch.allclose(stacked, torch.stack(per_model), rtol=1e-6)
    assert torch.allclose(at_once, one_by_one, rtol=1e-5, atol=1e-9)


def test_training_learns_and_records_history():
    model = en.seeded_mlp(0, 24, 16, 8)
    before = en.evaluate(model, TASKS[0].X_test, TASKS[0].y_test)
    (h,) = en.fit(model, TASKS[0], epochs=20, eval_every=5)
    assert h.epoch == [5, 10, 15, 20]
    assert h.final_accuracy > before + 0.2
    assert h.final_accuracy == pytest.approx(en.evaluate(model, TASKS[0].X_test, TASKS[0].y_test))


def test_dropconnect_keeps_budget_and_is_stochastic_only_in_training():
    model = en.seeded_mlp(0, 24, 8, 8)
    dc = dropconnect(model, 0.5)
    x = torch.rand(4, 24)
    assert en.count_nonzero(dc) == en.count_nonzero(model)
    dc.eval()
    assert torch.equal(dc(x), model(x))
    dc.train()
    assert not torch.equal(dc(x), dc(x))


def test_schedule_runs_variants_from_the_same_warm_model():
    variants = [
        dense_variant(),
        en.Variant("random", lambda m, d, s: en.expand(m, 2, "random", seed=s)),
    ]
    out = en.run_schedule(
        lambda s: en.seeded_mlp(s, 24, 8, 8), TASKS, variants, warmup_epochs=3, post_epochs=2
    )
    assert set(out) == {"dense", "random"}
    for d, r in zip(out["dense"], out["random"]):
        assert d.nonzero == r.nonzero
        assert (d.neurons, r.neurons) == (8, 16)
        assert d.history.test_accuracy[:3] == r.history.test_accuracy[:3]  # shared warm-up
        assert d.history.epoch[-1] == r.history.epoch[-1] == 5
