"""File plumbing shared by the loaders: the cache root, atomic writes and checked downloads.

Every file this package writes goes first to a temporary file in the destination's own folder and
is then moved into place with :func:`os.replace`, which is atomic on POSIX and Windows: a run that
is interrupted leaves either the old file, or no file, never a half-written one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from ..results import file_mode

__all__ = ["cache_root", "atomic_write", "download", "md5_of"]

#: Environment variable that overrides the default cache folder ``~/.cache/expand_neurons``.
CACHE_ENV = "EXPAND_NEURONS_CACHE"


def cache_root(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder: ``cache_dir`` if given, else ``$EXPAND_NEURONS_CACHE``, else
    ``~/.cache/expand_neurons``. Not created here."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "expand_neurons"


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary binary file next to ``path``; on a clean exit, fsync it and move it onto
    ``path`` with :func:`os.replace`. On any exception the temporary file is removed and ``path``
    is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())  # mkstemp makes it 0600; a cache or data file is not secret
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def md5_of(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex MD5 of a file (used only to check downloads against published checksums)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def download(
    urls: str | Sequence[str],
    dest: str | os.PathLike[str],
    *,
    md5: str | None = None,
    timeout: float = 60.0,
) -> Path:
    """Download the first URL of ``urls`` that works to ``dest``, atomically.

    The body is streamed to a temporary file beside ``dest``; if ``md5`` is given it must match,
    else the file is discarded. Raises :class:`OSError` listing every URL tried and why it failed.
    """
    dest = Path(dest)
    urls = [urls] if isinstance(urls, str) else list(urls)
    errors: list[str] = []
    for url in urls:
        try:
            with atomic_write(dest) as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                digest = hashlib.md5(usedforsecurity=False)
                for block in iter(functools.partial(resp.read, 1 << 20), b""):
                    out.write(block)
                    digest.update(block)
                if md5 is not None and digest.hexdigest() != md5:
                    raise OSError(f"MD5 mismatch: got {digest.hexdigest()}, expected {md5}")
            return dest
        except Exception as exc:  # collect the reason and try the next mirror
            errors.append(f"{url}: {exc}")
    raise OSError(f"could not download {dest.name}:\n  " + "\n  ".join(errors))
