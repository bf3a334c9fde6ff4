"""Two Linux file calls Python's ``os`` module lacks, loaded through ctypes in this one place.

``os`` has ``fsync``/``fdatasync`` (which wait for everything) and ``posix_fallocate`` (which only
reserves space), but neither ``sync_file_range(2)`` (start writing a range back without waiting: an
upload's writer thread gives its final fsync a head start) nor ``fallocate(2)``'s modes
(``FALLOC_FL_INSERT_RANGE``: room for a larger ID3 tag in front of the audio without moving it).
Each is None where libc lacks it; the callers then do without (the fsync does all the work, mutagen
moves the frames).
"""
from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable


def _libc_function(name: str, *argument_types) -> Callable[..., int] | None:
    try:
        function = getattr(ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True), name)
    except (OSError, AttributeError, TypeError):
        return None
    function.argtypes = list(argument_types)
    function.restype = ctypes.c_int
    return function


#: sync_file_range(fd, offset, nbytes, flags) -> 0, or -1 with ``last_errno()`` set.
sync_file_range = _libc_function("sync_file_range", ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
#: fallocate(fd, mode, offset, len) -> 0, or -1 with ``last_errno()`` set.
fallocate = _libc_function("fallocate", ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64)


def last_errno() -> int:
    """The errno the last of these calls left (ctypes keeps one per thread)."""
    return ctypes.get_errno()
