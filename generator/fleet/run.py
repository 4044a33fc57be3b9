"""`aisec plan --all FOLDER` and `aisec apply --all FOLDER`: every rendered landing below a folder
(each of its roots: the whole landing, or its foundation and stages), N at a time.

- The landings are the folders holding a manifest (``.aisec/manifest.json``); their roots come
  from :func:`generator.fleet.landing_roots`, in dependency order. A root starts only after every
  root it ``needs`` succeeded; when one of those failed, it is reported ``skipped`` with the reason.
- Each root is one ``aisec plan ROOT --json`` (or ``aisec apply ROOT --auto-approve --json``)
  process, exactly the command a user runs for one folder: its own Terraform processes, its own
  offline rehearsal copy (keyed by the folder's path), the saved plan's fingerprint checks. One
  failure does not stop the others.
- ``--affected-since REF`` keeps the landings :func:`generator.fleet.affected` lists.
- Apply: every saved plan is checked first (as `aisec apply` checks it: refused when a file, a
  variable or the binary changed, or when a high finding was not accepted); the plans are listed
  and confirmed once (or ``--auto-approve``), then applied in dependency order.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import fleet
from generator.errors import AisecError, UserInputError
from generator.fleet.progress import FleetProgress, exit_code, report, table
from generator.render import MANIFEST

# Folders never searched for landings: Terraform's data, git's, saved plans.
_PRUNE = {".terraform", ".git", ".aisec-plan"}
# What lets a root's dependents start: its plan (or apply) went through.
PLAN_OK = ("planned", "no changes", "blocked")
APPLY_OK = ("applied", "no plan")


def default_parallel() -> int:
    """Two offline rehearsals per core keep a core busy with Terraform, the stand-in and checkov in
    turn; more than four at once mostly queue on a laptop. At least one."""
    return max(1, min(4, os.cpu_count() or 1))


# --------------------------------------------------------------------------- which roots
@dataclass
class RootRun:
    """One root of the fleet and what became of it."""

    root: fleet.Root
    landing: str  # the landing's folder below the --all folder ("." for the folder itself)
    status: str = "queued"  # see PLAN_OK/APPLY_OK; failed, refused, skipped, interrupted
    add: int = 0
    change: int = 0
    destroy: int = 0
    findings: dict[str, int] = field(default_factory=dict)  # severity -> count
    blocking: list[str] = field(default_factory=list)  # high findings not accepted
    seconds: float = 0.0
    exit_code: int = 0
    reason: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    applied: int = 0

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def label(self) -> str:
        return f"{self.landing}:{self.name}" if self.name else self.landing

    def record(self) -> dict[str, Any]:
        return {
            "landing": self.landing,
            "root": self.name or None,
            "path": self.root.path.as_posix(),
            "needs": list(self.root.needs),
            "status": self.status,
            "add": self.add,
            "change": self.change,
            "destroy": self.destroy,
            "findings": self.findings,
            "blocking": self.blocking,
            "applied": self.applied,
            "seconds": round(self.seconds, 2),
            "exit_code": self.exit_code,
            "reason": self.reason,
            "errors": self.errors,
        }


def find_landings(folder: Path) -> list[Path]:
    """The rendered landings at or below ``folder``: folders holding a manifest, sorted; a folder
    that is a root of another landing (a stage of a split landing) is not a landing of its own."""
    if not folder.is_dir():
        raise UserInputError(f"{folder}: not a folder; give the folder the landings were rendered into")
    found = []
    for here, dirs, _files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _PRUNE)
        if (Path(here) / MANIFEST).is_file():
            found.append(Path(here))
    inner = {
        r.path.resolve()
        for f in found
        for r in fleet.landing_roots(f)
        if r.name and r.path.resolve() != f.resolve()
    }
    landings = sorted((f for f in found if f.resolve() not in inner), key=lambda p: p.as_posix())
    if not landings:
        raise UserInputError(
            f"{folder}: no rendered landing below it (a folder holding {MANIFEST}); render them first, "
            f"e.g. `aisec render specs/ -o {folder}`"
        )
    return landings


def select(folder: Path, affected_since: str | None = None) -> tuple[list[RootRun], dict[str, Any] | None]:
    """The roots to run, in dependency order per landing; with ``affected_since``, only those of
    the landings a change since that git ref touches (and the affected report)."""
    landings = find_landings(folder)
    report = None
    if affected_since is not None:
        cwd = Path.cwd()
        try:
            report = fleet.affected(affected_since, landings, cwd=cwd)
        except UserInputError as exc:  # named as the user gave it
            raise UserInputError(
                exc.message.replace("--base ", "--affected-since ", 1), exc.details
            ) from None
        touched = {(cwd / r["output"]).resolve() for r in report["landings"] if r["affected"] and r["output"]}
        landings = [ld for ld in landings if ld.resolve() in touched]
    runs = []
    for landing in landings:
        rel = landing.relative_to(folder).as_posix() if landing != folder else "."
        runs += [RootRun(root, rel) for root in fleet.landing_roots(landing)]
    return runs, report


# --------------------------------------------------------------------------- one root, one process
def _child_env() -> dict[str, str]:
    """The child aisec runs this process's code, wherever aisec is installed from."""
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": package_root + (os.pathsep + path if path else ""), "NO_COLOR": "1"}


def _aisec(args: Sequence[str]) -> tuple[int, dict[str, Any] | None, str]:
    """``aisec ARGS --json`` in a process of its own: exit code, envelope (None if it printed
    none: killed, or an interpreter failure) and the tail of its stderr."""
    import json

    proc = subprocess.run(
        [sys.executable, "-m", "generator", *args, "--json"],
        capture_output=True, text=True, env=_child_env(), check=False,
    )  # fmt: skip
    try:
        envelope = json.loads(proc.stdout)
    except ValueError:
        envelope = None
    return proc.returncode, envelope if isinstance(envelope, dict) else None, proc.stderr[-2000:]


def _take_outcome(run: RootRun, code: int, envelope: dict[str, Any] | None, stderr: str, what: str) -> None:
    run.exit_code = code
    if envelope is None:
        lines = [line for line in stderr.strip().splitlines() if line.strip()][-5:]
        run.errors = [
            {"file": None, "field": None, "message": f"aisec {what} exited {code}", "detail": lines}
        ]
    else:
        run.errors = list(envelope.get("errors") or [])
    if code != 0:
        run.status = "interrupted" if code == 130 else "failed"
        run.reason = run.errors[0]["message"] if run.errors else f"aisec {what} exited {code}"


def plan_root(run: RootRun, offline: bool, rules: Sequence[Path] = ()) -> None:
    """`aisec plan ROOT --json` for one root; its counts and findings into ``run``."""
    args = ["plan", str(run.root.path), *(["--offline"] if offline else [])]
    for folder in rules:
        args += ["--rules", str(folder)]
    code, envelope, stderr = _aisec(args)
    _take_outcome(run, code, envelope, stderr, "plan")
    result = (envelope or {}).get("result")
    if code != 0 or not isinstance(result, dict):
        return
    run.add, run.change, run.destroy = (int(result.get(k, 0)) for k in ("add", "change", "destroy"))
    for finding in result.get("findings") or []:
        severity = str(finding.get("severity", "low"))
        run.findings[severity] = run.findings.get(severity, 0) + 1
    run.blocking = [str(b) for b in result.get("blocking") or []]
    if run.blocking:
        run.status, run.exit_code = "blocked", 1
        run.reason = f"{len(run.blocking)} high finding(s) not accepted: aisec apply refuses this plan"
    else:
        run.status = "planned" if result.get("plan_file") else "no changes"


def apply_root(run: RootRun, offline: bool) -> None:
    """`aisec apply ROOT --auto-approve --json` for one root whose saved plan was checked and confirmed."""
    code, envelope, stderr = _aisec(
        ["apply", str(run.root.path), "--auto-approve", *(["--offline"] if offline else [])]
    )
    _take_outcome(run, code, envelope, stderr, "apply")
    result = (envelope or {}).get("result")
    if code == 0 and isinstance(result, dict):
        run.status, run.applied = "applied", int(result.get("applied", 0))


def check_saved(run: RootRun, offline: bool) -> None:
    """Before confirming `apply --all`: the root's saved plan as `aisec apply` checks it. No saved
    plan: ``no plan`` (its plan had no changes, or it was not planned); a plan that `aisec apply`
    would refuse: ``refused`` with the reason (the others are applied all the same)."""
    from generator.run import orchestrate
    from generator.run.planreview import Review

    try:
        saved = orchestrate.saved_plan(run.root.path, offline=offline)
    except orchestrate.NoSavedPlan:
        run.status, run.reason = "no plan", "no saved plan (no changes when planned, or not planned)"
        return
    except AisecError as exc:
        run.status, run.exit_code, run.reason = "refused", exc.exit_code, exc.message
        run.errors = [{"file": None, "field": None, "message": exc.message, "detail": exc.details}]
        return
    review = Review.from_dict(saved.review)
    run.add, run.change, run.destroy = review.add, review.change, review.destroy
    for finding in review.findings:
        run.findings[finding.severity] = run.findings.get(finding.severity, 0) + 1
    run.status = "ready"


# --------------------------------------------------------------------------- the scheduler
Work = Callable[[RootRun], None]


def run_fleet(
    runs: list[RootRun],
    work: Work,
    parallel: int,
    ok: Sequence[str],
    on_start: Callable[[RootRun], None] = lambda r: None,
    on_done: Callable[[RootRun], None] = lambda r: None,
) -> None:
    """Run ``work`` on every queued root, ``parallel`` at a time, each after the roots of its
    landing it needs ended in one of the ``ok`` statuses; one whose need did not is skipped, with
    the reason. Roots not ``queued`` (already decided) are left as they are but count for their
    dependents. Ctrl-C: nothing new starts, the runs in flight finish (each child passes the
    interrupt to its Terraform), the rest is reported ``skipped: interrupted``."""
    by_name = {(r.root.landing, r.name): r for r in runs}

    def need(run: RootRun, name: str) -> RootRun | None:
        return by_name.get((run.root.landing, name))

    pending = [r for r in runs if r.status == "queued"]
    for run in pending:
        missing = [n for n in run.root.needs if need(run, n) is None]
        if missing:
            run.status, run.exit_code = "failed", 2
            run.reason = f"needs {', '.join(missing)}, which the landing's manifest does not list"
    pending = [r for r in pending if r.status == "queued"]
    running: dict[Future[None], RootRun] = {}
    interrupted = False

    def start(pool: ThreadPoolExecutor, run: RootRun) -> None:
        run.status = "running"
        on_start(run)

        def timed() -> None:
            began = time.perf_counter()
            try:
                work(run)
            except AisecError as exc:
                run.status, run.exit_code, run.reason = "failed", exc.exit_code, exc.message
            finally:
                run.seconds = time.perf_counter() - began

        running[pool.submit(timed)] = run

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        while pending or running:
            for run in list(pending):
                needs = [need(run, n) for n in run.root.needs]
                bad = next(
                    (n for n in needs if n is not None and n.status not in (*ok, "queued", "running")), None
                )
                if interrupted:
                    run.status, run.exit_code, run.reason = "skipped", 130, "skipped: interrupted"
                elif bad is not None:
                    run.status, run.exit_code = "skipped", 1
                    run.reason = f"skipped: {bad.name} {bad.status}"
                elif all(n is not None and n.status in ok for n in needs) and len(running) < parallel:
                    pending.remove(run)
                    start(pool, run)
                    continue
                else:
                    continue
                pending.remove(run)
                on_done(run)
            if not running:
                for run in pending:  # needs that can never be met: listed after it, or a cycle
                    run.status, run.exit_code = "failed", 2
                    run.reason = (
                        f"needs {', '.join(run.root.needs)}, which the manifest does not list before it"
                    )
                    on_done(run)
                break
            try:
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                interrupted = True
                continue
            for future in done:
                finished = running.pop(future)
                on_done(finished)


__all__ = [
    "APPLY_OK",
    "PLAN_OK",
    "FleetProgress",
    "RootRun",
    "apply_root",
    "check_saved",
    "default_parallel",
    "exit_code",
    "find_landings",
    "plan_root",
    "report",
    "run_fleet",
    "select",
    "table",
]
