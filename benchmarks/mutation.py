"""Mutation testing of the safety-critical code: how many deliberate defects do the tests catch?

For each area (the code that keeps users safe, and the tests meant to guard it), mutmut changes the
code one small defect at a time (a flipped comparison, a dropped condition, another constant) and
runs the area's tests against each; a mutant the tests do not fail "survived". The script works in a
scratch copy of the checkout (mutmut writes a `mutants/` folder), so the checkout is never touched,
and reports the kill rate per area and every survivor.

    python benchmarks/mutation.py                     # every fast area
    python benchmarks/mutation.py --area spec --area hcl
    python benchmarks/mutation.py --all               # the slow areas too (offline plans per mutant)
    python benchmarks/mutation.py --json              # one JSON document on stdout

Slow: the fast areas take minutes on two cores, the plan guards much longer; CI does not run it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Area:
    name: str
    title: str
    code: tuple[str, ...]  # files mutated
    tests: tuple[str, ...]  # the tests that guard them
    slow: bool = False


AREAS = (
    Area("spec", "spec validation", ("generator/spec.py",), ("tests/test_spec.py", "tests/test_hostile.py")),
    Area("hcl", "HCL escaping", ("generator/hcl.py",), ("tests/test_hcl.py", "tests/test_hostile.py")),
    Area("writer", "the writer and merge", ("generator/writer.py",), ("tests/test_writer.py",)),
    Area(
        "schemacheck",
        "the stand-in's schema checks",
        ("generator/offline/schemacheck.py",),
        ("tests/test_offline_schema.py",),
    ),
    Area(
        "reports",
        "the compliance and cost reports",
        ("generator/reports/compliance.py", "generator/reports/cost.py"),
        ("tests/test_reports.py",),
    ),
    Area(
        "guards",
        "the plan fingerprint and guards",
        ("generator/orchestrate.py",),
        ("tests/test_orchestrate.py",),
        slow=True,
    ),
)
LINE_RE = re.compile(r"^\s+(\S+): (\w[\w ]*)$")


def _checkout_copy(target: Path) -> None:
    """The checkout's files as git sees them (tracked and new, nothing ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for rel in filter(None, (p.decode() for p in listed)):
        src = ROOT / rel
        if src.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / rel)


def _config(area: Area) -> str:
    lines = ["[mutmut]", "source_paths=generator", "only_mutate="]
    lines += [f"    {path}" for path in area.code]
    lines += ["pytest_add_cli_args_test_selection="] + [f"    {t}" for t in area.tests]
    lines += ["pytest_add_cli_args=", "    -p", "    no:cacheprovider", "    -q"]
    lines += ["also_copy=", "    blueprints", "    modules", "    schema", "    benchmarks"]
    return "\n".join(lines) + "\n"


def run_area(area: Area, workers: int) -> dict[str, object]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"aisec-mutation-{area.name}-") as tmp:
        work = Path(tmp)
        _checkout_copy(work)
        (work / "setup.cfg").write_text(_config(area), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(work)}
        env.pop("AISEC_UPDATE_GOLDEN", None)
        run = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(workers)],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
        listed = subprocess.run(
            [sys.executable, "-m", "mutmut", "results", "--all", "true"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
    statuses: dict[str, str] = {}
    for line in listed.stdout.splitlines():
        m = LINE_RE.match(line)
        if m:
            statuses[m.group(1)] = m.group(2)
    killed = sum(1 for s in statuses.values() if s in ("killed", "timeout"))
    judged = sum(1 for s in statuses.values() if s in ("killed", "timeout", "survived"))
    return {
        "area": area.name,
        "title": area.title,
        "code": list(area.code),
        "tests": list(area.tests),
        "mutants": len(statuses),
        "killed": killed,
        "survived": sorted(k for k, s in statuses.items() if s == "survived"),
        "other": {k: s for k, s in statuses.items() if s not in ("killed", "timeout", "survived")},
        "kill_rate": round(killed / judged, 3) if judged else None,
        "seconds": round(time.perf_counter() - started, 1),
        "error": None if run.returncode == 0 and statuses else (run.stdout + run.stderr)[-2000:],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--area", action="append", choices=[a.name for a in AREAS])
    parser.add_argument("--all", action="store_true", help="include the slow areas")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    chosen = [a for a in AREAS if (a.name in args.area if args.area else (args.all or not a.slow))]
    reports = []
    for area in chosen:
        if not args.json:
            print(
                f"{area.name}: mutating {', '.join(area.code)} against {', '.join(area.tests)} ...",
                flush=True,
            )
        report = run_area(area, args.workers)
        reports.append(report)
        if not args.json:
            rate = report["kill_rate"]
            shown = f"{rate:.0%}" if isinstance(rate, float) else "n/a"
            print(
                f"  {report['killed']}/{report['mutants']} killed ({shown}) in {report['seconds']} s; "
                f"{len(report['survived'])} survived"  # type: ignore[arg-type]
            )
            for name in report["survived"]:  # type: ignore[attr-defined]
                print(f"    survived: {name}")
            if report["error"]:
                print(f"  mutmut did not finish cleanly:\n{report['error']}")
    if args.json:
        sys.stdout.write(json.dumps({"areas": reports}, indent=2) + "\n")
    return 1 if any(r["error"] for r in reports) else 0


if __name__ == "__main__":
    raise SystemExit(main())
