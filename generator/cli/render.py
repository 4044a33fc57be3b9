"""`aisec check-spec`, `render`, `affected`, `init`, `upgrade`, `migrate` and `bootstrap-state`: from
specs to rendered root modules."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from generator.cli.common import (
    DirArg,
    JsonOpt,
    OfflineOpt,
    SpecArg,
    Table,
    _print_implications,
    _print_json,
    _report,
    _specs_or_blueprints,
    app,
    blueprints,
    check_output_path,
    core,
    err,
    out,
    writer,
)
from generator.cli.console import escape
from generator.errors import UserInputError

if TYPE_CHECKING:
    from generator import spec as spec_model
else:  # loaded at first use
    from generator.lazy import lazy

    spec_model = lazy("generator.spec")
from generator.cli.rendered import _print_check, _render_check, _render_folder, _replaces_spec_file


@app.command("check-spec")
def check_spec(
    specs: Annotated[
        list[Path],
        typer.Argument(
            help="Spec files (YAML, apiVersion aisec/v1), folders of landing specs, or names of "
            "bundled blueprints.",
            callback=_specs_or_blueprints,
            show_default=False,
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Validate specs (fields, contradictions, AWS name limits) without rendering anything."""
    from generator.fleet import expand_specs, name_clashes

    results: list[dict[str, Any]] = []  # one per spec, in order: --json has the same shape for one or many
    expanded = expand_specs(specs)
    clashes = name_clashes(expanded) if len(expanded) > 1 else {}
    for spec in expanded:
        try:
            if spec in clashes:
                raise clashes[spec]
            results.append(core.check_spec(spec))
        except UserInputError as exc:
            _report(exc)
            results.append({"spec": str(spec), "valid": False})
            continue
        if not as_json:
            _print_check(spec, results[-1])
    if as_json:
        _print_json(results)
    if not all(r["valid"] for r in results):
        raise SystemExit(2)


@app.command()
def render(
    spec: SpecArg,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder of the root module.", show_default=False)
    ],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace generated files edited since the last render, and make SPEC the output's "
            "spec when it was rendered from another.",
        ),
    ] = False,
    adopt: Annotated[
        bool,
        typer.Option(
            "--adopt",
            help="Render into a non-empty folder that is not an aisec output; what is there stays.",
        ),
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; exit 1 with a diff when the folder differs from the render "
            "(*.custom.tf and *_override.tf files are yours and not compared).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Render the Terraform root module for SPEC into a folder (vendored modules included).

    SPEC may be a folder of landing specs: each renders into OUTPUT/PATH, PATH being its path
    below the folder without its suffix (yaml or yml)."""
    if spec.is_dir():
        _render_folder(spec, output, force=force, adopt=adopt, check=check, as_json=as_json)
        return
    if check:
        _render_check(spec, output, as_json)
        return
    check_output_path(output)
    summary, result = core.render_spec(spec, output, force=force, adopt=adopt)
    if as_json:
        _print_json(
            {
                "output": str(output),
                **{k: getattr(result, k) for k in ("created", "updated", "unchanged", "removed", "overwritten_edits",
                                                   "conflicts", "edited", "unmanaged", "notes")},
                "counts": writer.file_counts(result),
                "summary": summary,
            }
        )  # fmt: skip
    else:
        for note in result.notes:
            err.print(f"[yellow]warning:[/] {escape(note)}")
        for rel in result.overwritten_edits:
            err.print(f"[yellow]warning:[/] replaced your edit of {escape(rel)} (--force)")
        n = writer.file_counts(result)
        out.print(
            f"Rendered [bold]{summary['name']}[/] into {escape(str(output))}: {n['created']} created, {n['updated']} updated, "
            f"{n['removed']} removed, {n['unchanged']} unchanged"
            + (f", {n['left']} left as they are" if n["left"] else "")
        )
        _print_implications(summary)
    if result.needs_attention:
        raise result.attention_error()
    if not as_json:
        split = (
            " --stage foundation, then each stage" if (output / "foundation" / "main.tf").is_file() else ""
        )
        out.print(
            f"Next: aisec plan {output}{split}  (add --offline for a rehearsal without AWS)", markup=False
        )


@app.command()
def affected(
    base: Annotated[
        str,
        typer.Option(
            "--base",
            help="The git ref to compare the working tree with (e.g. origin/main).",
            show_default=False,
        ),
    ],
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Folders of landing specs, spec files or rendered landing folders [default: specs].",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the landings a change since --base touches: spec, imported defaults, modules, generated files."""
    from generator import fleet

    report = fleet.affected(base, paths or [Path("specs")])
    if as_json:
        _print_json(report)
        return
    rows = [r for r in report["landings"] if r["affected"]]
    if rows:
        table = Table("landing", "spec", "output", "why")
        for column in table.columns:
            column.overflow = "fold"
        for r in rows:
            why = "; ".join(
                " ".join(x for x in (c["kind"], c["path"], c["detail"] and f"({c['detail']})") if x)
                for c in r["reasons"]
            )
            table.add_row(*map(escape, (r["landing"], r["spec"] or "-", r["output"] or "-", why)))
        out.print(table)
    out.print(f"{len(rows)} of {len(report['landings'])} landing(s) affected since {base}", markup=False)


@app.command()
def init(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Folder of the root module [default: out/NAME].", show_default=False
        ),
    ] = None,
    save_spec: Annotated[
        Path | None,
        typer.Option(
            "--save-spec", help="Where to save the spec [default: NAME.aisec.yaml].", show_default=False
        ),
    ] = None,
    start_from: Annotated[
        str | None,
        typer.Option(
            "--from", help="Start from a blueprint name or a spec file, and edit it.", show_default=False
        ),
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Accept every default without asking.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --defaults, replace an existing spec file that differs.")
    ] = False,
) -> None:
    """Answer a few questions; get a spec file and a rendered root module."""
    from generator.spec import dump_spec, load_spec, spec_over_imports, spec_to_data, wizard

    source = "answers"
    start = wizard.STARTER
    start_path: Path | None = None
    if start_from:
        path = Path(start_from)
        if not path.exists() and "/" not in start_from and not start_from.endswith((".yaml", ".yml")):
            path = blueprints.get_blueprint(start_from).path
        start, source, start_path = spec_to_data(load_spec(path)), str(path), path
    if defaults:
        spec = core.parse_spec(start, source)
    else:
        wizard.require_terminal()
        spec = wizard.run(wizard.Prompter(), start, "answers")
    summary = core.summarize(spec, core.decide(spec))
    out_dir = output or Path("out") / spec.name
    spec_file = save_spec or Path(f"{spec.name}.aisec.yaml")
    check_output_path(out_dir, create_parents=True)  # the wizard makes the folders it needs
    check_output_path(spec_file, kind="file")
    out.print(f"\n[bold]{spec.name}[/] in {spec.aws.region}, account {spec.aws.account_id}")
    _print_implications(summary)
    # a spec with imports stays one: its imports kept, only what differs from them written
    text = (start_path and spec_over_imports(spec, start_path, spec_file)) or dump_spec(spec)
    replaces = _replaces_spec_file(spec_file, text)
    if defaults and replaces and not force:
        raise UserInputError(
            f"{spec_file}: exists already with other content; choose another --save-spec path, "
            "or pass --force to replace it"
        )
    if not defaults:
        from generator.spec.wizard import Prompter

        question = (
            f"{spec_file} exists with other content: replace it, and render into {out_dir}?"
            if replaces
            else f"Save the spec to {spec_file} and render into {out_dir}?"
        )
        if not Prompter().confirm(question, default=not replaces):
            err.print("nothing was written")
            raise SystemExit(1)
    writer.write_spec_file(spec_file, text, overwrite=True)
    saved = spec_model.load_spec_file(spec_file)  # what renders from now on: the file with its imports
    _, result = core.render_parsed(saved.spec, out_dir, source=spec_file, imports=saved.imports)
    if result.needs_attention:
        raise result.attention_error()
    n = writer.file_counts(result)
    out.print(
        f"Saved {spec_file}; rendered {out_dir}: {n['created']} created, {n['updated']} updated, "
        f"{n['removed']} removed, {n['unchanged']} unchanged.",
        markup=False,
    )
    if spec.aws.account_id == wizard.STARTER["aws"]["account_id"]:
        err.print(
            "[yellow]note:[/] the account, network and admin role are placeholders: edit the spec and re-render"
        )
    out.print("Next:", markup=False)
    out.print(f"  aisec validate {out_dir}", markup=False)
    out.print(f"  aisec plan {out_dir} --offline", markup=False)
    out.print(f"  in CI: aisec render {spec_file} -o {out_dir} --check", markup=False)


@app.command()
def upgrade(
    directory: DirArg,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Re-render an output with the newest module versions its constraints allow: diff, changelog, moved blocks."""
    report = core.upgrade(directory, dry_run=dry_run)
    if as_json:
        _print_json(report)
        return
    if not report["upgrades"]:
        out.print(f"{directory}: every module is at the newest version its constraint allows.", markup=False)
        return
    for name, step in report["upgrades"].items():
        out.print(f"[bold]{name}[/] {step['from'] or '(new)'} -> {step['to']}")
        for version, text in report["changelog"].get(name, {}).items():
            out.print(f"  {version}:", markup=False)
            for line in text.splitlines():
                out.print(f"    {line}", markup=False)
    if report["moved"]:
        out.print(f"moved blocks for renamed resources (into {directory}/{core.MOVED_FILE}):", markup=False)
        out.print(report["moved"], markup=False)
    for d in report["differences"]:
        if d["path"].startswith(".aisec/"):
            continue  # aisec's own records; --json has them
        if d["diff"]:
            out.print(d["diff"], markup=False, end="")
        else:
            out.print(f"{d['kind']}: {d['path']}", markup=False)
    verb = "would change" if dry_run else "changed"
    out.print(
        f"{directory}: {len(report['differences'])} file(s) {verb}; then `aisec plan {directory}`.",
        markup=False,
    )


@app.command("migrate")
def migrate_cmd(
    directory: DirArg,
    spec: Annotated[
        Path | None, typer.Option("--spec", help="The spec (default: the one the landing was rendered from).")
    ] = None,
    offline: OfflineOpt = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the move plan; change nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Move an applied single-root landing to layout: stages: its state into the roots' states, nothing destroyed."""
    from generator.core import migrate

    mig = migrate.migrate(directory, spec, offline=offline, dry_run=dry_run)
    if as_json:
        _print_json(mig.record())
    else:
        table = Table(
            "old address", "root", "new address", "how", title=f"{directory}: {len(mig.moves)} move(s)"
        )
        for column in table.columns:
            column.overflow = "fold"  # addresses whole, on several lines when long
        for m in mig.moves:
            table.add_row(m.old, m.root, "" if m.new == m.old else m.new, m.how)
        out.print(table)
        for root, changes in mig.changes.items():
            counts = ", ".join(f"{len(v)} to {k}" for k, v in changes.items() if v) or "no changes"
            out.print(f"{root}: after the moves, its plan has {counts}", markup=False)
            for kind in ("replace", "destroy"):
                for address in changes[kind]:
                    out.print(f"  {kind}: {address}", markup=False)
        for u in mig.unmapped:
            out.print(f"not moved (no root declares it): {u['address']}", markup=False)
    if mig.refusals:
        raise UserInputError(
            f"{directory}: not migrated: a data holder would be replaced, destroyed or left behind",
            mig.refusals,
        )
    if not as_json:
        if dry_run:
            out.print(
                f"{directory}: dry run, nothing changed; `aisec migrate {directory}` moves it.", markup=False
            )
        else:
            out.print(
                f"{directory}: migrated to layout: stages ({mig.backend}); backups of every state in "
                f"{mig.backups}. Next: `aisec plan {directory} --stage foundation`, then each stage.",
                markup=False,
            )


@app.command("bootstrap-state")
def bootstrap_state(
    spec: SpecArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Folder of the state root module (default NAME-state).", show_default=False
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite generated files edited since.")] = False,
) -> None:
    """Render the root module that creates the spec's S3 state backend: versioned bucket, KMS key, locking."""
    if output is not None:
        check_output_path(output)
    folder, result = core.bootstrap_state(spec, output, force=force)
    if result.needs_attention:
        raise result.attention_error()
    out.print(f"Rendered the state backend of {spec} into {folder}.", markup=False)
    out.print(f"Next: aisec plan {folder}, aisec apply {folder}; then plan the landing.", markup=False)
