"""The `aisec` command line: parse arguments, call the core, print results, set the exit code.

Exit codes: 0 ok, 1 the work failed, 2 bad input. Messages go to stderr, results to stdout;
every command that reports something accepts --json, and then prints exactly one JSON document
on stdout whatever happens (see :func:`envelope`): scripts never parse a half or an empty stdout.

The commands live in one module per group (render, reports, run, ci, catalog), over what they
share (common); importing them registers them, in the order `aisec --help` lists them.
"""

from __future__ import annotations

from generator.cli import regex_code

regex_code.install()  # before the modules that compile patterns as they load (json's, typer's, PyYAML's...)

import copy  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402
import types  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

from generator.cli import dataclass_code  # noqa: E402

# Functions of importlib.metadata that a module may take by name before it first calls them
# (pydantic 2.14's plugin loader: `from importlib.metadata import entry_points`).
_METADATA_FUNCTIONS = ("entry_points", "distributions", "distribution", "version", "metadata", "files",
                       "requires", "packages_distributions")  # fmt: skip


def _metadata_on_first_use() -> None:
    """``importlib.metadata`` imported when first used: pydantic's plugin loader imports it (with
    email, csv and zipfile) to search the installed distributions for plugins, a search the spec's
    models and typer's validators skip (PYDANTIC_DISABLE_PLUGINS); `render` never uses it. Until
    then the name holds a stand-in: reading one of its functions gives a function that calls the
    module's (pydantic 2.14 takes `entry_points` so when its loader loads); reading anything else
    imports the module, puts it in its place and answers from it."""
    if "importlib.metadata" in sys.modules:
        return
    stand_in = types.ModuleType("importlib.metadata", "importlib.metadata, imported on first use")

    def real() -> types.ModuleType:
        if sys.modules.get("importlib.metadata") is stand_in:
            del sys.modules["importlib.metadata"]
        module = importlib.import_module("importlib.metadata")
        setattr(importlib, "metadata", module)  # noqa: B010
        return module

    def calls_the_module_s(name: str) -> Any:
        def function(*args: Any, **kwargs: Any) -> Any:
            return getattr(real(), name)(*args, **kwargs)

        function.__name__ = function.__qualname__ = name
        function.__module__ = "importlib.metadata"
        return function

    def __getattr__(name: str) -> Any:
        if name in _METADATA_FUNCTIONS and sys.modules.get("importlib.metadata") is stand_in:
            return calls_the_module_s(name)
        return getattr(real(), name)

    stand_in.__getattr__ = __getattr__  # type: ignore[method-assign]  # PEP 562
    # a package, as the module is: `from importlib.metadata import name` reads __path__ first, and a
    # submodule (importlib.metadata._meta) imported before the module is found where it is
    stand_in.__path__ = [os.path.join(folder, "metadata") for folder in importlib.__path__]
    sys.modules["importlib.metadata"] = stand_in
    setattr(importlib, "metadata", stand_in)  # noqa: B010  # as an import binds a submodule to its package


# Start-up builds many objects that live as long as the process (modules, models, tables): a
# young-generation collection every 700 allocations kept scanning them (a tenth of a render).
# Every 100,000 now, from the first import on (typer's, pydantic's, the spec's); the older
# generations keep Python's ratios (each ten of the one before).
gc.set_threshold(100_000, 10, 10)
_metadata_on_first_use()
dataclass_code.install()  # before typer, pydantic and aisec define their dataclasses

import typer  # noqa: E402

from generator.cli.common import _PATH_ERRNOS, _error, _report, _run, app, envelope, err  # noqa: E402
from generator.errors import AisecError, UserInputError  # noqa: E402

if TYPE_CHECKING:
    from generator.cli.reports import _print_verdicts

__all__ = ["_print_verdicts", "cli_command", "envelope", "main"]

# The command groups: importing one registers its commands. `aisec --help` lists them in this
# order (common holds `completion`). A command line that names a command imports only the group
# that registers it (`aisec render` never builds the run, CI, catalog and report commands); help,
# completion, no name and an unknown name import them all. tests/test_startup.py checks this
# table against what the groups register.
_GROUPS = ("common", "catalog", "ci", "render", "reports", "run")
_GROUP_OF = {
    "completion": "common",
    **dict.fromkeys(("catalog", "blueprints"), "catalog"),
    "ci": "ci",
    **dict.fromkeys(
        ("check-spec", "render", "affected", "init", "upgrade", "migrate", "bootstrap-state"), "render"
    ),
    **dict.fromkeys(("compliance", "cost", "diagram", "schema"), "reports"),
    **dict.fromkeys(("validate", "plan", "apply", "drift", "destroy", "rehearsal"), "run"),
}


def _load_groups(args: list[str] | None) -> None:
    """Import the command groups the command line needs (see :data:`_GROUP_OF`)."""
    whole = args is None or _COMPLETE_VAR in os.environ
    name = None if args is None else next((a for a in args if a == "--" or not a.startswith("-")), None)
    for group in _GROUPS[1:] if whole or name not in _GROUP_OF else (_GROUP_OF[str(name)],):
        importlib.import_module(f"generator.cli.{group}")
    # in the order of _GROUPS, whichever was imported first in this process
    app.registered_commands.sort(key=lambda c: _GROUPS.index(c.callback.__module__.rpartition(".")[2]))


def __getattr__(name: str) -> Any:
    """``_print_verdicts`` (the verdicts' table, shared with the tests), imported on first use."""
    if name == "_print_verdicts":
        from generator.cli.reports import _print_verdicts

        return _print_verdicts
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    _load_groups(args)
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
    gc.set_threshold(100_000, 10, 10)  # as importing this module set it (a caller may have changed it)
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
    dataclass_code.save()
    regex_code.save()
    # What lives now (modules, models, tables) lives until the end: Python's exit would look through
    # it all for reference cycles (a twentieth of a render) and find none worth the look (files are
    # closed by their `with` blocks, stdout and stderr flushed by Python's exit either way).
    gc.freeze()
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
