"""`aisec plan`, `apply`, `drift` and `destroy`: Terraform run the way a careful operator would.

- A plan is saved with a fingerprint of the files and the TF_VAR_ variables it was made from;
  `apply` applies that saved plan only, and refuses it when anything changed since.
- Deletions of protected resources (keys, trails, log groups, buckets, the Macie account) need
  the user to name them; the modules also carry ``prevent_destroy``, lifted for one plan by
  override files when the user names the kind.
- Variables reach Terraform through the environment only; a sensitive variable that is not
  ephemeral would be written into the saved plan, so such a plan is refused and deleted.
- Ctrl-C: Terraform gets one interrupt, finishes what is in flight and writes its state.
- The plan gate (policygate.py, gate.py) reviews every policy the plan creates or changes and
  checkov with the team's rules; high findings block `apply` unless accepted by id at plan time
  (`--accept`), recorded with the plan and a hash of the plan file.

Against AWS, Terraform works in the user's folder (its backend, its ``.terraform``); in an
offline rehearsal it works on a copy in aisec's cache with the stand-in provider and local state,
and the user's folder is never written.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.cache import atomic_write
from generator.errors import UserInputError, WorkError
from generator.run import gate, planreview, stageguard
from generator.run.guards import (
    _FINDING_ID_RE,
    GateBlocked,
    PlanBlocked,
    _address_type,
    _allow_hint,
    _blocked_in_full,
    _check_accepted,
    _check_allowed,
    _discard,
    _gate_hint,
    _gate_review,
    _lifted_guards,
    _protected_failure,
    _sensitive_variables_in_plan,
    _show,
)
from generator.run.planreview import Review
from generator.run.prepare import (
    ALLOW_OVERRIDE,
    PLAN_DIR,
    PLAN_FILE,
    RECORD_FILE,
    Fingerprint,
    OnEvent,
    Workspace,
    _fingerprint_files,
    _quiet,
    _variables,
    _variables_digest,
    init,
    open_workspace,
)
from generator.run.runner import Event, Result, event_diagnostics
from generator.run.verify import root_module

# --- plans ------------------------------------------------------------------------------------


@dataclass
class PlanOutcome:
    workspace: Workspace
    review: Review
    destroy: bool
    allowed: list[str]
    plan_json: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> list[planreview.Finding]:
        return self.review.unaccepted(self.destroy)

    def as_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.workspace.source),
            "rehearsal": self.workspace.rehearsal,
            "destroy": self.destroy,
            "allowed_protected": self.allowed,
            "plan_file": str(self.workspace.plan_dir / PLAN_FILE) if self.review.has_changes else None,
            "plan_json": self.plan_json,
            "blocking": [f.id for f in self.blocking],
            "notes": self.notes,
            **self.review.as_dict(),
        }


def plan(
    directory: str | Path,
    offline: bool = False,
    destroy: bool = False,
    allow: Iterable[str] = (),
    on_event: OnEvent = _quiet,
    accept: Iterable[str] = (),
    rules: Iterable[str | Path] = (),
) -> PlanOutcome:
    """init, plan -out, show -json, the gate; the plan saved with its fingerprint unless refused."""
    allowed = _check_allowed(allow)
    for finding in accept:
        if not _FINDING_ID_RE.fullmatch(finding):
            raise UserInputError(
                f"--accept {finding!r}: give a finding id as `aisec plan` prints it, RULE@ADDRESS"
            )
    if destroy:  # a split landing's foundation is not destroyed under applied stages
        stageguard.refuse_foundation_destroy(root_module(directory), offline)
    ws = open_workspace(directory, offline)
    rule_dirs = gate.rules_dirs(ws.source, rules)
    gate.require_scanners()
    _discard(ws)
    init(ws)
    ws.plan_dir.mkdir(mode=0o700)
    plan_file = ws.plan_dir / PLAN_FILE
    fingerprint = Fingerprint.of(ws)  # before planning: a file changed meanwhile makes it stale
    args = ["-input=false", "-json", f"-out={plan_file}"] + (["-destroy"] if destroy else [])
    try:
        with _lifted_guards(ws, allowed):
            result = ws.tf.stream("plan", *args, cwd=ws.work, env=ws.env, on_event=on_event)
        if result.interrupted:
            raise Interrupted("terraform plan was interrupted; nothing was saved or changed")
        if not result.ok:
            diagnostics = event_diagnostics(result)
            guarded = _protected_failure(diagnostics)
            if guarded:
                # Terraform stops at the first refusals; list them all from a throwaway plan.
                listed = _blocked_in_full(ws, args, allowed) or guarded
                raise PlanBlocked(
                    f"{ws.source}: the plan deletes {len(listed)} protected resource(s) (prevent_destroy)",
                    [*listed, _allow_hint()],
                )
            raise ws.diagnostics_error("terraform plan failed", diagnostics)
        data = _show(ws, plan_file)
        leaked = _sensitive_variables_in_plan(data)
        if leaked:
            raise UserInputError(
                f"{ws.source}: sensitive variable(s) {', '.join(leaked)} would be written into the saved plan",
                ["declare them `ephemeral = true` (Terraform 1.10+) so their values stay out of plan files"],
            )
        review, notes = _gate_review(ws, data, destroy, rule_dirs)
        review.findings += stageguard.stage_findings(ws.source, data, ws.work)
        review.accepted = _check_accepted(ws, review, accept)
        blocked = review.blocked(allowed)
        if blocked:
            raise PlanBlocked(
                f"{ws.source}: the plan deletes {len(blocked)} protected resource(s)",
                [f"{d['address']} ({d['kind']})" for d in blocked] + [_allow_hint()],
            )
        if not review.has_changes:
            _discard(ws)
        else:
            record = {
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "rehearsal": ws.rehearsal,
                "destroy": destroy,
                "allowed_protected": allowed,
                "fingerprint": fingerprint.__dict__,
                "plan_sha256": hashlib.sha256(plan_file.read_bytes()).hexdigest(),
                "review": review.as_dict(),
            }
            atomic_write(ws.plan_dir / RECORD_FILE, json.dumps(record, indent=2).encode())
            os.chmod(plan_file, 0o600)
    except BaseException:
        _discard(ws)
        raise
    plan_json = None
    if ws.rehearsal:  # placeholders only; against AWS the plan's values stay in memory
        path = ws.work / "plan.json"
        path.write_text(json.dumps(data))
        plan_json = str(path)
    return PlanOutcome(ws, review, destroy, allowed, plan_json, ws.notes + notes)


class Interrupted(WorkError):
    exit_code = 130


class StalePlan(WorkError):
    pass


class NoSavedPlan(WorkError):
    """No plan saved for the root module (never planned, or its plan had no changes)."""


@dataclass
class SavedPlan:
    workspace: Workspace
    record: dict[str, Any]

    @property
    def review(self) -> dict[str, Any]:
        review: dict[str, Any] = self.record["review"]
        return review


def saved_plan(directory: str | Path, offline: bool = False) -> SavedPlan:
    """The saved plan of a root module, checked against the files and variables as they are now."""
    ws = open_workspace(directory, offline)
    record_path = ws.plan_dir / RECORD_FILE
    if not record_path.is_file() or not (ws.plan_dir / PLAN_FILE).is_file():
        raise NoSavedPlan(
            f"{ws.source}: no saved plan{' for an offline rehearsal' if offline else ''}; "
            f"run `aisec plan {directory}{' --offline' if offline else ''}` first"
        )
    record = json.loads(record_path.read_text())
    before = Fingerprint(**record["fingerprint"])
    now = Fingerprint.of(ws, bytes.fromhex(before.variables_salt))
    changed = before.differences(now)
    if changed:
        raise StalePlan(
            f"{ws.source}: the saved plan is stale; run `aisec plan` again and review it", changed
        )
    if hashlib.sha256((ws.plan_dir / PLAN_FILE).read_bytes()).hexdigest() != record.get("plan_sha256"):
        raise StalePlan(f"{ws.source}: the saved plan file is not the one reviewed; run `aisec plan` again")
    blocking = Review.from_dict(record["review"]).unaccepted(bool(record.get("destroy")))
    if blocking:
        ids = [f.id for f in blocking]
        raise GateBlocked(
            f"{ws.source}: the plan has {len(ids)} high finding(s) nobody accepted; apply refused",
            [*(f"{f.id}: {f.reason}" + (f" ({f.location})" if f.location else "") for f in blocking),
             _gate_hint(ws.source, ids, ws.rehearsal)],
        )  # fmt: skip
    return SavedPlan(ws, record)


@dataclass
class ApplyOutcome:
    directory: str
    rehearsal: bool
    applied: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    outputs: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def apply(saved: SavedPlan, on_event: OnEvent = _quiet) -> ApplyOutcome:
    """Apply the saved plan. It is used up either way: a second apply needs a new plan."""
    ws = saved.workspace
    outcome = ApplyOutcome(str(ws.source), ws.rehearsal)

    def counted(event: Event) -> None:
        _count(outcome, event)
        on_event(event)

    try:
        if not (ws.work / ".terraform").is_dir():
            init(ws)  # a fresh checkout (CI): the lock file the plan was made with decides the providers
        result: Result = ws.tf.stream(
            "apply", "-input=false", "-json", str(ws.plan_dir / PLAN_FILE), cwd=ws.work, env=ws.env,
            on_event=counted,
        )  # fmt: skip
    finally:
        _discard(ws)
    outcome.seconds = result.seconds
    if result.interrupted:
        state = "the state in your backend" if not ws.rehearsal else f"the rehearsal state in {ws.work}"
        raise Interrupted(
            f"{ws.source}: apply interrupted after {outcome.applied} change(s); Terraform finished "
            f"the operations in flight and recorded them in {state}",
            [
                f"run `aisec plan {saved.workspace.source}{' --offline' if ws.rehearsal else ''}` "
                "to see what is left, then `aisec apply` to finish",
            ],
        )
    if not result.ok:
        diagnostics = event_diagnostics(result)
        if any("Saved plan is stale" in d.summary for d in diagnostics):
            raise StalePlan(f"{ws.source}: the state changed since the plan; run `aisec plan` again")
        raise ws.diagnostics_error(
            f"terraform apply failed after {outcome.applied} change(s); state records what was done",
            diagnostics,
        )
    return outcome


def _count(outcome: ApplyOutcome, event: Event) -> None:
    kind = event.get("type")
    if kind == "apply_complete" and event.get("hook", {}).get("action") != "read":
        outcome.applied += 1
    elif kind == "apply_errored":
        outcome.failed.append(str(event.get("hook", {}).get("resource", {}).get("addr", "?")))
    elif kind == "outputs":
        outcome.outputs = {
            k: ("(sensitive)" if v.get("sensitive") else v.get("value"))
            for k, v in (event.get("outputs") or {}).items()
        }


@dataclass
class DriftOutcome:
    directory: str
    rehearsal: bool
    drifted: bool
    review: Review

    def as_dict(self) -> dict[str, Any]:
        return {"directory": self.directory, "rehearsal": self.rehearsal, "drifted": self.drifted,
                **self.review.as_dict()}  # fmt: skip


def drift(directory: str | Path, offline: bool = False, on_event: OnEvent = _quiet) -> DriftOutcome:
    """Plan without saving: does the infrastructure match the code? Nothing is changed."""
    ws = open_workspace(directory, offline)
    gate.require_scanners()
    init(ws)
    ws.plan_dir.mkdir(mode=0o700, exist_ok=True)
    probe = ws.plan_dir / "drift.tfplan"
    try:
        result = ws.tf.stream(
            "plan", "-input=false", "-json", "-detailed-exitcode", f"-out={probe}",
            cwd=ws.work, env=ws.env, on_event=on_event,
        )  # fmt: skip
        if result.interrupted:
            raise Interrupted("terraform plan was interrupted; nothing was changed")
        if result.returncode not in (0, 2):
            raise ws.diagnostics_error("terraform plan failed", event_diagnostics(result))
        review = planreview.review(_show(ws, probe))
    finally:
        probe.unlink(missing_ok=True)
        if ws.plan_dir.is_dir() and not any(ws.plan_dir.iterdir()):
            ws.plan_dir.rmdir()
    return DriftOutcome(str(ws.source), ws.rehearsal, result.returncode == 2 or bool(review.drift), review)


__all__ = [
    "ALLOW_OVERRIDE",
    "PLAN_DIR",
    "PLAN_FILE",
    "RECORD_FILE",
    "ApplyOutcome",
    "DriftOutcome",
    "Fingerprint",
    "Interrupted",
    "NoSavedPlan",
    "PlanOutcome",
    "SavedPlan",
    "StalePlan",
    "Workspace",
    "_address_type",
    "_check_allowed",
    "_fingerprint_files",
    "_protected_failure",
    "_sensitive_variables_in_plan",
    "_variables",
    "_variables_digest",
    "apply",
    "drift",
    "init",
    "open_workspace",
    "plan",
    "saved_plan",
]
