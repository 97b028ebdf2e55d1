"""The data set a :class:`~expand_neurons.experiments.config.RealConfig` names, loaded once.

``wordnet-nouns`` (all-MiniLM-L6-v2 embeddings of WordNet noun glosses, offline: what the book
runs) and ``cifar100-clip`` (CLIP ViT-B/32 embeddings of CIFAR-100; needs the data and weights
the first time) come from :func:`expand_neurons.data.embedded_dataset`, cached on disk;
``fashion-mnist`` images (for the CNN) from Debian's package; ``synthetic`` Gaussian clusters
(for tests) are generated.
"""

from __future__ import annotations

import functools
from typing import Any

from ..data import (
    DATASETS,
    FASHION_MNIST_CLASSES,
    ArrayData,
    embedded_dataset,
    fashion_mnist,
    synthetic_data,
)
from .config import RealConfig, RunEnv

__all__ = ["load_data", "DATA_NAMES"]

#: Data sets a real-data config may name.
DATA_NAMES = (*DATASETS, "fashion-mnist", "synthetic")


@functools.lru_cache(maxsize=2)
def _fashion(n_train: int | None, n_test: int | None, seed: int) -> ArrayData:
    X_train, y_train = fashion_mnist("train", subset=n_train, seed=seed)
    X_test, y_test = fashion_mnist("test", subset=n_test, seed=seed)
    mean, std = float(X_train.mean()), float(X_train.std())  # standardise with training stats
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    return ArrayData(X_train, y_train, X_test, y_test, list(FASHION_MNIST_CLASSES), "fashion-mnist")


def load_data(cfg: RealConfig, env: RunEnv | None = None) -> Any:
    """The data set of ``cfg`` (``dataset``, ``n_classes``, ``max_per_class``, ...).

    ``env`` says whether a missing data set may be downloaded and where CLIP encodes.
    """
    env = env or RunEnv()
    name = cfg.dataset
    if name == "synthetic":
        shape = (1, 28, 28) if cfg.model == "cnn" else (32,)
        return synthetic_data(cfg.n_classes or 4, shape, cfg.max_per_class or 20, cfg.data_seed)
    if name == "fashion-mnist":
        if cfg.n_classes not in (None, 10):
            raise ValueError("fashion-mnist has 10 classes; leave n_classes at None")
        return _fashion(cfg.n_train, cfg.n_test, cfg.data_seed)
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; allowed are {list(DATA_NAMES)}")
    return embedded_dataset(
        name,
        n_classes=cfg.n_classes,
        max_per_class=cfg.max_per_class,
        seed=cfg.data_seed,
        download=env.download,
        device=env.encoder_device,
    )
