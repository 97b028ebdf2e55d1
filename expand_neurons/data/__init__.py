"""Real data for part II: frozen-embedding classification sets and Fashion-MNIST.

- :func:`embedded_dataset` — ``"wordnet-nouns"`` (MiniLM, offline) or ``"cifar100-clip"`` (CLIP),
  cached on disk (:mod:`.cache`).
- :func:`fashion_mnist` — images for the CNN, from Debian's ``dataset-fashion-mnist``.
- Loaders and encoders underneath: :func:`wordnet_nouns`, :func:`cifar100`, :class:`MiniLMEncoder`,
  :class:`CLIPImageEncoder`, IDX files (:func:`read_idx`).

Heavy dependencies (sentence-transformers, transformers) are imported only when a model is built.
"""

from __future__ import annotations

from ._files import cache_root
from .arrays import ArrayData, synthetic_data
from .cache import CacheError, CacheWarning, cache_path, cached
from .cifar100 import CIFAR100NotFoundError, cifar100, download_cifar100
from .clip import CLIPImageEncoder, clip_preprocess
from .datasets import DATASETS, EmbeddedDataset, embedded_dataset, wordnet_split_sizes
from .encoders import Encoder, MiniLMEncoder
from .fashion_mnist import (
    FASHION_MNIST_CLASSES,
    FashionMNISTNotFoundError,
    download_fashion_mnist,
    fashion_mnist,
)
from .idx import IDXFormatError, read_idx, write_idx
from .sampling import split_by_class, stratified_subset
from .wordnet import NOUN_CLASSES, WordNetNotFoundError, WordNetNouns, wordnet_nouns

__all__ = [
    "ArrayData",
    "synthetic_data",
    "DATASETS",
    "EmbeddedDataset",
    "embedded_dataset",
    "wordnet_split_sizes",
    "fashion_mnist",
    "download_fashion_mnist",
    "FASHION_MNIST_CLASSES",
    "FashionMNISTNotFoundError",
    "wordnet_nouns",
    "WordNetNouns",
    "NOUN_CLASSES",
    "WordNetNotFoundError",
    "cifar100",
    "download_cifar100",
    "CIFAR100NotFoundError",
    "Encoder",
    "MiniLMEncoder",
    "CLIPImageEncoder",
    "clip_preprocess",
    "cached",
    "cache_root",
    "cache_path",
    "CacheError",
    "CacheWarning",
    "read_idx",
    "write_idx",
    "IDXFormatError",
    "split_by_class",
    "stratified_subset",
]
