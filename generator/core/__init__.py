"""What the commands do, as functions that return data. The CLI only parses and prints."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.cache import atomic_write
from generator.catalog import load_catalog
from generator.core.sources import import_digests, spec_source
from generator.decide.policy import Controls, decide
from generator.errors import UserInputError, WorkError
from generator.render import render, render_state, resolve_modules, with_source
from generator.render.accounts import require_state_key
from generator.render.stages import check_layout_change, render_landing
from generator.render.writer import WriteResult, manifest_versions, write
from generator.reports.compliance import coverage_line
from generator.reports.compliance import report as compliance_report
from generator.reports.cost import estimate, estimate_line, resource_counts
from generator.reports.diagram import build as build_diagram
from generator.reports.diagram import write_image
from generator.spec import Spec, load_spec, load_spec_file, parse_spec, spec_to_data

if TYPE_CHECKING:
    from generator import ci
    from generator.core.compare import CAUSES, check_render
    from generator.core.upgrade import MOVED_FILE, upgrade
    from generator.reports import checks
    from generator.run import gate, runner, verify
else:  # the pipelines, CI roles, Terraform and the checks load only for the commands that use them
    from generator.lazy import lazy

    ci, gate, runner, verify = (
        lazy(f"generator.{m}") for m in ("ci", "run.gate", "run.runner", "run.verify")
    )
    checks = lazy("generator.reports.checks")

# `render --check` (compare) and `upgrade` load on first use: a plain render never diffs a
# landing nor reads the catalog's changelogs (difflib, the catalog report and its docs parser)
_LAZY_NAMES = {
    "CAUSES": "generator.core.compare",
    "check_render": "generator.core.compare",
    "MOVED_FILE": "generator.core.upgrade",
    "upgrade": "generator.core.upgrade",
}


def __getattr__(name: str) -> Any:
    """The names of :data:`_LAZY_NAMES`, imported at their first use (PEP 562)."""
    where = _LAZY_NAMES.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


def summarize(spec: Spec, controls: Controls) -> dict[str, Any]:
    """What a spec implies, in numbers and names: used by check-spec, render and the wizard."""
    stages = controls.stages
    counts = resource_counts(controls)
    return {
        "name": spec.name,
        "account_id": spec.aws.account_id,
        "region": spec.aws.region,
        "compliance": sorted(r.value for r in spec.regimes),
        "foundation": spec.foundation,
        "workloads": [
            {
                "name": w.workload.name,
                "type": w.workload.type.value,
                "sensitivity": w.workload.data.sensitivity.value,
                "services": [s.value for s in w.services],
                "stages": [s.stage.value for s in w.stages],
            }
            for w in controls.workloads
        ],
        "keys": counts["stage_keys"] + counts["foundation_keys"],
        "buckets": counts["stage_buckets"] + counts["foundation_buckets"],
        "roles": counts["workload_roles"],  # people's and pipelines' roles; service roles not counted
        "macie_jobs": sum(1 for s in stages if s.macie_job),
        "interface_endpoints": list(controls.interface_endpoints) if controls.foundation else [],
        "alarms": len(controls.alarms),
        "log_retention_days": controls.retention_days,
        "key_rotation_days": controls.rotation_days,
        "controls": [c.id for c in controls.controls],
        "coverage": coverage_line(compliance(spec) if spec.accounts else compliance_report(controls)),
        "cost": estimate_line(_estimate(spec) if spec.accounts else estimate(controls)),
    }


def compliance(path: str | Path | Spec) -> dict[str, Any]:
    """The compliance report of a spec; with ``accounts``, of the landing as deployed (a
    requirement's weakest status in any account) and each account's (``accounts``)."""
    spec = path if isinstance(path, Spec) else load_spec(path)
    if spec.accounts is not None:
        from generator.render.accounts_docs import landing_report

        return landing_report(spec)
    return compliance_report(decide(spec))


def compliance_checks(path: str | Path) -> dict[str, Any]:
    """Prowler's checks judged before deploying: the spec rendered into a temporary folder, planned and
    applied offline (the plan gate's rehearsal), and each check evaluated on the resulting state."""
    spec = load_spec(path)
    env = verify.plain_env()
    tf = runner.PythonTerraformRunner(runner.find_binary(env))
    with tempfile.TemporaryDirectory(prefix="aisec-verdicts-") as tmp:
        folder = Path(tmp) / spec.name
        write(folder, render(spec))
        rehearsal = gate.rehearse(folder, tf, env)
        try:
            state = {"values": json.loads(rehearsal.plan_file.read_text())["planned_values"]}
        finally:
            shutil.rmtree(rehearsal.plan_file.parent, ignore_errors=True)  # the throwaway working copy
    verdicts = checks.evaluate(state)
    return {"spec": str(path), **checks.report(verdicts, spec.compliance)}


def cost(path: str | Path) -> dict[str, Any]:
    return _estimate(load_spec(path))


def _estimate(spec: Spec) -> dict[str, Any]:
    if spec.accounts is not None:  # an account per stage: each account's foundation costs too
        from generator.render.accounts import estimate_accounts

        return estimate_accounts(spec)
    return estimate(decide(spec))


def diagram(path: str | Path, target: Path) -> None:
    spec = load_spec(path)
    if spec.accounts is not None:  # each account with its own VPC, trail and Macie
        from generator.render.accounts import landing_accounts, landing_diagram

        write_image(landing_diagram(landing_accounts(spec)), target)
        return
    write_image(build_diagram(decide(spec)), target)


def check_spec(path: str | Path) -> dict[str, Any]:
    spec = load_spec(path)
    controls = decide(spec)
    modules = resolve_modules(spec, load_catalog(), str(path))
    return {
        "spec": str(path),
        "valid": True,
        **summarize(spec, controls),
        "modules": {m.name: m.version for m in modules.values()},
    }


def render_spec(
    path: str | Path, out: str | Path, force: bool = False, adopt: bool = False
) -> tuple[dict[str, Any], WriteResult]:
    loaded = load_spec_file(path)
    resolve_modules(loaded.spec, load_catalog(), str(path))  # version constraints, reported against the file
    return render_parsed(
        loaded.spec, out, force=force, source=Path(path), adopt=adopt, imports=loaded.imports
    )


def render_parsed(
    spec: Spec,
    out: str | Path,
    force: bool = False,
    source: Path | None = None,
    adopt: bool = False,
    imports: Sequence[Path] = (),
    layout_change: bool = False,
) -> tuple[dict[str, Any], WriteResult]:
    """``layout_change``: the output may switch layout (`aisec migrate` has moved its state)."""
    require_state_key(spec, str(source) if source is not None else "SPEC")  # accounts: the key's ARN
    controls = decide(spec)
    folder = Path(out)
    check_layout_change(spec, folder, force or layout_change)
    recorded, note = spec_source(source, folder, force) if source is not None else (None, None)
    pinned = manifest_versions(folder) if folder.is_dir() else {}  # kept until `aisec upgrade`
    files = with_source(
        render_landing(spec, controls, pinned=pinned), recorded, import_digests(imports, folder)
    )
    result = write(folder, files, force=force, adopt=adopt)
    if note:
        result.notes.append(note)
    return summarize(spec, controls), result


def bootstrap_state(
    path: str | Path, out: str | Path | None, force: bool = False
) -> tuple[Path, WriteResult]:
    """Render the root module that creates the spec's S3 backend (bucket and key) into ``out``."""
    spec = load_spec(path)
    resolve_modules(spec, load_catalog(), str(path))
    folder = Path(out) if out is not None else Path(f"{spec.name}-state")
    try:
        files = render_state(spec, str(folder))
    except UserInputError as exc:
        raise UserInputError(f"{path}: {exc.message}") from None
    return folder, write(folder, files, force=force, offer_adopt=False)


@dataclass
class CiOutcome:
    pipeline: Path
    roles: Path
    notes: list[str]
    written: bool


def ci_files(
    platform: ci.Platform, path: str | Path, settings: dict[str, Any], pipeline: Path | None, roles: Path | None,
    force: bool = False,
) -> CiOutcome:  # fmt: skip
    """Write the pipeline file and render the roles' root module for a spec."""
    loaded = load_spec_file(path)
    spec = loaded.spec
    imports = tuple(Path(os.path.relpath(p)).as_posix() for p in loaded.imports)  # from the repository root
    settings = {**settings, "root": settings.get("root") or f"infra/{spec.name}", "imports": imports}
    s = ci.CiSettings(platform=platform, spec_path=Path(path).as_posix(), **settings)
    s.check()
    text = ci.github_workflow(spec, s) if platform == "github" else ci.gitlab_pipeline(spec, s)
    target = pipeline or Path(".github/workflows/aisec.yml" if platform == "github" else ".gitlab-ci.yml")
    roles_dir = roles or Path(f"{s.root}-ci-roles")
    current = target.read_text(encoding="utf-8", errors="replace") if target.exists() else None
    if current not in (None, text) and not force:
        raise WorkError(f"{target}: exists and differs from what aisec generates; --force overwrites it")
    result = write(roles_dir, ci.ci_roles(spec, s), force=force, offer_adopt=False)
    if result.needs_attention:
        raise result.attention_error()
    written = current != text
    if written:
        atomic_write(target, text.encode(), 0o644)
    notes = ci.notes(spec, s) + ci.install_notes(s)
    if s.install.endswith((".whl", ".txt")) and not Path(s.install).is_file():
        notes.append(
            f"--install: there is no {s.install} here yet; commit it there (a path from the repository root)"
        )
    return CiOutcome(target, roles_dir, notes, written)


__all__ = [
    "CAUSES",
    "MOVED_FILE",
    "check_render",
    "decide",
    "import_digests",
    "parse_spec",
    "spec_source",
    "upgrade",
]


def spec_data(spec: Spec) -> dict[str, Any]:
    return spec_to_data(spec)
