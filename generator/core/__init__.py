"""What the commands do, as functions that return data. The CLI only parses and prints."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.cache import atomic_write
from generator.catalog import Catalog, Module, load_catalog, parse_version
from generator.decide.policy import Controls, decide
from generator.errors import UserInputError, WorkError
from generator.render import MANIFEST, SPEC_COPY, render, render_state, resolve_modules, with_source
from generator.render.stages import check_layout_change, render_landing
from generator.render.writer import (
    WriteResult,
    has_conflict_markers,
    manifest_imports,
    manifest_source,
    manifest_versions,
    read_manifest,
    write,
)
from generator.reports.catalog_report import changelog_entries
from generator.reports.compliance import coverage_line
from generator.reports.compliance import report as compliance_report
from generator.reports.cost import estimate, estimate_line, resource_counts
from generator.reports.diagram import build as build_diagram
from generator.reports.diagram import write_image
from generator.spec import Spec, load_spec, load_spec_file, parse_spec, spec_to_data

if TYPE_CHECKING:
    from generator import ci
    from generator.reports import checks
    from generator.run import gate, runner, verify
else:  # the pipelines, CI roles, Terraform and the checks load only for the commands that use them
    from generator.lazy import lazy

    ci, gate, runner, verify = (
        lazy(f"generator.{m}") for m in ("ci", "run.gate", "run.runner", "run.verify")
    )
    checks = lazy("generator.reports.checks")


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
) -> tuple[dict[str, Any], WriteResult]:
    controls = decide(spec)
    folder = Path(out)
    check_layout_change(spec, folder, force)
    recorded, note = spec_source(source, folder, force) if source is not None else (None, None)
    pinned = manifest_versions(folder) if folder.is_dir() else {}  # kept until `aisec upgrade`
    files = with_source(
        render_landing(spec, controls, pinned=pinned), recorded, import_digests(imports, folder)
    )
    result = write(folder, files, force=force, adopt=adopt)
    if note:
        result.notes.append(note)
    return summarize(spec, controls), result


def import_digests(imports: Sequence[Path], out: Path) -> dict[str, str]:
    """The imported files as the manifest records them: path relative to the output folder -> sha256."""
    return {
        Path(os.path.relpath(p, out.resolve())).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in imports
    }


def _shown(path: Path) -> str:
    """A path as a user would type it from here: relative below the working folder, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(resolved)


def _is_spec_copy(path: Path) -> Path | None:
    """The output folder when ``path`` is the spec copy aisec keeps in one (``.aisec/spec.yaml``)."""
    resolved = path.resolve()
    copy = Path(SPEC_COPY)
    if resolved.name == copy.name and resolved.parent.name == copy.parent.name:
        folder = resolved.parent.parent
        if (folder / MANIFEST).is_file():
            return folder
    return None


def spec_source(path: Path, out: Path, force: bool = False) -> tuple[str, str | None]:
    """The spec ``path`` as the manifest records it (relative to ``out``), and a note to print.

    One source of truth: an output is rendered from one spec file. Its ``.aisec/spec.yaml`` is a
    record of the last render, never a source; a render from another spec than the recorded one
    (while that one exists) would be undone by the next render from it, so it needs ``force``."""
    copy_of = _is_spec_copy(path)
    if copy_of is not None:
        recorded = manifest_source(copy_of)
        hint = (
            f"edit {_shown(copy_of / recorded)} and render it"
            if recorded is not None
            else f"copy it to a spec file of your own (cp {path} NAME.aisec.yaml) and render that"
        )
        raise UserInputError(
            f"{path}: is aisec's record of the spec last rendered into {_shown(copy_of)}, not a spec "
            f"to edit (the next render from the real spec would undo a render from it); {hint}"
        )
    rel = Path(os.path.relpath(path.resolve(), out.resolve())).as_posix()
    recorded = manifest_source(out) if out.is_dir() else None
    if recorded is None or recorded == rel:
        return rel, None
    before = out / recorded
    if (out / recorded).resolve() == path.resolve():
        return rel, None
    if not before.is_file():
        return rel, f"{out} was rendered from {_shown(before)}, which is gone: {path} is its spec from now on"
    if not force:
        raise UserInputError(
            f"{path}: {out} is rendered from {_shown(before)}; rendering it from another spec would "
            f"replace that render, and the next render from {_shown(before)} would undo this one. "
            f"Render from {_shown(before)}, or pass --force to make {path} its spec from now on"
        )
    return rel, (
        f"{out} is rendered from {path} from now on (was {_shown(before)}, which no longer applies to it)"
    )


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


def check_render(path: str | Path, out: str | Path) -> dict[str, Any]:
    """How the output on disk differs from what the spec renders now (for CI): nothing is written.

    Files aisec does not generate (``*.custom.tf``, ``*_override.tf``) are not compared; generated
    files differ when they were edited (not allowed), hold conflict markers, or are out of date."""
    loaded = load_spec_file(path)
    spec = loaded.spec
    resolve_modules(spec, load_catalog(), str(path))
    folder = Path(out)
    differences = []
    recorded: str | None
    try:
        recorded, _ = spec_source(Path(path), folder)
    except UserInputError as exc:
        if _is_spec_copy(Path(path)) is not None:
            raise
        recorded = manifest_source(folder)  # compare the rest as if rendered from the recorded spec
        differences.append({"path": MANIFEST, "kind": "source", "message": exc.message, "diff": ""})
    pinned = manifest_versions(folder) if folder.is_dir() else {}
    files = with_source(
        render_landing(spec, decide(spec), pinned=pinned), recorded, import_digests(loaded.imports, folder)
    )
    report = _differences(folder, files, str(out))
    report["differences"][:0] = differences
    report["up_to_date"] = not report["differences"]
    overrides = sorted(p.name for p in folder.glob("*_override.tf")) if folder.is_dir() else []
    overrides += ["override.tf"] if (folder / "override.tf").is_file() else []
    return {"spec": str(path), "output": str(out), **report, "overrides": overrides}


# Why a generated file on disk is not what the render makes, and what to do about it.
CAUSES = {
    "edited": "edited by hand since the last render; generated files are not edited: move the change "
    "to a *.custom.tf or *_override.tf file, then `aisec render --force` restores the file",
    "conflict": "holds the conflict markers (<<<<<<< ... >>>>>>>) of an unresolved merge",
    "unmanaged": "not made by aisec, at a path aisec generates",
    "outdated": "out of date: the spec or aisec changed since the last render; render it again",
}


def _cause(rel: str, current: str, old: dict[str, str]) -> str:
    if has_conflict_markers(current):
        return "conflict"
    if rel == MANIFEST:
        return "outdated"
    if rel not in old:
        return "unmanaged"
    if hashlib.sha256(current.encode("utf-8")).hexdigest() != old[rel]:
        return "edited"
    return "outdated"


def _differences(folder: Path, files: dict[str, str], label: str) -> dict[str, Any]:
    differences = []
    out = label
    old = read_manifest(folder) or {} if folder.is_dir() else {}
    for rel, text in files.items():
        target = folder / rel
        try:
            current = target.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError):
            differences.append(
                {"path": rel, "kind": "missing", "message": "missing: render it again", "diff": ""}
            )
            continue
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(True),
                text.splitlines(True),
                f"{out}/{rel} (on disk)",
                f"{out}/{rel} (rendered)",
            )
            cause = _cause(rel, current, old)
            differences.append(
                {
                    "path": rel,
                    "kind": "differs",
                    "cause": cause,
                    "message": CAUSES[cause],
                    "diff": "".join(diff),
                }
            )
    for rel in sorted(set(old) - set(files)):
        if (folder / rel).exists():
            differences.append(
                {"path": rel, "kind": "stale", "diff": "",
                 "message": "no longer generated: render again, which removes it unless it was edited"}
            )  # fmt: skip
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
    files = with_source(  # the same source and imports as recorded
        render_landing(spec, decide(spec), catalog=catalog), manifest_source(folder), manifest_imports(folder)
    )
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
    if new_moved and spec.layout == "stages":
        raise UserInputError(
            f"{directory}: this upgrade renames resources inside modules, which needs moved blocks in each "
            "root of a landing split by stage; aisec does not write those yet: upgrade with layout: single"
        )
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
            raise result.attention_error()
    return report


__all__ = ["decide", "parse_spec"]


def spec_data(spec: Spec) -> dict[str, Any]:
    return spec_to_data(spec)
