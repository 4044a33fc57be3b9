"""Landings applied offline once per test run and shared by the tests that start from them.

An applied landing costs minutes (`aisec plan` and `apply` of each root, or terraform's plan and
apply of a blueprint); several files started from the same one and each applied it again. The one
made here is made by whichever pytest-xdist worker asks first (under a file lock, in the run's
shared folder, see conftest.shared_folder) and never changed afterwards: a test gets a copy of
its own (:func:`copy_landing`), the landing's folder and each root's rehearsal state, and changes
that copy as it likes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from filelock import FileLock

from generator import core, fleet
from generator.offline import workspace
from tests.conftest import BLUEPRINTS, json_result, run_aisec

SPLIT_STAGES = ("foundation", "dev")  # what the shared split landing has applied, in this order


def split_spec_text(blueprint: str = "batch-scoring") -> str:
    """A blueprint's spec with `layout: stages`."""
    return BLUEPRINTS[blueprint].read_text().rstrip("\n") + "\nlayout: stages\n"


def split_applied(folder: Path) -> dict[str, Any]:
    """batch-scoring split by stage, its foundation and then dev planned and applied with `aisec
    plan/apply --offline --stage`, once per run into ``folder``: the landing's path (``out``), its
    spec's text, each stage's `aisec plan --json` result (``plans``) and the digest of each root's
    rehearsal state (``states``, see :func:`copy_landing`)."""
    done = folder / "record.json"
    with FileLock(folder / ".lock"):
        if not done.is_file():
            spec = folder / "batch-scoring.yaml"
            spec.write_text(split_spec_text())
            out = folder / "landing"
            core.render_spec(spec, out)
            plans = {}
            for stage in SPLIT_STAGES:
                plan = run_aisec("plan", str(out), "--offline", "--stage", stage, "--json")
                assert plan.returncode == 0, plan.stdout + plan.stderr
                plans[stage] = json_result(plan)
                applied = run_aisec("apply", str(out), "--offline", "--stage", stage, "--auto-approve")
                assert applied.returncode == 0, applied.stdout + applied.stderr
            record = {"out": str(out), "spec": spec.read_text(), "plans": plans, "states": _states(out)}
            partial = done.with_suffix(".partial")
            partial.write_text(json.dumps(record))
            partial.replace(done)
    made: dict[str, Any] = json.loads(done.read_text())
    return made


def copy_state(source: Path, dest: Path) -> bool:
    """The offline rehearsal state of the root module ``source`` (and Terraform's data beside it)
    copied into the working copy of ``dest``, a root module of the same configuration: `aisec
    plan/apply/migrate --offline` of ``dest`` then start from what ``source`` has applied. False
    when ``source`` has no rehearsal state. Nothing of ``source`` is changed."""
    state = workspace.rehearsal_state(source)
    if state is None:
        return False
    work = workspace.working_copy(dest, "offline")
    shutil.copy2(state, work / "terraform.tfstate")
    # Terraform's data as the last init left it (module paths relative, the providers linked from
    # the shared mirror): the copy is initialised as the source is (aisec's init record matches
    # when the files do), not waiting for an init that `terraform show` would ask for.
    data = state.parent / ".terraform"
    if data.is_dir():
        shutil.copytree(data, work / ".terraform", symlinks=True)
        lock = state.parent / ".terraform.lock.hcl"
        if lock.is_file():
            shutil.copy2(lock, work / lock.name)
    assert workspace.rehearsal_state(dest) == work / "terraform.tfstate", dest
    return True


def _states(landing: Path) -> dict[str, str | None]:
    """The SHA-256 of each root's offline rehearsal state (None: never applied)."""
    found = {}
    for root in fleet.landing_roots(landing):
        state = workspace.rehearsal_state(root.path)
        found[root.name] = None if state is None else hashlib.sha256(state.read_bytes()).hexdigest()
    return found


def copy_landing(made: dict[str, Any], dest: Path) -> Path:
    """A copy at ``dest`` of the landing ``made`` (split_applied's record) that `aisec plan/apply
    --offline` sees as applied as far as it is: its files, and each root's rehearsal state (see
    :func:`copy_state`). The shared landing's states must still be what it applied: a test that
    changed them instead of its copy would fail the tests that copy it after."""
    source = Path(made["out"])
    assert _states(source) == made["states"], "the shared landing's state was changed by a test"
    shutil.copytree(source, dest)
    for root in fleet.landing_roots(source):
        copy_state(root.path, dest / root.path.relative_to(source))
    return dest
