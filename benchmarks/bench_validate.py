"""`aisec validate --offline DIR` against plain terraform on the same mirror: what aisec adds.

    python benchmarks/bench_validate.py [--blueprint healthcare-training] [--runs 5] [--cold] [--json]

For each root (a rendered blueprint, and a small hand-written root that aisec did not render: two
providers, a local module, a data source feeding a policy), each run measures, interleaved and in
alternating order:

- plain: `terraform fmt -check -recursive`, `terraform init -input=false` and `terraform validate`,
  each a process of its own, run by hand in a copy of the root with the CLI configuration of the
  mirror aisec prepares (the same stand-in serves both); the sum of the three;
- aisec: the whole process `aisec validate --offline DIR` (the console script beside this
  interpreter, or `python -m generator`), from start to exit.

Warm (the default): both folders initialised by a first, uncounted run, as on a second run by hand.
With --cold, also the first run: aisec with an empty cache folder (no mirror, no cached schema
response, no certificate, no working copy) against plain terraform in a folder without
`.terraform` or lock file (the mirror and the stand-in's caches already there, as a user who set
them up once would have them). Reports medians, the ratio aisec / plain of the medians, and the
load average before and after (the machine may be shared: the ratio is what to compare).

Numbers, not thresholds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# A root module nobody rendered with aisec: what a user's own folder looks like.
SMALL_ROOT = {
    "versions.tf": """terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { team = "data" }
  }
}
""",
    "main.tf": """resource "random_pet" "suffix" {
  length = 2
}

data "aws_caller_identity" "current" {}

module "bucket" {
  source = "./modules/bucket"
  name   = "logs-${random_pet.suffix.id}"
}

data "aws_iam_policy_document" "read" {
  statement {
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${module.bucket.arn}/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_s3_bucket_policy" "read" {
  bucket = module.bucket.id
  policy = data.aws_iam_policy_document.read.json
}

output "bucket" {
  value = module.bucket.id
}
""",
    "modules/bucket/main.tf": """variable "name" {
  type = string
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}

output "id" {
  value = aws_s3_bucket.this.id
}

output "arn" {
  value = aws_s3_bucket.this.arn
}
""",
}


def _aisec_command() -> list[str]:
    script = Path(sys.executable).with_name("aisec")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "generator"]


def _timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} in {cwd} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return seconds


def _plain(folder: Path, env: dict[str, str], terraform: str) -> dict[str, float]:
    steps = {
        "fmt": _timed([terraform, "fmt", "-check", "-recursive", "-no-color"], folder, env),
        "init": _timed([terraform, "init", "-input=false", "-no-color"], folder, env),
        "validate": _timed([terraform, "validate", "-no-color"], folder, env),
    }
    steps["total"] = sum(steps.values())
    return steps


def _aisec(folder: Path, env: dict[str, str]) -> float:
    return _timed([*_aisec_command(), "validate", "--offline", str(folder)], folder.parent, env)


def _uninitialised(folder: Path) -> None:
    shutil.rmtree(folder / ".terraform", ignore_errors=True)
    (folder / ".terraform.lock.hcl").unlink(missing_ok=True)


def measure(name: str, source: Path, tmp: Path, runs: int, cold: bool) -> dict[str, Any]:
    from generator.offline import workspace
    from generator.run.runner import find_binary
    from generator.run.verify import plain_env

    base_env = {**plain_env(), "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    binary = find_binary(base_env)
    # the mirror aisec prepares, and its CLI configuration, for the runs by hand
    plain_env_ = workspace.prepare(binary.platform).env(base_env)
    plain_dir = tmp / f"{name}-plain"
    shutil.copytree(source, plain_dir)
    aisec_dir = source
    plain: list[dict[str, float]] = []
    aisec: list[float] = []
    cold_plain: list[float] = []
    cold_aisec: list[float] = []
    # one uncounted run each: the folder initialised, the working copy made, the caches filled
    _plain(plain_dir, plain_env_, binary.path)
    _aisec(aisec_dir, base_env)
    for i in range(runs):
        order = ("plain", "aisec") if i % 2 == 0 else ("aisec", "plain")
        for which in order:
            if which == "plain":
                plain.append(_plain(plain_dir, plain_env_, binary.path))
            else:
                aisec.append(_aisec(aisec_dir, base_env))
        if cold:
            for which in order:
                if which == "plain":
                    _uninitialised(plain_dir)
                    cold_plain.append(_plain(plain_dir, plain_env_, binary.path)["total"])
                else:
                    cache = tmp / f"cold-cache-{name}-{i}"
                    cold_aisec.append(_aisec(aisec_dir, {**base_env, "XDG_CACHE_HOME": str(cache)}))
                    shutil.rmtree(cache, ignore_errors=True)
    med = {k: statistics.median(p[k] for p in plain) for k in plain[0]}
    result: dict[str, Any] = {
        "plain_s": med,
        "aisec_s": statistics.median(aisec),
        "ratio": statistics.median(aisec) / med["total"],
        # each run's aisec time over the plain time measured beside it: steadier under a changing load
        "paired_ratio": statistics.median(a / p["total"] for a, p in zip(aisec, plain, strict=True)),
        "aisec_runs_s": aisec,
        "plain_total_runs_s": [p["total"] for p in plain],
    }
    if cold:
        result["cold"] = {
            "plain_s": statistics.median(cold_plain),
            "aisec_s": statistics.median(cold_aisec),
            "ratio": statistics.median(cold_aisec) / statistics.median(cold_plain),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--blueprint", default="healthcare-training")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="also measure first runs (empty caches)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from generator.render import render
    from generator.render.writer import write
    from generator.spec import load_spec

    load_before = os.getloadavg()
    roots: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        blueprint = tmp / args.blueprint
        write(blueprint, render(load_spec(REPO / "blueprints" / f"{args.blueprint}.yaml")))
        small = tmp / "small-root"
        for rel, text in SMALL_ROOT.items():
            (small / rel).parent.mkdir(parents=True, exist_ok=True)
            (small / rel).write_text(text)
        for name, folder in ((args.blueprint, blueprint), ("small-root", small)):
            roots[name] = measure(name, folder, tmp, args.runs, args.cold)
    figures = {
        "runs": args.runs,
        "aisec_command": " ".join(_aisec_command()),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "roots": roots,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(
        f"median of {args.runs} runs; load average {figures['load_average_before'][0]} before, "
        f"{figures['load_average_after'][0]} after, {figures['cpus']} CPUs"
    )
    for name, r in roots.items():
        p = r["plain_s"]
        print(f"{name}:")
        print(
            f"  plain terraform  {p['total'] * 1000:6.0f} ms  (fmt {p['fmt'] * 1000:.0f}, "
            f"init {p['init'] * 1000:.0f}, validate {p['validate'] * 1000:.0f})"
        )
        print(
            f"  aisec validate   {r['aisec_s'] * 1000:6.0f} ms  ratio {r['ratio']:.2f}x "
            f"(median of the runs' ratios {r['paired_ratio']:.2f}x)"
        )
        if "cold" in r:
            c = r["cold"]
            print(
                f"  cold: plain {c['plain_s'] * 1000:.0f} ms, aisec {c['aisec_s'] * 1000:.0f} ms, "
                f"ratio {c['ratio']:.2f}x"
            )


if __name__ == "__main__":
    main()
