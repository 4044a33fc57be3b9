"""The `aisec` command line: parse arguments, call the core, print results, set the exit code.

Exit codes: 0 ok, 1 the work failed, 2 bad input. Messages go to stderr, results to stdout;
every command that reports something accepts --json, and then prints exactly one JSON document
on stdout whatever happens (see :func:`envelope`): scripts never parse a half or an empty stdout.
"""

from __future__ import annotations

import copy
import errno
import gc
import json
import os
import sys
import traceback
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from generator import __version__
from generator.errors import AisecError, UserInputError

if TYPE_CHECKING:
    from rich.table import Table

    from generator import core
    from generator import spec as spec_model
    from generator.render import writer
    from generator.reports import site
    from generator.run import orchestrate, planreview, runview, verify
    from generator.spec import blueprints
else:  # loaded at first use: `aisec --help` needs none of them, `aisec render` not the plan gate
    from generator.lazy import lazy

    blueprints, core, orchestrate, planreview, runview, site, spec_model, verify, writer = map(
        lazy,
        ("generator.spec.blueprints", "generator.core", "generator.run.orchestrate", "generator.run.planreview",
         "generator.run.runview", "generator.reports.site", "generator.spec", "generator.run.verify", "generator.render.writer"),
    )  # fmt: skip

    def Table(*columns: Any, **options: Any) -> Any:
        """rich's Table, imported when a command first draws one (render and check-spec never do)."""
        from rich.table import Table as RichTable

        return RichTable(*columns, **options)


app = typer.Typer(
    name="aisec",
    help="Secure Terraform root modules for AI workloads on AWS, from a YAML spec or a questionnaire.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    rich_markup_mode=None,  # plain help: rich's would show <bool> and eat "[default: ...]" as markup
    context_settings={"help_option_names": ["-h", "--help"]},
)
catalog_app = typer.Typer(
    help="The module catalog: versions, interfaces, controls, docs.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
blueprints_app = typer.Typer(
    help="The bundled blueprints: ready specs for common workloads.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
ci_app = typer.Typer(
    help="Pipelines for a spec: GitHub Actions or GitLab CI, with OIDC roles instead of stored keys.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
rehearsal_app = typer.Typer(
    help="The offline rehearsals' working copies and state in aisec's cache: list them, reset them.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(ci_app, name="ci")
app.add_typer(rehearsal_app, name="rehearsal")
app.add_typer(blueprints_app, name="blueprints")
app.add_typer(catalog_app, name="catalog")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _spec_or_blueprint(ctx: typer.Context, value: Path) -> Path:
    """SPEC arguments: a file, else a bundled blueprint's bare name (works outside a checkout)."""
    if ctx.resilient_parsing or value is None:  # shell completion
        return value
    path = blueprints.spec_path(value)
    if not path.exists() and path.name == str(value) and path.suffix not in (".yaml", ".yml"):
        names = ", ".join(b.name for b in blueprints.all_blueprints())
        raise UserInputError(f"{value}: no such file, and no bundled blueprint has that name ({names})")
    return path


def _specs_or_blueprints(ctx: typer.Context, values: list[Path]) -> list[Path]:
    return [_spec_or_blueprint(ctx, v) for v in values or []]


SpecArg = Annotated[
    Path,
    typer.Argument(
        help="The spec file (YAML, apiVersion aisec/v1), or the name of a bundled blueprint.",
        callback=_spec_or_blueprint,
        show_default=False,
    ),
]


# --- --json: one envelope per run ----------------------------------------------------------

JSON_FORMAT = 1  # the envelope's "aisec" field; bumped only when the envelope's shape changes


@dataclass
class _Run:
    """What one run of the CLI reports under --json; printed once, by :func:`main`."""

    json: bool = False
    command: str = ""
    result: Any = None
    errors: list[dict[str, Any]] = field(default_factory=list)


_run = _Run()


def envelope(command: str, exit_code: int, result: Any, errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The one JSON document of a --json run, the same shape for every command and outcome:
    ``aisec`` (format), ``command`` (e.g. "catalog show"), ``ok`` (exit code 0), ``exit_code``,
    ``result`` (the command's report, null when it failed before having one) and ``errors``
    (``file``, ``field``, ``message``, ``detail``: file and field null when they do not apply)."""
    return {
        "aisec": JSON_FORMAT,
        "command": command,
        "ok": exit_code == 0,
        "exit_code": exit_code,
        "result": result,
        "errors": errors,
    }


def _error(message: str, file: str | None = None, field: str | None = None,
           detail: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
    return {"file": file, "field": field, "message": message, "detail": detail or []}


def _error_records(error: AisecError) -> list[dict[str, Any]]:
    problems = getattr(error, "problems", ())
    if problems:
        return [_error(p["message"], p.get("file"), p.get("field")) for p in problems]
    return [_error(error.message, getattr(error, "file", None), detail=error.details)]


def _print_json(data: Any) -> None:
    """The command's result: kept for the envelope main() prints (or printed as is outside main)."""
    if _run.json:
        _run.result = data
    else:
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")


def _report(error: AisecError) -> None:
    """An error for the user: on stderr always, and into the envelope under --json."""
    err.print(f"[bold red]error:[/] {error.message}", markup=True, soft_wrap=True)
    for line in error.details:
        err.print(f"  {line}", markup=False, soft_wrap=True)
    _run.errors.extend(_error_records(error))


# --- paths given on the command line -------------------------------------------------------

# An OSError about one of these is a path the user gave that cannot be used, not a bug.
_PATH_ERRNOS = {
    errno.ENOENT,
    errno.ENOTDIR,
    errno.EEXIST,
    errno.EISDIR,
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
}


def check_output_path(path: Path, kind: str = "folder", create_parents: bool = False) -> None:
    """Refuse, as a user error, an output path that cannot be written: under a file, a missing
    parent folder (unless ``create_parents``), a file where a folder goes or the reverse, or a
    parent that is not writable."""
    for ancestor in reversed(path.parents):
        if ancestor.exists() and not ancestor.is_dir():
            raise UserInputError(f"{path}: {ancestor} is a file, so nothing can be created under it")
    if path.exists():
        if kind == "folder" and not path.is_dir():
            raise UserInputError(f"{path}: exists and is not a folder")
        if kind == "file" and path.is_dir():
            raise UserInputError(f"{path}: is a folder; name a file")
        return
    parent = path.parent
    if not parent.exists():
        if create_parents:
            return
        raise UserInputError(
            f"{path}: the folder {parent} does not exist; create it first (mkdir -p {parent})"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserInputError(f"{path}: cannot write into {parent} (permission denied)")


def _print_implications(summary: dict[str, Any]) -> None:
    """What a spec implies, in a few lines: resources, regimes, coverage and cost."""
    out.print(
        f"  {summary['keys']} KMS keys, {summary['buckets']} buckets, {summary['roles']} workload roles, "
        f"{summary['macie_jobs']} Macie jobs, {summary['alarms']} alarms; "
        f"{len(summary['controls'])} controls for {', '.join(summary['compliance']) or 'no regime'}"
    )
    if summary["interface_endpoints"]:
        out.print(
            f"  private endpoints: {', '.join(summary['interface_endpoints'])} and an S3 gateway endpoint"
        )
    out.print(
        f"  logs kept {summary['log_retention_days']} days; keys rotate every {summary['key_rotation_days']} days"
    )
    out.print(f"  compliance: {summary['coverage']}")
    out.print(f"  cost: {summary['cost']}")


def _print_version(value: bool) -> None:
    if value:
        out.print(f"aisec {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """Secure Terraform root modules for AI workloads on AWS, from a YAML spec or a questionnaire."""


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"


@app.command("completion")
def completion_cmd(
    shell: Annotated[Shell, typer.Argument(help="bash, zsh, fish or powershell.", show_default=False)],
) -> None:
    """Print the completion script of a shell, e.g. aisec completion bash > /etc/bash_completion.d/aisec."""
    from typer.completion import shell_complete

    raise SystemExit(shell_complete(cli_command(), {}, "aisec", "_AISEC_COMPLETE", f"source_{shell.value}"))


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


def _print_check(spec: Path, result: dict[str, Any]) -> None:
    out.print(
        f"{spec}: valid spec [bold]{result['name']}[/] ({result['region']}, account {result['account_id']})"
    )
    out.print(
        f"  compliance: {', '.join(result['compliance']) or 'none'}; workloads: "
        + ", ".join(f"{w['name']} ({w['type']}, {w['sensitivity']})" for w in result["workloads"])
    )
    out.print(
        f"  would create {result['keys']} KMS keys, {result['buckets']} buckets, {result['roles']} workload roles, "
        f"{result['macie_jobs']} Macie jobs, {len(result['interface_endpoints'])} interface endpoints, "
        f"{result['alarms']} alarms"
    )


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
            err.print(f"[yellow]warning:[/] replaced your edit of {rel} (--force)")
        n = writer.file_counts(result)
        out.print(
            f"Rendered [bold]{summary['name']}[/] into {output}: {n['created']} created, {n['updated']} updated, "
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


def _render_folder(
    specs: Path, output: Path, *, force: bool, adopt: bool, check: bool, as_json: bool
) -> None:
    """Every landing of a specs folder, one at a time; one table; exit non-zero when any failed."""
    from generator import fleet

    if not check:
        check_output_path(output)
        output.mkdir(exist_ok=True)
    outcomes = fleet.render_folder(specs, output, force=force, adopt=adopt, check=check)
    for o in outcomes:
        if o.error is not None:
            _report(o.error)
    ok = ("up-to-date",) if check else ("rendered",)
    if as_json:
        _print_json(
            {
                "specs": str(specs),
                "output": str(output),
                "landings": [o.record() for o in outcomes],
                "failed": sum(o.status not in ok for o in outcomes),
            }
        )
    else:
        table = Table("landing", "spec", "output", "status", "files" if not check else "differences")
        for column in table.columns:
            column.overflow = "fold"  # paths whole, folded on narrow terminals, never cut with an ellipsis
        for o in outcomes:
            detail = (
                str(o.differences)
                if check
                else ", ".join(f"{v} {k}" for k, v in o.counts.items() if v) or "-"
            )
            table.add_row(*map(escape, (o.landing, o.spec, o.output, o.status, detail)))
        out.print(table)
        bad = [o for o in outcomes if o.status not in ok]
        verb = "checked" if check else "rendered"
        out.print(
            f"{len(outcomes) - len(bad)} of {len(outcomes)} landing(s) {'up to date' if check else verb}"
            + (f"; {len(bad)} not: {', '.join(o.landing for o in bad)}" if bad else ""),
            markup=False,
        )
    codes = [o.error.exit_code if o.error is not None else 1 for o in outcomes if o.status not in ok]
    if codes:
        raise SystemExit(max(codes))


def _render_check(spec: Path, output: Path, as_json: bool) -> None:
    report = core.check_render(spec, output)
    if as_json:
        _print_json(report)
    else:
        for d in report["differences"]:
            if d["kind"] == "differs":
                sys.stdout.write(d["diff"])
            message = d.get("message") or d["kind"]
            out.print(f"{output}/{d['path']}: {message}", markup=False)
        for name in report["overrides"]:
            out.print(
                f"note: {output}/{name} overrides generated blocks (a Terraform override file): review "
                "it with them",
                markup=False,
            )
        state = "up to date" if report["up_to_date"] else f"{len(report['differences'])} file(s) differ"
        out.print(f"{output}: {state} with the render of {spec}", markup=False)
    if not report["up_to_date"]:
        raise SystemExit(1)


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


def _replaces_spec_file(path: Path, text: str) -> bool:
    """Whether saving ``text`` at ``path`` would replace a different file (asked or refused first)."""
    if not path.is_file():
        return False
    return path.read_text(encoding="utf-8", errors="replace") != text


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


@app.command("compliance")
def compliance_cmd(
    spec: SpecArg,
    as_json: JsonOpt = False,
    checks: Annotated[
        bool,
        typer.Option(
            "--checks",
            help="Prowler's checks judged on an offline apply of the landing: pass, fail, depends.",
        ),
    ] = False,
) -> None:
    """Each requirement of each selected regime -> controls -> Terraform resources, with coverage."""
    if checks:
        _print_verdicts(core.compliance_checks(spec), as_json)
        return
    report = core.compliance(spec)
    if as_json:
        _print_json(report)
        return
    if not report["regimes"]:
        out.print(f"{spec}: no compliance regime selected")
    for r in report["regimes"]:
        cov = r["coverage"]
        out.print(f"[bold]{r['title']}[/]: {cov['addressed']}/{cov['total']} addressed ({cov['percent']}%), "
                  f"{cov['partly']} partly, {cov['out_of_scope']} out of scope")  # fmt: skip
        if p := r.get("prowler"):
            out.print(f"  Prowler {p['version']} ({p['file']}): {p['total']} requirements, {p['in_reach']} in reach, "
                      f"{p['covered']} covered, {p['partly']} partly; {p['account']} account level, "
                      f"{p['procedural']} procedural, {p['not_created']} on services not created")  # fmt: skip
        if v := r.get("predicted"):
            t = v["totals"]
            out.print(f"  predicted for its {v['checks']} checks in reach: {t['pass']} pass, {t['fail']} fail, "
                      f"{t['depends']} depend, {t['not applicable']} not applicable (see COMPLIANCE.md)")  # fmt: skip
        table = Table("requirement", "status", "controls", "resources", box=None, pad_edge=False)
        for q in r["requirements"]:
            resources = sum(len(c["resources"]) for c in q["controls"])
            table.add_row(f"{q['id']} {q['title']}", q["status"], ", ".join(c["id"] for c in q["controls"]) or "-",
                          str(resources) if resources else "-")  # fmt: skip
        out.print(table)


def _print_verdicts(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        _print_json(report)
        return
    table = Table("check", "verdict", "evidence / fix", box=None, pad_edge=False)
    for v in report["checks"]:
        detail = "; ".join(v["evidence"][:2]) + (
            f" (+{len(v['evidence']) - 2} more)" if len(v["evidence"]) > 2 else ""
        )
        if v["fix"]:
            detail = f"{detail} -> {v['fix']}" if detail else v["fix"]
        table.add_row(v["check"], v["status"], detail)
    out.print(table)
    t = report["totals"]
    out.print(f"[bold]{report['spec']}[/]: {sum(t.values())} Prowler {report['prowler_version']} checks judged on an "
              f"offline apply: {t['pass']} pass, {t['fail']} fail, {t['depends']} depend on something outside the "
              f"landing, {t['not evaluated']} not evaluated")  # fmt: skip
    for regime, r in report.get("regimes", {}).items():
        out.print(f"  {regime}: {r['checks']} checks of its {r['requirements_in_reach']} requirements in reach: "
                  f"{r['pass']} pass, {r['fail']} fail, {r['depends']} depend, {r['not evaluated']} not evaluated, "
                  f"{r['not applicable']} not applicable"
                  + (f"; failing: {', '.join(r['failing'])}" if r["failing"] else ""), markup=False)  # fmt: skip


@app.command("cost")
def cost_cmd(spec: SpecArg, as_json: JsonOpt = False) -> None:
    """Monthly estimate of what the root module adds, from a dated price table."""
    e = core.cost(spec)
    if as_json:
        _print_json(e)
        return
    table = Table("item", "quantity", "unit price", "per month", "scope", box=None, pad_edge=False)
    for line in e["lines"]:
        table.add_row(line["item"], f"{line['quantity']:,.2f} {line['unit']}", f"${line['unit_price']:,.4f}",
                      f"${line['monthly']:,.2f}", line["scope"])  # fmt: skip
    out.print(table)
    out.print(f"Total: ${e['total_monthly']:,.2f}/month: ${e['shared_monthly']:,.2f} shared by all workloads, "
              f"${e['workloads_monthly']:,.2f} for {e['workloads']} workload(s).")  # fmt: skip
    out.print(f"List prices of {e['prices_as_of']} for {e['region']} (factor {e['region_factor']} over us-east-1); "
              "taxes, support and the workloads' own compute are not included (notebooks aisec generates are).")  # fmt: skip


@app.command("diagram")
def diagram_cmd(
    spec: SpecArg,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="file.svg, file.png or file.dot", show_default=False)
    ],
) -> None:
    """Draw the architecture of SPEC's root module (Graphviz)."""
    check_output_path(output, kind="file")
    core.diagram(spec, output)
    out.print(f"wrote {output}")


@app.command()
def schema(
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write to a file instead of stdout.", show_default=False),
    ] = None,
) -> None:
    """Print the JSON Schema of the spec (for editor completion via yaml-language-server)."""
    text = json.dumps(spec_model.json_schema(), indent=2, sort_keys=True) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        check_output_path(output, kind="file")
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


DirArg = Annotated[
    Path, typer.Argument(help="A Terraform root module, e.g. the output of aisec render.", show_default=False)
]
OfflineOpt = Annotated[
    bool,
    typer.Option("--offline", help="Use the offline stand-in for the AWS provider (no registry, no AWS)."),
]


StageOpt = Annotated[
    str | None,
    typer.Option(
        "--stage",
        help="On a landing split by stage (layout: stages): the root to run on, foundation or a stage.",
        show_default=False,
    ),
]


def _stage_root(directory: Path, stage: str | None) -> Path:
    """The root module of DIRECTORY a command runs on (see generator/render/stages.py)."""
    from generator.render import stages

    return stages.root_for(directory, stage)


@app.command()
def validate(directory: DirArg, offline: OfflineOpt = False, as_json: JsonOpt = False,
             stage: StageOpt = None) -> None:  # fmt: skip
    """terraform fmt -check, init and validate, with the real binary; offline when the provider cannot be installed."""
    directory = _stage_root(directory, stage)
    report = verify.validate(directory, offline=offline)
    if as_json:
        _print_json(report.as_dict())
    else:
        if report.note:
            err.print(f"[yellow]note:[/] {report.note}")
        for name in report.unformatted:
            out.print(f"{directory}/{name}: not formatted (run terraform fmt)", markup=False)
        for diag in report.diagnostics:
            out.print(diag.render(str(directory)), markup=False)
        verdict = "[green]valid[/]" if report.valid else "[red]invalid[/]"
        out.print(
            f"{directory}: {verdict} (terraform fmt -check, init, validate; provider: {report.provider})"
        )
    if not report.valid:
        raise SystemExit(1)


AllowOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-destroy-protected",
        help="Allow deleting protected resources of this kind (kms, cloudtrail, log-groups, buckets, macie) "
        "or at this address. Repeatable.",
        show_default=False,
    ),
]
ApproveOpt = Annotated[bool, typer.Option("--auto-approve", help="Do not ask for confirmation.")]


AllOpt = Annotated[
    bool,
    typer.Option(
        "--all", help="DIRECTORY is a folder of rendered landings: run every root of every landing below it."
    ),
]
ParallelOpt = Annotated[
    int | None,
    typer.Option("--parallel", min=1, metavar="N", help="With --all: roots run at the same time [default: CPUs, at most 4].",
                 show_default=False),
]  # fmt: skip
AffectedSinceOpt = Annotated[
    str | None,
    typer.Option("--affected-since", help="With --all: only the landings `aisec affected --base REF` lists.",
                 metavar="REF", show_default=False),
]  # fmt: skip


def _one_root_only(parallel: int | None, affected_since: str | None) -> None:
    if parallel is not None or affected_since is not None:
        option = "--parallel" if parallel is not None else "--affected-since"
        raise UserInputError(f"{option} needs --all (a folder of landings)")


def _fleet(command: str, folder: Path, offline: bool, parallel: int | None, affected_since: str | None,
           rules: list[Path], auto_approve: bool, as_json: bool) -> None:  # fmt: skip
    """`aisec plan --all` / `apply --all`: see generator/fleetrun.py."""
    import time

    from generator.fleet import run as fleetrun

    began = time.perf_counter()
    parallel = parallel or fleetrun.default_parallel()
    runs, affected_report = fleetrun.select(folder, affected_since)
    if command == "plan":
        with fleetrun.FleetProgress(err, "planning", len(runs)) as progress:
            fleetrun.run_fleet(runs, lambda r: fleetrun.plan_root(r, offline, rules), parallel, fleetrun.PLAN_OK,
                               progress.start, progress.end)  # fmt: skip
    else:
        for run in runs:
            fleetrun.check_saved(run, offline)
        ready = [r for r in runs if r.status == "ready"]
        if ready:
            err.print(fleetrun.table(runs))
            ops = [sum(getattr(r, k) for r in ready) for k in ("add", "change", "destroy")]
            where = "offline rehearsals" if offline else "AWS"
            _confirm(f"Apply {len(ready)} saved plan(s) ({ops[0]} to add, {ops[1]} to change, {ops[2]} to destroy) "
                     f"to {where}?", auto_approve)  # fmt: skip
            for run in ready:
                run.status = "queued"
            with fleetrun.FleetProgress(err, "applying", len(ready)) as progress:
                fleetrun.run_fleet(runs, lambda r: fleetrun.apply_root(r, offline), parallel, fleetrun.APPLY_OK,
                                   progress.start, progress.end)  # fmt: skip
    for run in (r for r in runs if r.exit_code):  # each named by its folder (child errors name it already)
        path = run.root.path.as_posix()
        for record in run.errors or [{"file": None, "field": None, "message": run.reason, "detail": []}]:
            message = (
                record["message"] if record["message"].startswith(path) else f"{path}: {record['message']}"
            )
            _run.errors.append({**record, "message": message})
            err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
            for line in record.get("detail") or []:
                err.print(f"  {line}", markup=False, soft_wrap=True)
    code = fleetrun.exit_code(runs)
    if as_json:
        _print_json(fleetrun.report(runs, folder, command, parallel, affected_since, affected_report,
                                    time.perf_counter() - began))  # fmt: skip
    else:
        if runs:
            out.print(fleetrun.table(runs, applying=command == "apply"))
        counts: dict[str, int] = {}
        for run in runs:
            counts[run.status] = counts.get(run.status, 0) + 1
        landings = len({r.landing for r in runs})
        scope = f" affected since {affected_since}" if affected_since else ""
        summary = ", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing to do"
        bad = [r.label for r in runs if r.exit_code]
        out.print(f"{len(runs)} root(s) of {landings} landing(s){scope}: {summary}"
                  + (f"; not done: {', '.join(bad)}" if bad else ""), markup=False)  # fmt: skip
        if command == "apply" and not any(r.status in ("applied", "failed", "interrupted") for r in runs):
            out.print(f"Nothing applied: no saved plan to apply (run `aisec plan --all {folder}` first).",
                      markup=False)  # fmt: skip
    if code:
        raise SystemExit(code)


def _confirm(question: str, auto_approve: bool) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise UserInputError("no terminal to confirm at; review the plan and pass --auto-approve")
    answer = err.input(f"{question} Only 'yes' is accepted: ")
    if answer.strip() != "yes":
        err.print("Cancelled; nothing was changed. The saved plan is kept.")
        raise SystemExit(1)


@app.command()
def plan(
    directory: DirArg,
    offline: OfflineOpt = False,
    destroy: Annotated[bool, typer.Option("--destroy", help="Plan to destroy everything.")] = False,
    allow: AllowOpt = None,
    accept: Annotated[
        list[str] | None,
        typer.Option(
            "--accept",
            help="Acknowledge a finding by its id (RULE@ADDRESS) so `aisec apply` lets it through. Repeatable; "
            "recorded with this plan only.",
            show_default=False,
        ),
    ] = None,
    rules: Annotated[
        list[Path] | None,
        typer.Option(
            "--rules",
            help="A folder of the team's checkov custom policies (YAML or Python) run on the plan. Repeatable; "
            "DIR/.aisec/rules is used when it exists.",
            show_default=False,
        ),
    ] = None,
    all_roots: AllOpt = False,
    parallel: ParallelOpt = None,
    affected_since: AffectedSinceOpt = None,
    as_json: JsonOpt = False,
    stage: StageOpt = None,
) -> None:
    """init, plan and a security review of the plan (the plan gate); the plan is saved for `aisec apply`.

    With --all, DIRECTORY is a folder of rendered landings: every root of every landing below it is
    planned, N at a time, in dependency order, with a summary table."""
    if all_roots:
        _no_stage_with_all(stage)
        for given, option in (
            (destroy, "--destroy"),
            (allow, "--allow-destroy-protected"),
            (accept, "--accept"),
        ):
            if given:
                raise UserInputError(
                    f"{option} applies to one root module; run `aisec plan ROOT {option} ...` for it"
                )
        _fleet("plan", directory, offline, parallel, affected_since, rules or [], False, as_json)
        return
    _one_root_only(parallel, affected_since)
    landing, directory = directory, _stage_root(directory, stage)
    if directory != landing:
        from generator.run import stageguard

        stageguard.foundation_first(landing, stage, offline)
    with runview.PlanProgress(err) as progress:
        outcome = orchestrate.plan(
            directory, offline=offline, destroy=destroy, allow=allow or (), on_event=progress,
            accept=accept or (), rules=rules or (),
        )  # fmt: skip
    if as_json:
        _print_json(outcome.as_dict())
        return
    for note in outcome.notes:
        err.print(f"[yellow]note:[/] {note}", soft_wrap=True)
    runview.print_review(out, outcome.review, str(directory), outcome.workspace.rehearsal)
    if outcome.review.has_changes:
        again = " --offline" if offline else ""
        out.print(f"  Saved; apply exactly this plan with `aisec apply {directory}{again}`.", markup=False)
        hint = " ".join(f"--accept '{f.id}'" for f in outcome.blocking)
        runview.print_blocking(out, outcome.blocking, f"`aisec plan {directory}{again} {hint}`")


def _no_stage_with_all(stage: str | None) -> None:
    if stage is not None:
        raise UserInputError(
            "--stage picks one root of one landing; --all runs every root of every landing below the folder"
        )


@app.command()
def apply(directory: DirArg, offline: OfflineOpt = False, auto_approve: ApproveOpt = False,
          all_roots: AllOpt = False, parallel: ParallelOpt = None, affected_since: AffectedSinceOpt = None,
          as_json: JsonOpt = False, stage: StageOpt = None) -> None:  # fmt: skip
    """Apply the plan saved by `aisec plan`, if the files and variables are still those it was made from.

    With --all, DIRECTORY is a folder of rendered landings: every saved plan below it is checked, listed
    and confirmed once (or --auto-approve), then applied N at a time in dependency order."""
    if all_roots:
        _no_stage_with_all(stage)
        _fleet("apply", directory, offline, parallel, affected_since, [], auto_approve, as_json)
        return
    _one_root_only(parallel, affected_since)
    directory = _stage_root(directory, stage)
    saved = orchestrate.saved_plan(directory, offline=offline)
    review = planreview.Review.from_dict(saved.review)
    runview.print_review(err, review, str(directory), saved.workspace.rehearsal)
    question = f"Apply these {review.operations} change(s) to {saved.workspace.label}?"
    _confirm_and_apply(directory, saved, review, question, "applied {n} change(s)", auto_approve, as_json)


def _confirm_and_apply(directory: Path, saved: orchestrate.SavedPlan, review: planreview.Review, question: str, done: str,
                       auto_approve: bool, as_json: bool) -> None:  # fmt: skip
    """Ask, apply the saved plan with progress, report: the end of `apply` and `destroy`."""
    _confirm(question, auto_approve)
    with runview.ApplyProgress(err, review.operations) as progress:
        outcome = orchestrate.apply(saved, on_event=progress)
    if as_json:
        _print_json(outcome.as_dict())
        return
    out.print(f"{directory}: {done.format(n=outcome.applied)} in {outcome.seconds:.1f}s.", markup=False)


@app.command()
def drift(directory: DirArg, offline: OfflineOpt = False, as_json: JsonOpt = False,
          stage: StageOpt = None) -> None:  # fmt: skip
    """Does the infrastructure still match the code? Exit 0 no drift, 2 drift, 1 error. Changes nothing."""
    directory = _stage_root(directory, stage)
    with runview.PlanProgress(err) as progress:
        outcome = orchestrate.drift(directory, offline=offline, on_event=progress)
    if as_json:
        _print_json(outcome.as_dict())
    else:
        runview.print_review(out, outcome.review, str(directory), outcome.rehearsal)
        out.print(f"{directory}: {'[red]drift[/]' if outcome.drifted else '[green]no drift[/]'}")
    raise SystemExit(2 if outcome.drifted else 0)


@app.command()
def destroy(directory: DirArg, offline: OfflineOpt = False, allow: AllowOpt = None,
            auto_approve: ApproveOpt = False, as_json: JsonOpt = False,
            stage: StageOpt = None) -> None:  # fmt: skip
    """Plan the destruction of everything, review it, confirm, apply. Protected resources need naming."""
    directory = _stage_root(directory, stage)
    with runview.PlanProgress(err) as progress:
        outcome = orchestrate.plan(
            directory, offline=offline, destroy=True, allow=allow or (), on_event=progress
        )
    runview.print_review(err, outcome.review, str(directory), outcome.workspace.rehearsal)
    if not outcome.review.has_changes:
        if as_json:
            _print_json(outcome.as_dict())  # nothing to destroy: the empty plan is the result
        return
    saved = orchestrate.saved_plan(directory, offline=offline)
    question = f"Destroy {outcome.review.destroy} resource(s) of {saved.workspace.label}?"
    _confirm_and_apply(
        directory, saved, outcome.review, question, "destroyed {n} resource(s)", auto_approve, as_json
    )


def _size_text(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{n:.0f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n:.1f} GB"


@rehearsal_app.command("list")
def rehearsal_list(as_json: JsonOpt = False) -> None:
    """The working copies of offline runs: the folder each copies (or that it is gone), its state, its size."""
    from generator.offline import workspace

    copies = workspace.working_copies()
    if as_json:
        _print_json(copies)
        return
    if not copies:
        out.print("no offline rehearsals in aisec's cache", markup=False)
        return
    row = "{:<8} {:<9} {:>9}  {:<10} {:>7}  {}"
    out.print(row.format("status", "kind", "resources", "saved plan", "size", "folder"), markup=False)
    for c in copies:
        resources = "-" if c["state_resources"] is None else str(c["state_resources"])
        folder = c["source"] or f"(no record) {c['copy']}"
        line = row.format(
            c["status"],
            c["kind"],
            resources,
            "yes" if c["saved_plan"] else "-",
            _size_text(c["bytes"]),
            folder,
        )
        out.print(line, markup=False)
    gone = sum(1 for c in copies if c["status"] != "present")
    if gone:
        out.print(
            f"{gone} cop(ies) of a folder that is gone or unknown: `aisec rehearsal reset --gone` deletes them."
        )


@rehearsal_app.command("reset")
def rehearsal_reset(
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="The root module whose rehearsal to reset (it may be deleted already).", show_default=False
        ),
    ] = None,
    gone: Annotated[bool, typer.Option("--gone", help="Reset every rehearsal whose folder is gone.")] = False,
    everything: Annotated[bool, typer.Option("--all", help="Reset every rehearsal.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete offline working copies and their rehearsal state (never anything in AWS or in your folder)."""
    from generator.offline import workspace

    if sum((directory is not None, gone, everything)) != 1:
        raise UserInputError("name one: a folder (DIR), --gone or --all")
    removed = workspace.reset(directory, gone=gone, everything=everything)
    if as_json:
        _print_json(removed)
        return
    if directory is not None and not removed:
        out.print(f"{directory}: no offline rehearsal to reset", markup=False)
    for c in removed:
        what = f"{c['state_resources']} resource(s) in its state" if c["state_resources"] else "no state"
        out.print(f"reset the {c['kind']} copy of {c['source'] or c['copy']} ({what})", markup=False)


RepoOpt = Annotated[
    str,
    typer.Option(
        "--repo", help="The repository: owner/name (GitHub), group/project (GitLab).", show_default=False
    ),
]
RootOpt = Annotated[
    str | None,
    typer.Option(
        "--root", help="The rendered root module's folder (default infra/NAME).", show_default=False
    ),
]
PipelineOpt = Annotated[
    Path | None, typer.Option("-o", "--output", help="The pipeline file to write.", show_default=False)
]
RolesOpt = Annotated[
    Path | None,
    typer.Option(
        "--roles-dir",
        help="Folder of the OIDC roles' root module (default ROOT-ci-roles).",
        show_default=False,
    ),
]
BranchOpt = Annotated[str, typer.Option("--branch", help="The branch that applies.")]
EnvOpt = Annotated[str, typer.Option("--environment", help="The protected environment that applies.")]
TfOpt = Annotated[str, typer.Option("--terraform-version", help="Terraform version the pipeline installs.")]
InstallOpt = Annotated[
    str | None,
    typer.Option(
        "--install",
        help="How the pipeline installs aisec: pypi (this version, the default), pypi:X.Y.Z, "
        "git+https://HOST/PATH@REF, a wheel in the repository (PATH/aisec-....whl) or a requirements file "
        "with hashes (PATH.txt); see README.",
        show_default=False,
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite a pipeline file that differs.")]
CiRulesOpt = Annotated[
    str | None,
    typer.Option(
        "--rules",
        help="The team's plan-gate rules in the repository (checkov custom policies); the pipeline's "
        "`aisec plan` runs them.",
        show_default=False,
    ),
]


def _ci(platform: str, spec: Path, repo: str, root: str | None, output: Path | None, roles: Path | None,
        branch: str, environment: str, terraform_version: str, install: str | None, force: bool,
        rules: str | None = None) -> None:  # fmt: skip
    settings: dict[str, Any] = {
        "repo": repo,
        "root": root,  # default infra/NAME
        "branch": branch,
        "environment": environment,
        "terraform_version": terraform_version,
    }
    if install:
        settings["install"] = install
    if rules:
        settings["rules"] = rules
    if output is not None:
        check_output_path(output, kind="file", create_parents=True)
    if spec.is_dir():
        _ci_folder(platform, spec, settings, output, roles, force)
        return
    outcome = core.ci_files(platform, spec, settings, output, roles, force)  # type: ignore[arg-type]
    verb = "wrote" if outcome.written else "unchanged:"
    out.print(f"{verb} {outcome.pipeline}; OIDC roles in {outcome.roles}", markup=False)
    out.print(
        f"Next: aisec plan {outcome.roles} and aisec apply {outcome.roles} (once, by an administrator)",
        markup=False,
    )
    for note in outcome.notes:
        err.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)


def _ci_folder(platform: str, specs: Path, settings: dict[str, Any], output: Path | None, roles: Path | None,
               force: bool) -> None:  # fmt: skip
    """`aisec ci github|gitlab SPECS/ --root OUT/`: the folder's pipeline and each landing's roles."""
    from generator.fleet import ci as cifleet

    if roles is not None:
        raise UserInputError(
            "--roles-dir: a folder of landings keeps each landing's roles in OUT/LANDING-ci-roles"
        )
    if settings.pop("environment") != "production":
        raise UserInputError("--environment: a folder of landings applies each root in its own environment, "
                             "aisec-LANDING[-ROOT] (see README, CI for a folder of landings)")  # fmt: skip
    target, dirs, notes, written = cifleet.ci_files(platform, specs, settings, output, force)  # type: ignore[arg-type]
    out.print(
        f"{'wrote' if written else 'unchanged:'} {target}; OIDC roles of {len(dirs)} landing(s):",
        markup=False,
    )
    for folder in dirs:
        out.print(f"  {folder}", markup=False)
    out.print("Next: aisec plan and aisec apply each roles folder (once, by an administrator)", markup=False)
    for note in notes:
        err.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)


@ci_app.command("matrix")
def ci_matrix(
    affected_json: Annotated[
        Path | None,
        typer.Argument(help="The saved output of `aisec affected --json`.", show_default=False),
    ] = None,
    all_in: Annotated[
        Path | None,
        typer.Option("--all", help="Every landing of this specs folder instead (with --root).", show_default=False),
    ] = None,
    root: RootOpt = None,
    gitlab: Annotated[
        str | None,
        typer.Option("--gitlab", help="Write GitLab's child pipeline for this run: review, main or drift.",
                     show_default=False),
    ] = None,
    settings: Annotated[
        str | None,
        typer.Option("--settings", help="The settings `aisec ci gitlab` wrote ($AISEC_CI_SETTINGS).",
                     show_default=False),
    ] = None,
) -> None:  # fmt: skip
    """In a pipeline: the roots to plan (in two waves), as $GITHUB_OUTPUT lines or GitLab's child pipeline."""
    from generator.fleet import ci as cifleet

    if (affected_json is None) == (all_in is None) or (all_in is not None and root is None):
        raise UserInputError("aisec ci matrix: give AFFECTED_JSON, or --all SPECS with --root OUT")
    if affected_json is not None:
        rows = cifleet.affected_rows(affected_json)
    else:
        rows = cifleet.all_rows(all_in, Path(root or ""))  # type: ignore[arg-type]
    found = cifleet.matrix(rows)
    for note in found["skipped"]:
        err.print(f"note: {note}", markup=False, soft_wrap=True)
    if gitlab is None:
        sys.stdout.write(cifleet.github_output(found))
        return
    if gitlab not in ("review", "main", "drift") or settings is None:
        raise UserInputError('--gitlab: review, main or drift, with --settings "$AISEC_CI_SETTINGS"')
    s = cifleet.settings_from_text(settings, str(all_in or "specs"), root or "infra")
    sys.stdout.write(cifleet.gitlab_child(found, gitlab, s))  # type: ignore[arg-type]


@ci_app.command("atlantis")
def ci_atlantis(
    specs: Annotated[Path, typer.Argument(help="The folder of landing specs.", show_default=False)],
    root: Annotated[
        str, typer.Option("--root", help="The folder the landings are rendered into.", show_default=False)
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="The file to write [default: atlantis.yaml].")
    ] = None,
    force: ForceOpt = False,
) -> None:
    """An Atlantis repo config: a project per root, stages after their foundation, plans by aisec."""
    from generator.fleet import ci as cifleet

    if output is not None:
        check_output_path(output, kind="file", create_parents=True)
    target, written = cifleet.atlantis_file(specs, Path(root), output, force)
    out.print(f"{'wrote' if written else 'unchanged:'} {target}", markup=False)


@ci_app.command("github")
def ci_github(spec: SpecArg, repo: RepoOpt, root: RootOpt = None, output: PipelineOpt = None, roles: RolesOpt = None,
              branch: BranchOpt = "main", environment: EnvOpt = "production", terraform_version: TfOpt = "1.11.4",
              install: InstallOpt = None, force: ForceOpt = False,
              rules: CiRulesOpt = None) -> None:  # fmt: skip
    """A GitHub Actions workflow: checks and plan comments on pull requests, apply behind an environment, drift."""
    _ci("github", spec, repo, root, output, roles, branch, environment, terraform_version, install, force,
        rules)  # fmt: skip


@ci_app.command("gitlab")
def ci_gitlab(spec: SpecArg, repo: RepoOpt, root: RootOpt = None, output: PipelineOpt = None, roles: RolesOpt = None,
              branch: BranchOpt = "main", environment: EnvOpt = "production", terraform_version: TfOpt = "1.11.4",
              install: InstallOpt = None, force: ForceOpt = False,
              rules: CiRulesOpt = None) -> None:  # fmt: skip
    """A GitLab CI pipeline with the same stages: check, plan, manual apply in an environment, drift."""
    _ci("gitlab", spec, repo, root, output, roles, branch, environment, terraform_version, install, force,
        rules)  # fmt: skip


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


def _command_name(root: Any, args: list[str]) -> str:
    """The subcommand a command line names ("render", "catalog show"), as far as it names one."""
    names, command = [], root
    for arg in args:
        sub = getattr(command, "commands", {}).get(arg)
        if sub is None:
            if not arg.startswith("-"):
                break
            continue
        names.append(arg)
        command = sub
    return " ".join(names)


class _PlainArgument(typer.core.TyperArgument):
    """An argument shown as click shows one (SPEC, [NAME], SPECS...), not typer's {spec} <path>."""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")

    def _rich_display_name(self) -> str:
        return self.display_name_raw + ("..." if self.nargs != 1 else "")

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def _tidy_help(command: Any) -> None:
    """Metavars a reader understands (SPEC, PATH, TEXT) instead of typer's {spec} and <list[str]>."""
    for param in command.params:
        if isinstance(param, typer.core.TyperArgument):
            param.__class__ = _PlainArgument
            param.metavar = param.metavar or param.name.upper()
        elif isinstance(param, typer.core.TyperOption) and not param.is_flag and param.metavar is None:
            param.metavar = "PATH" if param.type_descriptor.is_path else "TEXT"
    for sub in getattr(command, "commands", {}).values():
        if not sub.short_help and sub.help:  # whole first paragraph: click would cut it at 45 characters
            sub.short_help = " ".join(sub.help.split("\n\n")[0].split())
        _tidy_help(sub)


def cli_command(args: list[str] | None = None) -> Any:
    """The click command behind ``aisec``, its help tidied. Given the command line, only the
    command (or group) it names is built, as it alone can run: typer builds a command by reading
    its function's signature, and all of them took a tenth of a whole `aisec render`."""
    named = app if args is None or _COMPLETE_VAR in os.environ else _only_named(app, args)
    command = typer.main.get_command(named)
    _tidy_help(command)
    return command


_COMPLETE_VAR = "_AISEC_COMPLETE"  # set by the shell completion scripts: they walk every command


def _only_named(group: typer.Typer, args: list[str]) -> typer.Typer:
    """``group`` holding only the command or subgroup the first argument that is no option names
    (pruned the same way below), or the whole ``group`` when that names none of them: the usage
    errors, suggestions and help then come from the full command tree, as before."""
    name = next((a for a in args if a == "--" or not a.startswith("-")), None)
    commands = [c for c in group.registered_commands if _name_of(c) == name]
    groups = [g for g in group.registered_groups if g.name == name]
    if not commands and not groups:
        return group
    pruned = copy.copy(group)
    pruned.registered_commands = commands
    pruned.registered_groups = []
    for info in groups:
        sub = copy.copy(info)
        assert info.typer_instance is not None
        sub.typer_instance = _only_named(info.typer_instance, args[args.index(str(name)) + 1 :])
        pruned.registered_groups.append(sub)
    return pruned


def _name_of(command: Any) -> str:
    return str(command.name or typer.main.get_command_name(command.callback.__name__))


def main(argv: list[str] | None = None) -> None:
    # Start-up builds many objects that live as long as the process (modules, models, tables): a
    # young-generation collection every 700 allocations kept scanning them (a tenth of a render).
    # Every 100,000 now; the older generations keep Python's ratios (each ten of the one before).
    gc.set_threshold(100_000, 10, 10)
    args = list(sys.argv[1:] if argv is None else argv)
    command = cli_command(args)
    _run.result, _run.errors = None, []  # one run, one envelope
    options = args[: args.index("--")] if "--" in args else args
    _run.command = _command_name(command, args)
    # help and aisec --version print text and nothing else, --json or not (catalog show has a --version)
    shown = {"-h", "--help"} | (set() if _run.command else {"--version"})
    _run.json = "--json" in options and not shown & set(options)
    code = _run_command(command, args)
    if _run.json:
        sys.stdout.write(json.dumps(envelope(_run.command, code, _run.result, _run.errors), indent=2,
                                    sort_keys=True) + "\n")  # fmt: skip
    raise SystemExit(code)


def _run_command(command: Any, args: list[str]) -> int:
    """Run the command line; every outcome becomes an exit code (and errors on stderr)."""
    try:
        rv = command.main(args=args, prog_name="aisec", standalone_mode=False)
        if rv == 130:  # typer turned a Ctrl-C into this exit code
            raise KeyboardInterrupt
        return rv if isinstance(rv, int) else 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except AisecError as exc:
        _report(exc)
        return exc.exit_code
    except typer.TyperException as exc:  # click's usage errors: a missing argument, an unknown option
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        _run.errors.append(_error(exc.format_message() if hasattr(exc, "format_message") else str(exc)))
        return int(getattr(exc, "exit_code", 2))
    except (typer.Abort, KeyboardInterrupt):
        err.print("interrupted; nothing was left half-written")
        _run.errors.append(_error("interrupted"))
        return 130
    except OSError as exc:
        if exc.errno not in _PATH_ERRNOS:
            return _internal_error(exc)
        where = exc.filename or ""
        _report(UserInputError(f"{where}: {exc.strerror or exc}" if where else str(exc)))
        return 2
    except Exception as exc:  # a bug: say so plainly, with the traceback only on request
        return _internal_error(exc)


def _internal_error(exc: Exception) -> int:
    if os.environ.get("AISEC_DEBUG"):
        traceback.print_exc()
    err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", soft_wrap=True)
    err.print("This is a bug in aisec. Re-run with AISEC_DEBUG=1 for the traceback and report it.")
    _run.errors.append(_error(f"internal error: {type(exc).__name__}: {exc}"))
    return 1


if __name__ == "__main__":
    main()
