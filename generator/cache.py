"""aisec's per-user cache folder (compiled templates, the offline provider's mirror and working
copies), and atomic writes into it. Output folders are written by writer.py alone."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_root(*parts: str) -> Path:
    """``$XDG_CACHE_HOME/aisec/...`` (default ``~/.cache/aisec/...``), created private to the user."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base, "aisec", *parts)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
