"""Skipping a repeated `terraform init` in a working copy: the key of everything an
`init -upgrade` depends on and leaves behind, recorded after a successful init."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from generator.cache import atomic_write
from generator.offline.workspace.places import KEEP, work_root

INIT_RECORD = "aisec-init.sha256"  # in the copy's .terraform: what the last successful init saw


def _copy_base(work: Path) -> Path:
    """The top folder of the working copy that holds ``work``."""
    root = work_root().resolve()
    work = work.resolve()
    return root / work.relative_to(root).parts[0]


def _hash_tree(h: Any, folder: Path, skip: set[Path]) -> None:
    for here, dirs, files in os.walk(folder):
        dirs.sort()
        dirs[:] = [d for d in dirs if Path(here, d) not in skip]
        for name in sorted(files):
            path = Path(here, name)
            if path in skip:
                continue
            h.update(b"\0f\0" + str(path.relative_to(folder)).encode() + b"\0")
            h.update(os.readlink(path).encode() if path.is_symlink() else path.read_bytes())


def init_key(work: Path, binary: str, env: dict[str, str]) -> str | None:
    """What a `terraform init -upgrade` in ``work`` depends on and leaves behind: every file of the
    working copy (configuration, local modules, files they read), Terraform's data and lock file
    as the last init left them, the CLI configuration (it names the mirror, whose folder name is
    the digest of what it serves), the binary and the TF_* variables. None when an init cannot be
    skipped: no earlier init, or module sources that are not local folders (init -upgrade would
    fetch them again)."""
    data = work / ".terraform"
    try:
        modules = json.loads((data / "modules" / "modules.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        modules = {"Modules": []}  # a configuration without module calls
    except (OSError, ValueError):
        return None
    for m in modules.get("Modules") or []:
        source = m.get("Source") if isinstance(m, dict) else None
        if not isinstance(source, str) or (source and not source.startswith(("./", "../"))):
            return None
    if not (work / ".terraform.lock.hcl").is_file() or not data.is_dir():
        return None
    h = hashlib.sha256()
    h.update(binary.encode())
    for name in sorted(env):
        if name.startswith("TF_"):
            h.update(f"\0e\0{name}={env[name]}".encode())
    cli_config = env.get("TF_CLI_CONFIG_FILE")
    if cli_config:
        try:
            h.update(b"\0c\0" + Path(cli_config).read_bytes())
        except OSError:
            return None
    base = _copy_base(work)
    record = data / INIT_RECORD
    # Terraform's data counts as it stands, the rehearsal's state and plans do not (init does not
    # read them), nor does this record.
    skip = {record, *(work / n for n in KEEP if n not in (".terraform", ".terraform.lock.hcl"))}
    _hash_tree(h, base, skip)
    return h.hexdigest()


def init_is_current(work: Path, key: str | None) -> bool:
    """Whether the last successful init in ``work`` saw exactly ``key`` (see :func:`init_key`)."""
    if key is None:
        return False
    try:
        return (work / ".terraform" / INIT_RECORD).read_text(encoding="utf-8").strip() == key
    except OSError:
        return False


def forget_init(work: Path) -> None:
    (work / ".terraform" / INIT_RECORD).unlink(missing_ok=True)


def record_init(work: Path, key: str | None) -> None:
    if key is not None and (work / ".terraform").is_dir():
        atomic_write(work / ".terraform" / INIT_RECORD, (key + "\n").encode())
