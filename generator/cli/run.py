"""`aisec validate`, `plan`, `apply`, `drift`, `destroy` and `rehearsal`: Terraform on a rendered root
(or every root of a folder of landings)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from generator.cli.common import (
    DirArg,
    JsonOpt,
    OfflineOpt,
    _print_json,
    _run,
    app,
    err,
    orchestrate,
    out,
    planreview,
    rehearsal_app,
    runview,
    verify,
)
from generator.cli.console import escape
from generator.errors import UserInputError

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
    """`aisec plan --all` / `apply --all`: see generator/fleet/run.py."""
    import time

    from generator.fleet import run as fleetrun

    began = time.perf_counter()
    parallel = parallel or fleetrun.default_parallel()
    runs, affected_report = fleetrun.select(folder, affected_since)
    if command == "plan":
        with fleetrun.FleetProgress(err.rich, "planning", len(runs)) as progress:
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
            with fleetrun.FleetProgress(err.rich, "applying", len(ready)) as progress:
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
    with runview.PlanProgress(err.rich) as progress:
        outcome = orchestrate.plan(
            directory, offline=offline, destroy=destroy, allow=allow or (), on_event=progress,
            accept=accept or (), rules=rules or (),
        )  # fmt: skip
    if as_json:
        _print_json(outcome.as_dict())
        return
    for note in outcome.notes:
        err.print(f"[yellow]note:[/] {note}", soft_wrap=True)
    runview.print_review(out.rich, outcome.review, str(directory), outcome.workspace.rehearsal)
    if outcome.review.has_changes:
        again = " --offline" if offline else ""
        out.print(f"  Saved; apply exactly this plan with `aisec apply {directory}{again}`.", markup=False)
        hint = " ".join(f"--accept '{f.id}'" for f in outcome.blocking)
        runview.print_blocking(out.rich, outcome.blocking, f"`aisec plan {directory}{again} {hint}`")


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
    runview.print_review(err.rich, review, str(directory), saved.workspace.rehearsal)
    question = f"Apply these {review.operations} change(s) to {saved.workspace.label}?"
    _confirm_and_apply(directory, saved, review, question, "applied {n} change(s)", auto_approve, as_json)


def _confirm_and_apply(directory: Path, saved: orchestrate.SavedPlan, review: planreview.Review, question: str, done: str,
                       auto_approve: bool, as_json: bool) -> None:  # fmt: skip
    """Ask, apply the saved plan with progress, report: the end of `apply` and `destroy`."""
    _confirm(question, auto_approve)
    with runview.ApplyProgress(err.rich, review.operations) as progress:
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
    with runview.PlanProgress(err.rich) as progress:
        outcome = orchestrate.drift(directory, offline=offline, on_event=progress)
    if as_json:
        _print_json(outcome.as_dict())
    else:
        runview.print_review(out.rich, outcome.review, str(directory), outcome.rehearsal)
        out.print(f"{directory}: {'[red]drift[/]' if outcome.drifted else '[green]no drift[/]'}")
    raise SystemExit(2 if outcome.drifted else 0)


@app.command()
def destroy(directory: DirArg, offline: OfflineOpt = False, allow: AllowOpt = None,
            auto_approve: ApproveOpt = False, as_json: JsonOpt = False,
            stage: StageOpt = None) -> None:  # fmt: skip
    """Plan the destruction of everything, review it, confirm, apply. Protected resources need naming."""
    directory = _stage_root(directory, stage)
    with runview.PlanProgress(err.rich) as progress:
        outcome = orchestrate.plan(
            directory, offline=offline, destroy=True, allow=allow or (), on_event=progress
        )
    runview.print_review(err.rich, outcome.review, str(directory), outcome.workspace.rehearsal)
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
