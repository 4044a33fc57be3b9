"""How Terraform runs look at the terminal: plan summaries and live progress from `-json` events.

On a terminal a progress bar names the resource being worked on; elsewhere (CI logs) one line per
finished resource. Both read the same events (:mod:`generator.run.runner`'s ``stream``).
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any, Self

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from generator.run.planreview import Finding, Review
from generator.run.runner import Event

_VERBS = {"create": "creating", "update": "updating", "delete": "destroying", "read": "reading"}


def print_blocking(console: Console, blocking: list[Finding], accept_hint: str) -> None:
    """After a plan: the high findings `aisec apply` will refuse, and how to accept them."""
    if not blocking:
        return
    console.print(
        f"  [bold red]aisec apply will refuse this plan: {len(blocking)} high finding(s) not accepted.[/] "
        f"If they are intended, plan again with {accept_hint}",
        soft_wrap=True,
    )


def print_review(console: Console, review: Review, label: str, rehearsal: bool) -> None:
    if rehearsal:
        console.print(
            f"Offline rehearsal of {label}: the real terraform binary against the stand-in provider; "
            "computed values (ids, ARNs) are placeholders and AWS was not asked.",
            markup=False,
        )
    if not review.has_changes:
        console.print("  No changes: the infrastructure matches the code.")
    else:
        replace = f" ({review.replace} of them replacements)" if review.replace else ""
        console.print(
            f"  Plan: {review.add} to add, {review.change} to change, {review.destroy} to destroy{replace}."
        )
    if review.policies:
        later = sum(p["source"] == "rehearsal" for p in review.policies)
        unknown = sum(p["source"] == "unknown" for p in review.policies)
        console.print(
            f"  Policies reviewed: {len(review.policies)}"
            + (f" ({later} known only after apply, read from an offline rehearsal)" if later else "")
            + (f"; {unknown} unknown until apply" if unknown else ""),
            markup=False,
        )
    if review.findings:
        console.print(f"  [bold]Security-relevant changes ({len(review.findings)}):[/]")
        accepted = set(review.accepted)
        for f in review.findings:
            colour = "red" if f.severity == "high" else "yellow"
            where = f" ({f.location})" if f.location else ""
            note = " accepted" if f.id in accepted else ""
            console.print(f"    [{colour}]{f.severity:6}[/]{note} {escape(f.id + where)}", soft_wrap=True)
            console.print(f"           {f.reason}", soft_wrap=True, markup=False)
    if review.protected_deletions:
        console.print("  [bold red]Protected resources this plan deletes (allowed by you):[/]")
        for d in review.protected_deletions:
            console.print(f"    {d['address']} ({d['kind']})", markup=False)
    if review.drift:
        console.print(f"  [bold]Changed outside Terraform ({len(review.drift)}):[/]")
        for d in review.drift:
            console.print(f"    {d['address']}: {'/'.join(d['actions'])}", markup=False)


class LiveProgress:
    """A rich Progress shown only at a terminal (``self.live``), started and stopped by ``with``."""

    live: bool
    progress: Progress

    def __enter__(self) -> Self:
        if self.live:
            self.progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.live:
            self.progress.stop()


class ApplyProgress(LiveProgress):
    """Event sink for an apply: ``with ApplyProgress(console, total) as p: apply(..., on_event=p)``."""

    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.total = total
        self.live = console.is_terminal
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.task = self.progress.add_task("applying", total=total)
        self.started: dict[str, float] = {}

    def __call__(self, event: Event) -> None:
        kind = event.get("type")
        hook: dict[str, Any] = event.get("hook") or {}
        address = str((hook.get("resource") or {}).get("addr", ""))
        action = str(hook.get("action", ""))
        if action == "read":
            return
        if kind == "apply_start":
            self.started[address] = time.perf_counter()
            self.progress.update(self.task, description=f"{_VERBS.get(action, action)} {address}")
        elif kind in ("apply_complete", "apply_errored"):
            self.progress.advance(self.task)
            seconds = time.perf_counter() - self.started.pop(address, time.perf_counter())
            if not self.live:
                done = int(self.progress.tasks[0].completed)
                state = "done" if kind == "apply_complete" else "FAILED"
                self.console.print(
                    f"  [{done}/{self.total}] {action} {address}: {state} ({seconds:.1f}s)", markup=False
                )
            elif kind == "apply_errored":
                self.console.print(f"  [red]failed[/] {address}", soft_wrap=True)
        elif kind == "aisec_interrupt":
            if event.get("repeat"):
                self.console.print(
                    "[yellow]Still waiting for Terraform to finish the operations in flight; stopping it now "
                    "would leave resources it created out of the state.[/]"
                )
            else:
                self.console.print(
                    "[yellow]Interrupt: Terraform finishes the operations in flight, records them in the "
                    "state and stops.[/]"
                )


class PlanProgress:
    """Event sink for a plan: at a terminal, a spinner naming what Terraform reads or plans (against
    AWS a refresh of a landing takes minutes); elsewhere silent, the review follows."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.status = console.status("terraform plan: starting") if console.is_terminal else None
        self.refreshed = 0

    def __enter__(self) -> PlanProgress:
        if self.status is not None:
            self.status.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.status is not None:
            self.status.stop()

    def __call__(self, event: Event) -> None:
        kind = event.get("type")
        address = str(((event.get("hook") or {}).get("resource") or {}).get("addr", ""))
        if kind == "refresh_complete":
            self.refreshed += 1
        if self.status is None:
            return
        if kind == "refresh_start":
            self.status.update(f"terraform plan: reading {address} ({self.refreshed} read)")
        elif kind == "planned_change":
            change = event.get("change") or {}
            target = str((change.get("resource") or {}).get("addr", address))
            self.status.update(f"terraform plan: {change.get('action', 'planning')} {target}")
        elif kind == "aisec_interrupt":
            self.console.print("[yellow]Interrupt: Terraform stops planning; nothing is saved or changed.[/]")
