"""What the commands do, as functions that return data. The CLI only parses and prints."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import ci
from generator.cache import atomic_write
from generator.catalog import Catalog, Module, load_catalog, parse_version
from generator.catalog_report import changelog_entries
from generator.errors import RenderNeedsAttention, UserInputError, WorkError
from generator.policy import Controls, decide
from generator.render import SPEC_COPY, render, render_state, resolve_modules
from generator.reports.compliance import coverage_line
from generator.reports.compliance import report as compliance_report
from generator.reports.cost import estimate, estimate_line, resource_counts
from generator.reports.diagram import build as build_diagram
from generator.reports.diagram import write_image
from generator.spec import Spec, load_spec, parse_spec, spec_to_data
from generator.writer import WriteResult, manifest_versions, read_manifest, write


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
    pinned = manifest_versions(Path(out))  # module versions stay until `aisec upgrade`
    result = write(out, render(spec, controls, pinned=pinned), force=force)
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
    settings = {**settings, "root": settings.get("root") or f"infra/{spec.name}"}
    s = ci.CiSettings(platform=platform, spec_path=Path(path).as_posix(), **settings)
    s.check()
    text = ci.github_workflow(spec, s) if platform == "github" else ci.gitlab_pipeline(spec, s)
    target = pipeline or Path(".github/workflows/aisec.yml" if platform == "github" else ".gitlab-ci.yml")
    roles_dir = roles or Path(f"{s.root}-ci-roles")
    current = target.read_text(encoding="utf-8", errors="replace") if target.exists() else None
    if current not in (None, text) and not force:
        raise WorkError(f"{target}: exists and differs from what aisec generates; --force overwrites it")
    result = write(roles_dir, ci.ci_roles(spec, s), force=force)
    if result.needs_attention:
        raise RenderNeedsAttention(str(roles_dir), result.conflicts, result.unmerged)
    written = current != text
    if written:
        atomic_write(target, text.encode(), 0o644)
    return CiOutcome(target, roles_dir, ci.notes(spec, s), written)


def check_render(path: str | Path, out: str | Path) -> dict[str, Any]:
    """How the output on disk differs from what the spec renders now (for CI): nothing is written."""
    spec = load_spec(path)
    resolve_modules(spec, load_catalog(), str(path))
    folder = Path(out)
    files = render(spec, decide(spec), pinned=manifest_versions(folder) if folder.is_dir() else {})
    return {"spec": str(path), "output": str(out), **_differences(folder, files, str(out))}


def _differences(folder: Path, files: dict[str, str], label: str) -> dict[str, Any]:
    differences = []
    out = label
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
    return {"up_to_date": not differences, "differences": differences}


MOVED_FILE = "moved.custom.tf"
_CALL_RE = re.compile(r'^module "([A-Za-z0-9_]+)" \{\n\s*source\s*=\s*"[^"]*modules/([a-z]+)[^"]*"', re.M)


def _moved_blocks(
    files: dict[str, str], upgrades: dict[str, tuple[Module | None, Module]], catalog: Catalog
) -> list[str]:
    """`moved` blocks for the resources the new module versions renamed, for every call of them."""
    blocks = []
    for name, (old, new) in sorted(upgrades.items()):
        renamed = [
            pair
            for m in catalog.modules[name]
            if old is not None
            and parse_version(old.version) < parse_version(m.version) <= parse_version(new.version)
            for pair in m.moved
        ]
        calls = sorted({c for text in files.values() for c, mod in _CALL_RE.findall(text) if mod == name})
        for call in calls:
            for before, after in renamed:
                blocks.append(
                    f"moved {{\n  from = module.{call}.{before}\n  to   = module.{call}.{after}\n}}\n"
                )
    return blocks


def upgrade(directory: str | Path, dry_run: bool = False, catalog: Catalog | None = None) -> dict[str, Any]:
    """Re-render an output with the newest module versions its spec's constraints allow."""
    folder = Path(directory)
    spec_copy = folder / SPEC_COPY
    if not spec_copy.is_file():
        raise UserInputError(f"{directory}: no {SPEC_COPY}; upgrade works on a folder aisec rendered")
    spec = load_spec(spec_copy)
    catalog = catalog or load_catalog()
    before = manifest_versions(folder)
    files = render(spec, decide(spec), catalog=catalog)
    now = resolve_modules(spec, catalog)
    upgrades: dict[str, tuple[Module | None, Module]] = {}
    for name, module in now.items():
        old_version = before.get(name)
        if old_version != module.version:
            old = next((m for m in catalog.modules[name] if m.version == old_version), None)
            upgrades[name] = (old, module)
    entries = {}
    for name, (old, new) in upgrades.items():
        log = changelog_entries(new)
        entries[name] = {
            v: text
            for v, text in log.items()
            if (old is None or parse_version(v) > parse_version(old.version))
            and parse_version(v) <= parse_version(new.version)
        }
    moved_file = folder / MOVED_FILE
    existing = moved_file.read_text(encoding="utf-8") if moved_file.is_file() else ""
    new_moved = "\n".join(b for b in _moved_blocks(files, upgrades, catalog) if b.strip() not in existing)
    report = {
        "output": str(directory),
        "upgrades": {
            n: {"from": o.version if o else before.get(n), "to": m.version} for n, (o, m) in upgrades.items()
        },
        "changelog": entries,
        "moved": new_moved,
        **_differences(folder, files, str(directory)),
    }
    if not dry_run and upgrades:
        result = write(folder, files)
        if new_moved:
            header = (
                ""
                if existing
                else "# Written by aisec upgrade: resources the catalog's modules renamed. Yours from now on;\n# keep them until every copy of the state has been applied with them.\n\n"
            )
            atomic_write(moved_file, (existing + header + new_moved.rstrip("\n") + "\n").encode(), 0o644)
        report["written"] = True
        if result.needs_attention:
            raise RenderNeedsAttention(str(folder), result.conflicts, result.unmerged)
    return report


__all__ = ["decide", "parse_spec"]


def spec_data(spec: Spec) -> dict[str, Any]:
    return spec_to_data(spec)
