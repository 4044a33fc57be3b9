"""What stands between a plan and its apply: the plan gate's review and the findings it blocks on, the
named exceptions to prevent_destroy (lifted for one plan only), the protected resources a failed
plan names, and the sensitive variables a plan holds."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from generator.errors import UserInputError, WorkError
from generator.run import gate, planreview
from generator.run.planreview import Review
from generator.run.prepare import _RESOURCE_RE, ALLOW_OVERRIDE, PLAN_FILE, Workspace, _quiet
from generator.run.runner import (
    Diagnostic,
)


class PlanBlocked(WorkError):
    """The plan deletes protected resources the user did not name."""


def _check_allowed(allowed: Iterable[str]) -> list[str]:
    names = sorted(set(allowed))
    for name in names:
        if name not in planreview.PROTECTED and not re.fullmatch(r"[A-Za-z0-9_.\[\]\"-]+", name):
            raise UserInputError(
                f"--allow-destroy-protected {name!r}: give a kind ({', '.join(planreview.PROTECTED)}) "
                "or a resource address"
            )
    return names


@contextmanager
def _lifted_guards(ws: Workspace, allowed: list[str]) -> Iterator[None]:
    """``prevent_destroy = false`` for the resources of the named kinds, through Terraform override
    files next to them (the root module and local module folders), for the time of one plan. The
    saved plan carries its own copy of the configuration, so applying it needs no override."""
    types = {planreview.PROTECTED[k][0] for k in allowed if k in planreview.PROTECTED}
    types |= {t for a in allowed if a not in planreview.PROTECTED and (t := _address_type(a))}
    written = []
    # the root module's folder and every local module Terraform installed, also those above it
    # (a split landing's stage roots use ../modules/NAME)
    files = set(ws.work.rglob("*.tf"))
    for _prefix, folder in gate._module_dirs(ws.work):
        if folder.resolve().is_dir() and ".terraform" not in folder.resolve().parts:
            files.update(folder.resolve().glob("*.tf"))
    try:
        for tf in sorted({f.resolve() for f in files}):
            if ".terraform" in tf.parts or tf.name == ALLOW_OVERRIDE:
                continue
            blocks = [
                f'resource "{t}" "{n}" {{\n  lifecycle {{\n    prevent_destroy = false\n  }}\n}}\n'
                for t, n in _RESOURCE_RE.findall(tf.read_text(encoding="utf-8", errors="replace"))
                if t in types
            ]
            if blocks:
                override = tf.parent / ALLOW_OVERRIDE
                previous = override.read_text() if override.exists() else "# Written by aisec for one plan.\n"
                override.write_text(previous + "".join(blocks))
                written.append(override)
        yield
    finally:
        for path in written:
            path.unlink(missing_ok=True)


def _sensitive_variables_in_plan(plan: dict[str, Any]) -> list[str]:
    """Sensitive input variables whose values the saved plan holds (ephemeral ones it does not)."""
    declared = plan.get("configuration", {}).get("root_module", {}).get("variables", {})
    values = plan.get("variables", {})
    return sorted(
        name
        for name, decl in declared.items()
        if decl.get("sensitive")
        and not decl.get("ephemeral")
        and values.get(name, {}).get("value") not in (None, "")
    )


_FINDING_ID_RE = re.compile(r"[A-Za-z0-9_-]+@[A-Za-z0-9_.\[\]\"/:-]+")
_GUARDED_RE = re.compile(r"Resource (\S+) has lifecycle\.prevent_destroy set")
_ADDRESS_TYPE_RE = re.compile(r"(?:^|\.)([a-z][a-z0-9_]*)\.[A-Za-z_][A-Za-z0-9_-]*(?:\[[^\]]*\])?$")


def _address_type(address: str) -> str | None:
    m = _ADDRESS_TYPE_RE.search(address)
    return m.group(1) if m else None


def _protected_failure(diagnostics: list[Diagnostic]) -> list[str]:
    """Terraform's prevent_destroy refusals, as `address (kind)`."""
    found = []
    for d in diagnostics:
        m = _GUARDED_RE.search(d.detail) if d.summary == "Instance cannot be destroyed" else None
        if m:
            kind = planreview.PROTECTED_TYPES.get(_address_type(m.group(1)) or "", "prevent_destroy")
            found.append(f"{m.group(1)} ({kind})")
    return sorted(found)


def _blocked_in_full(ws: Workspace, args: list[str], allowed: list[str]) -> list[str]:
    """Every protected deletion of the plan, found with all guards lifted; nothing is kept."""
    with _lifted_guards(ws, list(planreview.PROTECTED)):
        result = ws.tf.stream("plan", *args, cwd=ws.work, env=ws.env, on_event=_quiet)
    if not result.ok:
        return []
    blocked = planreview.review(_show(ws, ws.plan_dir / PLAN_FILE)).blocked(allowed)
    return [f"{d['address']} ({d['kind']})" for d in blocked]


def _discard(ws: Workspace) -> None:
    shutil.rmtree(ws.plan_dir, ignore_errors=True)


def _show(ws: Workspace, plan_file: Path) -> dict[str, Any]:
    show = ws.tf.run("show", "-json", str(plan_file), cwd=ws.work, env=ws.env)
    if not show.ok:
        raise WorkError(f"{ws.source}: terraform show failed", [show.stderr.strip()[:500]])
    data: dict[str, Any] = json.loads(show.stdout)
    return data


def _gate_review(
    ws: Workspace, data: dict[str, Any], destroy: bool, rule_dirs: list[Path]
) -> tuple[Review, list[str]]:
    """The review with the gate: documents unknown in the plan read from an offline rehearsal, and
    checkov with the team's rules on that rehearsal's plan, limited to what this plan changes."""
    locations = gate.declarations(ws.work)
    changing = {
        rc["address"]
        for rc in data.get("resource_changes", [])
        if {"create", "update"} & set(rc.get("change", {}).get("actions", []))
    }
    if destroy or not changing:
        return planreview.review(data, locations), []
    notes: list[str] = []
    try:
        rehearsal = gate.rehearse(ws.source, ws.tf, ws.env)
    except gate.Unavailable as exc:
        if rule_dirs:
            raise WorkError(
                f"{ws.source}: the team's rules need the offline rehearsal; {exc.message}", exc.details
            ) from None
        notes.append(f"policy documents known only after apply were not reviewed: {exc.message}")
        return planreview.review(data, locations), notes
    review = planreview.review(data, locations, rehearsal.values)
    for failed in gate.scan(rehearsal.plan_file, rule_dirs):
        if failed.address not in changing:
            continue
        # checkov's own checks advise (aisec's rules above decide what blocks); a team's rule blocks
        # unless its metadata gives a lower severity
        severity = _SEVERITY.get((failed.severity or "HIGH").upper(), "high") if failed.team else "medium"
        review.findings.append(
            planreview.Finding(
                failed.address, severity, f"{failed.name} (checkov)", failed.check_id,
                locations.get(planreview.declared(failed.address)), "team" if failed.team else "checkov",
            )
        )  # fmt: skip
    return review, notes


def _check_accepted(ws: Workspace, review: Review, accept: Iterable[str]) -> list[str]:
    """--accept ids must name findings of this plan: a typo must not look like an acknowledgement."""
    ids = sorted(set(accept))
    known = {f.id for f in review.findings}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UserInputError(
            f"--accept: {', '.join(unknown)} is not a finding of this plan",
            [f"findings of this plan: {', '.join(sorted(known)) or 'none'}"],
        )
    return ids


_SEVERITY = {"CRITICAL": "high", "HIGH": "high", "MEDIUM": "medium", "LOW": "low", "INFO": "low"}


class GateBlocked(WorkError):
    """High findings of the gate that nobody accepted when the plan was made."""


def _gate_hint(source: Path, ids: list[str], rehearsal: bool) -> str:
    accept = " ".join(f"--accept '{i}'" for i in ids)
    return f"after review, accept them by name when planning: aisec plan {source}{' --offline' if rehearsal else ''} {accept}"


def _allow_hint() -> str:
    kinds = ", ".join(planreview.PROTECTED)
    return (
        f"to do this on purpose, run it again with --allow-destroy-protected KIND (one of {kinds}) or ADDRESS"
    )
