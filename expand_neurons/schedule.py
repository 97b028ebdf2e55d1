"""The FPE schedule as one call: train dense, transform (expand, ...), keep training.

Every variant starts from the same warmed-up dense models, so differences after the split come
from the transformation alone. The ``dense`` variant keeps training unchanged, which makes it the
baseline trained for the same total number of epochs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from torch import nn

from .baselines import dense_same_epochs
from .expansion import count_nonzero
from .measures import interference
from .models import hidden_neurons
from .seeds import derive, instance_seeds
from .training import Dataset, History, fit

__all__ = ["Variant", "Run", "run_schedule", "dense_variant"]

Transform = Callable[[nn.Module, Dataset, int], nn.Module]
#: ``(model, data) -> {name: value}``: what is measured of a model at the split and at the end.
Measure = Callable[[nn.Module, Dataset], dict[str, float]]


@dataclass(frozen=True)
class Variant:
    """A named way to turn a warmed-up dense model into the model trained after the split.

    ``transform(model, data, seed)`` returns a new model (it must not modify ``model``).
    """

    name: str
    transform: Transform


def dense_variant() -> Variant:
    """The baseline: the dense model, trained on for the same number of epochs."""
    return Variant("dense", lambda m, d, s: dense_same_epochs(m))


@dataclass
class Run:
    """Outcome of one variant on one data set (one seed).

    ``exact_match``: the fraction of test samples with every output right, where the
    experiment measures it (``None`` elsewhere; ``accuracy`` is per label). ``at_split`` and
    ``at_end``: the schedule's measure (:func:`~expand_neurons.measures.interference` by default)
    right after the transformation, before any further training, and at the end.
    """

    variant: str
    seed: int
    accuracy: float
    nonzero: int
    neurons: int
    history: History
    model: nn.Module = field(repr=False)
    exact_match: float | None = None
    at_split: dict[str, float] = field(default_factory=dict)
    at_end: dict[str, float] = field(default_factory=dict)


def _signature(model: nn.Module) -> tuple:
    return tuple((n, tuple(p.shape)) for n, p in model.named_parameters())


def run_schedule(
    make_model: Callable[[int], nn.Module],
    data: Sequence[Dataset],
    variants: Sequence[Variant],
    *,
    warmup_epochs: int,
    post_epochs: int,
    fit_kwargs: dict | None = None,
    seed: int = 0,
    desc: str = "",
    measure: Measure = interference,
) -> dict[str, list[Run]]:
    """Train ``len(data)`` dense models, apply every variant, train on; results per variant.

    Args:
        make_model: ``seed -> fresh dense model`` (seeded initialisation).
        data: one data set per instance; instance ``j``'s model is initialised from
            ``derive(seed, "model", j)`` and its split from ``derive(seed, "split", j)``
            (:mod:`expand_neurons.seeds`: base seeds never share an instance).
        variants: what to do at the split (include :func:`dense_variant` for the baseline).
        warmup_epochs, post_epochs: epochs before and after the split.
        fit_kwargs: passed to :func:`expand_neurons.training.fit` (loss, lr, batch_size, ...).
        seed: base seed.
        measure: what is measured of every model right after its transformation and at the end
            (``Run.at_split``, ``Run.at_end``).
    Returns:
        ``{variant name: [Run per instance]}``.
    """
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise ValueError(f"variant names must be unique, got {names}")
    kw = dict(fit_kwargs or {})
    seeds = instance_seeds(seed, len(data), "model")
    split_seeds = instance_seeds(seed, len(data), "split")
    dense = [make_model(s) for s in seeds]
    warm = fit(
        dense,
        data,
        epochs=warmup_epochs,
        seed=derive(seed, "warmup"),
        desc=f"{desc} dense".strip(),
        **kw,
    )
    jobs = []  # (variant, instance, model)
    for v in variants:
        for j, (m, d) in enumerate(zip(dense, data)):
            jobs.append((v.name, j, v.transform(m, d, split_seeds[j])))
    at_split = [measure(m, data[j]) for _, j, m in jobs]
    groups: dict[tuple, list[int]] = {}
    for k, (_, _, m) in enumerate(jobs):
        groups.setdefault(_signature(m), []).append(k)
    post: dict[int, History] = {}
    for members in groups.values():
        hs = fit(
            [jobs[k][2] for k in members],
            [data[jobs[k][1]] for k in members],
            epochs=post_epochs,
            seed=derive(seed, "post"),
            desc=f"{desc} after split".strip(),
            **kw,
        )
        post.update(zip(members, hs))
    out: dict[str, list[Run]] = {n: [] for n in names}
    for k, (name, j, m) in enumerate(jobs):
        h = History()
        h.extend(warm[j], 0)
        h.extend(post[k], warmup_epochs)
        out[name].append(
            Run(
                name,
                seeds[j],
                h.final_accuracy,
                count_nonzero(m),
                hidden_neurons(m),
                h,
                m,
                at_split=at_split[k],
                at_end=measure(m, data[j]),
            )
        )
    return out
