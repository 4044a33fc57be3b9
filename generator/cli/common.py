"""What every command of the `aisec` command line shares: the command groups, the consoles, the
--json envelope, the checks of paths given on the command line, and the modules loaded at first use."""

from __future__ import annotations

import errno
import json
import os
import sys
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from generator import __version__
from generator.cli.console import LazyConsole
from generator.errors import AisecError, UserInputError

if TYPE_CHECKING:  # re-exported (as X): the command modules take them from here
    from rich.table import Table as Table

    from generator import core as core
    from generator import spec as spec_model
    from generator.render import writer as writer
    from generator.reports import site as site
    from generator.run import orchestrate as orchestrate
    from generator.run import planreview as planreview
    from generator.run import runview as runview
    from generator.run import verify as verify
    from generator.spec import blueprints as blueprints
else:  # loaded at first use: `aisec --help` needs none of them, `aisec render` not the plan gate
    from generator.lazy import lazy

    blueprints, core, orchestrate, planreview, runview, site, spec_model, verify, writer = map(
        lazy,
        ("generator.spec.blueprints", "generator.core", "generator.run.orchestrate", "generator.run.planreview",
         "generator.run.runview", "generator.reports.site", "generator.spec", "generator.run.verify", "generator.render.writer"),
    )  # fmt: skip

    def Table(*columns: Any, **options: Any) -> Any:
        """rich's Table, imported when a command first draws one (render and check-spec never do).

        A header or cell that is plain text (no ``[`` that could open markup, no ``:`` that could
        open an emoji code) goes in as the ``Text`` rich would make of it, so rich skips its markup
        and emoji passes over it (12 million instructions of a `cost`, whose table has 135 cells);
        any other ``str`` is rich's to read, as before."""
        from rich.table import Table as RichTable
        from rich.text import Text

        def plain(cell: Any) -> Any:
            return Text(cell) if type(cell) is str and "[" not in cell and ":" not in cell else cell

        class PlainCells(RichTable):
            def add_row(self, *cells: Any, **kwargs: Any) -> None:
                super().add_row(*map(plain, cells), **kwargs)

        table = PlainCells(*columns, **options)
        for column in table.columns:
            column.header = plain(column.header)
        return table


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

# rich's consoles (highlight=False, soft_wrap=True), rich imported when a print needs it (console.py)
out = LazyConsole()
err = LazyConsole(stderr=True)

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

    from generator.cli import cli_command

    raise SystemExit(shell_complete(cli_command(), {}, "aisec", "_AISEC_COMPLETE", f"source_{shell.value}"))


DirArg = Annotated[
    Path, typer.Argument(help="A Terraform root module, e.g. the output of aisec render.", show_default=False)
]
OfflineOpt = Annotated[
    bool,
    typer.Option("--offline", help="Use the offline stand-in for the AWS provider (no registry, no AWS)."),
]
