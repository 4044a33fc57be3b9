"""`aisec catalog` and `aisec blueprints`: the module catalog and the bundled blueprints."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from generator.cli.common import (
    JsonOpt,
    Table,
    _print_json,
    blueprints,
    blueprints_app,
    catalog_app,
    check_output_path,
    core,
    out,
    site,
)


@catalog_app.command("list")
def catalog_list(as_json: JsonOpt = False) -> None:
    """The modules of the catalog, their released versions and what they implement."""
    from generator.reports.catalog_report import listing

    modules = listing()
    if as_json:
        _print_json(modules)
        return
    table = Table("module", "versions", "controls", "summary", box=None, pad_edge=False)
    for m in modules:
        table.add_row(m["name"], ", ".join(m["versions"]), ", ".join(m["controls"]), m["summary"])
    out.print(table)


@catalog_app.command("show")
def catalog_show(
    name: Annotated[str, typer.Argument(help="Module name, from `aisec catalog list`.", show_default=False)],
    version: Annotated[
        str | None, typer.Option("--version", help="A released version [default: latest].")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A module's version, constraints, controls, inputs, outputs and changelog."""
    from generator.reports.catalog_report import show

    m = show(name, version)
    if as_json:
        _print_json(m)
        return
    out.print(f"[bold]{m['name']} {m['version']}[/]: {m['summary']}")
    out.print(f"  terraform {m['terraform']}; " + ", ".join(f"{p} {c}" for p, c in m["providers"].items()))
    out.print("  controls: " + "; ".join(f"{c['id']} {c['title']}" for c in m["controls"]))
    inputs = Table("input", "type", "default", "description", box=None, pad_edge=False)
    for v in m["inputs"]:
        typ = v["type"] if len(v["type"]) <= 40 else "object (see variables.tf)"
        inputs.add_row(v["name"], typ, "(required)" if v["required"] else str(v["default"]), v["description"])
    out.print(inputs)
    outputs = Table("output", "description", box=None, pad_edge=False)
    for o in m["outputs"]:
        outputs.add_row(o["name"], o["description"])
    out.print(outputs)
    for ver, entry in m["changelog"].items():
        out.print(f"[bold]{ver}[/]\n{entry}")


@catalog_app.command("site")
def catalog_site(
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder of the site.", show_default=False)],
) -> None:
    """The catalog as static HTML: a page per module and version, and an index with search."""
    check_output_path(output)
    files = site.build(output)
    out.print(f"wrote {len(files)} files into {output}; open {output}/index.html", markup=False)


@catalog_app.command("check")
def catalog_check() -> None:
    """Fail (exit 1) when a module changed since its version was released, or lacks a changelog entry."""
    from generator.reports.catalog_report import check

    problems = check()
    for p in problems:
        out.print(p, markup=False)
    if problems:
        raise SystemExit(1)
    out.print("every module matches its released version")


@catalog_app.command("release")
def catalog_release(
    name: Annotated[str, typer.Argument(help="Module name.", show_default=False)],
    bump: Annotated[str, typer.Option("--bump", help="patch, minor or major.", show_default=False)],
) -> None:
    """Record a new version of a module: bump it, open its changelog entry, lock its content hash."""
    from generator.reports.catalog_report import release

    new = release(name, bump)
    out.print(f"{name} {new} recorded; describe the change in modules/{name}/CHANGELOG.md")


@catalog_app.command("docs")
def catalog_docs(
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 when a README is stale.")
    ] = False,
) -> None:
    """Regenerate the input/output tables of the module READMEs from variables.tf and outputs.tf."""
    from generator.reports.catalog_report import docs

    stale = docs(check)
    for path in stale:
        out.print(f"{path}: {'stale' if check else 'updated'}", markup=False)
    if check and stale:
        raise SystemExit(1)
    if not stale:
        out.print("module READMEs are up to date")


@blueprints_app.command("list")
def blueprints_list(as_json: JsonOpt = False) -> None:
    """List the bundled blueprints."""
    items = [{"name": b.name, "summary": b.summary, "path": str(b.path)} for b in blueprints.all_blueprints()]
    if as_json:
        _print_json(items)
        return
    table = Table("blueprint", "what it is", box=None, pad_edge=False)
    for item in items:
        table.add_row(item["name"], item["summary"])
    out.print(table)


@blueprints_app.command("show")
def blueprints_show(
    name: Annotated[
        str, typer.Argument(help="Blueprint name, from `aisec blueprints list`.", show_default=False)
    ],
    as_json: JsonOpt = False,
) -> None:
    """Print a blueprint's spec, ready to copy and edit."""
    bp = blueprints.get_blueprint(name)
    if as_json:
        _print_json({"name": bp.name, "path": str(bp.path), "spec": core.spec_data(bp.load())})
        return
    sys.stdout.write(bp.path.read_text(encoding="utf-8"))
