"""Render benchmark: whole-process `aisec render` against the Python start-up floor, and the
time per spec when rendering many specs in one process.

    python benchmarks/bench_render.py [--runs 10] [--specs 1000] [--blueprint healthcare-training]

Prints a table and, with --json, the figures as JSON. Numbers, not thresholds: nothing here fails.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def timed_process(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--specs", type=int, default=1000)
    parser.add_argument("--blueprint", default="healthcare-training")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import yaml

    from generator.policy import decide
    from generator.render import render
    from generator.spec import parse_spec

    blueprint = REPO / "blueprints" / f"{args.blueprint}.yaml"
    floor = timed_process([sys.executable, "-c", "import pydantic, jinja2, yaml"], args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        whole = []
        for i in range(args.runs):
            whole += timed_process(
                [sys.executable, "-m", "generator", "render", str(blueprint), "-o", f"{tmp}/out{i}"], 1
            )
        rerender = timed_process(
            [sys.executable, "-m", "generator", "render", str(blueprint), "-o", f"{tmp}/out0"], args.runs
        )

    base = yaml.safe_load(blueprint.read_text())
    specs = []
    for i in range(args.specs):
        data = dict(base, name=f"bench-{i}")
        specs.append(data)
    render(parse_spec(specs[0]))  # warm the template cache, as a long-running process would
    start = time.perf_counter()
    total_files = 0
    for data in specs:
        spec = parse_spec(data)
        total_files += len(render(spec, decide(spec)))
    in_process = (time.perf_counter() - start) / args.specs

    figures = {
        "blueprint": args.blueprint,
        "runs": args.runs,
        "python_import_floor_s": statistics.median(floor),
        "aisec_render_new_dir_s": statistics.median(whole),
        "aisec_render_unchanged_s": statistics.median(rerender),
        "specs_in_process": args.specs,
        "per_spec_parse_decide_render_ms": in_process * 1000,
        "files_per_spec": total_files // args.specs,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"blueprint {args.blueprint}, median of {args.runs} runs")
    print(
        f"  python -c 'import pydantic, jinja2, yaml' (floor) {figures['python_import_floor_s'] * 1000:8.1f} ms"
    )
    print(
        f"  aisec render into a new folder                    {figures['aisec_render_new_dir_s'] * 1000:8.1f} ms"
    )
    print(
        f"  aisec render, nothing changed                     {figures['aisec_render_unchanged_s'] * 1000:8.1f} ms"
    )
    print(
        f"  {args.specs} specs in one process: {figures['per_spec_parse_decide_render_ms']:.2f} ms per spec "
        f"(parse + decide + render, {figures['files_per_spec']} files each, no disk)"
    )


if __name__ == "__main__":
    main()
