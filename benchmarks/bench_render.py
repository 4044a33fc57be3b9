"""Render benchmark: whole-process `aisec render` against the Python start-up floor, and the
time per spec when rendering many specs in one process.

    python benchmarks/bench_render.py [--runs 10] [--specs 1000] [--blueprint healthcare-training]
    python benchmarks/bench_render.py --instructions   # each command once under valgrind's callgrind

Prints a table (wall and CPU time, ratios to the floor, the load average) and, with --json, the
figures as JSON. --instructions counts each process's instructions instead (callgrind, after a
warm-up run): the figure no other load on the machine disturbs. Numbers, not thresholds: nothing
here fails.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def timed_process(cmd: list[str], pycache: str) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``cmd``."""
    # This checkout's code, wherever aisec is installed from; its bytecode as an installed aisec
    # has it: compiled once (by the warm-up runs) into a folder of the benchmark's own, whatever
    # PYTHONDONTWRITEBYTECODE says (compiling the package on every run is not start-up).
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONPYCACHEPREFIX": pycache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=REPO)  # -m imports from the cwd first
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def instructions(cmd: list[str], pycache: str) -> int:
    """Instructions one run of ``cmd`` executes, counted by valgrind's callgrind."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONPYCACHEPREFIX": pycache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.NamedTemporaryFile() as out:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}", *cmd],
            capture_output=True, text=True, env=env, cwd=REPO, check=True,
        )  # fmt: skip
    return int(done.stderr.rpartition("Collected : ")[2].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--specs", type=int, default=1000)
    parser.add_argument("--blueprint", default="healthcare-training")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--instructions", action="store_true", help="count instructions (valgrind) instead")
    args = parser.parse_args()

    import yaml

    from generator.decide.policy import decide
    from generator.render import render
    from generator.spec import parse_spec

    blueprint = str(REPO / "blueprints" / f"{args.blueprint}.yaml")
    aisec = [sys.executable, "-m", "generator"]
    with tempfile.TemporaryDirectory() as tmp:
        pycache = f"{tmp}/pycache"
        # Interleaved, so a machine busy with something else slows every command alike: the ratios
        # to the floor, measured in the same run, are what to compare between machines.
        commands: dict[str, Callable[[int], list[str]]] = {
            "floor": lambda i: [sys.executable, "-c", "import pydantic, jinja2, yaml"],
            "render": lambda i: [*aisec, "render", blueprint, "-o", f"{tmp}/new{i}"],
            "render_unchanged": lambda i: [*aisec, "render", blueprint, "-o", f"{tmp}/same"],
            "render_check": lambda i: [*aisec, "render", blueprint, "-o", f"{tmp}/same", "--check"],
            "check_spec": lambda i: [*aisec, "check-spec", blueprint],
            "cost": lambda i: [*aisec, "cost", blueprint],
            "compliance": lambda i: [*aisec, "compliance", blueprint],
            "help": lambda i: [*aisec, "--help"],
        }
        for command in commands.values():  # warm-up: bytecode, compiled templates, `same`
            timed_process(command(-1), pycache)
        if args.instructions:
            counts = {name: instructions(command(-2), pycache) for name, command in commands.items()}
            floor = counts.pop("floor")
            import pydantic

            print(f"instructions, pydantic {pydantic.VERSION}: floor {floor / 1e6:,.0f}M")
            for name, count in counts.items():
                print(f"  {name:20s} {count / 1e6:7,.0f}M  {count / floor:5.2f}x")
            return
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for i in range(args.runs):
            for name, command in commands.items():
                wall, used = timed_process(command(i), pycache)
                times[name].append(wall)
                cpu[name].append(used)
    medians = {name: statistics.median(t) for name, t in times.items()}
    cpu_medians = {name: statistics.median(t) for name, t in cpu.items()}

    base = yaml.safe_load(Path(blueprint).read_text())
    specs = []
    for i in range(args.specs):
        data = dict(base, name=f"bench-{i}")
        specs.append(data)
    render(parse_spec(specs[0]))  # warm the template cache, as a long-running process would
    start, start_cpu = time.perf_counter(), time.process_time()
    total_files = 0
    for data in specs:
        spec = parse_spec(data)
        total_files += len(render(spec, decide(spec)))
    in_process = (time.perf_counter() - start) / args.specs
    in_process_cpu = (time.process_time() - start_cpu) / args.specs

    floor_s, floor_cpu = medians["floor"], cpu_medians["floor"]
    figures: dict[str, object] = {
        "blueprint": args.blueprint,
        "runs": args.runs,
        "load_average": os.getloadavg(),
        "python_import_floor_s": floor_s,
        "commands_s": {k: v for k, v in medians.items() if k != "floor"},
        "ratio_to_floor": {k: round(v / floor_s, 2) for k, v in medians.items() if k != "floor"},
        "python_import_floor_cpu_s": floor_cpu,
        "commands_cpu_s": {k: v for k, v in cpu_medians.items() if k != "floor"},
        "cpu_ratio_to_floor": {k: round(v / floor_cpu, 2) for k, v in cpu_medians.items() if k != "floor"},
        "specs_in_process": args.specs,
        "per_spec_parse_decide_render_ms": in_process * 1000,
        "per_spec_parse_decide_render_cpu_ms": in_process_cpu * 1000,
        "files_per_spec": total_files // args.specs,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"blueprint {args.blueprint}, median of {args.runs} interleaved runs (load average {load})")
    print(f"  {'':48s} {'wall':>8s}     {'ratio':>6s}  {'cpu':>8s}     {'ratio':>6s}")
    print(f"  {'python -c import pydantic, jinja2, yaml (floor)':48s} {floor_s * 1000:8.1f} ms"
          f"{'':9s}  {floor_cpu * 1000:8.1f} ms")  # fmt: skip
    for name, seconds in medians.items():
        if name != "floor":
            label = "aisec " + " ".join(commands[name](0)[3:]).replace(blueprint, args.blueprint)
            label = label.replace(f"{tmp}/", "")
            used = cpu_medians[name]
            print(
                f"  {label[:48]:48s} {seconds * 1000:8.1f} ms  {seconds / floor_s:5.2f}x"
                f"  {used * 1000:8.1f} ms  {used / floor_cpu:5.2f}x"
            )
    print(
        f"  {args.specs} specs in one process: {in_process * 1000:.2f} ms per spec, "
        f"{in_process_cpu * 1000:.2f} ms CPU (parse + decide + render, {total_files // args.specs} "
        "files each, no disk)"
    )


if __name__ == "__main__":
    main()
