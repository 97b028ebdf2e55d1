"""On-disk cache of computed tensors (embeddings), computed once, validated on every load.

A cache entry is identified by a JSON-able ``key`` (encoder name, dataset, subset spec...). Its
file is ``<cache>/embeddings/<slug>-<sha256(key)[:16]>.pt`` where ``<cache>`` is
``$EXPAND_NEURONS_CACHE`` or ``~/.cache/expand_neurons``. The file stores the key itself, the
shape and dtype of each tensor and a SHA-256 checksum of everything; a file that fails to load,
whose key differs, or whose tensors do not match their recorded shape, dtype or checksum is
reported with a :class:`CacheWarning` and rebuilt, never trusted. Writes are atomic (temporary
file in the same folder + :func:`os.replace`), so an interrupted run leaves no partial file. A
cache that cannot be written (an unwritable or misplaced folder, a directory where the file should
be, a full disk) costs only time: :func:`cached` warns and returns what it computed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

from ._files import CACHE_ENV, atomic_write, cache_root

__all__ = [
    "CACHE_ENV",
    "CacheWarning",
    "CacheError",
    "key_hash",
    "cache_path",
    "save_entry",
    "load_entry",
    "cached",
]

FORMAT = "expand_neurons.cache/1"
Payload = dict[str, Any]


class CacheWarning(UserWarning):
    """A cache file was unusable and is being rebuilt, or could not be written."""


class CacheError(ValueError):
    """A cache file is corrupt, truncated or does not match the requested key."""


def _canonical(key: Mapping[str, Any]) -> str:
    return json.dumps(key, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def key_hash(key: Mapping[str, Any]) -> str:
    """Stable hex SHA-256 of the canonical JSON of ``key`` (sorted keys, no spaces)."""
    return hashlib.sha256(_canonical(key).encode()).hexdigest()


def cache_path(key: Mapping[str, Any], cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """File for ``key``; the readable slug comes from ``key['dataset']`` and ``key['encoder']``."""
    slug = "-".join(str(key[k]) for k in ("dataset", "encoder") if k in key) or "entry"
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", slug)[:80]
    return cache_root(cache_dir) / "embeddings" / f"{slug}-{key_hash(key)[:16]}.pt"


def _checksum(key_json: str, tensors: Mapping[str, torch.Tensor], extra_json: str) -> str:
    digest = hashlib.sha256(key_json.encode())
    digest.update(extra_json.encode())
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        digest.update(f"|{name}|{t.dtype}|{list(t.shape)}|".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def save_entry(path: str | os.PathLike[str], key: Mapping[str, Any], payload: Payload) -> Path:
    """Write ``payload`` (tensors, plus JSON-able values) under ``key`` to ``path``, atomically."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in payload.items() if torch.is_tensor(v)}
    extra = {k: v for k, v in payload.items() if not torch.is_tensor(v)}
    key_json, extra_json = _canonical(key), json.dumps(extra, sort_keys=True)
    record = {
        "format": FORMAT,
        "key": key_json,
        "extra": extra_json,
        "meta": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in tensors.items()},
        "checksum": _checksum(key_json, tensors, extra_json),
        "tensors": tensors,
    }
    with atomic_write(path) as fh:
        torch.save(record, fh)
    return Path(path)


def load_entry(path: str | os.PathLike[str], key: Mapping[str, Any]) -> Payload:
    """Load and validate an entry; raise :class:`CacheError` saying what is wrong with it."""
    try:
        record = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # any failure to unpickle means the file cannot be trusted
        raise CacheError(f"cannot be read ({type(exc).__name__}: {exc})") from exc
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise CacheError("not a cache file of this format")
    try:
        key_json, extra_json = record["key"], record["extra"]
        meta, tensors, checksum = record["meta"], record["tensors"], record["checksum"]
    except KeyError as exc:
        raise CacheError(f"missing field {exc}") from exc
    if key_json != _canonical(key):
        raise CacheError(f"stored key {key_json} differs from requested {_canonical(key)}")
    if set(meta) != set(tensors):
        raise CacheError(f"tensors {sorted(tensors)} do not match metadata {sorted(meta)}")
    for name, info in meta.items():
        t = tensors[name]
        if (
            not torch.is_tensor(t)
            or list(t.shape) != info["shape"]
            or str(t.dtype) != info["dtype"]
        ):
            raise CacheError(f"tensor {name!r} does not match its recorded shape/dtype {info}")
    if _checksum(key_json, tensors, extra_json) != checksum:
        raise CacheError("checksum mismatch (corrupt contents)")
    return {**json.loads(extra_json), **tensors}


def cached(
    key: Mapping[str, Any],
    compute: Callable[[], Payload],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    refresh: bool = False,
) -> Payload:
    """Return the payload cached under ``key``, computing and storing it if absent or invalid.

    ``compute()`` must return a dict of tensors and JSON-able values (lists of class names...).
    If it raises, nothing is written. ``refresh=True`` recomputes unconditionally. If the entry
    cannot be written, a :class:`CacheWarning` says where and why, and the computed payload is
    returned all the same (it will be computed again next time).
    """
    path = cache_path(key, cache_dir)
    if path.is_file() and not refresh:
        try:
            return load_entry(path, key)
        except CacheError as exc:
            warnings.warn(f"cache file {path} is unusable: {exc}; rebuilding it", CacheWarning, 2)
    payload = compute()
    try:
        save_entry(path, key, payload)
    except (OSError, RuntimeError) as exc:  # RuntimeError: torch.save's writer failing (disk full)
        warnings.warn(
            f"could not write the embedding cache to {path} ({type(exc).__name__}: {exc}); the "
            "embeddings were computed and are used, but will be recomputed next time",
            CacheWarning,
            2,
        )
    return payload
