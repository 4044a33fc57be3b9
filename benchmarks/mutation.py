"""Mutation testing of the safety-critical code: how many deliberate defects do the tests catch?

For each area (the code that keeps users safe, and the tests meant to guard it), mutmut changes the
code one small defect at a time (a flipped comparison, a dropped condition, another constant) and
runs the area's tests against each; a mutant the tests do not fail "survived". The script works in a
scratch copy of the checkout (mutmut writes a `mutants/` folder), so the checkout is never touched,
and reports the kill rate per area and every survivor.

    python benchmarks/mutation.py                     # every fast area
    python benchmarks/mutation.py --area spec --area hcl
    python benchmarks/mutation.py --all --sample 10   # the slow areas too, every 10th mutant of each
    python benchmarks/mutation.py --json              # one JSON document on stdout
    python benchmarks/mutation.py --area cost --json --workdir /tmp/m > before.json
    python benchmarks/mutation.py --recheck before.json --workdir /tmp/m2   # after adding tests

Each area runs the fewest tests that guard it (mutmut runs, per mutant, the selected tests that
call the mutated function, fastest first, and stops at the first failure). Slow: the fast areas
take minutes on two cores; the compliance report (about 1,500 mutants) and the cost estimate (800,
most of them in item names) take an hour or more on a loaded machine, hence --sample. CI does not
run it.
"""

from __future__ import annotations

import argparse
import fnmatch
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Area:
    name: str
    title: str
    code: tuple[str, ...]  # files mutated
    tests: tuple[str, ...]  # the tests that guard them: files or test ids, the fewest that do
    slow: bool = False
    # only these functions' mutants (mutmut's names, globs: `generator.run.orchestrate.x__address_type__*`);
    # empty: every function of `code`
    functions: tuple[str, ...] = ()
    # more pytest arguments for this area's runs (e.g. `-m "not slow"` to take a file's fast tests)
    pytest_args: tuple[str, ...] = ()


T_SCHEMA = "tests/test_offline_schema.py::"
T_REPORTS = "tests/test_reports.py::"
T_ORCH = "tests/test_orchestrate.py::"
T_PROWLER = "tests/test_prowler.py::"
# mutmut runs, for each mutant, only the selected tests that call the mutated function, fastest first,
# and stops at the first failure; the selection keeps out the tests whose cost is elsewhere (an offline
# plan of every blueprint, a 57 MB wheel re-extracted) and that add no check of the mutated code.
AREAS = (
    Area(
        "spec",
        "spec validation and imports",
        # the spec package but the wizard and the blueprints
        (
            "generator/spec/types.py",
            "generator/spec/account.py",
            "generator/spec/macie.py",
            "generator/spec/workload.py",
            "generator/spec/model.py",
            "generator/spec/problems.py",
            "generator/spec/consistency.py",
            "generator/spec/load.py",
            "generator/spec/imports.py",
            "generator/spec/schema.py",
        ),
        (
            "tests/test_spec.py",
            "tests/test_hostile.py",
            "tests/test_imports.py",
            # the spec's checks whose tests live with the feature (spec-level tests only)
            "tests/test_vector_store.py::test_stores_are_checked",
            "tests/test_vector_store.py::test_only_rag_workloads_have_a_store",
            "tests/test_macie_identifiers.py::test_every_default_identifier_has_samples_and_is_valid_for_macie",
            "tests/test_macie_identifiers.py::test_identifier_regex_that_macie_refuses_or_that_matches_anything_is_refused",
            "tests/test_macie_identifiers.py::test_identifier_fields_outside_macie_limits_are_refused",
            "tests/test_macie_identifiers.py::test_macie_settings_contradictions_are_refused",
            "tests/test_macie_identifiers.py::test_identifiers_default_replace_and_extend",
            # the checks of images, Bedrock, notebooks and detective modes: their files' fast tests
            "tests/test_ecr.py",
            "tests/test_bedrock.py",
            "tests/test_notebook.py",
            "tests/test_detective.py",
        ),
        pytest_args=("-m", "not slow"),
    ),
    Area("hcl", "HCL escaping", ("generator/render/hcl.py",), ("tests/test_hcl.py", "tests/test_hostile.py")),
    Area("writer", "the writer and merge", ("generator/render/writer.py",), ("tests/test_writer.py",)),
    Area(
        "schemacheck",
        "the stand-in's schema checks",
        ("generator/offline/schemacheck.py",),
        (
            T_SCHEMA + "test_schema_passes_terraform_internal_validate",
            T_SCHEMA + "test_internal_validate_catches_what_terraform_refuses",
            T_SCHEMA + "test_each_internal_validate_rule_holds_and_only_where_terraform_applies_it",
            T_SCHEMA + "test_provider_schema_errors_name_provider_resource_and_data_source",
        ),
    ),
    Area(
        "compliance",
        "the compliance report",
        ("generator/reports/compliance.py",),
        (
            T_REPORTS + "test_every_regime_lists_addressed_and_out_of_scope_requirements",
            T_REPORTS + "test_compliance_report_and_command",
            T_REPORTS + "test_what_rests_on_the_spec_changes_the_status",
            T_REPORTS + "test_existing_foundation_does_not_claim_foundation_controls",
            T_REPORTS + "test_statuses_follow_what_the_landing_applies_and_the_figures_count_them",
            T_REPORTS + "test_every_applied_control_names_resources_the_generated_code_declares",
            T_REPORTS + "test_each_controls_evidence_names_every_kind_of_resource_it_consists_of",
            T_REPORTS + "test_predictions_follow_the_resources_the_landing_creates_and_its_access_log_bucket",
            T_PROWLER + "test_figures_per_regime",
            T_PROWLER + "test_coverage_counts_partition_the_catalogue",
            T_PROWLER + "test_ai_security_is_the_default_for_rag_and_inference_only",
            T_PROWLER + "test_ai_security_coverage_follows_the_guardrail",
            T_PROWLER + "test_existing_foundation_covers_less",
            T_PROWLER + "test_coverage_of_every_blueprint",
            "tests/test_verdicts.py::test_predictions_appear_in_compliance_md_and_the_json_alike",
        ),
        slow=True,
    ),
    Area(
        "cost",
        "the cost estimate",
        ("generator/reports/cost.py",),
        (
            T_REPORTS + "test_shared_costs_do_not_grow_with_workloads",
            T_REPORTS + "test_cost_assumptions_come_from_the_spec_and_region",
            T_REPORTS + "test_every_cost_line_is_a_listed_price_times_what_the_landing_creates",
            T_REPORTS + "test_notebooks_and_images_are_priced_per_stage_and_unknown_types_say_so",
            T_REPORTS + "test_detective_controls_cost_only_where_the_landing_creates_them",
        ),
        slow=True,
    ),
    Area(
        "guards",
        "the plan fingerprint and guards",
        ("generator/run/orchestrate.py",),
        (
            T_ORCH + "test_fingerprint_names_what_changed",
            T_ORCH + "test_a_plan_is_stale_for_every_kind_of_change",
            T_ORCH + "test_the_fingerprint_covers_what_terraform_reads_and_only_that",
            T_ORCH + "test_variables_are_compared_by_a_salted_digest_of_their_values",
            T_ORCH + "test_allow_destroy_protected_takes_kinds_and_addresses_only",
            T_ORCH + "test_terraforms_prevent_destroy_refusals_are_named_by_kind",
            T_ORCH + "test_a_plan_holding_a_sensitive_value_is_recognised",
            T_ORCH + "test_the_fingerprint_records_the_variables_and_the_terraform_it_was_made_with",
        ),
        # The decisions, not the plumbing around terraform: the plan-level tests of the same guards
        # (test_stale_plans_are_refused, test_protected_*; 30 s to 2 min each) are too slow per mutant.
        functions=tuple(
            f"generator.run.orchestrate.{name}__mutmut_*"
            for name in (
                "x__fingerprint_files",
                "x__variables",
                "x__variables_digest",
                "xǁFingerprintǁof",
                "xǁFingerprintǁdifferences",
                "x__check_allowed",
                "x__address_type",
                "x__protected_failure",
                "x__sensitive_variables_in_plan",
            )
        ),
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
    # -n 0: mutmut runs the tests in its own process (the addopts ask for xdist workers)
    lines += ["pytest_add_cli_args=", "    -p", "    no:cacheprovider", "    -q", "    -n", "    0"]
    lines += [f"    {a}" for a in area.pytest_args]
    lines += ["also_copy=", "    blueprints", "    examples", "    modules", "    schema", "    benchmarks"]
    return "\n".join(lines) + "\n"


def run_area(
    area: Area,
    workers: int,
    workdir: Path | None = None,
    before: dict[str, Any] | None = None,
    sample: int = 1,
) -> dict[str, Any]:
    """Mutate one area in a scratch copy: a temporary one, or ``workdir/AREA`` kept for a later look
    (run again with the same folder, mutmut goes on where it stopped and keeps its verdicts).

    With ``before`` (this area's entry of an earlier report), only that report's survivors are run
    again, against today's tests; a mutant killed then is still killed (tests were added, not
    weakened: check with a full run before trusting a figure after tests were edited).

    With ``sample`` K > 1, only every K-th mutant (in mutmut's order) is run: an estimate of the
    kill rate for areas whose every mutant would take hours on a loaded machine."""
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix=f"aisec-mutation-{area.name}-") as tmp:
            return _measure(area, workers, Path(tmp), before, sample)
    return _measure(area, workers, workdir / area.name, before, sample)


def _all_mutants(area: Area, work: Path, env: dict[str, str]) -> list[str]:
    """Every mutant of the area, generated (and the tests' coverage recorded) without running any."""
    subprocess.run(
        [sys.executable, "-m", "mutmut", "run", "aisec-no-such-mutant"],
        cwd=work,
        env=env,
        capture_output=True,
    )
    names: list[str] = []
    for code in area.code:
        meta = json.loads((work / "mutants" / f"{code}.meta").read_text(encoding="utf-8"))
        names += meta["exit_code_by_key"]
    return [n for n in names if not area.functions or any(fnmatch.fnmatch(n, f) for f in area.functions)]


def _measure(
    area: Area, workers: int, work: Path, before: dict[str, Any] | None, sample: int = 1
) -> dict[str, Any]:
    started = time.perf_counter()
    if not (work / "setup.cfg").is_file():
        work.mkdir(parents=True, exist_ok=True)
        _checkout_copy(work)
        (work / "setup.cfg").write_text(_config(area), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(work)}
    env.pop("AISEC_UPDATE_GOLDEN", None)
    names = list(before["survived"]) if before else list(area.functions)
    if sample > 1 and not before:
        names = _all_mutants(area, work, env)[::sample]
    run = subprocess.run(
        [sys.executable, "-m", "mutmut", "run", "--max-children", str(workers), *names],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    report = results(area, work, names if before or sample > 1 else None)
    report["sample"] = before.get("sample", 1) if before else sample
    if before:
        report["mutants"] = before["mutants"]
        report["killed"] = int(before["killed"]) + int(report["killed"])
        report["kill_rate"] = round(report["killed"] / (report["killed"] + len(report["survived"])), 3)
    report["seconds"] = round(time.perf_counter() - started, 1)
    if run.returncode != 0 or not report["mutants"]:
        report["error"] = (run.stdout + run.stderr)[-2000:]
    return report


def results(area: Area, work: Path, only: list[str] | None = None) -> dict[str, Any]:
    """The verdicts mutmut recorded in ``work`` so far (also while or after a run that was stopped).
    A mutant no selected test runs ("no tests") counts as a survivor."""
    patterns = only or area.functions
    listed = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(work)},
        capture_output=True,
        text=True,
    )
    statuses: dict[str, str] = {}
    for line in listed.stdout.splitlines():
        m = LINE_RE.match(line)
        if m and (not patterns or any(fnmatch.fnmatch(m.group(1), f) for f in patterns)):
            statuses[m.group(1)] = m.group(2)
    judged = ("killed", "timeout", "survived", "no tests")
    killed = sum(1 for s in statuses.values() if s in ("killed", "timeout"))
    counted = sum(1 for s in statuses.values() if s in judged)
    return {
        "area": area.name,
        "title": area.title,
        "code": list(area.code),
        "tests": list(area.tests),
        "mutants": len(statuses),
        "killed": killed,
        "survived": sorted(k for k, s in statuses.items() if s in ("survived", "no tests")),
        "no_tests": sorted(k for k, s in statuses.items() if s == "no tests"),
        "other": {k: s for k, s in statuses.items() if s not in judged},
        "kill_rate": round(killed / counted, 3) if counted else None,
        "seconds": None,
        "error": None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--area", action="append", choices=[a.name for a in AREAS])
    parser.add_argument("--all", action="store_true", help="include the slow areas")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep each area's scratch copy in WORKDIR/AREA; a rerun goes on from there",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=1,
        metavar="K",
        help="run every K-th mutant only (an estimate, for the areas too slow to run whole)",
    )
    parser.add_argument(
        "--recheck",
        type=Path,
        metavar="REPORT",
        help="run only the survivors listed in an earlier --json report (after adding tests for them)",
    )
    args = parser.parse_args(argv)
    chosen = [a for a in AREAS if (a.name in args.area if args.area else (args.all or not a.slow))]
    reports = []
    earlier: dict[str, dict[str, Any]] = {}
    if args.recheck:
        earlier = {r["area"]: r for r in json.loads(args.recheck.read_text(encoding="utf-8"))["areas"]}
        chosen = [a for a in chosen if a.name in earlier]
    for area in chosen:
        if not args.json:
            print(
                f"{area.name}: mutating {', '.join(area.code)} against {', '.join(area.tests)} ...",
                flush=True,
            )
        report = run_area(area, args.workers, args.workdir, earlier.get(area.name), args.sample)
        reports.append(report)
        if not args.json:
            rate = report["kill_rate"]
            shown = f"{rate:.0%}" if isinstance(rate, float) else "n/a"
            print(
                f"  {report['killed']}/{report['mutants']} killed ({shown}) in {report['seconds']} s; "
                f"{len(report['survived'])} survived"
            )
            for name in report["survived"]:
                print(f"    survived: {name}")
            if report["error"]:
                print(f"  mutmut did not finish cleanly:\n{report['error']}")
    if args.json:
        sys.stdout.write(json.dumps({"areas": reports}, indent=2) + "\n")
    return 1 if any(r["error"] for r in reports) else 0


if __name__ == "__main__":
    raise SystemExit(main())
