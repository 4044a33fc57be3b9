"""Shared fixtures. Tests use the real terraform binary, checkov, jinja2 and pydantic."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.blueprints import all_blueprints
from generator.render import render
from generator.spec import load_spec
from generator.writer import write

REPO = Path(__file__).resolve().parent.parent
BLUEPRINTS = {b.name: b.path for b in all_blueprints()}


def terraform_binary() -> str:
    """The terraform binary the tests use. Missing is a failure, never a skip."""
    found = shutil.which("terraform")
    if not found:
        pytest.fail("terraform is not on PATH; the terraform tests need the real binary (see README)")
    return found


def terraform_env(tmp: Path) -> dict[str, str]:
    cfg = tmp / "terraformrc"
    cfg.write_text("")  # the machines point TF_CLI_CONFIG_FILE at a file that does not exist
    return {**os.environ, "TF_CLI_CONFIG_FILE": str(cfg), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}


def aisec_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **extra}


def run_aisec(
    *args: str, cwd: Path | None = None, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it: a real process."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        input=input,
        env=env or aisec_env(),
        timeout=180,
    )


def json_result(proc: subprocess.CompletedProcess[str]) -> Any:
    """The result of an `aisec ... --json` run: stdout is one envelope (see cli.envelope) whose
    exit code is the process's."""
    doc = json.loads(proc.stdout)
    assert set(doc) == {"aisec", "command", "ok", "exit_code", "result", "errors"}, doc
    assert doc["exit_code"] == proc.returncode and doc["ok"] == (proc.returncode == 0), doc
    return doc["result"]


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every blueprint rendered once per session into its own folder."""
    base = tmp_path_factory.mktemp("rendered")
    out = {}
    for name, path in BLUEPRINTS.items():
        target = base / name
        write(target, render(load_spec(path)))
        out[name] = target
    return out


@pytest.fixture(scope="session")
def rendered_files() -> dict[str, dict[str, str]]:
    return {name: render(load_spec(path)) for name, path in BLUEPRINTS.items()}


@pytest.fixture(scope="session")
def applied(rendered: dict[str, Path]) -> dict[str, dict[str, object]]:
    """Every blueprint planned and applied offline once per session: its plan and state as JSON."""
    from tests.offline import Rehearsal

    out: dict[str, dict[str, object]] = {}
    for name, folder in rendered.items():
        r = Rehearsal.of(folder)
        r.ok("plan", "-input=false", "-out=tfplan")
        plan = r.show_json("tfplan")
        r.ok("apply", "-input=false", "tfplan")
        out[name] = {"plan": plan, "state": r.show_json(), "rehearsal": r}
    return out
