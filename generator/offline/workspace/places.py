"""Where the offline runs' files live in aisec's cache, and what every part of the workspace
agrees on: the working copies' root and names, the record beside each copy (the folder it copies),
what a copy never takes from the user's folder and what it keeps between runs."""

from __future__ import annotations

import hashlib
from pathlib import Path

from generator.cache import atomic_write, cache_root

# Files of a user's root module that a working copy never takes: Terraform's own working data,
# the lock file (it pins the real provider's hashes) and real state or plans.
PLAN_DIR = ".aisec-plan"  # a saved plan and its record (orchestrate.py); never copied between folders
EXCLUDE_NAMES = {
    PLAN_DIR,
    ".terraform",
    ".terraform.lock.hcl",
    "terraform.tfstate",
    "terraform.tfstate.backup",
    ".git",
}
EXCLUDE_SUFFIXES = (".tfplan",)
# What a working copy keeps between runs: Terraform's data, the rehearsal's state and saved plan, and
# its own lock file (a saved plan must meet the lock it was made with; init -upgrade records it anew).
KEEP = {
    ".terraform",
    ".terraform.lock.hcl",
    "terraform.tfstate",
    "terraform.tfstate.backup",
    "tfplan",
    "plan.json",
    PLAN_DIR,
}
OVERRIDE_FILE = "zz_aisec_offline_override.tf"
# Working copies that run against the stand-in with a local state of their own: `offline`
# (aisec plan/apply --offline) and `gate` (the plan gate's throwaway rehearsal, see gate.py).
REHEARSAL_KINDS = ("offline", "gate")
RECORD_SUFFIX = ".source.json"  # beside each copy: the folder it copies, for `aisec rehearsal list`
COPY_KINDS = (*REHEARSAL_KINDS, "provider")  # provider: `aisec validate`'s copy, no state


def write_if_changed(path: Path, text: str, mode: int = 0o644) -> None:
    if not (path.is_file() and path.read_text() == text):
        atomic_write(path, text.encode(), mode)


def work_root() -> Path:
    return cache_root("offline", "work")


def copy_name(source: Path, kind: str) -> str:
    key = hashlib.sha256(str(source).encode()).hexdigest()[:16]
    return f"{source.name}-{key}-{kind}"
