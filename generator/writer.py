"""The only code that writes rendered files to disk.

- A new output folder is built beside its destination and renamed into place: it appears whole
  or not at all.
- In an existing output, files are replaced one by one atomically (write a temporary file, then
  ``os.replace``) and the manifest is written last, so an interrupted run is detected and redone.
- A generated file whose content no longer matches the manifest was edited by someone: nothing is
  written unless ``force``. Files aisec did not generate (``*.custom.tf``, anything not in the
  manifest) are never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import EditedFilesError, UserInputError, WorkError
from generator.render import MANIFEST


@dataclass
class WriteResult:
    directory: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    overwritten_edits: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe_relative(rel: str) -> Path:
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts:
        raise WorkError(f"refusing to write outside the output folder: {rel}")
    return p


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_manifest(directory: Path) -> dict[str, str] | None:
    """File hashes recorded by the last render into ``directory``, or None when there was none."""
    path = directory / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        return {str(k): str(v) for k, v in files.items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise WorkError(
            f"{path}: the manifest is damaged; re-render into an empty folder or restore it"
        ) from None


def edited_files(directory: Path, files: Mapping[str, str]) -> list[str]:
    """Generated files that were changed on disk since the last render and that this render would change."""
    old = read_manifest(directory) or {}
    edited = []
    for rel in sorted(set(old) | set(files)):
        if rel == MANIFEST:
            continue
        path = directory / _safe_relative(rel)
        if path.is_symlink():
            edited.append(rel)
            continue
        if not path.is_file():
            continue
        current = _digest(path.read_bytes())
        new = _digest(files[rel].encode("utf-8")) if rel in files else None
        if current == new:
            continue
        if rel not in old or current != old[rel]:
            edited.append(rel)
    return edited


def write(directory: str | Path, files: Mapping[str, str], force: bool = False) -> WriteResult:
    out = Path(directory)
    result = WriteResult(str(out))
    if out.exists() and not out.is_dir():
        raise UserInputError(f"{out}: exists and is not a folder")
    if not out.exists() or not any(out.iterdir()):
        _write_fresh(out, files, result)
        return result

    edited = edited_files(out, files)
    if edited and not force:
        raise EditedFilesError(str(out), edited)
    result.overwritten_edits = edited
    old = read_manifest(out) or {}
    for rel, text in files.items():
        if rel == MANIFEST:
            continue
        path = out / _safe_relative(rel)
        data = text.encode("utf-8")
        if path.is_file() and not path.is_symlink() and path.read_bytes() == data:
            result.unchanged.append(rel)
            continue
        (result.updated if path.exists() else result.created).append(rel)
        if path.is_symlink():
            path.unlink()
        _atomic_write(path, data)
    for rel in sorted(set(old) - set(files)):
        path = out / _safe_relative(rel)
        if path.is_file() or path.is_symlink():
            path.unlink()
            result.removed.append(rel)
            _prune_empty_dirs(path.parent, out)
    _atomic_write(out / MANIFEST, files[MANIFEST].encode("utf-8"))
    return result


def _write_fresh(out: Path, files: Mapping[str, str], result: WriteResult) -> None:
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.aisec-", dir=parent))
    try:
        for rel, text in files.items():
            path = staging / _safe_relative(rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            result.created.append(rel)
        if out.exists():
            out.rmdir()  # empty, checked by the caller
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _prune_empty_dirs(start: Path, stop: Path) -> None:
    current = start
    while current != stop and current.is_dir() and not any(current.iterdir()):
        current.rmdir()
        current = current.parent
