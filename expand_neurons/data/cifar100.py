"""CIFAR-100 (Krizhevsky 2009) from its standard "python version" tarball.

No registry package ships CIFAR, so a copy comes from ``root`` (a folder holding
``cifar-100-python.tar.gz`` or the unpacked ``cifar-100-python/``), from the cache folder
``<cache>/cifar100``, or, with ``download=True``, from the published URL into that cache folder
(checked against its MD5, written atomically; needs internet). The tarball is read in place, never
unpacked, and the pickles are read with an unpickler that only accepts the few numpy names that
CIFAR's pickles need, so a tampered file cannot run code.
"""

from __future__ import annotations

import io
import os
import pickle
import tarfile
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from ._files import cache_root
from ._files import download as _download_file

__all__ = ["CIFAR100NotFoundError", "find_cifar100", "download_cifar100", "cifar100"]

TARBALL = "cifar-100-python.tar.gz"
FOLDER = "cifar-100-python"
URLS: tuple[str, ...] = ("https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",)
MD5 = "eb9058c3a382ffc7106e4002c42a8d85"


class CIFAR100NotFoundError(FileNotFoundError):
    """No copy of CIFAR-100 was found (and none could be downloaded)."""


class _NumpyOnlyUnpickler(pickle.Unpickler):
    _allowed = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._allowed:
            raise pickle.UnpicklingError(f"CIFAR pickle refers to {module}.{name}: refused")
        if name == "_reconstruct":
            try:
                from numpy._core.multiarray import _reconstruct
            except ImportError:  # numpy < 2
                from numpy.core.multiarray import _reconstruct as _reconstruct_v1

                return _reconstruct_v1
            return _reconstruct
        return super().find_class(module, name)


def _unpickle(raw: bytes, source: str) -> dict[bytes, Any]:
    try:
        obj = _NumpyOnlyUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except Exception as exc:
        raise ValueError(f"{source}: corrupt or not a CIFAR pickle ({exc})") from exc
    if not isinstance(obj, dict):
        raise ValueError(f"{source}: expected a dict, got {type(obj).__name__}")
    return obj


def find_cifar100(
    root: str | os.PathLike[str] | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Path | None:
    """The tarball or unpacked folder in ``root`` (or the cache folder ``<cache>/cifar100``)."""
    folder = Path(root) if root is not None else cache_root(cache_dir) / "cifar100"
    for cand in (folder / FOLDER, folder, folder / TARBALL):
        if cand.is_dir() and all((cand / f).is_file() for f in ("train", "test", "meta")):
            return cand
        if cand.is_file() and cand.name.endswith(".tar.gz"):
            return cand
    return None


def download_cifar100(dest: str | os.PathLike[str] | None = None) -> Path:
    """Fetch the 161 MB tarball into ``dest`` (default ``<cache>/cifar100``); needs internet."""
    folder = Path(dest) if dest is not None else cache_root() / "cifar100"
    target = folder / TARBALL
    if not target.is_file():
        _download_file(URLS, target, md5=MD5, timeout=120)
    return target


def _read_member(source: Path, member: str) -> bytes:
    if source.is_dir():
        return (source / member).read_bytes()
    try:
        with tarfile.open(source, "r:gz") as tar:
            fh = tar.extractfile(f"{FOLDER}/{member}")
            if fh is None:
                raise KeyError(member)
            return fh.read()
    except (tarfile.TarError, KeyError, OSError, EOFError) as exc:
        raise ValueError(f"{source}: cannot read {FOLDER}/{member} ({exc})") from exc


def cifar100(
    split: Literal["train", "test"] = "train",
    *,
    root: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    download: bool = False,
) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Load one split of CIFAR-100 (fine labels).

    Returns:
        ``(images, labels, class_names)``: images uint8 ``(N, 3, 32, 32)`` RGB (N = 50,000 for
        train, 10,000 for test); labels int64 ``(N,)`` in ``0..99``; the 100 fine class names.

    Raises:
        CIFAR100NotFoundError: no copy found and ``download`` is False or failed.
        ValueError: the tarball or a pickle in it is corrupt.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    source = find_cifar100(root, cache_dir=cache_dir)
    if source is None:
        folder = Path(root) if root is not None else cache_root(cache_dir) / "cifar100"
        error = ""
        if download:
            try:
                source = download_cifar100(folder)
            except OSError as exc:
                error = f"\nThe download failed: {exc}"
        if source is None:
            raise CIFAR100NotFoundError(
                f"CIFAR-100 was not found in {folder} (no registry package ships it).\n"
                "With internet access, pass download=True (or call download_cifar100()) to fetch "
                f"{URLS[0]} into that folder,\nor put {TARBALL} (or the unpacked {FOLDER}/) "
                "there yourself." + error
            )
    data = _unpickle(_read_member(source, split), f"{source}:{split}")
    meta = _unpickle(_read_member(source, "meta"), f"{source}:meta")
    try:
        pixels = np.asarray(data[b"data"], dtype=np.uint8)
        labels = np.asarray(data[b"fine_labels"], dtype=np.int64)
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in meta[b"fine_label_names"]]
    except KeyError as exc:
        raise ValueError(f"{source}: CIFAR pickle lacks the field {exc}") from exc
    if pixels.ndim != 2 or pixels.shape[1] != 3 * 32 * 32 or len(labels) != len(pixels):
        raise ValueError(
            f"{source}:{split}: expected data (N, 3072) and N labels, "
            f"got {pixels.shape} and {labels.shape}"
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= len(names)):
        raise ValueError(f"{source}:{split}: labels outside 0..{len(names) - 1}")
    images = torch.from_numpy(pixels.reshape(-1, 3, 32, 32).copy())
    return images, torch.from_numpy(labels), names
