"""Fashion-MNIST (Xiao et al. 2017): 70,000 grey 28x28 images of clothes in 10 classes.

Looked for, in order:

1. an explicit ``root`` folder, else the cache folder ``<cache>/fashion-mnist`` (see
   :func:`expand_neurons.data.cache_root`);
2. the Debian package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``);
3. if ``download=True``: the published files, fetched into the cache folder (needs internet).

Each folder must hold the four upstream files (``train-images-idx3-ubyte.gz``, ...), gzipped or
not. Nothing is ever made up: if no copy is found, :class:`FashionMNISTNotFoundError` says how to
get one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, cast

import numpy as np
import torch

from ._files import cache_root
from ._files import download as _download_file
from .idx import IDXFormatError, read_idx
from .sampling import random_subset, stratified_subset

__all__ = [
    "FASHION_MNIST_CLASSES",
    "DEBIAN_DIR",
    "FashionMNISTNotFoundError",
    "find_fashion_mnist",
    "download_fashion_mnist",
    "fashion_mnist",
]

#: Class names, index = label.
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
#: Where Debian's ``dataset-fashion-mnist`` puts the files.
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
#: File stems per split: (images, labels).
FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
#: MD5 of the published ``.gz`` files (Debian recompressed its copies, so those differ).
MD5: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
MIRRORS: tuple[str, ...] = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
INSTALL_HINT = "sudo apt-get install dataset-fashion-mnist"


class FashionMNISTNotFoundError(FileNotFoundError):
    """No copy of Fashion-MNIST was found (and none could be downloaded)."""


def _file_in(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _complete(folder: Path) -> bool:
    return all(_file_in(folder, stem) for pair in FILES.values() for stem in pair)


def find_fashion_mnist(
    root: str | os.PathLike[str] | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    system_dir: str | os.PathLike[str] | None = DEBIAN_DIR,
) -> Path | None:
    """The first folder holding all four files: ``root`` (or the cache folder when ``root`` is
    None), then ``system_dir`` (Debian's, unless None). None if there is none."""
    first = Path(root) if root is not None else cache_root(cache_dir) / "fashion-mnist"
    for folder in (first, None if system_dir is None else Path(system_dir)):
        if folder is not None and _complete(folder):
            return folder
    return None


def download_fashion_mnist(dest: str | os.PathLike[str] | None = None) -> Path:
    """Fetch the four published ``.gz`` files into ``dest`` (default: the cache folder), each
    checked against its MD5 and written atomically. Needs internet. Returns the folder."""
    folder = Path(dest) if dest is not None else cache_root() / "fashion-mnist"
    for name, md5 in MD5.items():
        if not (folder / name).is_file():
            _download_file([m + name for m in MIRRORS], folder / name, md5=md5)
    return folder


def _not_found(searched: list[Path], download_error: Exception | None) -> FashionMNISTNotFoundError:
    lines = [
        "Fashion-MNIST was not found. Looked in: " + ", ".join(str(p) for p in searched) + ".",
        "Install the Debian package dataset-fashion-mnist, which ships it:",
        f"    {INSTALL_HINT}",
        "or, with internet access, call fashion_mnist(..., download=True) (or",
        "expand_neurons.data.download_fashion_mnist()) to fetch the published files",
        "into the cache, or pass root= a folder holding train-images-idx3-ubyte.gz,",
        "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.",
    ]
    if download_error is not None:
        lines.append(f"The download failed: {download_error}")
    return FashionMNISTNotFoundError("\n".join(lines))


def fashion_mnist(
    split: Literal["train", "test"] = "train",
    *,
    subset: int | None = None,
    stratified: bool = True,
    seed: int = 0,
    root: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    system_dir: str | os.PathLike[str] | None = DEBIAN_DIR,
    download: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load one split of Fashion-MNIST.

    Args:
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000).
        subset: keep only this many images (None: all). With ``stratified=True`` each class keeps
            its share (largest-remainder rounding, so 10 classes x ``subset/10`` on these balanced
            splits); with ``stratified=False`` a uniform random sample. Seeded by ``seed``; the
            subset keeps the file order.
        root: folder with the four files; default: the cache folder ``<cache>/fashion-mnist``.
        system_dir: second place to look (Debian's folder); None to skip it.
        download: if nothing is found locally, fetch the files into the cache (needs internet).

    Returns:
        ``(images, labels)``: images float32 of shape ``(N, 1, 28, 28)`` with values in
        ``[0, 1]`` (pixel / 255); labels int64 of shape ``(N,)`` in ``0..9``
        (names in :data:`FASHION_MNIST_CLASSES`).

    Raises:
        FashionMNISTNotFoundError: no copy found (the message gives the install command).
        IDXFormatError: a file is truncated or corrupt.
    """
    if split not in FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = find_fashion_mnist(root, cache_dir=cache_dir, system_dir=system_dir)
    if folder is None:
        first = Path(root) if root is not None else cache_root(cache_dir) / "fashion-mnist"
        searched = [first] + ([Path(system_dir)] if system_dir is not None else [])
        error: Exception | None = None
        if download:
            try:
                folder = download_fashion_mnist(first)
            except OSError as exc:
                error = exc
        if folder is None:
            raise _not_found(searched, error)
    img_stem, lab_stem = FILES[split]
    # the folder is complete (find_fashion_mnist / download_fashion_mnist checked it)
    images = read_idx(cast(Path, _file_in(folder, img_stem)))
    labels = read_idx(cast(Path, _file_in(folder, lab_stem)))
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise IDXFormatError(
            f"{folder}/{img_stem}: expected uint8 images of shape (N, 28, 28), "
            f"got {images.dtype} {images.shape}"
        )
    if labels.shape != (images.shape[0],) or labels.dtype != np.uint8:
        raise IDXFormatError(
            f"{folder}/{lab_stem}: expected {images.shape[0]} uint8 labels, "
            f"got {labels.dtype} {labels.shape}"
        )
    if labels.size and labels.max() >= len(FASHION_MNIST_CLASSES):
        raise IDXFormatError(f"{folder}/{lab_stem}: label {labels.max()} out of range 0..9")
    y = torch.from_numpy(labels.astype(np.int64))
    x = torch.from_numpy(images).unsqueeze(1)
    if subset is not None:
        idx = (
            stratified_subset(y, subset, seed)
            if stratified
            else random_subset(len(y), subset, seed)
        )
        x, y = x[idx], y[idx]
    return x.to(torch.float32).div_(255.0), y
