"""Where offline runs happen: a provider mirror, a CLI configuration and a working copy, all in
aisec's cache folder, never in the user's directory (whose `.terraform.lock.hcl` stays as it is).

mirror.py: the mirror and its CLI configuration; copies.py: a working copy and where Terraform
starts in it; rehearsals.py: the copies listed, reset and their state read back; initskip.py:
skipping a repeated `terraform init`; places.py: the cache's layout they share.
"""

from __future__ import annotations

from generator.offline.workspace.copies import launch, working_copy
from generator.offline.workspace.initskip import (
    INIT_RECORD,
    forget_init,
    init_is_current,
    init_key,
    record_init,
)
from generator.offline.workspace.mirror import OfflineEnv, ServedProvider, prepare, served_providers
from generator.offline.workspace.places import (
    COPY_KINDS,
    OVERRIDE_FILE,
    PLAN_DIR,
    REHEARSAL_KINDS,
    work_root,
)
from generator.offline.workspace.rehearsals import (
    managed_resources,
    rehearsal_state,
    replaced,
    reset,
    working_copies,
)

__all__ = [
    "COPY_KINDS",
    "INIT_RECORD",
    "OVERRIDE_FILE",
    "PLAN_DIR",
    "REHEARSAL_KINDS",
    "OfflineEnv",
    "ServedProvider",
    "forget_init",
    "init_is_current",
    "init_key",
    "launch",
    "managed_resources",
    "prepare",
    "record_init",
    "rehearsal_state",
    "replaced",
    "reset",
    "served_providers",
    "work_root",
    "working_copies",
    "working_copy",
]
