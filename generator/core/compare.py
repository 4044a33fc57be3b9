"""`aisec render --check`: what a fresh render would change in an output folder, and why (a spec
edit, a module version, a hand edit)."""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path
from typing import Any

from generator.catalog import load_catalog
from generator.core.sources import _is_spec_copy, import_digests, spec_source
from generator.decide.policy import decide
from generator.errors import UserInputError
from generator.render import MANIFEST, resolve_modules, with_source
from generator.render.accounts import require_state_key
from generator.render.stages import render_landing
from generator.render.writer import has_conflict_markers, manifest_source, manifest_versions, read_manifest
from generator.spec import load_spec_file


def check_render(path: str | Path, out: str | Path) -> dict[str, Any]:
    """How the output on disk differs from what the spec renders now (for CI): nothing is written.

    Files aisec does not generate (``*.custom.tf``, ``*_override.tf``) are not compared; generated
    files differ when they were edited (not allowed), hold conflict markers, or are out of date."""
    loaded = load_spec_file(path)
    spec = loaded.spec
    resolve_modules(spec, load_catalog(), str(path))
    require_state_key(spec, str(path))  # accounts: the state key's ARN
    folder = Path(out)
    differences = []
    recorded: str | None
    try:
        recorded, _ = spec_source(Path(path), folder)
    except UserInputError as exc:
        if _is_spec_copy(Path(path)) is not None:
            raise
        recorded = manifest_source(folder)  # compare the rest as if rendered from the recorded spec
        differences.append({"path": MANIFEST, "kind": "source", "message": exc.message, "diff": ""})
    pinned = manifest_versions(folder) if folder.is_dir() else {}
    files = with_source(
        render_landing(spec, decide(spec), pinned=pinned), recorded, import_digests(loaded.imports, folder)
    )
    report = _differences(folder, files, str(out))
    report["differences"][:0] = differences
    report["up_to_date"] = not report["differences"]
    overrides = sorted(p.name for p in folder.glob("*_override.tf")) if folder.is_dir() else []
    overrides += ["override.tf"] if (folder / "override.tf").is_file() else []
    return {"spec": str(path), "output": str(out), **report, "overrides": overrides}


# Why a generated file on disk is not what the render makes, and what to do about it.
CAUSES = {
    "edited": "edited by hand since the last render; generated files are not edited: move the change "
    "to a *.custom.tf or *_override.tf file, then `aisec render --force` restores the file",
    "conflict": "holds the conflict markers (<<<<<<< ... >>>>>>>) of an unresolved merge",
    "unmanaged": "not made by aisec, at a path aisec generates",
    "outdated": "out of date: the spec or aisec changed since the last render; render it again",
}


def _cause(rel: str, current: str, old: dict[str, str]) -> str:
    if has_conflict_markers(current):
        return "conflict"
    if rel == MANIFEST:
        return "outdated"
    if rel not in old:
        return "unmanaged"
    if hashlib.sha256(current.encode("utf-8")).hexdigest() != old[rel]:
        return "edited"
    return "outdated"


def _differences(folder: Path, files: dict[str, str], label: str) -> dict[str, Any]:
    differences = []
    out = label
    old = read_manifest(folder) or {} if folder.is_dir() else {}
    for rel, text in files.items():
        target = folder / rel
        try:
            current = target.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError):
            differences.append(
                {"path": rel, "kind": "missing", "message": "missing: render it again", "diff": ""}
            )
            continue
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(True),
                text.splitlines(True),
                f"{out}/{rel} (on disk)",
                f"{out}/{rel} (rendered)",
            )
            cause = _cause(rel, current, old)
            differences.append(
                {
                    "path": rel,
                    "kind": "differs",
                    "cause": cause,
                    "message": CAUSES[cause],
                    "diff": "".join(diff),
                }
            )
    for rel in sorted(set(old) - set(files)):
        if (folder / rel).exists():
            differences.append(
                {"path": rel, "kind": "stale", "diff": "",
                 "message": "no longer generated: render again, which removes it unless it was edited"}
            )  # fmt: skip
    return {"up_to_date": not differences, "differences": differences}
