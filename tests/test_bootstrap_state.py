"""aisec bootstrap-state: the S3 backend's bucket and key, created through the same plan/apply."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import hcl2
import yaml

from generator.render import render_state
from generator.spec import load_spec
from tests.conftest import BLUEPRINTS, run_aisec
from tests.offline import Rehearsal, all_resources


def _spec(tmp_path: Path, **state: Any) -> Path:
    data = yaml.safe_load(BLUEPRINTS["fraud-inference"].read_text())
    data["state"].update(state)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_backend_resources_are_secure_and_protected(tmp_path: Path) -> None:
    spec = _spec(tmp_path, users=["arn:aws:iam::222233334444:role/aisec-ci"])
    folder = tmp_path / "state"
    proc = run_aisec("bootstrap-state", str(spec), "-o", str(folder))
    assert proc.returncode == 0, proc.stderr
    assert (folder / ".gitignore").is_file() and (folder / "modules" / "kms" / "main.tf").is_file()
    assert run_aisec("plan", str(folder), "--offline").returncode == 0
    assert run_aisec("apply", str(folder), "--offline", "--auto-approve").returncode == 0
    state_json = Rehearsal.of(folder).show_json()
    values = {r["address"]: r["values"] for r in all_resources(state_json["values"]["root_module"])}
    state = 'module.state_storage.aws_s3_bucket.this["state"]'
    assert values[state]["bucket"] == "payments-ml-tfstate-222233334444"
    versioning = values['module.state_storage.aws_s3_bucket_versioning.this["state"]']
    assert versioning["versioning_configuration"][0]["status"] == "Enabled"
    sse = values['module.state_storage.aws_s3_bucket_server_side_encryption_configuration.this["state"]']
    rule = sse["rule"][0]
    assert (
        rule["bucket_key_enabled"]
        and rule["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "aws:kms"
    )
    block = values['module.state_storage.aws_s3_bucket_public_access_block.this["state"]']
    assert all(
        block[k]
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    key = values['module.state_kms.aws_kms_key.this["state"]']
    assert key["enable_key_rotation"] and key["rotation_period_in_days"] == 180  # PCI DSS cryptoperiod
    assert values['module.state_kms.aws_kms_alias.this["state"]']["name"] == "alias/payments-ml-tfstate"
    assert "arn:aws:iam::222233334444:role/aisec-ci" in key["policy"]
    policies = {a: v["policy"] for a, v in values.items() if a.endswith('aws_s3_bucket_policy.this["state"]')}
    assert '"aws:SecureTransport"' in next(iter(policies.values()))
    refused = run_aisec("destroy", str(folder), "--offline", "--auto-approve")
    assert refused.returncode == 1 and 'aws_s3_bucket.this["state"] (buckets)' in refused.stderr


def test_landing_backend_uses_the_bootstrapped_key(tmp_path: Path) -> None:
    spec = _spec(tmp_path, kms_key_id=None)
    out = tmp_path / "landing"
    assert run_aisec("render", str(spec), "-o", str(out)).returncode == 0
    backend = hcl2.loads((out / "backend.tf").read_text())["terraform"][0]["backend"][0]["s3"]
    assert backend["kms_key_id"] == ["alias/payments-ml-tfstate"] and backend["encrypt"] == [True]
    assert backend["use_lockfile"] == [True]
    files = render_state(load_spec(spec))
    assert '"alias/payments-ml-tfstate"' in files["main.tf"]


def test_an_existing_key_is_used_not_created(tmp_path: Path) -> None:
    arn = "arn:aws:kms:us-east-2:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    files = render_state(load_spec(_spec(tmp_path, kms_key_id=arn)))
    assert "modules/kms/main.tf" not in files and 'module "state_kms"' not in files["main.tf"]
    assert f'kms_key_arn       = "{arn}"' in files["main.tf"]
    assert f'value       = "{arn}"' in files["outputs.tf"]


def test_a_local_backend_has_nothing_to_bootstrap(tmp_path: Path) -> None:
    spec = tmp_path / "b.yaml"
    shutil.copy(BLUEPRINTS["batch-scoring"], spec)
    proc = run_aisec("bootstrap-state", str(spec), "-o", str(tmp_path / "s"))
    assert proc.returncode == 2 and f"{spec}: state.backend is local" in proc.stderr
    assert not (tmp_path / "s").exists()
