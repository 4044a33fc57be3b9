"""Shared fixtures. Tests use the real terraform binary, checkov, jinja2 and pydantic."""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import ItemsView, Iterator, Mapping, ValuesView
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock, Timeout

from generator.render import render
from generator.render.writer import write
from generator.spec import load_spec
from generator.spec.blueprints import all_blueprints

REPO = Path(__file__).resolve().parent.parent
BLUEPRINTS = {b.name: b.path for b in all_blueprints()}

# Terraform's garbage collector runs 4 times less often in the tests' terraform processes (Go's
# GOGC, default 100): a blueprint's validate, plan and apply cost a fifth less CPU (README, "Test
# wall time") for about twice the memory (560 MB at most for a blueprint's apply). Only the
# collector's pace changes, nothing terraform does; a GOGC already set is kept.
os.environ.setdefault("GOGC", "400")


# Files that take minutes, queued first: with workers (`-n auto --dist loadfile`, whole files per
# worker) they start early and the short files fill in around them; a file of minutes queued last
# (alphabetical order, say test_stages.py) would leave the other worker idle at the end. Only the
# order changes. The two files that start from the `split_landing` fixture (test_stage_guards.py,
# test_stages.py) stand apart, so that the second usually finds it made rather than waits for it.
LONG_FILES = (
    "test_orchestrate.py",
    "test_wizard.py",
    "test_plangate.py",
    "test_ci_roles.py",
    "test_macie_identifiers.py",
    "test_sagemaker_guardrails.py",
    "test_corpus_1.py",
    "test_corpus_2.py",
    "test_corpus_3.py",
    "test_fleetrun.py",
    "test_migrate.py",
    "test_stage_guards.py",
    "test_accounts.py",
    "test_stage_roles.py",
    "test_stages_review.py",
    "test_offline_utility.py",
    "test_stages.py",
)


# What makes a test slow (seconds to minutes), found in its source or its fixtures' sources: the
# terraform binary, checkov, a terminal session, a browser, a fresh virtual environment, the type
# checker, or aisec commands that run terraform. Such tests get the `slow` marker; the inner loop
# is `pytest -m "not slow"` (README, "Contributing: set up and test").
_SLOW_SIGNS = re.compile(
    r"Rehearsal|terraform_binary|terraform_env|checkov|pexpect|playwright|chromium|venv|mypy"
    r'|run_aisec\(\s*"(?:plan|apply|validate|drift|destroy|gate)"|"-m", "generator", "(?:plan|apply)"'
)
_SLOW_FIXTURES = {"applied", "split_landing"}


def _is_slow(item: pytest.Item) -> bool:
    if any(item.get_closest_marker(m) for m in ("terraform", "checkov", "live_aws")):
        return True
    names = getattr(item, "fixturenames", [])
    if _SLOW_FIXTURES.intersection(names):
        return True
    info = getattr(item, "_fixtureinfo", None)
    funcs = [getattr(item, "function", None)]
    if info is not None:
        funcs += [d.func for defs in info.name2fixturedefs.values() for d in defs]
    return any(_SLOW_SIGNS.search(source) for func in funcs for source in _sources(func))


_CALL = re.compile(r"\b([A-Za-z_]\w*)\(")


def _sources(func: Any, depth: int = 2) -> list[str]:
    """``func``'s source and that of the functions of its own module it calls (two levels deep)."""
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        return []
    found = [source]
    if depth:
        module = sys.modules.get(getattr(func, "__module__", ""), None)
        for name in set(_CALL.findall(source)):
            called = getattr(module, name, None)
            if inspect.isfunction(called) and called is not func and called.__module__ == func.__module__:
                found += _sources(called, depth - 1)
    return found


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _is_slow(item):
            item.add_marker(pytest.mark.slow)
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONG_FILES)))  # stable: same order within


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


def shared_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder of this test run that every pytest-xdist worker sees (the run's base temporary
    folder; each worker's own one is below it), or the run's own one without workers. What goes in
    it is made once, under a file lock, and only read afterwards."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    folder.mkdir(exist_ok=True)
    return folder


def _render_once(folder: Path) -> dict[str, Path]:
    """Every blueprint rendered into ``folder``/NAME, once per run whichever worker comes first."""
    with FileLock(folder / ".lock"):
        if not (folder / ".complete").is_file():
            for name, path in BLUEPRINTS.items():
                write(folder / name, render(load_spec(path)))
            (folder / ".complete").touch()
    return {name: folder / name for name in BLUEPRINTS}


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every blueprint rendered once per run into its own folder (shared by the workers: read only)."""
    return _render_once(shared_folder(tmp_path_factory, "rendered"))


@pytest.fixture(scope="session")
def rendered_files() -> dict[str, dict[str, str]]:
    return {name: render(load_spec(path)) for name, path in BLUEPRINTS.items()}


class Applied(Mapping[str, dict[str, Any]]):
    """Every blueprint planned and applied offline once per test run: its plan and state as JSON,
    its rehearsal (the working copy, to run terraform in again) and the folder it was rendered to. A blueprint is applied when a
    test first asks for it, by whichever worker asks first (under a file lock per blueprint); the
    other workers read its JSON. Going through all of them, a worker first takes the blueprints
    nobody is applying, so two workers apply different ones side by side."""

    def __init__(self, sources: dict[str, Path], store: Path) -> None:
        self._sources, self._store = sources, store
        self._loaded: dict[str, dict[str, Any]] = {}

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def __getitem__(self, name: str) -> dict[str, Any]:
        if name not in self._loaded:
            if name not in self._sources:
                raise KeyError(name)
            with FileLock(self._store / f"{name}.lock"):
                self._make(name)
            self._loaded[name] = self._read(name)
        return self._loaded[name]

    def items(self) -> ItemsView[str, dict[str, Any]]:
        self._take_free()
        return super().items()

    def values(self) -> ValuesView[dict[str, Any]]:
        self._take_free()
        return super().values()

    def _take_free(self) -> None:
        for name in self._sources:
            lock = FileLock(self._store / f"{name}.lock")
            try:
                lock.acquire(timeout=0)
            except Timeout:
                continue  # another worker is applying it: take the next one meanwhile
            try:
                self._make(name)
            finally:
                lock.release()

    def _make(self, name: str) -> None:
        """Apply ``name`` unless done (the caller holds its lock)."""
        from tests.offline import Rehearsal

        done = self._store / f"{name}.json"
        if done.is_file():
            return
        r = Rehearsal.of(self._sources[name])
        r.ok("plan", "-input=false", "-out=tfplan")
        plan = r.show_json("tfplan")
        r.ok("apply", "-input=false", "tfplan")
        record = {"plan": plan, "state": r.show_json(), "work": str(r.work)}
        partial = done.with_suffix(".partial")
        partial.write_text(json.dumps(record))
        partial.replace(done)

    def _read(self, name: str) -> dict[str, Any]:
        from tests.offline import Rehearsal

        record = json.loads((self._store / f"{name}.json").read_text())
        return {
            "plan": record["plan"],
            "state": record["state"],
            "rehearsal": Rehearsal.at(Path(record["work"])),
            "source": self._sources[name],  # the rendered folder (read only: tests/landings.py copies)
        }


@pytest.fixture(scope="session")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Applied:
    """Every blueprint planned and applied offline once per run (see Applied). It renders into a
    folder of its own: tests that make a working copy of a `rendered` folder do not touch its state."""
    sources = _render_once(shared_folder(tmp_path_factory, "applied-sources"))
    return Applied(sources, shared_folder(tmp_path_factory, "applied"))


@pytest.fixture(scope="session")
def split_landing(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """batch-scoring split by stage with its foundation and dev applied through aisec, once per run
    (tests/landings.py; shared by the workers: read only, tests take a copy_landing)."""
    from tests.landings import split_applied

    return split_applied(shared_folder(tmp_path_factory, "split-landing"))
