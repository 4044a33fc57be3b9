"""What the commands do, as functions that return data. The CLI only parses and prints."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import ci
from generator.cache import atomic_write
from generator.catalog import load_catalog
from generator.errors import RenderNeedsAttention, UserInputError, WorkError
from generator.policy import Controls, decide
from generator.render import render, render_state, resolve_modules
from generator.reports.compliance import coverage_line
from generator.reports.compliance import report as compliance_report
from generator.reports.cost import estimate, estimate_line
from generator.reports.diagram import build as build_diagram
from generator.reports.diagram import write_image
from generator.spec import Spec, load_spec, parse_spec, spec_to_data
from generator.writer import WriteResult, read_manifest, write


def summarize(spec: Spec, controls: Controls) -> dict[str, Any]:
    """What a spec implies, in numbers and names: used by check-spec, render and the wizard."""
    stages = controls.stages
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
        "keys": sum(len(s.keys) for s in stages) + (1 if controls.foundation else 0),
        "buckets": sum(len(s.buckets) for s in stages) + (3 if controls.foundation else 0),
        "roles": sum(len(s.roles) for s in stages),
        "macie_jobs": sum(1 for s in stages if s.macie_job),
        "interface_endpoints": list(controls.interface_endpoints) if controls.foundation else [],
        "alarms": 5 if controls.foundation else 0,
        "log_retention_days": controls.retention_days,
        "key_rotation_days": controls.rotation_days,
        "controls": [c.id for c in controls.controls],
        "coverage": coverage_line(compliance_report(controls)),
        "cost": estimate_line(estimate(controls)),
    }


def compliance(path: str | Path) -> dict[str, Any]:
    return compliance_report(decide(load_spec(path)))


def cost(path: str | Path) -> dict[str, Any]:
    return estimate(decide(load_spec(path)))


def diagram(path: str | Path, target: Path) -> None:
    write_image(build_diagram(decide(load_spec(path))), target)


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


def render_spec(path: str | Path, out: str | Path, force: bool = False) -> tuple[dict[str, Any], WriteResult]:
    spec = load_spec(path)
    resolve_modules(spec, load_catalog(), str(path))  # version constraints, reported against the file
    return render_parsed(spec, out, force=force)


def render_parsed(spec: Spec, out: str | Path, force: bool = False) -> tuple[dict[str, Any], WriteResult]:
    controls = decide(spec)
    result = write(out, render(spec, controls), force=force)
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
    return folder, write(folder, files, force=force)


def spec_name(path: str | Path) -> str:
    return load_spec(path).name


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
    spec = load_spec(path)
    s = ci.CiSettings(platform=platform, spec_path=Path(path).as_posix(), **settings)
    s.check()
    text = ci.github_workflow(spec, s) if platform == "github" else ci.gitlab_pipeline(spec, s)
    target = pipeline or Path(".github/workflows/aisec.yml" if platform == "github" else ".gitlab-ci.yml")
    roles_dir = roles or Path(f"{s.root}-ci-roles")
    if target.exists() and target.read_text(encoding="utf-8", errors="replace") != text and not force:
        raise WorkError(f"{target}: exists and differs from what aisec generates; --force overwrites it")
    result = write(roles_dir, ci.ci_roles(spec, s), force=force)
    if result.needs_attention:
        raise RenderNeedsAttention(str(roles_dir), result.conflicts, result.unmerged)
    written = not (target.exists() and target.read_text(encoding="utf-8", errors="replace") == text)
    if written:
        atomic_write(target, text.encode(), 0o644)
    return CiOutcome(target, roles_dir, ci.notes(spec, s), written)


def check_render(path: str | Path, out: str | Path) -> dict[str, Any]:
    """How the output on disk differs from what the spec renders now (for CI): nothing is written."""
    spec = load_spec(path)
    resolve_modules(spec, load_catalog(), str(path))
    files = render(spec, decide(spec))
    folder = Path(out)
    differences = []
    for rel, text in files.items():
        target = folder / rel
        try:
            current = target.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError):
            differences.append({"path": rel, "kind": "missing", "diff": ""})
            continue
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(True),
                text.splitlines(True),
                f"{out}/{rel} (on disk)",
                f"{out}/{rel} (rendered)",
            )
            differences.append({"path": rel, "kind": "differs", "diff": "".join(diff)})
    old = read_manifest(folder) or {} if folder.is_dir() else {}
    for rel in sorted(set(old) - set(files)):
        if (folder / rel).exists():
            differences.append({"path": rel, "kind": "stale", "diff": ""})
    return {"spec": str(path), "output": str(out), "up_to_date": not differences, "differences": differences}


__all__ = ["decide", "parse_spec"]


def spec_data(spec: Spec) -> dict[str, Any]:
    return spec_to_data(spec)
