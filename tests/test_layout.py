"""The package's layout (README "Layout"): subpackages by concern, imports flowing one way, and
modules a reader can hold in their head.

The direction is import-linter's layers contract in pyproject.toml (``[tool.importlinter]``); it
counts every import, the ones inside functions too (the lazily loaded ones of the CLI included)."""

from __future__ import annotations

import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "generator"

# Modules of generator/ outside the layers: they import nothing of ours (or only each other), so any
# layer may use them. checks/ and offline/ are the evaluators and the offline stand-in.
BASE = {"__init__", "__main__", "errors", "cache", "lazy", "landing"}
OUTSIDE_LAYERS = {"checks", "offline"}

MAX_LINES = 400
# Modules allowed over MAX_LINES, each with its reason. data/ is not counted (data is not code); the
# offline stand-in (offline/) is, as any other package.
BIGGER: dict[str, str] = {}


def _contract() -> dict[str, object]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return dict(contract)


def _layer_packages() -> set[str]:
    layers = _contract()["layers"]
    assert isinstance(layers, list)
    return {name.strip().removeprefix("generator.") for layer in layers for name in layer.split("|")}


def test_imports_flow_one_way(capsys: pytest.CaptureFixture[str]) -> None:
    from importlinter.cli import lint_imports

    sys.path.insert(0, str(REPO))  # the package under test, not an installed copy
    try:
        code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True, no_logo=True)
    finally:
        sys.path.remove(str(REPO))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "1 kept, 0 broken" in out


def test_every_module_sits_in_a_layer() -> None:
    """A new module goes into the subpackage of its concern, so the contract covers it."""
    layered = _layer_packages()
    loose = []
    for path in sorted(PACKAGE.iterdir()):
        name = path.stem if path.suffix == ".py" else path.name
        if path.suffix == ".py" and name not in BASE:
            loose.append(path.name)
        elif path.is_dir() and (path / "__init__.py").is_file() and name not in layered | OUTSIDE_LAYERS:
            loose.append(f"{path.name}/")
    assert not loose, f"outside the layers of pyproject.toml [tool.importlinter]: {loose}"


def test_modules_stay_small() -> None:
    sizes = {
        path.relative_to(PACKAGE).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "data"
    }
    big = {rel: n for rel, n in sizes.items() if n > MAX_LINES and rel not in BIGGER}
    assert not big, f"over {MAX_LINES} lines (split by concern, or allow with a reason): {big}"
    stale = {rel for rel in BIGGER if sizes.get(rel, 0) <= MAX_LINES}
    assert not stale, f"allowed bigger but no longer are: {stale}"
