"""The catalog modules: metadata, constraints, changelog, documented interface."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from generator.catalog import data_dir, load_catalog
from generator.catalog.moduledocs import items, stale_readmes
from generator.decide.policy import CONTROLS_BY_ID
from generator.errors import UserInputError

MODULES = sorted(p.parent.name for p in data_dir("modules").glob("*/module.yaml"))
VERSIONS = {
    "audit": ["1.5.0", "1.4.0", "1.3.0", "1.2.0", "1.1.0", "1.0.0"],
    "compute": ["1.0.0"],
    "detective": ["1.0.0"],
    "iam": ["2.2.0", "2.1.0", "2.0.0", "1.0.0"],
    "kms": ["1.5.0", "1.4.0", "1.3.0", "1.2.0", "1.1.0", "1.0.0"],
    "macie": ["1.2.0", "1.1.0", "1.0.0"],
    "privatelink": ["1.3.0", "1.2.0", "1.1.0", "1.0.0"],
    "storage": ["1.7.0", "1.6.0", "1.5.0", "1.4.0", "1.3.0", "1.2.0", "1.1.0", "1.0.0"],
}
LATEST = {name: versions[0] for name, versions in VERSIONS.items()}


def test_the_eight_modules_exist() -> None:
    assert MODULES == ["audit", "compute", "detective", "iam", "kms", "macie", "privatelink", "storage"]


@pytest.mark.parametrize("name", MODULES)
def test_module_files(name: str) -> None:
    folder = data_dir("modules") / name
    for f in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md", "CHANGELOG.md", "module.yaml",
              "examples/basic/main.tf"):  # fmt: skip
        assert (folder / f).is_file(), f
    meta = yaml.safe_load((folder / "module.yaml").read_text())
    assert meta["name"] == name and re.match(r"^\d+\.\d+\.\d+$", meta["version"])
    assert f"## {meta['version']}" in (folder / "CHANGELOG.md").read_text()
    assert all(c in CONTROLS_BY_ID for c in meta["controls"])
    versions = (folder / "versions.tf").read_text()
    assert 'required_version = ">= 1.5"' in versions and 'version = ">= 6.0, < 7.0"' in versions


@pytest.mark.parametrize("name", MODULES)
def test_variables_are_typed_and_described(name: str) -> None:
    folder = data_dir("modules") / name
    variables = items(folder / "variables.tf", "variable")
    assert variables
    for v in variables:
        assert v.type and v.description, v.name
    assert all(o.description for o in items(folder / "outputs.tf", "output"))
    assert "validation {" in (folder / "variables.tf").read_text()


def test_policies_are_composed_not_templated() -> None:
    for tf in data_dir("modules").rglob("*.tf"):
        text = tf.read_text()
        assert "jsonencode({\n    Version" not in text and '"Statement"' not in text, tf


def test_readme_tables_are_current() -> None:
    stale = stale_readmes()
    assert not stale, f"stale module READMEs {stale}: run `aisec catalog docs`"


def test_the_readme_names_each_modules_newest_release() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("## The module catalog") :]
    sentence = section[: section.index("Each has")]
    newest = {name: max(ms, key=lambda m: tuple(map(int, m.version.split(".")))).version
              for name, ms in load_catalog().modules.items()}  # fmt: skip
    for name, version in newest.items():
        assert f"`{name}` {version}" in " ".join(sentence.split()), (name, version)


def test_every_released_version_is_available() -> None:
    catalog = load_catalog()
    assert {n: [m.version for m in ms] for n, ms in catalog.modules.items()} == VERSIONS


def test_catalog_commands() -> None:

    from tests.conftest import json_result, run_aisec

    listing = json_result(run_aisec("catalog", "list", "--json"))
    assert [m["name"] for m in listing] == MODULES and all(m["latest"] == LATEST[m["name"]] for m in listing)
    kms = json_result(run_aisec("catalog", "show", "kms", "--json"))
    assert kms["version"] == "1.5.0" and kms["providers"] == {"aws": ">= 6.0, < 7.0"}
    assert {i["name"] for i in kms["inputs"]} == {"create", "account_id", "keys", "tags"}
    assert [c["id"] for c in kms["controls"]] == ["KMS-1", "KMS-2", "KMS-3", "KMS-4", "KMS-5"]
    assert kms["changelog"]["1.0.0"] == "- First release."
    assert "prevent_destroy" in kms["changelog"]["1.1.0"] and "perimeter" in kms["changelog"]["1.2.0"]
    assert "grantors" in kms["changelog"]["1.3.0"] and "account_users" in kms["changelog"]["1.4.0"]
    assert "s3_arns" in kms["changelog"]["1.5.0"]
    assert "key_arns" in run_aisec("catalog", "show", "kms").stdout
    assert run_aisec("catalog", "show", "nope").returncode == 2
    assert run_aisec("catalog", "show", "kms", "--version", "9.9.9").returncode == 2
    check = run_aisec("catalog", "docs", "--check")
    assert check.returncode == 0 and "up to date" in check.stdout


def test_released_versions_are_immutable(tmp_path: Path) -> None:
    from generator.reports.catalog_report import check, read_lock, release

    assert check() == [], "a module changed without a release: run `aisec catalog check`"
    root = tmp_path / "modules"
    shutil.copytree(data_dir("modules"), root)
    assert check(root) == []
    main = root / "kms" / "main.tf"
    main.write_text(main.read_text() + "\n# a change\n")
    (problem,) = check(root)
    assert problem.startswith("modules/kms: changed since 1.5.0 was released, without a version bump")
    assert release("kms", "patch", root) == "1.5.1"
    assert yaml.safe_load((root / "kms" / "module.yaml").read_text())["version"] == "1.5.1"
    assert read_lock(root)["kms"]["1.0.0"] == read_lock()["kms"]["1.0.0"]  # the old record stays
    assert check(root) == ["modules/kms/CHANGELOG.md: describe the change of 1.5.1"]
    changelog = root / "kms" / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace("- (describe the change)", "- Comment in main.tf."))
    assert check(root) == []
    assert release("kms", "major", root) == "2.0.0"
    with pytest.raises(UserInputError):
        release("kms", "huge", root)


def test_catalog_check_command() -> None:
    from tests.conftest import run_aisec

    proc = run_aisec("catalog", "check")
    assert proc.returncode == 0 and "every module matches" in proc.stdout
