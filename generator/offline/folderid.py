"""Which folder a path is on disk, so that a folder deleted and made again at the same path is
told apart from the one before (its rehearsal state must not carry over).

The device and inode number alone do not tell: ext4 hands a deleted folder's inode to the next
folder made, so `rm -r out && mkdir out` usually gets the same number. The folder's birth time
does (statx, Linux 4.11+ with glibc 2.28+, on the file systems that record it: ext4, xfs, btrfs,
tmpfs); where it is not available the identity is the device and inode only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from functools import cache
from pathlib import Path
from typing import Any

_AT_FDCWD = -100
_STATX_BTIME = 0x800


class _Timestamp(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_int64), ("tv_nsec", ctypes.c_uint32), ("reserved", ctypes.c_int32)]


class _Statx(ctypes.Structure):  # struct statx, linux/stat.h
    _fields_ = [
        ("stx_mask", ctypes.c_uint32), ("stx_blksize", ctypes.c_uint32), ("stx_attributes", ctypes.c_uint64),
        ("stx_nlink", ctypes.c_uint32), ("stx_uid", ctypes.c_uint32), ("stx_gid", ctypes.c_uint32),
        ("stx_mode", ctypes.c_uint16), ("spare0", ctypes.c_uint16), ("stx_ino", ctypes.c_uint64),
        ("stx_size", ctypes.c_uint64), ("stx_blocks", ctypes.c_uint64), ("stx_attributes_mask", ctypes.c_uint64),
        ("stx_atime", _Timestamp), ("stx_btime", _Timestamp), ("stx_ctime", _Timestamp),
        ("stx_mtime", _Timestamp), ("stx_rdev_major", ctypes.c_uint32), ("stx_rdev_minor", ctypes.c_uint32),
        ("stx_dev_major", ctypes.c_uint32), ("stx_dev_minor", ctypes.c_uint32), ("spare2", ctypes.c_uint64 * 14),
    ]  # fmt: skip


@cache
def _statx() -> Any:
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name, use_errno=True) if name else None
    return getattr(libc, "statx", None)


def birth_time_ns(path: Path) -> int | None:
    """When ``path`` was made, in nanoseconds, or None where the system does not say."""
    statx = _statx()
    if statx is None:
        return None
    buf = _Statx()
    if statx(_AT_FDCWD, os.fsencode(path), 0, _STATX_BTIME, ctypes.byref(buf)) != 0:
        return None
    if not buf.stx_mask & _STATX_BTIME:
        return None
    return int(buf.stx_btime.tv_sec) * 1_000_000_000 + int(buf.stx_btime.tv_nsec)


def folder_id(folder: Path) -> list[int]:
    """[device, inode] and, where the system records it, the birth time."""
    st = folder.stat()
    born = birth_time_ns(folder)
    return [st.st_dev, st.st_ino] if born is None else [st.st_dev, st.st_ino, born]


def same_folder(recorded: list[int] | None, now: list[int]) -> bool:
    """Whether a recorded identity is this folder's; a record without a birth time (an older aisec,
    or a system without one) is compared on device and inode."""
    if recorded is None:
        return True
    n = min(len(recorded), len(now))
    return list(recorded[:n]) == now[:n]
