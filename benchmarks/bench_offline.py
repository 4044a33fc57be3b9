"""Offline verification benchmark: the stand-in provider's start-up, and each terraform step on a
blueprint-sized configuration with the real binary.

    python benchmarks/bench_offline.py [--blueprint healthcare-training] [--runs 3] [--json]

Numbers, not thresholds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def provider_startup(runs: int) -> list[float]:
    """Seconds from starting the stand-in to its go-plugin handshake line."""
    times = []
    env = {**os.environ, "PLUGIN_PROTOCOL_VERSIONS": "6"}
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "generator.offline.server"], stdout=subprocess.PIPE, env=env, cwd=REPO
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        times.append(time.perf_counter() - start)
        proc.kill()
        proc.wait()
        assert line.startswith(b"1|6|unix|"), line
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--blueprint", default="healthcare-training")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from generator.offline import workspace
    from generator.render import render
    from generator.render.writer import write
    from generator.run.runner import PythonTerraformRunner, find_binary
    from generator.run.verify import plain_env
    from generator.spec import load_spec

    provider_startup(1)  # warm the schema and certificate caches, as any second run finds them
    startup = provider_startup(args.runs)
    tf = PythonTerraformRunner(find_binary(plain_env()))
    env = workspace.prepare(tf.binary.platform).env(plain_env())
    steps: dict[str, list[float]] = {}
    aisec_steps: dict[str, list[float]] = {}
    resources = 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / args.blueprint
        write(out, render(load_spec(REPO / "blueprints" / f"{args.blueprint}.yaml")))
        for _ in range(args.runs):
            work = workspace.working_copy(out, "offline")
            for f in ("terraform.tfstate", "terraform.tfstate.backup"):
                (work / f).unlink(missing_ok=True)
            for name, cmd in (
                ("init", ["init", "-input=false", "-no-color", "-upgrade"]),
                ("validate", ["validate", "-no-color"]),
                ("plan", ["plan", "-input=false", "-no-color", "-out=tfplan"]),
                ("show -json", ["show", "-json", "tfplan"]),
                ("apply", ["apply", "-input=false", "-no-color", "tfplan"]),
            ):
                result = tf.run(cmd[0], *cmd[1:], cwd=work, env=env)
                assert result.ok, result.stderr[-2000:]
                steps.setdefault(name, []).append(result.seconds)
                if name == "show -json":
                    resources = len(json.loads(result.stdout)["resource_changes"])
        # the same cycle through aisec: fingerprints, scrypt, show -json and the review included
        from generator.run import orchestrate

        for _ in range(args.runs):
            work = workspace.working_copy(out, "offline")
            for f in ("terraform.tfstate", "terraform.tfstate.backup"):
                (work / f).unlink(missing_ok=True)
            for name, step in (
                ("aisec plan", lambda: orchestrate.plan(out, offline=True)),
                ("aisec apply", lambda: orchestrate.apply(orchestrate.saved_plan(out, offline=True))),
                ("aisec drift", lambda: orchestrate.drift(out, offline=True)),
            ):
                started = time.perf_counter()
                step()
                aisec_steps.setdefault(name, []).append(time.perf_counter() - started)
    figures = {
        "blueprint": args.blueprint,
        "resources_planned": resources,
        "runs": args.runs,
        "provider_startup_s": statistics.median(startup),
        "steps_s": {k: statistics.median(v) for k, v in steps.items()},
        "aisec_s": {k: statistics.median(v) for k, v in aisec_steps.items()},
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"blueprint {args.blueprint} ({resources} resource instances), median of {args.runs} runs")
    print(f"  stand-in start-up (to handshake)  {figures['provider_startup_s'] * 1000:8.0f} ms")
    for name, seconds in figures["steps_s"].items():
        print(f"  terraform {name:<22} {seconds * 1000:8.0f} ms")
    for name, seconds in figures["aisec_s"].items():
        print(f"  {name:<32} {seconds * 1000:8.0f} ms  (the whole step, as the CLI runs it)")


if __name__ == "__main__":
    main()
