"""Reference solutions of the book's exercises, one function per exercise.

This file is the single place the solutions live: every chapter's solution dropdown shows the
function from here (``literalinclude`` with ``:pyobject:``), and ``tests/test_exercises.py``
checks that each one passes its checker while a stub is reported as not attempted.
:data:`SOLUTIONS` maps each checker to its solution.

The solutions are written the way a learner would write them, from first principles, without
calling the library function that the checker compares against.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import torch

from ..experiments import robustness
from ..experiments.config import BooleanConfig, RealConfig
from ..experiments.robustness import RobustnessConfig
from ..layers.bench import BenchConfig
from . import exercises

__all__ = [
    "my_split",
    "to_prune",
    "feature_capacity",
    "mean_abs_cosine",
    "collision_probability",
    "coverage_probability",
    "balanced_coverage",
    "coverage_anywhere",
    "r_squared",
    "dense_nonzero",
    "matched_size",
    "head_prune_count",
    "deep_prune_count",
    "alpha_sixteen",
    "more_seeds",
    "shallow_recipe",
    "single_output",
    "layer_benchmark",
    "uniform_design",
    "more_children",
    "wider_dense",
    "SOLUTIONS",
]


def my_split(weight: torch.Tensor, alpha: int, generator: torch.Generator) -> torch.Tensor:
    """A balanced random split: ``weight (h, d) -> masks (h, alpha, d)``."""
    h, d = weight.shape
    order = torch.rand(h, d, generator=generator).argsort(dim=1)  # (h, d) random ranks
    child = torch.empty(h, d, dtype=torch.long)
    child.scatter_(1, order, (torch.arange(d) % alpha).expand(h, d).contiguous())
    return torch.stack([child == k for k in range(alpha)], dim=1)  # (h, alpha, d)


def to_prune(d: int, h: int, c: int, alpha: int) -> int:
    """Weights to prune after expanding a ``d -> h -> c`` MLP by ``alpha``."""
    return (alpha - 1) * c * h  # only the copies of W2 are new


def feature_capacity(W: torch.Tensor) -> torch.Tensor:
    """Capacity of each input feature: ``W (h, d) -> (d,)``."""
    gram = W.T @ W  # (d, d): every w_i . w_j
    return gram.diagonal() ** 2 / (gram**2).sum(dim=1)


def mean_abs_cosine(W: torch.Tensor) -> float:
    """Mean ``|cos|`` over distinct pairs of rows of ``W (h, d)``."""
    rows = W / W.norm(dim=1, keepdim=True)  # (h, d) unit rows
    cos = (rows @ rows.T).abs()  # (h, h)
    h = W.shape[0]
    return float((cos.sum() - cos.diagonal().sum()) / (h * (h - 1)))


def collision_probability(alpha: int, k: int) -> float:
    """Two disjoint k-input clauses land in one child (every input picks a child at random)."""
    return alpha * alpha ** -(2 * k)


def coverage_probability(alpha: int, k: int) -> float:
    """One k-input clause stays whole in some child (every input picks a child at random)."""
    return alpha * alpha**-k


def balanced_coverage(alpha: int, k: int, d: int) -> float:
    """One k-input clause stays whole when each child gets exactly ``d / alpha`` inputs."""
    return alpha * math.comb(d // alpha, k) / math.comb(d, k)


def coverage_anywhere(alpha: int, k: int, parents: int) -> float:
    """A clause is whole in a child of at least one of ``parents`` independently split parents."""
    return 1 - (1 - coverage_probability(alpha, k)) ** parents


def r_squared(x: list[float], y: list[float]) -> float:
    """R² of the least-squares line of ``y`` on ``x``."""
    xs, ys = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    xc, yc = xs - xs.mean(), ys - ys.mean()
    slope = (xc * yc).sum() / (xc**2).sum()
    residual = yc - slope * xc
    return float(1 - (residual**2).sum() / (yc**2).sum())


def dense_nonzero(d: int, h: int, c: int) -> int:
    """Parameters (weights and biases) of a dense ``d -> h -> c`` MLP."""
    return d * h + h + h * c + c


def matched_size(sizes: list[float], accuracies: list[float], target: float) -> float:
    """Size at which the dense curve first reaches ``target``, linearly interpolated."""
    for i, acc in enumerate(accuracies):
        if acc >= target:
            if i == 0:
                return sizes[0]
            t = (target - accuracies[i - 1]) / (acc - accuracies[i - 1])
            return sizes[i - 1] + t * (sizes[i] - sizes[i - 1])
    return math.inf


def head_prune_count(d: int, h: int, c: int, alpha: int) -> int:
    """Parameters pruned after expanding a ``d -> h -> c`` head, biases in the budget."""
    return (alpha - 1) * (c * h + h)  # copied output weights + the children's extra biases


def deep_prune_count(d: int, h: int, c: int, depth: int, alpha: int) -> int:
    """Weights pruned after expanding every hidden layer of a ``depth``-hidden-layer MLP."""
    return (alpha - 1) * ((depth - 1) * h * h + c * h)


# ------------------------------- embeddings, CNN and deep chapters: change and run an experiment


def alpha_sixteen(cfg: RealConfig) -> RealConfig:
    """The ``embeddings-width`` config at 2 hidden neurons with 16 children each."""
    return cfg.replace(alphas=[16], grid={"hidden": [2]}, extra=[])  # no feature split


def more_seeds(cfg: RealConfig) -> RealConfig:
    """The ``cnn-fashion`` config with 6 seeds of a 2-neuron head."""
    return cfg.replace(seeds=6, grid={"hidden": [2]})


def shallow_recipe(cfg: RealConfig) -> RealConfig:
    """The ``deep-mlp`` config with the shallow networks' recipe, at depth 5 and width 8."""
    return cfg.replace(init="default", lr=1e-3, grid={"depth": [5], "hidden": [8]})


# ----------------------------------------- load chapter: the α sweep with a single DNF output


def single_output(cfg: BooleanConfig) -> BooleanConfig:
    """The α sweep with one output, the OR of the clauses (the laboratory's
    fair-coin inputs leave it true in about two thirds of the samples)."""
    return cfg.replace(label_mode="dnf")


# ------------------------------- hardware and robustness chapters: run or change an experiment


def layer_benchmark(cfg: BenchConfig) -> BenchConfig:
    """The layer benchmark at one shape: d = h = 512, batch 64, α = 4, dense and grouped."""
    return dataclasses.replace(
        cfg, dims=(512,), batches=(64,), alphas=(4,), layouts=("dense", "grouped"), blocks=(1,)
    )


def uniform_design(cfg: RobustnessConfig) -> RobustnessConfig:
    """The robustness experiment on one design: the default with uniform fair-coin inputs."""
    design = {**robustness.default_design(), "inputs": "uniform"}
    return cfg.replace(grid={"design": [design]})


# ------------------------------------------------------ FPE chapter: the pilot with four children


def more_children(cfg: BooleanConfig) -> BooleanConfig:
    """The pilot's config with four children per parent instead of two."""
    return cfg.replace(alpha=4)


# --------------------------- superposition and collisions chapters: run a changed experiment


def wider_dense(cfg: BooleanConfig) -> BooleanConfig:
    """The pilot's config with 16 hidden neurons, training the dense network only."""
    return cfg.replace(hidden=16, variants=("dense",))


SOLUTIONS: dict[Callable[..., str], Callable[..., object]] = {
    exercises.check_split: my_split,
    exercises.check_expanded_nonzeros: to_prune,
    exercises.check_feature_capacity: feature_capacity,
    exercises.check_cosine_similarity: mean_abs_cosine,
    exercises.check_collision_probability: collision_probability,
    exercises.check_coverage_probability: coverage_probability,
    exercises.check_balanced_coverage_probability: balanced_coverage,
    exercises.check_coverage_anywhere: coverage_anywhere,
    exercises.check_r_squared: r_squared,
    exercises.check_dense_nonzero: dense_nonzero,
    exercises.check_matched_size: matched_size,
    exercises.check_head_prune_count: head_prune_count,
    exercises.check_deep_prune_count: deep_prune_count,
    exercises.check_embeddings_alpha_run: alpha_sixteen,
    exercises.check_cnn_seeds_run: more_seeds,
    exercises.check_deep_recipe_run: shallow_recipe,
    exercises.check_dnf_alpha_run: single_output,
    exercises.check_layer_benchmark: layer_benchmark,
    exercises.check_robustness_design: uniform_design,
    exercises.check_pilot_alpha: more_children,
    exercises.check_dense_width_run: wider_dense,
    exercises.check_collision_alpha_run: more_children,  # the same change as the FPE chapter's
}
"""Each checker and the reference solution that passes it."""
