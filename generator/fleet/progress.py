"""What `aisec plan --all` / `apply --all` show: live progress per root, the summary table, the
JSON report and the exit code."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from generator.run import runview

if TYPE_CHECKING:  # annotations only: run.py imports this module
    from generator.fleet.run import RootRun


# --------------------------------------------------------------------------- what the user sees
class FleetProgress(runview.LiveProgress):
    """At a terminal, a spinner line per root in work; elsewhere (CI logs) a line when a root starts
    and one when it ends. Finished roots are printed above the spinners as they end."""

    def __init__(self, console: Console, verb: str, total: int) -> None:
        self.console = console
        self.verb = verb
        self.total = total
        self.done = 0
        self.live = console.is_terminal
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.tasks: dict[int, Any] = {}

    def start(self, run: RootRun) -> None:
        if self.live:
            self.tasks[id(run)] = self.progress.add_task(f"{self.verb} {run.label}", total=None)
        else:
            self.console.print(f"{self.verb} {run.label} ...", markup=False)

    def end(self, run: RootRun) -> None:
        self.done += 1
        task = self.tasks.pop(id(run), None)
        if task is not None:
            self.progress.remove_task(task)
        colour = "green" if run.exit_code == 0 else "red"
        took = f" in {run.seconds:.1f}s" if run.seconds else ""
        why = f": {run.reason}" if run.reason and run.exit_code else ""
        self.console.print(
            f"[{self.done}/{self.total}] {escape(run.label)}: [{colour}]{escape(run.status)}[/]{took}{escape(why)}",
            soft_wrap=True,
        )


def table(runs: Sequence[RootRun], applying: bool = False) -> Table:
    """The summary: landing, root, add/change/destroy, findings, time, status."""
    columns = ["landing", "root", "add", "change", "destroy", "findings", "time", "status"]
    if applying:
        columns.insert(5, "applied")
    result = Table(*columns)
    for column in result.columns:
        column.overflow = "fold"
    for run in runs:
        counted = (
            run.status not in ("failed", "skipped", "interrupted", "no plan", "refused")
            or run.add + run.change + run.destroy
        )
        findings = (
            ", ".join(f"{run.findings[s]} {s}" for s in ("high", "medium", "low") if run.findings.get(s))
            or "-"
        )
        if run.blocking:
            findings += f" ({len(run.blocking)} not accepted)"
        cells = [
            run.landing,
            run.name or "-",
            *(str(n) if counted else "-" for n in (run.add, run.change, run.destroy)),
            findings,
            f"{run.seconds:.1f}s" if run.seconds else "-",
            run.reason if run.status == "skipped" else run.status,
        ]
        if applying:
            cells.insert(5, str(run.applied) if run.status == "applied" else "-")
        result.add_row(*map(escape, cells))
    return result


def exit_code(runs: Sequence[RootRun]) -> int:
    """The worst: 130 interrupted, 2 bad input, 1 failed, refused, blocked or skipped; else 0."""
    return max((r.exit_code for r in runs), default=0)


def report(runs: Sequence[RootRun], folder: Path, command: str, parallel: int, affected_since: str | None,
           affected_report: dict[str, Any] | None, seconds: float) -> dict[str, Any]:  # fmt: skip
    """The --json result: one record per root, and the counts."""
    return {
        "command": command,
        "folder": folder.as_posix(),
        "parallel": parallel,
        "affected_since": affected_since,
        "affected": None if affected_report is None else affected_report["affected"],
        "roots": [r.record() for r in runs],
        "failed": sum(r.exit_code != 0 for r in runs),
        "seconds": round(seconds, 2),
    }
