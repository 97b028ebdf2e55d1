"""Typed experiment configs: the science of a run, kept apart from where and how it runs.

A config is a frozen dataclass, one per family of experiments: :class:`BooleanConfig` (the
Boolean clause tasks) and :class:`RealConfig` (classifiers on real data). It holds what decides
the numbers (task, model, schedule, seeds) and nothing else; it is recorded in every result.
Where a run happens (CPU threads, device, whether data may be downloaded, progress bars) is a
:class:`RunEnv`, passed to ``Experiment.run`` and not part of the recorded science.

A config's ``grid`` maps field names to lists of values: a sweep runs every combination
(:meth:`ExperimentConfig.points`), each as the config with those values and no grid
(:meth:`ExperimentConfig.at`). Every point is validated when the config is made, so a bad value
fails before any training starts.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from ..checks import check_device, check_int, check_positive
from ..data import DATASETS
from ..expansion import BIAS_MODES
from ..models import INITS
from ..tasks import DISTRIBUTIONS, LABEL_MODES, VARIABLES
from .variants import check_variant

__all__ = [
    "ExperimentConfig",
    "BooleanConfig",
    "RealConfig",
    "RunEnv",
    "MODELS",
    "METRICS",
    "DISTRACTORS",
    "REAL_SPLITS",
    "KEYED_WHEN_SET",
    "keyed_when_set",
    "json_ready",
]

C = TypeVar("C", bound="ExperimentConfig")

#: Models of :class:`RealConfig`.
MODELS = ("mlp", "cnn")
#: What a Boolean record's ``accuracy`` is (:attr:`BooleanConfig.metric`).
METRICS = ("accuracy", "exact_match")
#: How a Boolean task's distractor inputs are counted (:attr:`BooleanConfig.distractors`).
DISTRACTORS = ("count", "equal")
#: Splits of :class:`RealConfig` (real data has no clauses).
REAL_SPLITS = ("random", "feature", "overlap")

#: Field metadata of :func:`keyed_when_set`.
KEYED_WHEN_SET = "keyed_when_set"


def keyed_when_set(default: Any) -> Any:
    """A config field that enters :meth:`ExperimentConfig.to_dict` (and so a stored cell's key,
    :attr:`~expand_neurons.experiments.store.Cell.key`) only when it differs from ``default``.

    Fields added after cells were stored are declared this way: at their default they reproduce
    the earlier behaviour exactly, so the cells computed before keep their keys and are not
    stale, while a cell that sets the field gets a key of its own.
    """
    return field(default=default, metadata={KEYED_WHEN_SET: True})


def _flag(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")


def _integer(name: str, value: object, low: int) -> None:
    check_int(name, value, minimum=low)


def _fraction(name: str, value: object, closed_above: bool = True) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not (0 <= value <= 1 if closed_above else 0 <= value < 1):  # type: ignore[operator]
        interval = "[0, 1]" if closed_above else "[0, 1)"
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")


def _positive(name: str, value: object) -> None:
    check_positive(name, value)


def _choice(name: str, value: object, allowed: Sequence[object]) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; allowed are {list(allowed)}")


def _as_tuple(value: object) -> object:
    """Lists (and nested lists) as tuples, so a config is immutable and compares by value."""
    if isinstance(value, (list, tuple)):
        return tuple(_as_tuple(v) for v in value)
    return value


@dataclass(frozen=True)
class ExperimentConfig:
    """Behaviour shared by every config family; ``grid`` maps field names to value lists.

    ``COMPUTATION`` names the family's setting runner (the store keys a cell by it, its config
    and its seed: :class:`~expand_neurons.experiments.store.Cell`).
    """

    COMPUTATION: ClassVar[str] = ""

    grid: Mapping[str, Sequence[Any]] = field(default_factory=dict)

    @classmethod
    def field_names(cls) -> list[str]:
        """The fields of this config family (``grid`` included)."""
        return [f.name for f in dataclasses.fields(cls)]

    def replace(self: C, **changes: Any) -> C:
        """A copy with ``changes``; an unknown name is a ``ValueError`` naming the fields."""
        unknown = sorted(set(changes) - set(self.field_names()))
        if unknown:
            raise ValueError(
                f"unknown config keys {unknown} for {type(self).__name__}; "
                f"allowed are {sorted(self.field_names())}"
            )
        return dataclasses.replace(self, **changes)

    def points(self) -> list[dict[str, Any]]:
        """Every combination of the grid's values, as ``{field: value}`` (one ``{}`` if none)."""
        keys = list(self.grid)
        return [dict(zip(keys, values)) for values in itertools.product(*self.grid.values())]

    def at(self: C, point: Mapping[str, Any]) -> C:
        """The config of one grid point: the point's values set, no grid."""
        return self.replace(grid={}, **point)

    def shared_data(self) -> Hashable | None:
        """The data a cell of this config builds on disk when it is missing (an embedding
        cache), as a key that every config reading the same data shares; ``None`` when a cell
        builds nothing. A cluster runs the first cell of each key before the others of that key,
        so that two workers never build the same data at once (:mod:`.engine`)."""
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (tuples as lists); a :func:`keyed_when_set` field only when it
        differs from its default."""
        out = dataclasses.asdict(self)
        for f in dataclasses.fields(self):
            if f.metadata.get(KEYED_WHEN_SET) and getattr(self, f.name) == f.default:
                del out[f.name]
        return json_ready(out)

    def _check_grid(self) -> None:
        grid = {k: _as_tuple(v) for k, v in dict(self.grid).items()}
        object.__setattr__(self, "grid", grid)
        names = set(self.field_names()) - {"grid"}
        unknown = sorted(set(grid) - names)
        if unknown:
            raise ValueError(
                f"grid keys {unknown} are not config keys; allowed are {sorted(names)}"
            )
        for key, values in grid.items():
            if not isinstance(values, tuple) or not values:
                raise ValueError(f"grid[{key!r}] must be a non-empty list, got {values!r}")
            repeated = [v for i, v in enumerate(values) if v in values[:i]]
            if repeated:
                raise ValueError(
                    f"grid[{key!r}] lists {repeated[0]!r} more than once ({list(values)}); "
                    "each value must appear once"
                )
        if grid:
            for point in self.points():
                self.at(point)  # validates every point now, before anything runs

    def _freeze(self) -> None:
        for f in dataclasses.fields(self):
            if f.name != "grid":
                object.__setattr__(self, f.name, _as_tuple(getattr(self, f.name)))


def json_ready(value: Any) -> Any:
    """``value`` with tuples as lists and mappings as dicts, recursively."""
    if isinstance(value, Mapping):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return value


@dataclass(frozen=True)
class BooleanConfig(ExperimentConfig):
    """One Boolean clause experiment (see :mod:`expand_neurons.tasks` for the task's choices).

    Attributes:
        n_clauses, k, extra_vars, label_mode, p_plant: the task (``make_task``'s arguments):
            ``label_mode`` ``"per_clause"`` (one output per clause) or ``"dnf"`` (one output,
            the OR of the clauses); ``extra_vars`` distractor inputs that belong to no clause;
            ``p_plant`` the probability that a clause is planted true (planted inputs only).
        variables: ``"disjoint"`` clauses (default) or clauses on ``"shared"`` variables
            (consecutive clauses share one, see :func:`~expand_neurons.tasks.make_task`).
        distribution: ``"planted"`` inputs (default) or ``"uniform"`` fair-coin bits.
        hidden: hidden neurons of the dense network; ``alpha``: children per neuron.
        bias: how a parent's bias goes to its children (:func:`~expand_neurons.expansion.
            expand`): ``"split"`` (``b / alpha`` each, default), ``"copy"`` or ``"first"``.
        count_biases: biases count in the non-zero budget (default ``True``).
        exact_match: records also carry ``exact_match`` and ``exact_matches`` (per seed): the
            fraction of test samples with every output right (default ``False``).
        distractors: ``"count"`` (default): ``extra_vars`` distractor inputs; ``"equal"``: as
            many as the clause inputs, at every grid point (``extra_vars`` 0).
        metric: what a record's ``accuracy`` is: ``"accuracy"`` per label (default) or
            ``"exact_match"`` (every output of a sample right). The laboratory's choice
            (:mod:`~expand_neurons.experiments.laboratory`).
        variants: what is trained after the split (:func:`~expand_neurons.experiments.boolean.
            make_variant` names: ``dense``, ``random``, ``clause``, ``feature``, ``overlap``,
            ``dropconnect``, ``grouped-B``).
        dropconnect_p: DropConnect's drop rate (``None``: ``1 - 1/alpha``, the same expected
            number of weights per forward pass as FPE's children).
        epochs: total epochs; the split happens after ``round(epochs * split_at)`` of them.
        seeds: task-and-network instances per setting.
        n_train, n_test: samples per task; lr, batch_size: Adam's settings.

    ``variables``, ``distribution``, ``bias``, ``count_biases``, ``exact_match``, ``metric`` and
    ``distractors`` came after the first stored cells: they are :func:`keyed_when_set`, so at
    their defaults a config's store key is what it was before they existed.
    """

    COMPUTATION: ClassVar[str] = "boolean"

    n_clauses: int = 8
    k: int = 3
    extra_vars: int = 0
    label_mode: str = "per_clause"
    p_plant: float = 0.5
    hidden: int = 8
    alpha: int = 2
    variants: Sequence[str] = ("dense", "random", "clause")
    dropconnect_p: float | None = None
    epochs: int = 200
    split_at: float = 0.5
    seeds: int = 8
    n_train: int = 4096
    n_test: int = 2048
    lr: float = 0.01
    batch_size: int = 256
    variables: str = keyed_when_set("disjoint")
    distribution: str = keyed_when_set("planted")
    bias: str = keyed_when_set("split")
    count_biases: bool = keyed_when_set(True)
    exact_match: bool = keyed_when_set(False)
    metric: str = keyed_when_set("accuracy")
    distractors: str = keyed_when_set("count")

    def __post_init__(self) -> None:
        self._freeze()
        for name, low in (("n_clauses", 1), ("k", 1), ("hidden", 1), ("alpha", 1)):
            _integer(name, getattr(self, name), low)
        for name, low in (("extra_vars", 0), ("epochs", 0), ("seeds", 1)):
            _integer(name, getattr(self, name), low)
        for name in ("n_train", "n_test", "batch_size"):
            _integer(name, getattr(self, name), 1)
        _choice("label_mode", self.label_mode, LABEL_MODES)
        _choice("variables", self.variables, VARIABLES)
        _choice("distribution", self.distribution, DISTRIBUTIONS)
        _choice("bias", self.bias, BIAS_MODES)
        _choice("metric", self.metric, METRICS)
        _choice("distractors", self.distractors, DISTRACTORS)
        if self.distractors == "equal" and self.extra_vars:
            raise ValueError(
                f"distractors='equal' gives as many distractors as clause inputs; extra_vars "
                f"must be 0 then, got {self.extra_vars}"
            )
        for name in ("count_biases", "exact_match"):
            _flag(name, getattr(self, name))
        if self.variables == "shared" and (self.n_clauses < 2 or self.k < 2):
            raise ValueError(
                f"variables='shared' needs n_clauses >= 2 and k >= 2, got "
                f"n_clauses={self.n_clauses}, k={self.k}"
            )
        _fraction("p_plant", self.p_plant)
        _fraction("split_at", self.split_at)
        _positive("lr", self.lr)
        if self.dropconnect_p is not None:
            _fraction("dropconnect_p", self.dropconnect_p, closed_above=False)
        if not self.variants:
            raise ValueError("variants must name at least one variant, e.g. ['dense', 'random']")
        for v in self.variants:
            check_variant(v)
        self._check_alpha()
        self._check_grid()

    @property
    def clause_inputs(self) -> int:
        """The clause variables: ``n_clauses * k`` disjoint, ``n_clauses * (k - 1)`` shared."""
        return self.n_clauses * (self.k if self.variables == "disjoint" else self.k - 1)

    @property
    def n_distractors(self) -> int:
        """Distractor inputs: ``extra_vars``, or :attr:`clause_inputs` with
        ``distractors="equal"``."""
        return self.clause_inputs if self.distractors == "equal" else self.extra_vars

    @property
    def n_inputs(self) -> int:
        """Inputs of the task (and of the first hidden layer): clause variables and
        distractors."""
        return self.clause_inputs + self.n_distractors

    def _check_alpha(self) -> None:
        """Every child of an expanded neuron needs at least one input (as :func:`~expand_neurons.
        expansion.expand` requires): ``alpha`` at most the task's inputs, if a variant splits."""
        if self.grid or self.variants == ("dense",) or self.alpha <= self.n_inputs:
            return  # a grid's points are checked one by one
        raise ValueError(
            f"alpha={self.alpha} is larger than the {self.n_inputs} inputs of the task "
            f"(n_clauses={self.n_clauses}, k={self.k}, {self.n_distractors} distractors, "
            f"{self.variables} variables); every child needs at least one input, so alpha must "
            f"be at most {self.n_inputs}"
        )

    @property
    def warmup_epochs(self) -> int:
        """Epochs of dense training before the split."""
        return round(self.epochs * self.split_at)


@dataclass(frozen=True)
class RealConfig(ExperimentConfig):
    """One experiment on real data: embeddings (MLP) or images (CNN).

    Attributes:
        dataset: ``"wordnet-nouns"``, ``"cifar100-clip"``, ``"fashion-mnist"`` or
            ``"synthetic"`` (Gaussian clusters, for tests).
        n_classes: classes used (``None``: all); max_per_class: examples per class (``None``:
            all); data_seed: fixes the data split and subsets.
        n_train, n_test: image subsets (Fashion-MNIST; ``None``: all).
        model: ``"mlp"`` or ``"cnn"``; channels: the CNN's conv channels.
        hidden, depth: width and number of hidden layers (of the CNN's head).
        alphas, splits: FPE variants trained at every grid point (each alpha x split).
        extra: further variants at single grid points, e.g.
            ``{"hidden": 8, "alpha": 4, "split": "feature"}``.
        match: ``{"hidden": h, "alpha": a, "split": s}``: the FPE model whose matching dense
            size ``embeddings-match`` finds (``None`` elsewhere).
        epochs, split_at, seeds, lr, batch_size: as in :class:`BooleanConfig`.
        init: the MLP's (or the CNN head's) initialisation (:data:`~expand_neurons.models.INITS`;
            ``"default"``, PyTorch's, or ``"he"``); :func:`keyed_when_set`, added after the first
            stored cells.
    """

    COMPUTATION: ClassVar[str] = "real"

    dataset: str = "wordnet-nouns"
    n_classes: int | None = None
    max_per_class: int | None = 200
    data_seed: int = 0
    n_train: int | None = None
    n_test: int | None = None
    model: str = "mlp"
    channels: Sequence[int] = (8, 16)
    hidden: int = 8
    depth: int = 1
    alphas: Sequence[int] = (2, 4, 8)
    splits: Sequence[str] = ("random",)
    extra: Sequence[Mapping[str, Any]] = ()
    match: Mapping[str, Any] | None = None
    epochs: int = 50
    split_at: float = 0.5
    seeds: int = 3
    lr: float = 1e-3
    batch_size: int = 64
    init: str = keyed_when_set("default")

    def __post_init__(self) -> None:
        self._freeze()
        object.__setattr__(self, "extra", tuple(dict(e) for e in self.extra))
        for name in ("hidden", "depth", "seeds", "batch_size"):
            _integer(name, getattr(self, name), 1)
        for name in ("epochs", "data_seed"):
            _integer(name, getattr(self, name), 0)
        for name in ("n_classes", "max_per_class", "n_train", "n_test"):
            if getattr(self, name) is not None:
                _integer(name, getattr(self, name), 1)
        _choice("model", self.model, MODELS)
        _choice("init", self.init, INITS)
        _fraction("split_at", self.split_at)
        _positive("lr", self.lr)
        for c in self.channels:
            _integer("channels", c, 1)
        for a in self.alphas:
            _integer("alphas", a, 1)
        for s in self.splits:
            _choice("split", s, REAL_SPLITS)
        names = set(self.field_names())
        for item in (*self.extra, *([self.match] if self.match is not None else [])):
            if "alpha" not in item:
                raise ValueError(f"extra/match variant {item} needs an 'alpha'")
            _integer("alpha", item["alpha"], 1)
            _choice("split", item.get("split", "random"), REAL_SPLITS)
            unknown = sorted(set(item) - {"alpha", "split"} - names)
            if unknown:
                raise ValueError(f"extra variant {item} names unknown config keys {unknown}")
        self._check_grid()

    @property
    def warmup_epochs(self) -> int:
        """Epochs of dense training before the split."""
        return round(self.epochs * self.split_at)

    def shared_data(self) -> Hashable | None:
        """An embedded data set's cache (:func:`~expand_neurons.data.embedded_dataset` keys it
        by data set, cap and seed, whatever classes a cell keeps); ``None`` for Fashion-MNIST
        and synthetic data, which are read or generated in memory."""
        if self.dataset not in DATASETS:
            return None
        return (self.dataset, self.max_per_class, self.data_seed)


@dataclass(frozen=True)
class RunEnv:
    """Where and how a run happens: not part of the science, not in the recorded config.

    Attributes:
        threads: CPU threads while training (``None``: leave torch's setting). The default, 1,
            is the fastest for these small models: on a busy 2-core machine two threads cost
            over twenty times the CPU time of one for the same MLP run.
        device: ``"cpu"``, ``"cuda"``, ... (``None``: CUDA when available, else CPU).
        download: real data may be fetched from the internet when missing (CIFAR-100).
        encoder_device: where CLIP encodes images on a cache miss.
        progress: progress bars (``None``: ``$EXPAND_NEURONS_PROGRESS``).
    """

    threads: int | None = 1
    device: str | None = None
    download: bool = False
    encoder_device: str = "cpu"
    progress: bool | None = None

    def __post_init__(self) -> None:
        if self.threads is not None:
            _integer("threads", self.threads, 1)
        check_device("device", self.device, available=False)
        check_device("encoder_device", self.encoder_device, available=False)
        _flag("download", self.download)
