"""Fleet benchmark (issue 17 item 7): a folder of landings made from the blueprints, each with its
own name and account, in a temporary git repository.

    python benchmarks/bench_fleet.py [--landings 100] [--runs 3] [--plan-landings 10] [--json]

- `aisec render specs/ -o infra/`, `aisec render specs/ -o infra/ --check` and
  `aisec check-spec specs/` over all the landings: whole processes, the median of --runs, and
  the time per landing;
- `aisec affected --base main specs/` in the repository after one landing's spec changed;
- `aisec plan --all --offline` of --plan-landings landings at --parallel 1 and --parallel 2
  (each level on its own copy of the folders, so neither starts with the other's rehearsals),
  and the ratio.

Prints a table and, with --json, the figures as JSON. Numbers, not thresholds: nothing here fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}  # this checkout's code
AISEC = [sys.executable, "-m", "generator"]


def timed(
    cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0,)
) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd[2:])} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return seconds, proc


def make_specs(folder: Path, count: int) -> list[str]:
    """``count`` landings from the blueprints in turn, each with its own name and account id."""
    blueprints = sorted((REPO / "blueprints").glob("*.yaml"))
    folder.mkdir(parents=True)
    names = []
    for i in range(count):
        bp = blueprints[i % len(blueprints)]
        text = bp.read_text()
        account = re.search(r'^  account_id: "(\d{12})"', text, re.M)
        assert account is not None, bp
        text = text.replace(account.group(1), f"{900000000000 + i:012d}")
        own = re.search(r"^name: (\S+)$", text, re.M)
        assert own is not None, bp
        name = f"{own.group(1)}-{i:03d}"  # the blueprint's (short) name: bucket names stay within 63
        text = text.replace(own.group(0), f"name: {name}", 1)
        text = "\n".join(line for line in text.splitlines() if "yaml-language-server" not in line) + "\n"
        (folder / f"{name}.yaml").write_text(text)
        names.append(name)
    return names


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-C", str(repo), *args],
        check=True, capture_output=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--landings", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--plan-landings", type=int, default=10, help="0: no plan --all runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    figures: dict[str, object] = {"landings": args.landings, "runs": args.runs, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        names = make_specs(repo / "specs", args.landings)
        git(repo, "init", "-q", "-b", "main")
        first, _ = timed([*AISEC, "render", "specs", "-o", "infra"], repo)
        commands = {
            "render_unchanged": [*AISEC, "render", "specs", "-o", "infra"],
            "render_check": [*AISEC, "render", "specs", "-o", "infra", "--check"],
            "check_spec": [*AISEC, "check-spec", "specs"],
        }
        times: dict[str, list[float]] = {"render_new": [first]}
        for i in range(args.runs):  # interleaved: a busy machine slows each alike
            for key, cmd in commands.items():
                times.setdefault(key, []).append(timed(cmd, repo)[0])
            if i + 1 < args.runs:
                shutil.rmtree(repo / "infra")
                times["render_new"].append(timed([*AISEC, "render", "specs", "-o", "infra"], repo)[0])
        medians = {k: statistics.median(v) for k, v in times.items()}
        figures["folder_s"] = {k: round(v, 2) for k, v in medians.items()}
        figures["per_landing_ms"] = {k: round(v / args.landings * 1000, 1) for k, v in medians.items()}
        files = sum(1 for p in (repo / "infra").rglob("*") if p.is_file())
        figures["files_rendered"] = files

        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "landings")
        spec = repo / "specs" / f"{names[0]}.yaml"
        spec.write_text(spec.read_text() + "# changed\n")
        affected = []
        for _ in range(args.runs):
            seconds, proc = timed([*AISEC, "affected", "--base", "main", "specs", "--json"], repo)
            affected.append(seconds)
        listed = json.loads(proc.stdout)["result"]["affected"]
        figures["affected_s"] = round(statistics.median(affected), 2)
        figures["affected_listed"] = listed

        if args.plan_landings:
            chosen = names[: args.plan_landings]
            plans: dict[str, float] = {}
            for level in (1, 2):
                folder = repo / f"plan-p{level}"
                for name in chosen:
                    shutil.copytree(repo / "infra" / name, folder / name)
                seconds, proc = timed(
                    [*AISEC, "plan", "--all", folder.name, "--offline", "--parallel", str(level), "--json"],
                    repo,
                    ok=(0, 1),
                )
                result = json.loads(proc.stdout)["result"]
                planned = sum(r["status"] in ("planned", "blocked", "no changes") for r in result["roots"])
                plans[f"parallel_{level}"] = round(seconds, 1)
                figures[f"plan_all_parallel_{level}_roots_planned"] = planned
                figures[f"plan_all_parallel_{level}_per_root_s"] = [r["seconds"] for r in result["roots"]]
            figures["plan_all_offline_s"] = plans
            figures["plan_all_landings"] = len(chosen)
            figures["plan_all_speedup_p2_over_p1"] = round(plans["parallel_1"] / plans["parallel_2"], 2)
        load = os.getloadavg()
        figures["load_average_1m_at_end"] = round(load[0], 2)

    if args.json:
        print(json.dumps(figures, indent=2))
        return
    n = args.landings
    print(f"{n} landings from the blueprints (median of {args.runs}; {os.cpu_count()} CPUs)")
    labels = {
        "render_new": "aisec render specs/ -o infra/ (new)",
        "render_unchanged": "aisec render specs/ -o infra/ (unchanged)",
        "render_check": "aisec render specs/ -o infra/ --check",
        "check_spec": "aisec check-spec specs/",
    }
    for key, label in labels.items():
        print(f"  {label:44s} {medians[key]:7.2f} s  {medians[key] / n * 1000:7.1f} ms per landing")
    print(
        f"  {'aisec affected --base main specs/':44s} {figures['affected_s']:7.2f} s  ({len(listed)} affected)"
    )
    if args.plan_landings:
        p = figures["plan_all_offline_s"]
        assert isinstance(p, dict)
        print(f"  aisec plan --all --offline, {figures['plan_all_landings']} landings:")
        print(f"    --parallel 1 {p['parallel_1']:7.1f} s")
        print(
            f"    --parallel 2 {p['parallel_2']:7.1f} s  ({figures['plan_all_speedup_p2_over_p1']}x faster)"
        )
    print(f"  load average at the end: {figures['load_average_1m_at_end']}")


if __name__ == "__main__":
    main()
