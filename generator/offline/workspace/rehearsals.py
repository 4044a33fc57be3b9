"""The working copies listed and reset (`aisec rehearsal list|reset`), and a rehearsal's state read
back (only when it was made from this very folder, not an earlier one at its path)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from generator.offline.folderid import folder_id, same_folder
from generator.offline.workspace.places import COPY_KINDS, PLAN_DIR, RECORD_SUFFIX, copy_name, work_root


def replaced(source: Path) -> list[dict[str, Any]]:
    """The working copies of ``source`` made from an earlier folder at the same path (deleted and
    made again since): their rehearsal state describes resources of a folder that no longer exists."""
    source = source.resolve()
    now = folder_id(source)
    stale = []
    for kind in COPY_KINDS:
        base = work_root() / copy_name(source, kind)
        try:
            record = json.loads(base.with_name(base.name + RECORD_SUFFIX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if base.is_dir() and not same_folder(record.get("folder_id"), now):
            stale.append(kind)
    return [c for c in working_copies() if c["kind"] in stale and c["source"] == str(source)]


def rehearsal_state(source: Path) -> Path | None:
    """The local state of ``source``'s offline rehearsal (`aisec plan/apply --offline`), when one was
    made from this very folder (not from an earlier one deleted and made again at its path). Read
    only: no working copy is made."""
    source = source.resolve()
    base = work_root() / copy_name(source, "offline")
    try:
        record = json.loads(base.with_name(base.name + RECORD_SUFFIX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not base.is_dir() or not same_folder(record.get("folder_id"), folder_id(source)):
        return None
    state = Path(str(record.get("work") or base)) / "terraform.tfstate"
    return state if state.is_file() else None


def managed_resources(state: Path) -> list[dict[str, Any]]:
    """The managed resources of a local state file (OSError or ValueError when it cannot be read)."""
    data = json.loads(state.read_text(encoding="utf-8"))
    return [r for r in data.get("resources", []) if r.get("mode") == "managed"]


def _state_resources(state: Path) -> int | None:
    """Resource instances in a rehearsal's local state; None when there is no state."""
    try:
        return sum(len(r.get("instances", [])) for r in managed_resources(state))
    except (OSError, ValueError):
        return None


def _size(folder: Path) -> int:
    return sum((Path(d) / f).lstat().st_size for d, _, files in os.walk(folder) for f in files)


def working_copies() -> list[dict[str, Any]]:
    """Every working copy in the cache: the folder it copies (and whether that folder still exists),
    its kind, the resources in its rehearsal state, whether it holds a saved plan, its size."""
    found = []
    for base in sorted(p for p in work_root().iterdir() if p.is_dir()):
        kind = base.name.rsplit("-", 1)[-1]
        try:
            record = json.loads(base.with_name(base.name + RECORD_SUFFIX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {}
        source = record.get("source")
        work = Path(record.get("work") or base)
        status = "unknown" if source is None else "present" if Path(source).is_dir() else "gone"
        found.append(
            {
                "source": source,
                "status": status,  # present, gone (the folder was deleted or moved) or unknown (no record)
                "kind": kind,
                "copy": str(base),
                "state_resources": _state_resources(work / "terraform.tfstate"),
                "saved_plan": (work / PLAN_DIR / "tfplan").is_file(),
                "bytes": _size(base),
            }
        )
    return found


def reset(source: Path | None = None, gone: bool = False, everything: bool = False) -> list[dict[str, Any]]:
    """Delete working copies and their rehearsal state: those of ``source`` (which need not exist
    any more), those whose folder is gone (or unknown), or all. Returns what was deleted."""
    if source is not None:
        names = {copy_name(source.resolve(), kind) for kind in COPY_KINDS}
        chosen = [c for c in working_copies() if Path(c["copy"]).name in names]
    elif gone:
        chosen = [c for c in working_copies() if c["status"] != "present"]
    elif everything:
        chosen = working_copies()
    else:
        raise ValueError("name a folder, or ask for the gone copies or all of them")
    for c in chosen:
        base = Path(c["copy"])
        shutil.rmtree(base)
        base.with_name(base.name + RECORD_SUFFIX).unlink(missing_ok=True)
    return chosen
