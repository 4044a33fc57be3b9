"""Rendering: (spec, controls, catalog) -> {relative path: text}. Pure: no disk writes, no prompts.

The module arguments are built here as Python data (references to other modules as :class:`Hcl`
expressions, everything else as plain values that :func:`generator.render.hcl.encode` escapes); the
templates only lay them out. The same spec always gives byte-identical files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from generator import __version__
from generator.catalog import Catalog, Module, load_catalog
from generator.decide.bedrock import bedrock_iam_args
from generator.decide.policy import DETECTIVE, LAYERS, Controls, FoundationPlan, decide
from generator.landing import MANIFEST as MANIFEST  # where the writer keeps its record
from generator.render.args import _macie_args, _stage_args
from generator.render.foundation import _detective_args, _foundation_args
from generator.render.hcl import Hcl, align, encode, ident, string
from generator.render.modules import (
    CONDITIONAL_FLOORS,
    LANDING_TAG,
    MODULE_NAMES,
    RENDERS_WITH,
    SPEC_COPY,
    _tags,
    module_floor,
    module_source,
    resolve_modules,
    uses_compute_module,
    uses_detective_module,
)
from generator.render.roots import (
    ARCHIVE_FOLDER,
    GITIGNORE,
    _with_modules,
    manifest_text,
    render_log_archive,
    render_small_root,
    render_state,
    sha256,
    state_key_arn,
)
from generator.render.templates import _DOC_ENV, _HCL_ENV, _bytecode_cache
from generator.reports.compliance import control_addresses, coverage_line
from generator.reports.compliance import report as compliance_report
from generator.reports.cost import estimate, estimate_line
from generator.reports.diagram import build as build_diagram
from generator.reports.diagram import mermaid
from generator.spec import Spec


def _context(spec: Spec, controls: Controls, modules: Mapping[str, Module]) -> dict[str, Any]:
    """What the root module's templates are rendered with."""
    report = compliance_report(controls)
    return {
        "spec": spec,
        "region": spec.aws.region,
        "state_kms_key": spec.state.kms_key(spec.name),
        "c": controls,
        "f": controls.foundation,
        "foundation": _foundation_args(controls),
        "stage_args": {s.ident: _stage_args(s, controls) for s in controls.stages},
        "bedrock_args": {w.ident: bedrock_iam_args(spec, w.workload) for w in controls.workloads},
        "tags": _tags(spec),
        "modules": modules,
        "generator_version": __version__,
        "source": lambda name: module_source(spec, modules[name]),
        "compliance": report,
        "layers": LAYERS,
        "coverage": coverage_line(report),
        "cost_line": estimate_line(estimate(controls)),
        "mermaid": mermaid(build_diagram(controls)),
        "addresses": control_addresses(controls),
        "detective": _detective_args(controls),
        "detective_table": DETECTIVE,
    }


DOCS = ("README.md", "COMPLIANCE.md")


def _docs(ctx: Mapping[str, Any]) -> dict[str, str]:
    return {name: _DOC_ENV.get_template(name + ".j2").render(ctx) for name in DOCS}


def render_docs(
    spec: Spec,
    controls: Controls | None = None,
    catalog: Catalog | None = None,
    pinned: Mapping[str, str] | None = None,
    modules: Mapping[str, Module] | None = None,
) -> dict[str, str]:
    """README.md and COMPLIANCE.md of the root module, as :func:`render` makes them (``modules``:
    the spec's modules when already resolved)."""
    controls = controls or decide(spec)
    if modules is None:
        modules = resolve_modules(spec, catalog or load_catalog(), pinned=pinned)
    return _docs(_context(spec, controls, modules))


def render(
    spec: Spec,
    controls: Controls | None = None,
    catalog: Catalog | None = None,
    pinned: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every file of the root module, by relative path. Pure and deterministic."""
    controls = controls or decide(spec)
    catalog = catalog or load_catalog()
    modules = resolve_modules(spec, catalog, pinned=pinned)
    ctx = _context(spec, controls, modules)
    files: dict[str, str] = {}
    for name in ("versions.tf", "providers.tf", "backend.tf", "main.tf", "outputs.tf"):
        files[name] = align(_HCL_ENV.get_template(name + ".j2").render(ctx))
    for wl in controls.workloads:
        text = _HCL_ENV.get_template("workload.tf.j2").render({**ctx, "w": wl})
        files[f"workload-{wl.workload.name}.tf"] = align(text)
    files.update(_docs(ctx))
    files.update(archive_files(controls, modules))
    return _with_modules(files, modules, spec)


def archive_files(
    controls: Controls, modules: Mapping[str, Module], others: Sequence[FoundationPlan] = ()
) -> dict[str, str]:
    """The log-archive account's root module as files of the landing (``ARCHIVE_FOLDER``/...), or
    none without an archive; ``others``: the other accounts' foundations that deliver to it."""
    if controls.foundation is None or controls.foundation.archive is None:
        return {}
    archive = render_log_archive(controls, modules, others)
    # The landing's spec copy and manifest cover this folder: no second copy to review.
    nested = (SPEC_COPY, MANIFEST)
    return {f"{ARCHIVE_FOLDER}/{r}": t for r, t in archive.items() if r not in nested}


# The log-archive account's root module, beside the landing's files in the output folder.
def with_source(
    files: Mapping[str, str], source: str | None, imports: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``files`` with the spec file they were rendered from recorded in the manifest (a path
    relative to the output folder): the one source later renders must come from. ``imports``
    (path relative to the output folder -> sha256 of the file) records the files the spec imports,
    so `render --check` sees a change in a shared defaults file and `aisec affected` finds the
    landings that use it."""
    if source is None:
        return dict(files)
    manifest = json.loads(files[MANIFEST])
    manifest["source"] = {"spec": source, **({"imports": dict(sorted(imports.items()))} if imports else {})}
    return {**files, MANIFEST: json.dumps(manifest, indent=2, sort_keys=True) + "\n"}


__all__ = [
    "ARCHIVE_FOLDER",
    "CONDITIONAL_FLOORS",
    "DOCS",
    "GITIGNORE",
    "LANDING_TAG",
    "MANIFEST",
    "MODULE_NAMES",
    "RENDERS_WITH",
    "SPEC_COPY",
    "_DOC_ENV",
    "_HCL_ENV",
    "Hcl",
    "_bytecode_cache",
    "_detective_args",
    "_foundation_args",
    "_macie_args",
    "_stage_args",
    "_tags",
    "_with_modules",
    "align",
    "archive_files",
    "encode",
    "ident",
    "manifest_text",
    "module_floor",
    "module_source",
    "render",
    "render_docs",
    "render_log_archive",
    "render_small_root",
    "render_state",
    "resolve_modules",
    "sha256",
    "state_key_arn",
    "string",
    "uses_compute_module",
    "uses_detective_module",
    "with_source",
]
