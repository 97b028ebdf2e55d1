"""The claims of the paper, each declared once: what it says, its estimand, the paper's value
and the smallest effect of interest, all fixed before any data are read.

A claim has one or more :class:`Part`\\ s (a conjunction: the claim is supported only when
every part is). A part's *smallest effect of interest* is the paper's own effect where the
paper reports a number (the pilot's gains); otherwise the catalogue declares one and says why
(:attr:`Part.why`). The scoreboard, the chapters and the robustness chapter read their outcomes
through :func:`expand_neurons.claims.evaluate.evaluate` on these declarations only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..book import paper
from .estimands import Contrast, Estimand, GainFit, GridTrend, Interference, Nearest, Source
from .outcomes import HIGH_R2
from .sequential import BOOLEAN_PLAN, REAL_PLAN, SeedPlan

__all__ = ["Part", "Claim", "CLAIMS", "SWEEPS", "REAL_ALPHA", "claim", "experiments_of"]

#: The Boolean sweeps whose (setting, variant) points the interference claims pool.
SWEEPS = ("boolean-clauses", "boolean-neurons", "boolean-alpha", "boolean-load")
#: The expansion factor of the real-data claims: the one of the paper's CLIP match.
REAL_ALPHA = int(paper.CLIP_MATCH["alpha"])


@dataclass(frozen=True)
class Part:
    """One estimand of a claim and the numbers it is held against.

    Attributes:
        name: what it measures, for tables.
        estimand: how it is read from results (:mod:`.estimands`).
        direction: the sign the paper predicts (+1: the estimand is above zero).
        smallest: the smallest effect of interest (> 0, the estimand's units, in the claimed
            direction); ``None``: the paper's value.
        paper: the paper's value in the estimand's units (``None``: the paper gives none).
        why: why this smallest effect (required when it is not the paper's).
        plan: the seed plan of a per-seed estimand (:mod:`.sequential`): how many seeds it
            gets, at which looks.
    """

    name: str
    estimand: Estimand
    direction: int
    smallest: float | None = None
    paper: float | None = None
    why: str = ""
    plan: SeedPlan = BOOLEAN_PLAN

    def __post_init__(self) -> None:
        if self.direction not in (1, -1):
            raise ValueError(f"{self.name}: direction must be +1 or -1, got {self.direction!r}")
        if self.smallest is None and self.paper is None:
            raise ValueError(f"{self.name}: declare a smallest effect or the paper's value")
        if self.smallest is not None and not self.why:
            raise ValueError(f"{self.name}: say why the smallest effect is {self.smallest}")
        if not self.threshold > 0:
            raise ValueError(
                f"{self.name}: the smallest effect must be above zero in the "
                f"claimed direction, got {self.threshold}"
            )

    @property
    def threshold(self) -> float:
        """The smallest effect of interest (> 0, in the claimed direction)."""
        if self.smallest is not None:
            return self.smallest
        assert self.paper is not None
        return self.direction * self.paper

    @property
    def from_paper(self) -> bool:
        """Whether the smallest effect of interest is the paper's own effect."""
        return self.smallest is None


@dataclass(frozen=True)
class Claim:
    """One claim of the paper.

    Attributes:
        key: a short name for tables (``"1"``, ``"α"``).
        text: the claim in a sentence; ``paper``: what the paper reports, in words.
        parts: the estimands (none if ``not_tested`` says why).
        sections: MyST labels of the book's sections that show the evidence.
    """

    key: str
    text: str
    paper: str
    parts: tuple[Part, ...]
    sections: tuple[str, ...]
    not_tested: str | None = None

    def __post_init__(self) -> None:
        if not self.sections:
            raise ValueError(f"claim {self.key!r} names no section that shows it")
        if bool(self.parts) == (self.not_tested is not None):
            raise ValueError(f"claim {self.key!r} needs parts or a reason it is not tested")


_PA = paper.PILOT_ACCURACY
_DENSE = {"variant": "dense"}
_POINT = 1.0  # accuracy points
_POINT_WHY = (
    "the paper gives a direction, no number; one accuracy point is the smallest gain the book "
    "counts as worth an expansion"
)
#: Interference: 5 % of movement of the fold change after the split (log scale).
_SHIFT = math.log(1.05)
_SHIFT_WHY = (
    "the paper gives no number; a 5 % change of the fold change FPE / dense after the split, "
    "beyond what the masks make at the split"
)
_LOAD_WHY = (
    "the paper gives a direction only; 2 points of relative gain per doubling of the load, a "
    "fifth of the paper's pilot gain (+12.7 %) per doubling"
)


def _pilot(variant: str) -> Part:
    return Part(
        f"pilot, {variant} − dense",
        Contrast(Source("boolean-pilot", {"variant": variant}), Source("boolean-pilot", _DENSE)),
        1,
        paper=100 * (_PA[variant] - _PA["dense"]),
    )


def _widths(experiment: str, label: str, **where: object) -> tuple[Part, ...]:
    trend = GridTrend(experiment, "hidden", "average", where={"alpha": REAL_ALPHA, **where})
    name = f"{label}, FPE − dense over the widths"
    return (Part(name, trend, 1, _POINT, why=_POINT_WHY, plan=REAL_PLAN),)


def _shift(metric: str, direction: int, variants: tuple[str, ...] = ("random", "clause")) -> Part:
    return Part(
        f"{metric} after the split, FPE / dense",
        Interference(SWEEPS, metric, variants),
        direction,
        _SHIFT,
        why=_SHIFT_WHY,
    )


def _load(experiment: str, label: str, plan: SeedPlan, **where: object) -> Part:
    return Part(
        f"{label}: relative gain per doubling of the load",
        GridTrend(experiment, "load", "slope", where=where, relative=True),
        paper.SIGNS["load"],
        2.0,
        why=_LOAD_WHY,
        plan=plan,
    )


_A0, _A1 = paper.ALPHA_RISE

#: The claims, in the paper's order.
CLAIMS: tuple[Claim, ...] = (
    Claim(
        "1",
        "More neurons at the same non-zero count raise accuracy.",
        f"pilot: dense {100 * _PA['dense']:.1f} % → random split {100 * _PA['random']:.1f} %",
        (_pilot("random"),),
        ("fpe-pilot",),
    ),
    Claim(
        "2",
        "The gain comes with less interference between features, beyond what the masks make.",
        paper.FINDINGS["interference"],
        (_shift("capacity", paper.SIGNS["capacity"]), _shift("cosine", paper.SIGNS["cosine"])),
        ("load-interference",),
    ),
    Claim(
        "3",
        "Splitting with knowledge of the clauses raises accuracy and lowers interference.",
        f"pilot: dense {100 * _PA['dense']:.1f} % → clause-aligned {100 * _PA['clause']:.1f} %",
        (_pilot("clause"), _shift("capacity", paper.SIGNS["capacity"], ("clause",))),
        ("fpe-pilot", "load-interference"),
    ),
    Claim(
        "4",
        "Fewer collisions, not precise assignment, drive the gain.",
        paper.FINDINGS["overlap"],
        (
            Part(
                "random − overlapping children",
                Contrast(
                    Source("boolean-ablations", {"variant": "random"}),
                    Source("boolean-ablations", {"variant": "overlap"}),
                ),
                -paper.SIGNS["overlap"],
                _POINT,
                why=_POINT_WHY,
            ),
            Part(
                "equal coverage, clauses apart − packed",
                Contrast(
                    Source("boolean-collisions", {"variant": "apart"}),
                    Source("boolean-collisions", {"variant": "packed"}),
                ),
                1,
                _POINT,
                why=_POINT_WHY,
            ),
        ),
        ("load-ablations", "collisions-equal-coverage"),
    ),
    Claim(
        "5",
        "The benefit grows with interference: it is largest when the polysemantic load is high.",
        paper.DIRECTIONS["load"],
        (
            _load("boolean-load", "Boolean", BOOLEAN_PLAN),
            _load("embeddings-load", "embeddings", REAL_PLAN, alpha=REAL_ALPHA),
        ),
        ("load-grid", "embeddings-load"),
    ),
    Claim(
        "6a",
        "On real data, widening at a constant non-zero count raises accuracy: classifiers over "
        "frozen embeddings (MiniLM on WordNet glosses here, CLIP in the paper).",
        f"{paper.FINDINGS['real']}; {paper.DIRECTIONS['widths']}",
        _widths("embeddings-width", "embeddings"),
        ("embeddings-width",),
    ),
    Claim(
        "6b",
        "The same for a CNN trained jointly with an expanded head (Fashion-MNIST here, "
        "CIFAR-100 in the paper).",
        paper.DIRECTIONS["widths"],
        _widths("cnn-fashion", "CNN"),
        ("cnn-training",),
    ),
    Claim(
        "6c",
        "The same for deeper networks (5 hidden layers, all expanded).",
        paper.FINDINGS["real"],
        _widths("deep-mlp", "5 layers", depth=5),
        ("deep-experiment",),
    ),
    Claim(
        "6d",
        f"FPE with α = {REAL_ALPHA} is worth a dense model with "
        f"{paper.CLIP_MATCH['param_ratio']} × the non-zero parameters, or more.",
        f"{int(paper.CLIP_MATCH['hidden'])} neurons, α = {REAL_ALPHA} on CLIP-CIFAR-100: "
        f"roughly a dense model with {paper.CLIP_MATCH['param_ratio']} × the parameters",
        (
            Part(
                f"FPE − dense with ≈ {paper.CLIP_MATCH['param_ratio']} × the non-zeros",
                Contrast(
                    Source("embeddings-match", {"variant": "random", "alpha": REAL_ALPHA}),
                    Source(
                        "embeddings-match",
                        _DENSE,
                        pick=Nearest("nonzero", paper.CLIP_MATCH["param_ratio"]),
                    ),
                ),
                1,
                _POINT,
                why=_POINT_WHY,
                plan=REAL_PLAN,
            ),
        ),
        ("embeddings-match",),
    ),
    Claim(
        "7",
        "This suits accelerators where moving non-zero parameters, not compute, is the bottleneck.",
        paper.FINDINGS["hardware"],
        (),
        ("hardware", "hardware-bytes"),
        not_tested="the claim is about accelerators; this book runs on CPUs, and its hardware "
        "chapter measures CPU step times and bytes moved of three storage layouts, which no "
        "registered experiment records",
    ),
    Claim(
        "α",
        f"The gain keeps rising from α = {_A0} to α = {_A1}.",
        paper.DIRECTIONS["alpha"],
        (
            Part(
                f"random split, α = {_A1} − α = {_A0}",
                Contrast(
                    Source("boolean-alpha", {"variant": "random", "alpha": _A1}),
                    Source("boolean-alpha", {"variant": "random", "alpha": _A0}),
                ),
                paper.SIGNS["alpha"],
                _POINT,
                why=_POINT_WHY,
            ),
        ),
        ("load-alpha",),
    ),
    Claim(
        "R²",
        "How much interference falls after the split predicts the relative gain (a "
        "least-squares line with high R²).",
        paper.FINDINGS["fit"],
        tuple(
            Part(
                f"correlation of the gain with the {metric} shift",
                GainFit(SWEEPS, metric),
                sign,
                math.sqrt(HIGH_R2),
                why=f"the paper's 'high R²', read as R² = {HIGH_R2} (a correlation of "
                f"{math.sqrt(HIGH_R2):.2f})",
            )
            for metric, sign in (("capacity", 1), ("cosine", -1))
        ),
        ("load-interference",),
    ),
)


def claim(key: str) -> Claim:
    """The claim of the catalogue with ``key``."""
    for c in CLAIMS:
        if c.key == key:
            return c
    raise KeyError(f"no claim {key!r}; the catalogue has {[c.key for c in CLAIMS]}")


def experiments_of(claims: tuple[Claim, ...] = CLAIMS) -> list[str]:
    """The experiments the parts of ``claims`` read, in first-use order."""
    names = (s.experiment for c in claims for p in c.parts for s in p.estimand.sources())
    return list(dict.fromkeys(names))
