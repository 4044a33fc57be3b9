"""Prowler's verdicts before and after the security work: the landings as aisec rendered them at an
older commit (default 3615ecb, the last commit before the data perimeter work of issue #13),
judged by TODAY's verdict engine, against today's golden verdicts (tests/golden/verdicts/).

    python benchmarks/verdicts_before_after.py [--commit 3615ecb] [--blueprint NAME ...] [--json]

For each blueprint the older commit's own code renders it (its CLI), plans and applies it offline
with its own stand-in provider (its tests/offline.py Rehearsal), and `terraform show -json` gives
the applied state. Today's generator/reports/checks/ judges that state for the blueprint's
compliance regimes as selected TODAY (today's blueprint file), exactly as tests/test_verdicts.py
judges today's landings. The old tree is a detached git worktree in a temporary folder, removed
afterwards; Terraform runs with a fresh cache folder so no rehearsal state is reused.

Prints, per blueprint and regime, before -> after: pass, fail, depends, not evaluated, not
applicable; then the checks of the selected regimes whose verdict changed. Numbers, not thresholds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.decide.prowler import requirements  # noqa: E402
from generator.reports import checks  # noqa: E402
from generator.spec import Regime, load_spec  # noqa: E402

DEFAULT_COMMIT = "3615ecb"
GOLDEN = REPO / "tests" / "golden" / "verdicts"
# every blueprint of today (batch-scoring selects no regime: its totals only)
DEFAULT_BLUEPRINTS = tuple(sorted(p.stem for p in (REPO / "blueprints").glob("*.yaml")))
COLUMNS = ("pass", "fail", "depends", "not evaluated", "not applicable")

# Run inside the old tree (its PYTHONPATH): plan and apply offline with its own stand-in, print state.
_APPLY = """
import json, sys
from pathlib import Path
from tests.offline import Rehearsal
r = Rehearsal.of(Path(sys.argv[1]))
r.ok("plan", "-input=false", "-out=tfplan")
r.ok("apply", "-input=false", "tfplan")
Path(sys.argv[2]).write_text(json.dumps(r.show_json()), encoding="utf-8")
"""


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(
            f"failed ({proc.returncode}): {' '.join(args)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )


def old_states(commit: str, names: list[str], work: Path) -> dict[str, dict[str, Any]]:
    """Each blueprint rendered, planned and applied offline by the code of ``commit``: its state."""
    tree = work / "tree"
    _run(["git", "worktree", "add", "--detach", str(tree), commit], REPO, dict(os.environ))
    try:
        env = {
            **os.environ,
            "PYTHONPATH": str(tree),
            "XDG_CACHE_HOME": str(work / "cache"),  # fresh: no rehearsal state of an earlier run
            "NO_COLOR": "1",
        }
        out: dict[str, dict[str, Any]] = {}
        (work / "out").mkdir()  # newer CLIs want the output folder's parent to exist
        for name in names:
            spec = tree / "blueprints" / f"{name}.yaml"
            if not spec.is_file():
                print(f"{name}: no blueprint at {commit}; skipped", file=sys.stderr)
                continue
            folder = work / "out" / name
            _run([sys.executable, "-m", "generator", "render", str(spec), "-o", str(folder)], tree, env)
            state_file = work / f"{name}.state.json"
            _run([sys.executable, "-c", _APPLY, str(folder), str(state_file)], tree, env)
            out[name] = json.loads(state_file.read_text(encoding="utf-8"))
            print(f"{name}: rendered and applied at {commit}", file=sys.stderr)
        return out
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=False)


def _in_reach(regime: Regime) -> list[str]:
    """The Prowler checks of the regime's technical, in-scope requirements (as checks.by_regime)."""
    return sorted(
        {
            c
            for r in requirements(regime)
            if r["classification"] == "technical" and not r.get("out_of_scope_reason")
            for c in r["checks"]
        }
    )


def compare(name: str, state: dict[str, Any]) -> dict[str, Any]:
    """Today's engine on the old state, next to today's golden verdicts of the same blueprint."""
    regimes = load_spec(REPO / "blueprints" / f"{name}.yaml").compliance
    before = checks.report(checks.evaluate({"values": state["values"]}), regimes)
    after = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    b_status = {c["check"]: c["status"] for c in before["checks"]}
    a_status = {c["check"]: c["status"] for c in after["checks"]}
    flipped: dict[str, dict[str, Any]] = {}
    for regime in regimes:
        for check in _in_reach(regime):
            b, a = b_status.get(check), a_status.get(check)
            if b != a:
                entry = flipped.setdefault(check, {"before": b, "after": a, "regimes": []})
                entry["regimes"].append(regime.value)
    return {
        "regimes": {
            r: {"before": before["regimes"][r], "after": after["regimes"].get(r)} for r in before["regimes"]
        },
        "totals": {"before": before["totals"], "after": after["totals"]},
        "flipped": dict(sorted(flipped.items())),
        "changed_of_all_checks": sorted(c for c in b_status if b_status[c] != a_status.get(c)),
    }


def _cell(b: Any, a: Any) -> str:
    return f"{b} → {a}" if b != a else f"{b}"


def table(results: dict[str, dict[str, Any]], commit: str) -> str:
    lines = [
        f"Verdicts at {commit} (before) → today's golden verdicts (after), per selected regime:",
        "",
        "| blueprint | regime | checks | " + " | ".join(COLUMNS) + " |",
        "|---|---|---|" + "---|" * len(COLUMNS),
    ]
    for name, res in results.items():
        for regime, pair in res["regimes"].items():
            b, a = pair["before"], pair["after"] or {}
            cells = [_cell(b[c], a.get(c, "?")) for c in COLUMNS]
            lines.append(f"| {name} | {regime} | {b['checks']} | " + " | ".join(cells) + " |")
        b, a = res["totals"]["before"], res["totals"]["after"]
        cells = [_cell(b[c], a[c]) if c in b else "-" for c in COLUMNS]
        lines.append(f"| {name} | all checks | {sum(b.values())} | " + " | ".join(cells) + " |")
    lines.append("")
    for name, res in results.items():
        of_all = f"{len(res['changed_of_all_checks'])} of all checks changed"
        if not res["regimes"]:
            lines.append(f"{name}: selects no regime; {of_all}")
            continue
        if not res["flipped"]:
            lines.append(f"{name}: no verdict of the selected regimes changed; {of_all}")
            continue
        lines.append(f"{name}: {len(res['flipped'])} checks of the selected regimes changed; {of_all}")
        for check, f in res["flipped"].items():
            lines.append(f"  {check}: {f['before']} → {f['after']} ({', '.join(f['regimes'])})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default=DEFAULT_COMMIT, help="the 'before' commit (default %(default)s)")
    parser.add_argument("--blueprint", action="append", help="a blueprint name (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    parser.add_argument("--keep", type=Path, help="also write each old state JSON into this folder")
    parser.add_argument(
        "--states", type=Path, help="judge the NAME.state.json files a --keep run wrote instead of applying"
    )
    args = parser.parse_args()
    names = args.blueprint or list(DEFAULT_BLUEPRINTS)
    unknown = [n for n in names if not (REPO / "blueprints" / f"{n}.yaml").is_file()]
    if unknown:
        raise SystemExit(
            f"--blueprint: unknown {', '.join(unknown)}; known: {', '.join(DEFAULT_BLUEPRINTS)}, ..."
        )
    work = Path(tempfile.mkdtemp(prefix="aisec-verdicts-before-"))
    try:
        if args.states:
            states = {
                n: json.loads((args.states / f"{n}.state.json").read_text(encoding="utf-8")) for n in names
            }
        else:
            states = old_states(args.commit, names, work)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for name, state in states.items():
                (args.keep / f"{name}.state.json").write_text(json.dumps(state), encoding="utf-8")
        results = {name: compare(name, state) for name, state in states.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps({"commit": args.commit, "blueprints": results}, indent=1))
    else:
        print(table(results, args.commit))


if __name__ == "__main__":
    main()
