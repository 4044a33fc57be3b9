"""The only code that writes rendered files to disk.

One model for what users may change in an output folder: **generated files are not edited**.
Additions go in files aisec never generates (``*.custom.tf``; Terraform's ``*_override.tf`` files
to change a generated block), which renders leave alone and ``render --check`` ignores.

- A new output folder is built beside its destination and renamed into place: it appears whole
  or not at all.
- A non-empty folder that is not an aisec output (no manifest) is refused, unless the caller
  adopts it (``adopt``): then aisec's files are written beside what is there.
- In an existing output, files are replaced one by one atomically (write a temporary file, then
  ``os.replace``) and the manifest is written last, so an interrupted run is detected and redone.
- A generated file whose content no longer matches the manifest was edited by hand (or still
  holds conflict markers from a merge of an earlier aisec): it is left as it is and reported, and
  the caller exits 1 until it is moved out or restored; ``force`` overwrites it. So is a file at
  a generated path that aisec never made.
- Files aisec did not generate (``*.custom.tf``, anything not in the manifest) are never touched.
- Only the files whose content changes are written: no copy of the render is kept beside it
  (earlier versions kept one in ``.aisec/base/``; a render removes it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from generator.cache import atomic_write
from generator.errors import RenderNeedsAttention, UserInputError, WorkError
from generator.render import MANIFEST

LEGACY_BASE_DIR = ".aisec/base"  # where aisec < 0.2 kept the last render for three-way merges

# The lines a three-way merge writes where both sides changed (git's and aisec's earlier merges).
_CONFLICT_START = re.compile(r"^<{7}( |$)", re.M)
_CONFLICT_END = re.compile(r"^>{7}( |$)", re.M)


@dataclass
class WriteResult:
    directory: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    overwritten_edits: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # hold conflict markers: left as they are
    edited: list[str] = field(default_factory=list)  # generated, edited by hand: left as they are
    unmanaged: list[str] = field(default_factory=list)  # at a generated path, not made by aisec: left
    notes: list[str] = field(default_factory=list)  # for the user, printed as warnings

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed or self.overwritten_edits)

    @property
    def needs_attention(self) -> list[str]:
        return self.conflicts + self.edited + self.unmanaged

    def attention_error(self) -> RenderNeedsAttention:
        return RenderNeedsAttention(self.directory, self.conflicts, self.edited, self.unmanaged)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def has_conflict_markers(text: str) -> bool:
    """True when ``text`` still holds the ``<<<<<<<`` ... ``>>>>>>>`` lines of an unresolved merge."""
    return bool(_CONFLICT_START.search(text) and _CONFLICT_END.search(text))


def _safe_relative(rel: str) -> Path:
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts:
        raise WorkError(f"refusing to write outside the output folder: {rel}")
    return p


def _atomic_write(path: Path, data: bytes) -> None:
    atomic_write(path, data, mode=0o644)  # generated code: readable like any file the user writes


T = TypeVar("T")


def _manifest(directory: Path, read: Callable[[dict[str, Any]], T]) -> T | None:
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


def manifest_source(directory: Path) -> str | None:
    """The spec file the last render into ``directory`` was made from, relative to the folder
    (None when there was no render or it did not record one)."""
    source = _manifest(directory, lambda d: d.get("source", {}).get("spec"))
    return str(source) if source is not None else None


def manifest_imports(directory: Path) -> dict[str, str]:
    """The files the spec of the last render into ``directory`` imported (path relative to the
    folder -> sha256 of the file when rendered); empty when it imported none."""
    imports = _manifest(directory, lambda d: d.get("source", {}).get("imports") or {})
    return {str(k): str(v) for k, v in (imports or {}).items()}


def write_spec_file(path: str | Path, text: str, overwrite: bool = False) -> None:
    """Save a spec file atomically; an existing different file is replaced only with ``overwrite``."""
    target = Path(path)
    if target.is_dir():
        raise UserInputError(f"{target}: is a folder, expected a spec file path")
    if target.exists() and not overwrite and target.read_text(encoding="utf-8", errors="replace") != text:
        raise UserInputError(f"{target}: exists already; choose another --save-spec path or remove it")
    _atomic_write(target, text.encode("utf-8"))


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError):
        return None


def _describe_entries(out: Path, limit: int = 4) -> str:
    entries = sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir())
    shown = ", ".join(entries[:limit])
    return shown + (f" and {len(entries) - limit} more" if len(entries) > limit else "")


def refuse_foreign_folder(out: Path, offer_adopt: bool = True) -> None:
    """A non-empty folder without a manifest is not an aisec output: refuse, naming what is there."""
    adopt = (
        f", or make it an aisec output with `aisec render SPEC -o {out} --adopt` (what is there stays; "
        "files at the paths aisec generates are reported, not replaced, unless --force)"
        if offer_adopt
        else ""
    )
    raise UserInputError(
        f"{out}: is not empty and is not an aisec output (no {MANIFEST}); it holds "
        f"{_describe_entries(out)}. Render into a new or empty folder{adopt}"
    )


def write(
    directory: str | Path,
    files: Mapping[str, str],
    force: bool = False,
    adopt: bool = False,
    offer_adopt: bool = True,
) -> WriteResult:
    """Write a render into ``directory``: fresh, or over the last render (see the module doc).
    ``offer_adopt``: whether a refusal of a foreign folder suggests `aisec render --adopt`."""
    out = Path(directory)
    result = WriteResult(str(out))
    if out.exists() and not out.is_dir():
        raise UserInputError(f"{out}: exists and is not a folder")
    if not out.exists() or not any(out.iterdir()):
        _write_fresh(out, files, result)
        return result

    old = read_manifest(out)
    if old is None:
        if not adopt:
            refuse_foreign_folder(out, offer_adopt)
        old = {}
    writes: dict[str, str] = {}
    for rel, new in files.items():
        if rel == MANIFEST:
            continue
        path = out / _safe_relative(rel)
        current = None if path.is_symlink() else _read_text(path)
        if not path.exists() and not path.is_symlink():
            writes[rel] = new
            result.created.append(rel)
        elif current == new:
            result.unchanged.append(rel)
        elif current is not None and rel in old and _digest(current.encode()) == old[rel]:
            writes[rel] = new
            result.updated.append(rel)
        elif force:
            writes[rel] = new
            result.overwritten_edits.append(rel)
        else:
            _left_alone(rel, current, old, result)

    for rel, text in writes.items():
        path = out / rel
        if path.is_symlink():
            path.unlink()
        _atomic_write(path, text.encode("utf-8"))
    orphans: dict[str, str] = {}  # no longer generated, but edited: reported until the user decides
    for rel in sorted(set(old) - set(files)):
        path = out / _safe_relative(rel)
        current = None if path.is_symlink() else _read_text(path)
        if current is not None and _digest(current.encode()) != old[rel] and not force:
            _left_alone(rel, current, old, result)
            orphans[rel] = old[rel]
        elif path.is_file() or path.is_symlink():
            path.unlink()
            result.removed.append(rel)
            _prune_empty_dirs(path.parent, out)
    legacy = out / LEGACY_BASE_DIR
    if legacy.is_dir() and not legacy.is_symlink():
        shutil.rmtree(legacy)
    manifest = _recorded(files[MANIFEST], result.unmanaged, orphans)
    _atomic_write(out / MANIFEST, manifest.encode("utf-8"))
    return result


def _recorded(manifest: str, unmanaged: list[str], orphans: Mapping[str, str]) -> str:
    """The manifest to write: files left to their owner stay out of it (still "not made by aisec");
    edited files no longer generated stay in it with their last digest (still reported)."""
    if not unmanaged and not orphans:
        return manifest
    data = json.loads(manifest)
    for rel in unmanaged:
        data["files"].pop(rel, None)
    data["files"].update(orphans)
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _left_alone(rel: str, current: str | None, old: Mapping[str, str], result: WriteResult) -> None:
    if current is not None and has_conflict_markers(current):
        result.conflicts.append(rel)
    elif rel in old:
        result.edited.append(rel)
    else:
        result.unmanaged.append(rel)


def _write_fresh(out: Path, files: Mapping[str, str], result: WriteResult) -> None:
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.aisec-", dir=parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the output is an ordinary folder
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


def file_counts(result: WriteResult) -> dict[str, int]:
    """A render's files in five buckets: created, updated, unchanged and left add up to the files
    it generates (plus edited files it no longer generates, still reported as yours); the manifest,
    aisec's own record written last, is not counted. What render prints, its --json and init agree."""
    return {
        "created": sum(1 for rel in result.created if rel != MANIFEST),
        "updated": len(result.updated)
        + len(result.overwritten_edits),  # regenerated, or an edit replaced (--force)
        "removed": len(result.removed),
        "unchanged": len(result.unchanged),
        # left as they are, reported, exit 1: edited by hand, holding conflict markers, or not made by aisec
        "left": len(result.needs_attention),
    }
