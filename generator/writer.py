"""The only code that writes rendered files to disk.

- A new output folder is built beside its destination and renamed into place: it appears whole
  or not at all.
- In an existing output, files are replaced one by one atomically (write a temporary file, then
  ``os.replace``) and the manifest is written last, so an interrupted run is detected and redone.
- A generated file whose content no longer matches the manifest was edited by someone. If this
  render leaves it as it was, the edit is kept; if the render changes it too, the two are merged
  three ways from the last render (kept in ``.aisec/base/``), with conflict markers where they
  clash. ``force`` overwrites edits instead. A file at a generated path that aisec never made, or
  an edit with no recorded base, is left as it is and reported.
- Files aisec did not generate (``*.custom.tf``, anything not in the manifest) are never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import merge3

from generator.cache import atomic_write
from generator.errors import UserInputError, WorkError
from generator.render import MANIFEST

BASE_DIR = ".aisec/base"  # what the last render generated, file by file: the base of three-way merges


@dataclass
class WriteResult:
    directory: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    overwritten_edits: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited by the user; the render did not change them
    merged: list[str] = field(default_factory=list)  # edited by both; merged cleanly
    conflicts: list[str] = field(default_factory=list)  # edited by both; written with conflict markers
    unmerged: list[str] = field(default_factory=list)  # edited, nothing to merge from: left as they are

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed or self.merged or self.conflicts)

    @property
    def needs_attention(self) -> list[str]:
        return self.conflicts + self.unmerged


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe_relative(rel: str) -> Path:
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts:
        raise WorkError(f"refusing to write outside the output folder: {rel}")
    return p


def _atomic_write(path: Path, data: bytes) -> None:
    atomic_write(path, data, mode=0o644)  # generated code: readable like any file the user writes


def _manifest(directory: Path, read: Callable[[dict[str, Any]], dict[str, str]]) -> dict[str, str] | None:
    """``read`` applied to the manifest of the last render into ``directory``; None when there was none."""
    path = directory / MANIFEST
    if not path.is_file():
        return None
    try:
        return read(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise WorkError(
            f"{path}: the manifest is damaged; re-render into an empty folder or restore it"
        ) from None


def manifest_versions(directory: Path) -> dict[str, str]:
    """The module versions the last render into ``directory`` used (empty when there was none)."""
    versions = _manifest(
        directory, lambda d: {str(k): str(v["version"]) for k, v in d.get("modules", {}).items()}
    )
    return versions or {}


def read_manifest(directory: Path) -> dict[str, str] | None:
    """File hashes recorded by the last render into ``directory``, or None when there was none."""
    return _manifest(directory, lambda d: {str(k): str(v) for k, v in d["files"].items()})


def write_spec_file(path: str | Path, text: str, overwrite: bool = False) -> None:
    """Save a spec file atomically; an existing different file is replaced only with ``overwrite``."""
    target = Path(path)
    if target.is_dir():
        raise UserInputError(f"{target}: is a folder, expected a spec file path")
    if target.exists() and not overwrite and target.read_text(encoding="utf-8", errors="replace") != text:
        raise UserInputError(f"{target}: exists already; choose another --save-spec path or remove it")
    _atomic_write(target, text.encode("utf-8"))


def _base_path(out: Path, rel: str) -> Path:
    return out / BASE_DIR / _safe_relative(rel)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError):
        return None


def _merge(base: str, mine: str, theirs: str) -> tuple[str, bool]:
    """Three-way merge of the user's file (mine) and the new render (theirs) from the last render (base)."""
    m = merge3.Merge3(base.splitlines(True), mine.splitlines(True), theirs.splitlines(True))
    merged = "".join(m.merge_lines(name_a="your edit", name_b="aisec render"))
    clashed = any(region[0] == "conflict" for region in m.merge_regions())
    return merged, clashed


def write(directory: str | Path, files: Mapping[str, str], force: bool = False) -> WriteResult:
    """Write a render into ``directory``: fresh, or merged with what is there (see the module doc)."""
    out = Path(directory)
    result = WriteResult(str(out))
    if out.exists() and not out.is_dir():
        raise UserInputError(f"{out}: exists and is not a folder")
    if not out.exists() or not any(out.iterdir()):
        _write_fresh(out, files, result)
        return result

    old = read_manifest(out) or {}
    writes: dict[str, str] = {}
    for rel, new in files.items():
        if rel == MANIFEST:
            continue
        path = out / _safe_relative(rel)
        current = None if path.is_symlink() else _read_text(path)
        if not path.exists() and not path.is_symlink():
            writes[rel] = new
            result.created.append(rel)
            continue
        if current == new:
            result.unchanged.append(rel)
            continue
        if current is not None and rel in old and _digest(current.encode()) == old[rel]:
            writes[rel] = new
            result.updated.append(rel)
            continue
        # The file was changed by someone since the last render (or aisec never made it).
        if force:
            writes[rel] = new
            result.overwritten_edits.append(rel)
            continue
        base = _read_text(_base_path(out, rel)) if rel in old else None
        if current is None or base is None or _digest(base.encode()) != old[rel]:
            result.unmerged.append(rel)
            continue
        if base == new:
            result.kept.append(rel)
            continue
        merged, clashed = _merge(base, current, new)
        writes[rel] = merged
        (result.conflicts if clashed else result.merged).append(rel)

    for rel, text in writes.items():
        path = out / rel
        if path.is_symlink():
            path.unlink()
        _atomic_write(path, text.encode("utf-8"))
    for rel in sorted(set(old) - set(files)):
        path = out / _safe_relative(rel)
        current = None if path.is_symlink() else _read_text(path)
        if current is not None and _digest(current.encode()) != old[rel] and not force:
            result.kept.append(rel)  # no longer generated, but edited: it is the user's now
        elif path.is_file() or path.is_symlink():
            path.unlink()
            result.removed.append(rel)
            _prune_empty_dirs(path.parent, out)
        stale_base = _base_path(out, rel)
        if stale_base.is_file():
            stale_base.unlink()
            _prune_empty_dirs(stale_base.parent, out)
    for rel, text in files.items():
        if rel != MANIFEST and _read_text(_base_path(out, rel)) != text:
            _atomic_write(_base_path(out, rel), text.encode("utf-8"))
    _atomic_write(out / MANIFEST, files[MANIFEST].encode("utf-8"))
    return result


def _write_fresh(out: Path, files: Mapping[str, str], result: WriteResult) -> None:
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.aisec-", dir=parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the output is an ordinary folder
    try:
        for rel, text in files.items():
            targets = [staging / _safe_relative(rel)]
            if rel != MANIFEST:
                targets.append(_base_path(staging, rel))
            for path in targets:
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
