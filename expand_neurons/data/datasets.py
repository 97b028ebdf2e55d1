"""Classification data sets of frozen embeddings, built once and cached: the data of part II.

``embedded_dataset("wordnet-nouns")``: WordNet noun glosses embedded with all-MiniLM-L6-v2 (384-d,
offline), 26 lexicographer classes, seeded stratified train/test split.
``embedded_dataset("cifar100-clip")``: CIFAR-100 images embedded with CLIP ViT-B/32 (512-d), its own
train/test split; needs the CIFAR tarball and the CLIP weights (internet, first time only).

The embeddings of the whole pool (all classes) are cached under a key made of the data set, the
encoder name and the subset spec; choosing classes and splitting happen after loading, so sweeps
over the number of classes reuse one cache entry and the same examples of every class they keep.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch

from .cache import cached
from .cifar100 import cifar100
from .clip import DEFAULT_CLIP_MODEL, CLIPImageEncoder
from .encoders import MINILM_NAME, Encoder, MiniLMEncoder
from .sampling import per_class_cap, split_by_class
from .wordnet import NOUN_CLASSES, find_data_noun, read_noun_synsets

__all__ = [
    "DATASETS",
    "EmbeddedDataset",
    "embedded_dataset",
    "wordnet_split_sizes",
    "choose_classes",
]

#: Data set names accepted by :func:`embedded_dataset`.
DATASETS: tuple[str, ...] = ("wordnet-nouns", "cifar100-clip")
CACHE_VERSION = 1


@dataclass
class EmbeddedDataset:
    """Frozen embeddings and labels. ``X_*``: float32 ``(N, dim)``; ``y_*``: int64 ``(N,)`` in
    ``0..n_classes-1``, indexing ``class_names``."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    class_names: list[str]
    encoder: str
    name: str

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def dim(self) -> int:
        return int(self.X_train.shape[1])

    def __repr__(self) -> str:
        return (
            f"EmbeddedDataset({self.name!r}, encoder={self.encoder!r}, classes={self.n_classes}, "
            f"dim={self.dim}, train={len(self.y_train)}, test={len(self.y_test)})"
        )


def choose_classes(
    sizes: Sequence[int],
    names: Sequence[str],
    *,
    n_classes: int | None = None,
    classes: Sequence[str] | None = None,
) -> list[int]:
    """Class indices to keep: ``classes`` by name (in the order given), else the ``n_classes``
    largest (by ``sizes``; ties: lower index) in index order, else all non-empty classes."""
    if classes is not None and n_classes is not None:
        raise ValueError("give n_classes or classes, not both")
    if classes is not None:
        lookup = {n: i for i, n in enumerate(names)}
        lookup.update({n.split(".", 1)[1]: i for i, n in enumerate(names) if "." in n})
        unknown = [c for c in classes if c not in lookup]
        if unknown:
            raise ValueError(f"unknown classes {unknown}; known: {list(names)}")
        chosen = [lookup[c] for c in classes]
        if len(set(chosen)) != len(chosen):
            raise ValueError(f"a class is listed twice in {list(classes)}")
        return chosen
    if n_classes is None:
        return [i for i, s in enumerate(sizes) if s > 0]
    if not 1 <= n_classes <= len(names):
        raise ValueError(f"n_classes must be in 1..{len(names)}, got {n_classes}")
    by_size = sorted(range(len(names)), key=lambda i: (-int(sizes[i]), i))
    return sorted(by_size[:n_classes])


def _rows_of(y: torch.Tensor, keep: list[int]) -> torch.Tensor:
    """Indices of the rows whose label is in ``keep``."""
    return torch.nonzero(torch.isin(y, torch.tensor(keep, dtype=torch.long))).flatten()


def _renumber(y: torch.Tensor, keep: list[int]) -> torch.Tensor:
    """Labels renumbered to their positions in ``keep`` (all of ``y`` must be in ``keep``)."""
    remap = torch.full((max(keep) + 1,), -1, dtype=torch.long)
    remap[torch.tensor(keep, dtype=torch.long)] = torch.arange(len(keep))
    return remap[y]


def _resolve_encoder(
    encoder: Encoder | str | None, modality: str, device: str
) -> tuple[str, Callable[[], Encoder]]:
    """The encoder's name (for the cache key) and a factory building it only when needed."""
    if isinstance(encoder, Encoder):
        if encoder.modality != modality:
            raise ValueError(f"this data set needs a {modality} encoder, got {encoder!r}")
        return encoder.name, lambda: encoder
    if modality == "text":
        if encoder not in (None, MINILM_NAME):
            raise ValueError(
                f"unknown text encoder {encoder!r}; pass {MINILM_NAME!r} or an Encoder"
            )
        return MINILM_NAME, lambda: MiniLMEncoder(device=device)
    model_name = encoder or DEFAULT_CLIP_MODEL
    return f"clip:{model_name}", lambda: CLIPImageEncoder(model_name=model_name, device=device)


def _wordnet(
    encoder: Encoder | str | None,
    *,
    n_classes: int | None,
    classes: Sequence[str] | None,
    max_per_class: int | None,
    test_fraction: float,
    seed: int,
    cache_dir: str | os.PathLike[str] | None,
    data_path: str | os.PathLike[str] | None,
    device: str,
    progress: bool,
    refresh: bool,
) -> EmbeddedDataset:
    enc_name, make_encoder = _resolve_encoder(encoder, "text", device)
    data_noun = find_data_noun(data_path)
    key = {
        "dataset": "wordnet-nouns",
        "encoder": enc_name,
        "max_per_class": max_per_class,
        "seed": seed,
        "source_bytes": data_noun.stat().st_size,
        "version": CACHE_VERSION,
    }

    def compute() -> dict[str, Any]:
        synsets = read_noun_synsets(data_noun)
        y_all = torch.tensor([s.label for s in synsets], dtype=torch.long)  # global, 0..25
        rows = per_class_cap(y_all, max_per_class, seed).tolist()
        X = make_encoder().encode_all([synsets[i].gloss for i in rows], progress=progress)
        return {
            "X": X,
            "y": y_all[rows],
            "class_sizes": torch.bincount(y_all, minlength=len(NOUN_CLASSES)).tolist(),
            "class_names": list(NOUN_CLASSES),
        }

    pool = cached(key, compute, cache_dir=cache_dir, refresh=refresh)
    keep = choose_classes(
        pool["class_sizes"], pool["class_names"], n_classes=n_classes, classes=classes
    )
    rows = _rows_of(pool["y"], keep)
    # Split on the original labels: each class's split is the same whichever classes are kept.
    train, test = split_by_class(pool["y"][rows], test_fraction, seed)
    X, y = pool["X"][rows], _renumber(pool["y"][rows], keep)
    names = [pool["class_names"][c] for c in keep]
    return EmbeddedDataset(X[train], y[train], X[test], y[test], names, enc_name, "wordnet-nouns")


def wordnet_split_sizes(
    max_per_class: int | None = None,
    *,
    test_fraction: float = 0.2,
    seed: int = 0,
    data_path: str | os.PathLike[str] | None = None,
) -> tuple[int, int]:
    """The train and test sizes of ``embedded_dataset("wordnet-nouns", max_per_class=...,
    test_fraction=..., seed=...)`` with every class, without encoding a gloss (what describing
    a data set needs, where embedding it takes minutes on a CPU)."""
    synsets = read_noun_synsets(find_data_noun(data_path))
    y_all = torch.tensor([s.label for s in synsets], dtype=torch.long)
    rows = per_class_cap(y_all, max_per_class, seed)
    train, test = split_by_class(y_all[rows], test_fraction, seed)
    return len(train), len(test)


def _cifar100_clip(
    encoder: Encoder | str | None,
    *,
    n_classes: int | None,
    classes: Sequence[str] | None,
    max_per_class: int | None,
    seed: int,
    cache_dir: str | os.PathLike[str] | None,
    data_path: str | os.PathLike[str] | None,
    download: bool,
    device: str,
    progress: bool,
    refresh: bool,
) -> EmbeddedDataset:
    enc_name, make_encoder = _resolve_encoder(encoder, "image", device)
    built: list[Encoder] = []
    parts = {}
    halves: tuple[Literal["train", "test"], ...] = ("train", "test")
    for split in halves:
        key = {"dataset": "cifar100", "split": split, "encoder": enc_name, "version": CACHE_VERSION}

        def compute(split: Literal["train", "test"] = split) -> dict[str, Any]:
            images, labels, names = cifar100(
                split, root=data_path, cache_dir=cache_dir, download=download
            )
            if not built:
                built.append(make_encoder())
            X = built[0].encode_all(images, progress=progress)
            return {"X": X, "y": labels, "class_names": names}

        parts[split] = cached(key, compute, cache_dir=cache_dir, refresh=refresh)
    names = parts["train"]["class_names"]
    sizes = torch.bincount(parts["train"]["y"], minlength=len(names)).tolist()
    keep = choose_classes(sizes, names, n_classes=n_classes, classes=classes)
    y_all, X_all = parts["train"]["y"], parts["train"]["X"]
    rows = _rows_of(y_all, keep)
    rows = rows[per_class_cap(y_all[rows], max_per_class, seed)]  # seeded by original label
    X_train, y_train = X_all[rows], _renumber(y_all[rows], keep)
    test_rows = _rows_of(parts["test"]["y"], keep)
    X_test = parts["test"]["X"][test_rows]
    y_test = _renumber(parts["test"]["y"][test_rows], keep)
    return EmbeddedDataset(
        X_train,
        y_train,
        X_test,
        y_test,
        [names[c] for c in keep],
        enc_name,
        "cifar100-clip",
    )


def embedded_dataset(
    name: str = "wordnet-nouns",
    *,
    encoder: Encoder | str | None = None,
    n_classes: int | None = None,
    classes: Sequence[str] | None = None,
    max_per_class: int | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    cache_dir: str | os.PathLike[str] | None = None,
    data_path: str | os.PathLike[str] | None = None,
    download: bool = False,
    device: str = "cpu",
    progress: bool = False,
    refresh: bool = False,
) -> EmbeddedDataset:
    """Frozen embeddings of a labelled data set, split into train and test.

    Args:
        name: ``"wordnet-nouns"`` (MiniLM over WordNet noun glosses, 26 classes, offline) or
            ``"cifar100-clip"`` (CLIP ViT-B/32 over CIFAR-100, 100 classes; needs the CIFAR
            tarball and, the first time, internet for the CLIP weights).
        encoder: an :class:`~expand_neurons.data.encoders.Encoder`, or a name: for WordNet only
            ``"all-MiniLM-L6-v2"``; for CIFAR a Hugging Face CLIP id. Default: those two. Built
            only when the cache misses.
        n_classes: keep the ``n_classes`` largest classes (by full data set size; ties: lower
            index), for classes-per-neuron sweeps. ``classes``: or name them.
        max_per_class: WordNet: at most this many glosses per class (seeded per class), *before*
            the train/test split. CIFAR: at most this many training images per class (the test
            set is kept whole).
        test_fraction: WordNet only: share of each class held out for testing (stratified,
            seeded). CIFAR uses its own 50,000/10,000 split.
        seed: seed of the per-class caps and of the WordNet split.
        cache_dir: cache root (default ``$EXPAND_NEURONS_CACHE`` or ``~/.cache/expand_neurons``).
        data_path: WordNet ``data.noun`` (or folder); CIFAR tarball folder.
        download: CIFAR only: fetch the tarball if missing (needs internet).
        device: where a default encoder runs (``"cuda"`` speeds up CLIP a lot).
        progress: show a progress bar while encoding. ``refresh``: recompute, ignoring the cache.

    Returns:
        :class:`EmbeddedDataset` with float32 ``X_train``/``X_test`` and int64 labels.
    """
    if name == "wordnet-nouns":
        return _wordnet(
            encoder,
            n_classes=n_classes,
            classes=classes,
            max_per_class=max_per_class,
            test_fraction=test_fraction,
            seed=seed,
            cache_dir=cache_dir,
            data_path=data_path,
            device=device,
            progress=progress,
            refresh=refresh,
        )
    if name == "cifar100-clip":
        return _cifar100_clip(
            encoder,
            n_classes=n_classes,
            classes=classes,
            max_per_class=max_per_class,
            seed=seed,
            cache_dir=cache_dir,
            data_path=data_path,
            download=download,
            device=device,
            progress=progress,
            refresh=refresh,
        )
    raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
