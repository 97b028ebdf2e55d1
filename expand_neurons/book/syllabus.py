"""What each chapter teaches, written by people: the record behind the chapter headers and the
teacher's page (``book/teaching.md``).

Per chapter: its learning objectives, the chapters to read first and the background it assumes
(MyST Markdown, rendered in the chapter's header), and for every exercise what it practises.
Two suggested sequences (a 90-minute lab and a two-week module) name the sections and
exercises of each step; :mod:`expand_neurons.book.teaching` adds the times, computed from the
chapters (reading time from their word count, exercise times as the exercises state them) and
from the measured cold running times. Nothing here is a measurement.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ChapterPlan", "Step", "CHAPTERS", "PRACTISES", "LAB", "MODULE", "plan"]


@dataclass(frozen=True)
class ChapterPlan:
    """One chapter (``book/<name>.md``): what a learner can do after it (``objectives``), the
    chapters to read first (``prerequisites``, by name) and the knowledge it assumes
    (``background``)."""

    name: str
    objectives: tuple[str, ...]
    prerequisites: tuple[str, ...]
    background: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """One step of a suggested sequence: in ``session`` (a name, e.g. "Week 1, session 2"),
    read ``sections`` of ``chapter`` (the titles of its ``##`` sections; ``None``: the whole
    chapter, ``()``: nothing) and do ``exercises`` (labels)."""

    session: str
    chapter: str
    sections: tuple[str, ...] | None = None
    exercises: tuple[str, ...] = ()


CHAPTERS = (
    ChapterPlan(
        "scoreboard",
        objectives=(
            "read a claim's outcome off its declared estimand, the paper's value and the "
            "smallest effect of interest",
            "tell the paper-profile evidence from this build's quick check",
            "say why a comparison with an unhealthy dense baseline gets no verdict",
        ),
        prerequisites=(),
        background=("confidence intervals and what a multiple-comparison correction is for",),
    ),
    ChapterPlan(
        "superposition",
        objectives=(
            "describe the Boolean clause task that the book's laboratory is built on",
            "find polysemantic neurons by attributing clauses to neurons",
            "compute feature capacity and mean $|\\cos|$ similarity, and say what each "
            "measures and what it misses",
        ),
        prerequisites=(),
        background=(
            "PyTorch basics: tensors, `nn.Linear`, a training loop",
            "Boolean clauses (AND of literals) and dot products",
        ),
    ),
    ChapterPlan(
        "fpe",
        objectives=(
            "expand a neuron by hand: split its incoming weights, copy its outgoing weights, "
            "prune globally back to the budget",
            "prove that the non-zero count is unchanged, and count what pruning removes",
            "write a random split that `expand` accepts",
            "read the pilot experiment: paired differences over seeds, Holm intervals, the "
            "health of the dense baseline",
        ),
        prerequisites=("superposition",),
        background=("means and confidence intervals",),
    ),
    ChapterPlan(
        "collisions",
        objectives=(
            "derive the probabilities that a random split keeps a clause whole (coverage) "
            "and puts two clauses in one child (collision)",
            "check a closed form against a Monte Carlo simulation",
            "count coverage and collisions inside trained networks, and design a test that "
            "tells collisions from coverage",
        ),
        prerequisites=("fpe",),
        background=("elementary probability: independent events, counting with binomials",),
    ),
    ChapterPlan(
        "load",
        objectives=(
            "define polysemantic load and sweep clauses, neurons and $\\alpha$ as registered "
            "experiments",
            "relate the gain of FPE to load and to the change in interference with a fitted "
            "line and its $R^2$",
            "read the ablations (overlapping children, DropConnect at equal budget, when to "
            "split) against a healthy baseline",
        ),
        prerequisites=("fpe", "collisions"),
        background=("least-squares line fits",),
    ),
    ChapterPlan(
        "robustness",
        objectives=(
            "list the open choices the paper leaves in its Boolean task",
            "read the main effects of a fractional factorial design",
            "run one design yourself and judge how far a claim rests on the book's choices",
        ),
        prerequisites=("fpe", "load"),
        background=("the idea of a designed experiment with factors and levels",),
    ),
    ChapterPlan(
        "embeddings",
        objectives=(
            "train small classifiers over frozen sentence embeddings and expand their hidden "
            "layer at a constant non-zero count",
            "compare a random split with a feature-based one",
            "express the gain of FPE as the size of an equally accurate dense model",
        ),
        prerequisites=("fpe",),
        background=("classification with softmax and cross-entropy",),
    ),
    ChapterPlan(
        "cnn",
        objectives=(
            "expand the classifier head of a convolutional network and train it jointly with "
            "its trunk",
            "count the share of a network's parameters that FPE acts on, biases included",
            "recognise collapsed seeds and what they do to the spread of a narrow head",
        ),
        prerequisites=("embeddings",),
        background=("convolutional networks in PyTorch",),
    ),
    ChapterPlan(
        "deep",
        objectives=(
            "expand every hidden layer of a deep network and account for the copies that "
            "land in hidden layers",
            "tune a healthy dense baseline before comparing, and see what a sick one does to "
            "the gain",
        ),
        prerequisites=("fpe", "embeddings"),
        background=("initialisation and learning rates of deep MLPs",),
    ),
    ChapterPlan(
        "hardware",
        objectives=(
            "store an expanded layer as masked, grouped or sparse weights that compute the "
            "same function",
            "time a training step and count the bytes it moves",
            "explain why bytes moved, not multiply-adds, set the cost of an expanded layer on "
            "a CPU",
            "weigh the grouped split's speed against its accuracy",
        ),
        prerequisites=("fpe",),
        background=("the cost of a matrix product; memory bandwidth",),
    ),
)

PRACTISES = {
    "superposition-ex-capacity": "turning a formula into vectorised tensor code (Gram matrix)",
    "superposition-ex-cosine": "normalising rows and averaging off the diagonal",
    "superposition-ex-width": "changing a typed experiment config and predicting its effect",
    "fpe-scratch-split": "random split masks: disjoint, balanced, independent per parent, "
    "reproducible from a generator",
    "fpe-scratch-first": "the expanded first layer: masked incoming weights, split biases",
    "fpe-scratch-copy": "copying the outgoing weights to every child",
    "fpe-scratch-prune": "global magnitude pruning to an exact budget, ties broken at random",
    "fpe-scratch-together": "the whole operation with fixed masks, checked against `expand` "
    "on random networks",
    "fpe-ex-budget": "the non-zero accounting of FPE",
    "fpe-ex-alpha": "rerunning an experiment with one change and reading paired intervals",
    "fpe-ex-bias": "sharing a parent's bias among its children, and why ReLU changes the function",
    "collisions-ex-coverage": "the coverage probability of the independent model",
    "collisions-ex-collision": "the collision probability of the independent model",
    "collisions-ex-balanced": "sampling without replacement: the balanced split's coverage",
    "collisions-ex-anywhere": "complements of independent events across parents",
    "collisions-ex-overlap": "coverage and collision when children overlap (the paper's ablation)",
    "collisions-ex-seeds": "rerunning the collision test at another $\\alpha$ and predicting it",
    "load-ex-r2": "fitting a line and computing $R^2$",
    "load-ex-ceiling": "a measure of benefit that a perfect baseline does not cap (epochs to "
    "perfect)",
    "load-ex-dnf": "changing the task's labels and asking what the copies cost",
    "load-ex-paper": "reading gains off result records, then a sweep at the paper's scale "
    "from the command line",
    "robustness-ex-design": "running one design of the open choices and predicting its effects",
    "robustness-ex-one-at-a-time": "a one-at-a-time design against the fractional factorial",
    "embeddings-ex-count": "counting the parameters of a dense classifier",
    "embeddings-ex-match": "interpolating a dense accuracy curve to a matched size",
    "embeddings-ex-alpha": "testing a larger $\\alpha$ by changing the experiment",
    "embeddings-ex-error": "relative error reduction against relative accuracy gain",
    "cnn-ex-prune": "the pruning budget with biases in it",
    "cnn-ex-share": "the share of a CNN's parameters that sits in the head FPE expands",
    "cnn-ex-seeds": "testing an explanation (collapsed seeds) with more seeds",
    "deep-ex-count": "the pruning budget when every hidden layer is expanded",
    "deep-ex-first": "expanding only the first layer: neurons, pruning and where it cuts",
    "deep-ex-recipe": "what a badly trained baseline does to a comparison",
    "hardware-ex-shape": "benchmarking one layer shape and predicting its regime",
    "hardware-ex-bytes": "predicting from the shapes the bytes a training step moves",
    "hardware-ex-input-grad": "the matrix products of the input gradient, and their cost",
    "hardware-ex-train": "two layouts of one expanded network: same function, different "
    "training time",
}
"""What each exercise practises, by the exercise's label."""

LAB = (
    Step(
        "The operation",
        "fpe",
        sections=("The operation, one neuron at a time", "The non-zero accounting"),
        exercises=("fpe-ex-budget",),
    ),
    Step(
        "FPE from scratch",
        "fpe",
        sections=("Build FPE yourself",),
        exercises=("fpe-scratch-split", "fpe-scratch-first", "fpe-scratch-copy"),
    ),
    Step("Pruning to the budget", "fpe", sections=(), exercises=("fpe-scratch-prune",)),
)
"""A 90-minute lab: the operation of FPE, then FPE built from scratch up to the pruning (the
last step, putting it together, is homework)."""

MODULE = (
    Step(
        "Week 1, session 1",
        "superposition",
        exercises=("superposition-ex-capacity", "superposition-ex-cosine"),
    ),
    Step(
        "Week 1, session 2",
        "fpe",
        exercises=(
            "fpe-scratch-split",
            "fpe-scratch-first",
            "fpe-scratch-copy",
            "fpe-scratch-prune",
        ),
    ),
    Step(
        "Week 1, homework",
        "fpe",
        sections=(),
        exercises=("fpe-scratch-together", "fpe-ex-budget", "fpe-ex-bias"),
    ),
    Step(
        "Week 2, session 1",
        "collisions",
        exercises=("collisions-ex-coverage", "collisions-ex-collision", "collisions-ex-balanced"),
    ),
    Step("Week 2, session 2", "load", exercises=("load-ex-r2", "load-ex-dnf")),
    Step(
        "Week 2, homework",
        "embeddings",
        exercises=("embeddings-ex-count", "embeddings-ex-match"),
    ),
    Step("Week 2, homework", "scoreboard"),
)
"""A two-week module of four sessions and two homeworks: superposition, FPE built from scratch,
collisions, load, real data, and the scoreboard to close."""


def plan(name: str) -> ChapterPlan:
    """The record of chapter ``name`` (a ``KeyError`` naming the chapters that have one)."""
    for chapter in CHAPTERS:
        if chapter.name == name:
            return chapter
    raise KeyError(
        f"no teaching record for chapter {name!r}; chapters: {[c.name for c in CHAPTERS]}"
    )
