"""Every exercise checker rejects plausible wrong answers, naming the mistake.

``WRONG`` lists, per checker, wrong answers a learner could plausibly give and a pattern the
diagnosis must contain; a test checks that it covers every checker of every chapter module.
That the reference solutions pass is tested on the chapters' own solution dropdowns
(``tests/test_book_exercises.py``); ground truths the checkers compute are tested against the
library here.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import pkgutil

import pytest
import torch

import expand_neurons as en
from expand_neurons import metrics, splits, theory
from expand_neurons.book import exercises
from expand_neurons.book.exercises import NOT_ATTEMPTED, ExerciseError, exercise
from expand_neurons.book.exercises import cnn as x_cnn
from expand_neurons.book.exercises import collisions as x_col
from expand_neurons.book.exercises import deep as x_deep
from expand_neurons.book.exercises import embeddings as x_emb
from expand_neurons.book.exercises import fpe as x_fpe
from expand_neurons.book.exercises import from_scratch as x_scratch
from expand_neurons.book.exercises import hardware as x_hw
from expand_neurons.book.exercises import load as x_load
from expand_neurons.book.exercises import robustness as x_rob
from expand_neurons.book.exercises import superposition as x_sup
from expand_neurons.experiments import robustness as rb
from expand_neurons.experiments import select
from expand_neurons.models import hidden_neurons

#: Modules of the package that hold no chapter's checkers, or another task's.
NOT_CHAPTERS = {"core", "configs", "grading", "from_scratch"}


# ------------------------------------------------------------------ wrong splits (fpe chapter)


def _deal(order: torch.Tensor, alpha: int) -> torch.Tensor:
    """Masks ``(h, alpha, d)`` that give the input of rank ``r`` (in ``order (h, d)``) to child
    ``r % alpha``."""
    h, d = order.shape
    child = torch.empty(h, d, dtype=torch.long)
    child.scatter_(1, order, (torch.arange(d) % alpha).expand(h, d).contiguous())
    return torch.stack([child == k for k in range(alpha)], dim=1)


def round_robin(w, alpha, g):
    return _deal(torch.arange(w.shape[1]).expand(w.shape).contiguous(), alpha)


def global_rng(w, alpha, g):
    return _deal(torch.rand(w.shape).argsort(dim=1), alpha)


def one_order_for_all(w, alpha, g):
    return _deal(torch.rand(w.shape[1], generator=g).argsort().expand(w.shape).contiguous(), alpha)


def independent_children(w, alpha, g):
    child = torch.randint(alpha, w.shape, generator=g)
    return torch.stack([child == k for k in range(alpha)], dim=1)


def random_chunks(w, alpha, g):
    """Contiguous chunks of inputs, dealt to the children in a random order per parent."""
    h, d = w.shape
    chunk = torch.arange(d) * alpha // d  # (d,) chunk of each input
    perm = torch.rand(h, alpha, generator=g).argsort(dim=1)  # (h, alpha)
    child = perm[:, chunk]  # (h, d)
    return torch.stack([child == k for k in range(alpha)], dim=1)


def as_float(w, alpha, g):
    return splits.Random()(w, alpha, g).float()


def children_first(w, alpha, g):
    return splits.Random()(w, alpha, g).transpose(0, 1)


# ------------------------------------------------------------------ other wrong answers


def output_change(model, bias, x, **kw):
    wide = en.expand(model, 2, "random", seed=0, bias=bias, **kw)
    with torch.no_grad():
        return float((wide(x) - model(x)).abs().max())


def signed_change(model, bias, x):
    wide = en.expand(model, 2, "random", seed=0, bias=bias, prune=False)
    with torch.no_grad():
        return float((wide(x) - model(x)).max())


def capacity_without_self(W):
    gram = W.T @ W
    return gram.diagonal() ** 2 / ((gram**2).sum(dim=1) - gram.diagonal() ** 2)


def cosine_with_diagonal(W):
    rows = W / W.norm(dim=1, keepdim=True)
    return float((rows @ rows.T).abs().mean())


def cosine_signed(W):
    rows = W / W.norm(dim=1, keepdim=True)
    cos = rows @ rows.T
    return float(cos[~torch.eye(len(W), dtype=torch.bool)].mean())


def p_in(s, d):
    return math.prod((d // 2 - t) / (d - t) for t in range(s))


def r2(x, y):
    return metrics.fit_line(x, y).r2


def index_of_perfect(history):
    return next(i for i, a in enumerate(history.test_accuracy) if a >= 0.9995)


def exactly_one(history):
    return next(e for e, a in zip(history.epoch, history.test_accuracy) if a == 1.0)


def last_perfect(history):
    return [e for e, a in zip(history.epoch, history.test_accuracy) if a >= 0.9995][-1]


def none_if_never(history):
    return next((e for e, a in zip(history.epoch, history.test_accuracy) if a >= 0.9995), None)


def nearest_size(sizes, accs, target):
    return sizes[min(range(len(accs)), key=lambda i: abs(accs[i] - target))]


def last_crossing(sizes, accs, target):
    found = math.inf
    for i in range(1, len(sizes)):
        if accs[i - 1] < target <= accs[i]:
            t = (target - accs[i - 1]) / (accs[i] - accs[i - 1])
            found = sizes[i - 1] + t * (sizes[i] - sizes[i - 1])
    return sizes[0] if accs[0] >= target else found


def pair(model, seeds=(0, 0), layouts=("masked", "grouped")):
    return tuple(
        en.expand(model, 2, splits.Grouped(1), seed=s, layout=lay) for s, lay in zip(seeds, layouts)
    )


BENCH_ONE = dict(dims=(256,), batches=(8,), alphas=(2,))

WRONG = [
    # fpe
    (x_fpe.check_expanded_nonzeros, (lambda d, h, c, a: a * c * h,), "only alpha - 1 copies"),
    (x_fpe.check_expanded_nonzeros, (lambda d, h, c, a: (a - 1) * (c * h + h),), "biases out"),
    (x_fpe.check_expanded_nonzeros, (lambda d, h, c, a: (a - 1) * c * h + h * d,), "keeps exactly"),
    (x_scratch.check_split, (round_robin,), "deterministic"),
    (x_scratch.check_split, (global_rng,), "same generator state gave different masks"),
    (x_scratch.check_split, (one_order_for_all,), "every parent got the same split"),
    (x_scratch.check_split, (independent_children,), "unbalanced"),
    (x_scratch.check_split, (random_chunks,), "inputs 0 and 1 shared a child"),
    (x_scratch.check_split, (lambda w, a, g: torch.ones(len(w), a, w.shape[1]) > 0,), "two"),
    (x_scratch.check_split, (lambda w, a, g: torch.zeros(len(w), a, w.shape[1]) > 0,), "no child"),
    (x_scratch.check_split, (as_float,), "boolean"),
    (x_scratch.check_split, (children_first,), "wrong order"),
    (x_fpe.check_pilot_alpha, (lambda cfg: cfg.replace(alpha=3),), "alpha should be 4"),
    (x_fpe.check_bias_rule, (output_change, "split"), "you pruned"),
    (x_fpe.check_bias_rule, (signed_change, "split"), "absolute"),
    (
        x_fpe.check_bias_rule,
        (
            lambda m, b, x: output_change(m, "copy" if b == "split" else "split", x, prune=False),
            "split",
        ),
        "that is bias=",
    ),  # fmt: skip
    (x_fpe.check_bias_rule, (lambda m, b, x: output_change(m, b, x, prune=False), "copy"), "alpha"),
    (
        x_fpe.check_bias_rule,
        (lambda m, b, x: output_change(m, b, x, prune=False), "both"),
        "'copy'",
    ),
    # superposition
    (x_sup.check_feature_capacity, (lambda W: metrics.feature_capacity(W.T),), "per row"),
    (x_sup.check_feature_capacity, (capacity_without_self,), "includes j = i itself"),
    (x_sup.check_feature_capacity, (lambda W: torch.full((W.shape[1],), 2.0),), "at most 1"),
    (x_sup.check_cosine_similarity, (cosine_with_diagonal,), "leave out each row"),
    (x_sup.check_cosine_similarity, (cosine_signed,), r"use \|cos\|"),
    (x_sup.check_dense_width_run, (lambda cfg: cfg.replace(hidden=16),), "variants should be"),
    # collisions
    (x_col.check_coverage_probability, (lambda a, k: a**-k,), "multiply by alpha"),
    (x_col.check_collision_probability, (lambda a, k: a ** (2 - 2 * k),), "same child"),
    (x_col.check_collision_probability, (lambda a, k: a ** (1 - k),), "not one clause"),
    (
        x_col.check_balanced_coverage_probability,
        (lambda a, k, d: a ** (1 - k),),
        "independent model",
    ),
    (
        x_col.check_balanced_coverage_probability,
        (lambda a, k, d: math.comb(d // a, k) / math.comb(d, k),),
        "multiply by alpha",
    ),
    (
        x_col.check_coverage_anywhere,
        (lambda a, k, h: h * theory.coverage_probability(a, k),),
        "expected number of parents",
    ),
    (
        x_col.check_coverage_anywhere,
        (lambda a, k, h: theory.coverage_probability(a, k) ** h,),
        "whole in every parent",
    ),
    (x_col.check_overlap_probabilities, (lambda k, d: (2 * p_in(k, d), 0.0),), "disjoint split"),
    (
        x_col.check_overlap_probabilities,
        (lambda k, d: (1 - (1 - p_in(k, d)) ** 2, p_in(k, d) ** 2),),
        "not independent",
    ),
    (
        x_col.check_overlap_probabilities,
        (lambda k, d: (1 - (1 - p_in(k, d)) ** 2, 2 * p_in(2 * k, d)),),
        "child 1 only",
    ),
    (x_col.check_collision_alpha_run, (lambda cfg: cfg.replace(alpha=4, seeds=2),), "also changed"),
    # load
    (x_load.check_r_squared, (lambda x, y: 1 - r2(x, y),), "not SS_res / SS_tot"),
    (x_load.check_r_squared, (lambda x, y: metrics.fit_line(x, y).r2 ** 0.5,), "correlation r"),
    (x_load.check_epochs_to_perfect, (index_of_perfect,), "not the position"),
    (x_load.check_epochs_to_perfect, (exactly_one,), "0.9995"),
    (x_load.check_epochs_to_perfect, (last_perfect,), "first"),
    (x_load.check_epochs_to_perfect, (none_if_never,), "math.inf, not None"),
    (
        x_load.check_dnf_alpha_run,
        (lambda cfg: cfg.replace(label_mode="dnf", distribution="planted"),),
        "planted inputs",
    ),
    (x_load.check_dnf_alpha_run, (lambda cfg: cfg.replace(label_mode="dnf", seeds=1),), "also"),
    (
        x_load.check_clause_gains,
        (lambda r: {x["n_clauses"]: x["relative_gain"] for x in select(r, variant="random")},),
        "in percent",
    ),
    (
        x_load.check_clause_gains,
        (lambda r: {x["n_clauses"]: 100 * x["relative_gain"] for x in r["records"]},),
        "clause-aligned",
    ),
    (
        x_load.check_clause_gains,
        (lambda r: {x["n_clauses"]: 100 * x["accuracy"] for x in select(r, variant="random")},),
        "that is the accuracy",
    ),
    # robustness
    (
        x_rob.check_robustness_design,
        (lambda cfg: cfg.replace(grid={"design": [rb.default_design()]}),),
        "default design",
    ),
    (x_rob.check_one_at_a_time, (lambda cfg: cfg,), "fractional factorial"),
    (
        x_rob.check_one_at_a_time,
        (lambda cfg: cfg.replace(grid={"design": rb.one_at_a_time()[1:]}),),
        "keep the default design",
    ),
    (
        x_rob.check_one_at_a_time,
        (lambda cfg: cfg.replace(grid={"design": rb.one_at_a_time()}, seeds=2),),
        "also changed",
    ),
    # embeddings
    (x_emb.check_dense_nonzero, (lambda d, h, c: d * h + h * c,), "count the biases"),
    (x_emb.check_dense_nonzero, (lambda d, h, c: d * h + h * c + h,), "both layers"),
    (x_emb.check_matched_size, (nearest_size,), "snap"),
    (x_emb.check_matched_size, (last_crossing,), "first"),
    (
        x_emb.check_embeddings_alpha_run,
        (lambda cfg: cfg.replace(alphas=[16], grid={"hidden": [2]}),),
        "extra should be",
    ),
    (
        x_emb.check_error_reduction,
        (lambda r: 100 * (r["FPE (%)"] - r["dense (%)"]) / (1 - r["dense (%)"]),),
        "in percent",
    ),
    (
        x_emb.check_error_reduction,
        (lambda r: (r["FPE (%)"] - r["dense (%)"]) / (100 - r["dense (%)"]),),
        "multiply the fraction by 100",
    ),
    (
        x_emb.check_error_reduction,
        (lambda r: 100 * (r["FPE (%)"] - r["dense (%)"]) / r["dense (%)"],),
        "relative accuracy gain",
    ),
    (
        x_emb.check_error_reduction,
        (lambda r: 100 * (r["dense (%)"] - r["FPE (%)"]) / (100 - r["dense (%)"]),),
        "sign",
    ),
    # cnn
    (x_cnn.check_head_prune_count, (lambda d, h, c, a: (a - 1) * c * h,), "split biases"),
    (x_cnn.check_head_prune_count, (lambda d, h, c, a: a * (c * h + h),), "alpha - 1 copies"),
    (
        x_cnn.check_head_share,
        (lambda n: 1 - en.count_nonzero(n.head) / en.count_nonzero(n),),
        "trunk",
    ),
    (
        x_cnn.check_head_share,
        (lambda n: en.count_nonzero(n.head, biases=False) / en.count_nonzero(n, biases=False),),
        "biases count",
    ),
    (
        x_cnn.check_head_share,
        (lambda n: 100 * en.count_nonzero(n.head) / en.count_nonzero(n),),
        "0 to 1",
    ),
    (
        x_cnn.check_head_share,
        (lambda n: en.count_nonzero(n.head) / en.count_nonzero(n.trunk),),
        "whole",
    ),
    (x_cnn.check_cnn_seeds_run, (lambda cfg: cfg.replace(seeds=6),), "grid should be"),
    # deep
    (x_deep.check_deep_prune_count, (lambda d, h, c, n, a: (a - 1) * c * h,), "hidden-to-hidden"),
    (
        x_deep.check_deep_prune_count,
        (lambda d, h, c, n, a: (a * a - 1) * (n - 1) * h * h + (a - 1) * c * h,),
        "not alpha\\*\\*2",
    ),
    (
        x_deep.check_deep_prune_count,
        (lambda d, h, c, n, a: (a - 1) * (n * h * h + c * h),),
        "off by one",
    ),
    (
        x_deep.check_first_layer_only,
        (lambda d, h, c, n, a: (a * h + (n - 1) * h, (a - 1) * ((n - 1) * h * h + c * h)),),
        "right after",
    ),
    (
        x_deep.check_first_layer_only,
        (lambda d, h, c, n, a: (a * h + (n - 1) * h, (a - 1) * c * h),),
        "second hidden layer",
    ),
    (
        x_deep.check_first_layer_only,
        (lambda d, h, c, n, a: (a * h * n, (a - 1) * h * (h if n > 1 else c)),),
        "only the first hidden layer widens",
    ),
    (x_deep.check_deep_recipe_run, (lambda cfg: cfg.replace(init="default"),), "should be"),
    # hardware
    (x_hw.check_layer_benchmark, (lambda cfg: cfg,), "one shape"),
    (
        x_hw.check_layer_benchmark,
        (lambda cfg: dataclasses.replace(cfg, **{**BENCH_ONE, "alphas": (1,)}),),
        "alpha >= 2",
    ),
    (
        x_hw.check_grouped_bytes,
        (lambda d, h, n, a: 2 * h * d + 2 * a * h * n + 4 * n * d,),
        "4 bytes",
    ),
    (
        x_hw.check_grouped_bytes,
        (lambda d, h, n, a: 4 * (2 * h * d + 2 * h * n + 4 * n * d),),
        "alpha times wider",
    ),
    (
        x_hw.check_grouped_bytes,
        (lambda d, h, n, a: 4 * (2 * h * d + 2 * a * h * n + 2 * n * d),),
        "read and written",
    ),
    (x_hw.check_input_grad_products, (lambda d, h, n, a, b: (a, (d // a, h // b, n)),), "blocks"),
    (x_hw.check_input_grad_products, (lambda d, h, n, a, b: (a * b, (d, h // b, n)),), "d/alpha"),
    (x_hw.check_input_grad_products, (lambda d, h, n, a, b: (a * b, (d // a, h, n)),), "h/blocks"),
    (x_hw.check_grouped_training, (lambda m: pair(m, seeds=(0, 1)),), "different functions"),
    (x_hw.check_grouped_training, (lambda m: pair(m, layouts=("grouped", "masked")),), "swapped"),
    (x_hw.check_grouped_training, (lambda m: pair(m, layouts=("masked", "masked")),), "'grouped'"),
]


def _name(check) -> str:
    return check.__name__


@pytest.mark.parametrize(
    ("check", "answers", "match"),
    WRONG,
    ids=[f"{_name(c)}-{i}" for i, (c, _, _) in enumerate(WRONG)],
)
def test_a_plausible_wrong_answer_is_rejected_with_its_diagnosis(check, answers, match):
    with pytest.raises(ExerciseError, match=match):
        check(*answers)


def test_every_checker_of_every_chapter_rejects_a_wrong_answer():
    checkers = set()
    for info in pkgutil.iter_modules(exercises.__path__):
        if info.name in NOT_CHAPTERS:
            continue
        module = importlib.import_module(f"expand_neurons.book.exercises.{info.name}")
        checkers |= {getattr(module, name) for name in module.__all__}
    # and the split checker that step 1 of "Build FPE yourself" builds on
    checkers.add(x_scratch.check_split)
    assert checkers == {check for check, _, _ in WRONG}


def test_the_package_exports_only_the_shared_names():
    assert exercises.__all__ == ["ExerciseError", "NOT_ATTEMPTED", "exercise"]


def test_a_stub_value_or_function_is_not_attempted_and_gets_the_hint():
    def stub(*args):
        raise NotImplementedError("your code here")

    message = x_fpe.check_bias_rule(stub, ...)
    assert message == f"{NOT_ATTEMPTED} Hint: {x_fpe.check_bias_rule.hint}"
    right = lambda m, b, x: output_change(m, b, x, prune=False)  # noqa: E731
    assert x_fpe.check_bias_rule(right, ...).startswith(NOT_ATTEMPTED)
    assert x_fpe.check_bias_rule(right, "split").startswith("Correct")
    assert x_sup.check_feature_capacity(lambda W: None).startswith(NOT_ATTEMPTED)


def test_a_wrong_answer_is_diagnosed_not_called_a_stub():
    @exercise(hint="h")
    def check(fn):
        if fn(1) != 2:
            exercises.core.fail("expected 2")
        return "Correct."

    with pytest.raises(ExerciseError, match="expected 2"):
        check(lambda x: 0)
    assert check(lambda x: 2 * x) == "Correct."


# ------------------------------------------------------------ the checkers' ground truths


def test_the_library_splits_pass_the_split_checker():
    assert x_scratch.check_split(splits.Random()).startswith("Correct")
    with pytest.raises(ExerciseError, match="every parent got the same split"):
        x_scratch.check_split(splits.Grouped(1))


def test_overlap_probabilities_agree_with_a_simulation_of_the_overlapping_split():
    k, d, n = 2, 12, 40000
    masks = splits.Overlapping()(torch.zeros(n, d), 2, torch.Generator().manual_seed(0))
    one, other = masks[:, :, :k].all(dim=2), masks[:, :, k : 2 * k].all(dim=2)  # (n, 2)
    whole_somewhere = one.any(dim=1).float().mean().item()
    both_in_first = (one[:, 0] & other[:, 0]).float().mean().item()
    assert whole_somewhere == pytest.approx(1 - (1 - p_in(k, d)) ** 2, abs=0.01)
    assert both_in_first == pytest.approx(p_in(2 * k, d), abs=0.005)


@pytest.mark.parametrize(("depth", "alpha"), [(1, 3), (3, 2), (5, 4)])
def test_first_layer_only_counts_agree_with_the_library(depth, alpha):
    d, h, c = 10, 4, 3
    dense = en.seeded_mlp(0, d, [h] * depth, c)
    wide = en.expand(dense, alpha, "random", seed=0, layers=[0], prune=False)
    surplus = en.count_nonzero(wide, biases=False) - en.count_nonzero(dense, biases=False)
    assert hidden_neurons(wide) == alpha * h + (depth - 1) * h
    assert surplus == (alpha - 1) * h * (h if depth > 1 else c)


def test_the_layout_checker_trains_both_and_reports():
    message = x_hw.check_grouped_training(pair, train=True)
    assert message.startswith("Correct: after 20 epochs the masked layout reaches")
