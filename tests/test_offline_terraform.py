"""The real terraform binary against the offline stand-in: validate, plan, apply, destroy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import tftest

from tests.conftest import BLUEPRINTS, REPO, json_result, run_aisec
from tests.offline import Rehearsal, all_resources

pytestmark = pytest.mark.terraform
DOCS = REPO / "tests" / "fixtures" / "docs_syntax"


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_every_blueprint_plans_and_applies(name: str, applied: dict[str, dict[str, Any]]) -> None:
    plan, state = applied[name]["plan"], applied[name]["state"]
    actions = {tuple(rc["change"]["actions"]) for rc in plan["resource_changes"]}
    assert actions <= {("create",), ("read",)}, actions
    created = [r for r in all_resources(state["values"]["root_module"]) if r["mode"] == "managed"]
    assert len(created) == sum(1 for rc in plan["resource_changes"] if rc["change"]["actions"] == ["create"])
    assert applied[name]["rehearsal"].run("plan", "-input=false", "-detailed-exitcode").returncode == 0


def test_every_catalog_type_in_documented_syntax(tmp_path: Path) -> None:
    r = Rehearsal.of(DOCS)
    r.ok("validate")
    r.ok("plan", "-input=false", "-out=tfplan")
    planned = {rc["type"] for rc in r.show_json("tfplan")["resource_changes"]}
    assert {
        "aws_macie2_classification_job",
        "aws_cloudtrail",
        "aws_security_group",
        "aws_cloudwatch_event_target",
    } <= planned


def test_full_cycle_and_realistic_values(tmp_path: Path) -> None:
    src = tmp_path / "docs"
    shutil.copytree(DOCS, src)
    r = Rehearsal.of(src)
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    assert r.run("plan", "-input=false", "-detailed-exitcode").returncode == 0  # no changes
    values = {res["address"]: res["values"] for res in all_resources(r.show_json()["values"]["root_module"])}
    key, alias = values["aws_kms_key.docs"], values["aws_kms_alias.docs"]
    assert key["arn"] == f"arn:aws:kms:us-east-1:123456789012:key/{key['key_id']}"
    assert alias["target_key_arn"] == key["arn"]
    assert values["aws_iam_role.docs"]["arn"] == "arn:aws:iam::123456789012:role/docs"
    assert values["aws_s3_bucket.docs"]["tags_all"] == {"Name": "docs", "env": "docs"}
    assert json.loads(values["aws_kms_key.docs"]["policy"])["Statement"][0]["Sid"] == "Base"
    # an in-place change, then a replacement (ForceNew), then destroy
    main = src / "main.tf"
    main.write_text(
        main.read_text().replace(
            'description = "Capture each AWS Console Sign In"', 'description = "changed"'
        )
    )
    r = Rehearsal.of(src)
    r.ok("plan", "-input=false", "-out=tfplan")
    changes = {rc["address"]: rc["change"]["actions"] for rc in r.show_json("tfplan")["resource_changes"]}
    assert changes["aws_cloudwatch_event_rule.docs"] == ["update"]
    main.write_text(main.read_text().replace('bucket = "docs-bucket"', 'bucket = "docs-bucket-2"'))
    r = Rehearsal.of(src)
    r.ok("plan", "-input=false", "-out=tfplan")
    changes = {rc["address"]: rc["change"]["actions"] for rc in r.show_json("tfplan")["resource_changes"]}
    assert changes["aws_s3_bucket.docs"] == ["delete", "create"]
    r.ok("apply", "-input=false", "tfplan")
    r.ok("destroy", "-auto-approve", "-input=false")
    assert r.show_json().get("values") is None


def test_tftest_reads_rehearsal_plans(rendered: dict[str, Path]) -> None:
    r = Rehearsal.of(rendered["healthcare-training"])
    tf = tftest.TerraformTest(str(r.work), binary=r.tf.binary.path, env=r.env)
    tf.setup()
    plan = tf.plan(output=True)
    keys = plan.modules["module.notes_training_prod_kms"].resources
    assert keys['aws_kms_key.this["datasets"]']["values"]["deletion_window_in_days"] == 30
    assert (
        plan.modules["module.audit"].resources["aws_cloudtrail.this[0]"]["values"]["is_multi_region_trail"]
        is True
    )


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        (
            'resource "aws_kms_key" "a" {\n  descriptionn = "typo"\n}\n',
            'main.tf:2: error: Unsupported argument (An argument named "descriptionn" is not expected here. Did you mean "description"?)',
        ),
        (
            'resource "aws_s3_bucket" "b" {\n  force_destroy = "maybe"\n}\n',
            'main.tf:2: error: Incorrect attribute value type (Inappropriate value for attribute "force_destroy": a bool is required.)',
        ),
        (
            'resource "aws_sns_topic" "c" {\n  arn = "arn:aws:sns:us-east-1:1:t"\n}\n',
            "main.tf:2: error: Computed attribute cannot be set",
        ),
    ],
)
def test_invalid_configurations_are_reported_with_file_and_line(
    tmp_path: Path, snippet: str, expected: str
) -> None:
    (tmp_path / "main.tf").write_text(snippet)
    proc = run_aisec("validate", str(tmp_path), "--offline")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{tmp_path}/{expected}" in proc.stdout
    assert "invalid" in proc.stdout and "Traceback" not in proc.stderr


def test_validate_and_plan_commands(rendered: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(rendered["batch-scoring"], out)
    lock = out / ".terraform.lock.hcl"
    lock.write_text('# the real provider\'s lock\nprovider "registry.terraform.io/hashicorp/aws" {}\n')
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    proc = run_aisec("validate", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "offline stand-in" in proc.stdout and "could not be installed" in proc.stderr
    data = json_result(run_aisec("plan", str(out), "--offline", "--json"))
    assert data["rehearsal"] is True and data["add"] > 50 and data["change"] == data["destroy"] == 0
    assert Path(data["plan_json"]).is_file() and not Path(data["plan_json"]).is_relative_to(out)
    text = run_aisec("plan", str(out), "--offline")
    assert "Offline rehearsal" in text.stdout and "placeholders" in text.stdout
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # the user's folder, lock file included, is untouched
    assert not (out / ".terraform").exists()


def test_unformatted_file_is_invalid(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sns_topic" "t" {\nname="x"\n}\n')
    proc = run_aisec("validate", str(tmp_path), "--offline", "--json")
    data = json_result(proc)
    assert proc.returncode == 1 and data["unformatted"] == ["main.tf"] and data["diagnostics"] == []


def test_bad_arguments(tmp_path: Path) -> None:
    assert run_aisec("validate", str(tmp_path / "missing")).returncode == 2
    assert run_aisec("validate", str(tmp_path)).returncode == 2  # no .tf files
    proc = run_aisec("plan", str(tmp_path))
    assert proc.returncode == 2 and "no Terraform files" in proc.stderr


def test_module_examples_validate_offline() -> None:
    for example in sorted((REPO / "modules").glob("*/examples/basic")):
        proc = run_aisec("validate", str(example), "--offline")
        assert proc.returncode == 0, proc.stdout + proc.stderr
