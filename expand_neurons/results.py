"""Saving experiment results: JSON written atomically, so an interrupted run leaves no torn file.

A write goes to a temporary file ``.NAME.PID.XXXX.tmp`` beside ``NAME`` (``PID`` is the writer's
process id) and is then moved into place with :func:`os.replace`. A writer killed outright
(SIGKILL, power loss) cannot remove its temporary file, so every write first removes the stale
temporaries of its own target: those whose writer is no longer alive, and any older than
:data:`STALE_S` seconds. The file gets the mode a plain ``open`` would give it
(:func:`file_mode`: ``0o666`` less the umask), so a shared store stays readable to colleagues.
:func:`check_writable` tells, before a long run starts, whether its results can be written at
all.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["write_json", "read_json", "check_writable", "file_mode", "STALE_S"]

#: A temporary file older than this (seconds, by mtime) is stale whoever wrote it.
STALE_S = 600.0

_IN_FLIGHT: set[str] = set()  # temporaries this process is writing right now (all threads)
_LOCK = threading.Lock()


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process there: rely on age only
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return True
    return True


def _remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove leftover temporaries of ``path`` (see the module docstring); return those removed."""
    name = re.escape(path.name)
    ours = re.compile(rf"\.{name}\.(\d+)\.[A-Za-z0-9_]+\.tmp")
    legacy = re.compile(rf"\.{name}\.[A-Za-z0-9_]+\.tmp")  # before the pid was in the name
    removed: list[Path] = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = ours.fullmatch(entry.name)
        if m is None and legacy.fullmatch(entry.name) is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_S
            with _LOCK:
                if entry.path in _IN_FLIGHT:
                    continue
                if m is not None:
                    pid = int(m.group(1))
                    dead = pid == os.getpid() or not _pid_alive(pid)
                else:
                    dead = False
                if old or dead:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
        except OSError:  # vanished meanwhile (its writer finished) or not ours to remove
            continue
    return removed


def _temporary(path: Path) -> tuple[int, str]:
    """Create and register a temporary file for ``path`` in its folder; ``(fd, name)``."""
    with _LOCK:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
        )
        _IN_FLIGHT.add(tmp)
    return fd, tmp


def file_mode() -> int:
    """The mode ``open`` gives a new file: ``0o666`` less this process's umask (``mkstemp``'s
    temporaries are ``0o600``; an atomic writer sets this before moving one into place)."""
    return 0o666 & ~_umask()


def _umask() -> int:
    """This process's umask, read without changing it where the system tells it (Linux)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _LOCK:  # elsewhere: set it to a strict mask for a moment and back
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def _release(tmp: str, remove: bool) -> None:
    with _LOCK:
        _IN_FLIGHT.discard(tmp)
        if remove:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def write_json(path: str | os.PathLike, data: Any) -> Path:
    """Write ``data`` as JSON to ``path`` atomically (temporary file + ``os.replace``).

    Either the old file (or none) or the complete new file exists at ``path`` at any moment.
    Stale temporary files of ``path`` left by killed writers are removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2, sort_keys=False, allow_nan=False)
    _remove_stale_temporaries(path)
    fd, tmp = _temporary(path)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        _release(tmp, remove=True)
        raise
    _release(tmp, remove=False)
    return path


def check_writable(path: str | os.PathLike) -> Path:
    """Check that results can be written to ``path``, before any long work; return it as a Path.

    ``path`` must be a non-empty file name, not an existing directory nor anything but a regular
    file, and its folder must exist or be creatable, and be writable (tried by creating and
    removing a temporary file there; folders created for the test are removed again). Raises
    :class:`ValueError` naming the path and the problem.
    """
    raw = os.fspath(path)
    if raw == "" or raw.isspace():
        raise ValueError(f"the output path {raw!r} is empty; give a file name such as results.json")
    p = Path(raw)
    if p.is_dir() or raw.endswith(("/", os.sep)):
        what = "it is a directory" if p.is_dir() else "it ends with a slash, so names a directory"
        raise ValueError(
            f"cannot write results to {raw}: {what}; give a file path such as {p / 'results.json'}"
        )
    if p.exists() and not p.is_file():
        raise ValueError(f"cannot write results to {raw}: it exists and is not a regular file")
    folder = p.parent
    missing = []
    ancestor = folder
    while not ancestor.exists() and ancestor != ancestor.parent:
        missing.append(ancestor)
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ValueError(
            f"cannot write results to {raw}: {ancestor} is not a directory, so the folder "
            f"{folder} cannot be created"
        )
    created: list[Path] = []
    try:
        for d in reversed(missing):
            d.mkdir()
            created.append(d)
        fd, tmp = _temporary(p)
        os.close(fd)
        _release(tmp, remove=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ValueError(
            f"cannot write results to {raw}: {reason} ({type(exc).__name__}) in {folder}"
        ) from exc
    finally:
        for d in reversed(created):
            with contextlib.suppress(OSError):
                d.rmdir()
    return p


def read_json(path: str | os.PathLike) -> Any:
    """Read a results file written by :func:`write_json`."""
    with open(path) as f:
        return json.load(f)
