"""The real terraform binary agrees with our formatting, for every blueprint and every module.

`terraform validate` and `plan` need the AWS provider's schema; they run against the offline
stand-in provider (see the README, "Offline verification").
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.catalog import data_dir
from tests.conftest import BLUEPRINTS, terraform_binary, terraform_env

pytestmark = pytest.mark.terraform


def fmt_check(folder: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [terraform_binary(), "fmt", "-check", "-recursive", "-diff", "-no-color"],
        cwd=folder,
        env=terraform_env(tmp_path),
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_rendered_blueprint_passes_fmt_check(name: str, rendered: dict[str, Path], tmp_path: Path) -> None:
    proc = fmt_check(rendered[name], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_catalog_modules_and_examples_pass_fmt_check(tmp_path: Path) -> None:
    proc = fmt_check(data_dir("modules"), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_terraform_version_matches_the_pinned_one(tmp_path: Path) -> None:
    pinned = (Path(__file__).resolve().parent.parent / ".terraform-version").read_text().strip()
    out = subprocess.run(
        [terraform_binary(), "version"], env=terraform_env(tmp_path), capture_output=True, text=True
    )
    assert f"Terraform v{pinned}" in out.stdout, (
        f"tests expect terraform {pinned}: {out.stdout.splitlines()[:1]}"
    )
