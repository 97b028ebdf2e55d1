"""Reading and writing IDX files, the format of MNIST and Fashion-MNIST (plain or gzipped).

An IDX file is a 4-byte magic number ``0x00 0x00 <dtype code> <ndim>``, then ``ndim`` big-endian
uint32 dimension sizes, then the array in C order, big-endian.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from ._files import atomic_write

__all__ = ["IDXFormatError", "parse_idx", "read_idx", "write_idx"]

#: IDX type code -> big-endian numpy dtype.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}


class IDXFormatError(ValueError):
    """An IDX file is truncated, corrupt or not an IDX file at all."""


def parse_idx(data: bytes, *, source: str = "<bytes>") -> np.ndarray:
    """Decode the (already decompressed) bytes of an IDX file into an array in native byte order.

    Raises :class:`IDXFormatError` on a bad magic number, an unknown type code, or a payload whose
    length does not match the header (truncated or with trailing bytes).
    """
    if len(data) < 4:
        raise IDXFormatError(f"{source}: {len(data)} bytes, too short for an IDX header")
    zero0, zero1, code, ndim = data[0], data[1], data[2], data[3]
    if zero0 != 0 or zero1 != 0 or code not in IDX_DTYPES:
        raise IDXFormatError(
            f"{source}: bad IDX magic number 0x{data[:4].hex()} (expected 0x0000TTNN with type "
            f"code TT in {sorted(hex(c) for c in IDX_DTYPES)}); not an IDX file or corrupt"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXFormatError(f"{source}: truncated IDX header ({len(data)} < {header} bytes)")
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = len(data) - header
    if got != expected:
        kind = "truncated" if got < expected else "has trailing bytes"
        raise IDXFormatError(
            f"{source}: IDX payload {kind}: header says shape {shape} of {dtype.name} "
            f"({expected} bytes) but the file holds {got} bytes"
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file; a name ending in ``.gz`` is gunzipped first. Errors name the file."""
    path = Path(path)
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise IDXFormatError(f"{path}: corrupt or truncated gzip stream ({exc})") from exc
    return parse_idx(raw, source=str(path))


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file (gzipped if ``path`` ends in ``.gz``), atomically."""
    path = Path(path)
    array = np.ascontiguousarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(f"dtype {array.dtype} has no IDX type code")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + array.astype(IDX_DTYPES[code]).tobytes()
    if path.suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)
    with atomic_write(path) as fh:
        fh.write(payload)
    return path
