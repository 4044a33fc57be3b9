"""checkov on every rendered blueprint: zero failed checks, and every skip carries a reason."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.catalog import data_dir
from tests.conftest import BLUEPRINTS

pytestmark = pytest.mark.checkov
SKIP_RE = re.compile(r"checkov:skip=([A-Z0-9_]+)(?::(.*))?")


def run_checkov(folder: Path) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(
        [sys.executable, "-m", "checkov.main", "-d", str(folder), "--framework", "terraform", "-o", "json",
         "--quiet", "--skip-download", "--compact"],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    return report[0] if isinstance(report, list) else report


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_no_failed_checks(name: str, rendered: dict[str, Path]) -> None:
    report = run_checkov(rendered[name])
    failed = report["results"]["failed_checks"]
    assert not failed, [(f["check_id"], f["resource"], f["file_path"]) for f in failed]
    assert report["summary"]["passed"] > 100


def test_every_skip_has_a_reason() -> None:
    skips = []
    for tf in data_dir("modules").rglob("*.tf"):
        for line in tf.read_text().splitlines():
            m = SKIP_RE.search(line)
            if m:
                skips.append((tf.name, m.group(1), (m.group(2) or "").strip()))
    assert skips
    for where, check, reason in skips:
        assert len(reason) >= 40, f"{where}: skip of {check} needs a reason a reviewer would accept"
