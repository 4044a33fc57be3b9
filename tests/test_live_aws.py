"""Against a real AWS account: only with credentials and an account named for it; skipped here.

    AISEC_LIVE_ACCOUNT_ID=111122223333 AWS_PROFILE=sandbox pytest -m live_aws

Read-only: `aisec validate` with the real provider and `aisec plan` (a saved plan, never applied)
of a blueprint re-targeted at that account. The principal needs read access (the plan role of
`aisec ci` is enough) and the provider registry must be reachable.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from generator import core
from tests.conftest import BLUEPRINTS, json_result, run_aisec

_CREDENTIALS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)
ACCOUNT = os.environ.get("AISEC_LIVE_ACCOUNT_ID", "")

pytestmark = [
    pytest.mark.live_aws,
    pytest.mark.skipif(
        not ACCOUNT or not any(os.environ.get(v) for v in _CREDENTIALS),
        reason="live AWS tests need AWS credentials and AISEC_LIVE_ACCOUNT_ID",
    ),
]


def test_plan_against_aws(tmp_path: Path) -> None:
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    data["aws"]["account_id"] = ACCOUNT
    data["access"]["admin_principals"] = [f"arn:aws:iam::{ACCOUNT}:role/Admin"]
    spec = tmp_path / "live.yaml"
    spec.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    core.render_spec(spec, out)
    proc = run_aisec("validate", str(out), "--json")
    report = json_result(proc)
    assert report["valid"] and not report["offline"], proc.stdout + proc.stderr
    plan = json_result(run_aisec("plan", str(out), "--json"))
    assert plan["rehearsal"] is False and plan["add"] > 50
    shutil.rmtree(out / ".aisec-plan")  # never applied
