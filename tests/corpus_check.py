"""The corpus of real-world-style root modules (tests/corpus/, issue #18 item 9): each root is
validated and planned offline as `aisec validate --offline` and `aisec plan --offline` run
Terraform (the same library calls: `verify.validate`, then `terraform plan` in the working copy
it initialised), and a broken variant of each (tests/corpus/broken.yaml) must fail with the
diagnostic the real provider or Terraform gives.

The roots were written for this repository, after the patterns of public community modules and
their examples; no public code is copied into it. `_shared/` holds files the roots read from
above their folder (`../_shared/...`), as real repositories do.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.offline import workspace
from generator.run import verify
from generator.run.runner import Diagnostic, parse_text_diagnostics
from tests.offline import Rehearsal, all_resources

CORPUS = Path(__file__).parent / "corpus"
TABLE = CORPUS / "broken.yaml"
PARTS = 3  # test_corpus_1.py .. test_corpus_3.py: one part each, so xdist spreads them


@cache
def table() -> dict[str, Any]:
    return yaml.safe_load(TABLE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def roots() -> list[str]:
    """Every root of the corpus: a folder of tests/corpus with Terraform files in it."""
    return sorted(p.parent.name for p in CORPUS.glob("*/main.tf") if not p.parent.name.startswith("_"))


def part(index: int) -> list[str]:
    """The roots of test file ``index`` (1-based), dealt round-robin in name order."""
    return roots()[index - 1 :: PARTS]


def cases(names: list[str]) -> list[Any]:
    """The broken variants of ``names`` as pytest params; a known limit is a strict xfail naming
    its cause."""
    found = []
    seen: dict[str, int] = {}
    for case in table()["broken"]:
        if case["root"] not in names:
            continue
        seen[case["root"]] = seen.get(case["root"], 0) + 1
        limit = case.get("known_limit")
        marks = [pytest.mark.xfail(strict=True, reason=limit)] if limit else []
        n = seen[case["root"]]
        found.append(pytest.param(case, id=case["root"] + (f"-{n}" if n > 1 else ""), marks=marks))
    return found


def root_params(names: list[str]) -> list[Any]:
    limits = table().get("known_limits") or {}
    return [
        pytest.param(n, marks=[pytest.mark.xfail(strict=True, reason=limits[n])] if n in limits else [])
        for n in names
    ]


@dataclass
class Outcome:
    """What validate and then plan (only when validate passed) said about a root."""

    stage: str  # "init", "validate" or "plan": where it stopped, or "plan" when all passed
    ok: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)
    plan: dict[str, Any] | None = None
    unformatted: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def error_text(self) -> str:
        return "\n".join(f"{d.summary}: {d.detail}" for d in self.errors)


def run(source: Path) -> Outcome:
    report = verify.validate(source, offline=True)
    if report.errors:
        initialised = (workspace.working_copy(source, "offline") / ".terraform.lock.hcl").is_file()
        return Outcome("validate" if initialised else "init", False, report.diagnostics)
    rehearsal = Rehearsal.at(workspace.working_copy(source, "offline"))
    result = rehearsal.run("plan", "-input=false", "-out=corpus.tfplan")
    diagnostics = parse_text_diagnostics(result.stdout + result.stderr)
    if not result.ok:
        return Outcome("plan", False, report.diagnostics + diagnostics)
    plan = rehearsal.show_json("corpus.tfplan")
    return Outcome("plan", True, report.diagnostics + diagnostics, plan, report.unformatted)


def check_root(name: str) -> None:
    """The root validates and plans offline: no error, something to create, the outputs the
    table expects (values known at plan)."""
    outcome = run(CORPUS / name)
    assert outcome.ok, f"{name}: failed at {outcome.stage}:\n{outcome.error_text()}"
    assert not outcome.unformatted, f"{name}: not in terraform fmt style: {outcome.unformatted}"
    assert outcome.plan is not None
    changes = [c for c in outcome.plan.get("resource_changes", []) if c["change"]["actions"] != ["no-op"]]
    planned = all_resources(outcome.plan["planned_values"]["root_module"])
    assert changes and planned, f"{name}: the plan creates nothing"
    expected = (table().get("plan_outputs") or {}).get(name, {})
    outputs = outcome.plan["planned_values"].get("outputs", {})
    for key, value in expected.items():
        assert outputs[key]["value"] == value, f"{name}: output {key}: {outputs[key]}"


def broken_copy(case: dict[str, Any], tmp_path: Path) -> Path:
    """A copy of the case's root (and of _shared, which roots read from above) with the
    mutation applied; the text replaced must occur exactly once, so the table cannot go stale."""
    shutil.copytree(CORPUS / "_shared", tmp_path / "_shared")
    root = tmp_path / case["root"]
    shutil.copytree(CORPUS / case["root"], root)
    path = root / case.get("file", "main.tf")
    text = path.read_text(encoding="utf-8")
    assert text.count(case["replace"]) == 1, f"{case['root']}: {case['replace']!r} is not in {path.name} once"
    path.write_text(text.replace(case["replace"], case["with"]), encoding="utf-8")
    return root


def expected_texts(case: dict[str, Any]) -> list[str]:
    expect = case["expect"]
    return [expect] if isinstance(expect, str) else list(expect)


def check_broken(case: dict[str, Any], tmp_path: Path) -> None:
    """The broken variant fails at the stage the table names, with the diagnostic text it names."""
    outcome = run(broken_copy(case, tmp_path))
    text = " ".join(outcome.error_text().split())
    assert not outcome.ok, f"{case['root']}: the broken variant passed validate and plan"
    missing = [e for e in expected_texts(case) if " ".join(e.split()) not in text]
    assert not missing, f"{case['root']}: {missing} not in the errors at {outcome.stage}:\n{text}"
    assert outcome.stage == case["stage"], (
        f"{case['root']}: failed at {outcome.stage}, expected {case['stage']}"
    )
