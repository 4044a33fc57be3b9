"""Guards of the split layout (review findings F4, F5): the foundation is not destroyed under applied
stages, and a stage root's plan that touches what the foundation owns is a high finding of the gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator import core
from generator.run import stageguard
from generator.run.planreview import declared
from tests.conftest import BLUEPRINTS, json_result, run_aisec
from tests.landings import copy_landing, split_spec_text

PROTECTED = ("kms", "cloudtrail", "log-groups", "buckets", "macie")


def _landing(tmp_path: Path) -> Path:
    spec = tmp_path / "batch-scoring.yaml"
    spec.write_text(split_spec_text("batch-scoring"))
    out = tmp_path / "landing"
    core.render_spec(spec, out)
    return out


def _destroy(out: Path, stage: str) -> object:
    allow = [a for kind in PROTECTED for a in ("--allow-destroy-protected", kind)]
    return run_aisec("destroy", str(out), "--offline", "--stage", stage, "--auto-approve", *allow)


def test_the_foundation_is_not_destroyed_under_an_applied_stage(
    tmp_path: Path, split_landing: dict[str, Any]
) -> None:
    # batch-scoring split, its foundation and dev planned and applied with aisec (once per run,
    # tests/landings.py): this test's copy of it
    assert tuple(split_landing["plans"]) == ("foundation", "dev")
    assert split_landing["spec"] == split_spec_text("batch-scoring")
    out = copy_landing(split_landing, tmp_path / "landing")
    # the real backend's way (init, `terraform state list`) sees what the rehearsal's state holds
    held = stageguard.applied_stages(out, offline=True)
    assert list(held) == ["dev"] and held["dev"]
    listed = stageguard.state_addresses(out / "dev", offline=True)
    assert {declared(a) for a in listed} == set(held["dev"])

    refused = _destroy(out, "foundation")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stdout + refused.stderr  # type: ignore[attr-defined]
    text = " ".join(refused.stderr.split())  # type: ignore[attr-defined]
    assert "--stage foundation: not destroyed while dev still has resources in its state" in text
    assert f"aisec destroy {out} --stage dev --offline" in text and "prod" not in text
    # the plan of a destroy is refused the same way, and so is the foundation's folder named directly
    plan = run_aisec("plan", str(out / "foundation"), "--offline", "--destroy")
    assert plan.returncode == 2 and "while dev still has resources" in plan.stderr

    gone = _destroy(out, "dev")
    assert gone.returncode == 0, gone.stdout + gone.stderr  # type: ignore[attr-defined]
    assert stageguard.applied_stages(out, offline=True) == {}
    done = _destroy(out, "foundation")
    assert done.returncode == 0, done.stdout + done.stderr  # type: ignore[attr-defined]
    assert "destroyed" in done.stdout  # type: ignore[attr-defined]


TRAIL = """resource "aws_cloudtrail" "extra" {
  name           = "dev-extra-trail"
  s3_bucket_name = "somewhere-else"
}
"""
# a stage writing the foundation's access-log bucket's policy: named as the foundation's
ACCESS_LOG_POLICY = """resource "aws_s3_bucket_policy" "logs" {
  bucket = "churn-access-logs-444455556666"
  policy = jsonencode({ Version = "2012-10-17", Statement = [] })
}
"""


def _gate_findings(root: Path) -> list[dict[str, str]]:
    proc = run_aisec("plan", str(root), "--offline", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json_result(proc)
    ours = [f for f in result["findings"] if f["rule"] == stageguard.FOUNDATION_OWNED]
    assert {f["id"] for f in ours} <= set(result["blocking"])  # high and not accepted: they block apply
    return ours


def test_a_stage_plan_that_touches_the_foundations_resources_is_blocked(tmp_path: Path) -> None:
    out = _landing(tmp_path)
    dev = out / "dev"
    assert _gate_findings(dev) == []  # the generated stage root touches nothing of the foundation's
    (dev / "extra.custom.tf").write_text(TRAIL + ACCESS_LOG_POLICY)
    found = {f["address"]: f for f in _gate_findings(dev)}
    assert set(found) == {"aws_cloudtrail.extra", "aws_s3_bucket_policy.logs"}, found
    trail = found["aws_cloudtrail.extra"]
    assert trail["severity"] == "high" and trail["id"] == "AISEC-CHG-041@aws_cloudtrail.extra"
    assert "belongs to foundation/" in trail["reason"] and trail["location"] == "extra.custom.tf:1"
    assert (
        "'churn-access-logs-444455556666' is the foundation's" in found["aws_s3_bucket_policy.logs"]["reason"]
    )
    blocked = run_aisec("apply", str(dev), "--offline", "--auto-approve")
    assert blocked.returncode != 0 and "AISEC-CHG-041@aws_cloudtrail.extra" in blocked.stdout + blocked.stderr
    # the foundation's own root creates a trail and its alarms without such a finding
    assert _gate_findings(out / "foundation") == []


def test_the_guards_know_a_stage_root_by_the_landings_manifest(tmp_path: Path) -> None:
    out = _landing(tmp_path)
    assert stageguard.place(out / "dev") == stageguard.Place(out.resolve(), "dev")
    assert stageguard.place(out / "foundation") == stageguard.Place(out.resolve(), "foundation")
    assert stageguard.place(out) is None
    single = tmp_path / "single"
    core.render_spec(BLUEPRINTS["batch-scoring"], single)
    assert stageguard.place(single) is None
    manifest = json.loads((out / ".aisec" / "manifest.json").read_text())
    assert [r["name"] for r in manifest["roots"]] == ["foundation", "dev", "prod"]
    stageguard.refuse_foundation_destroy(out / "dev", offline=True)  # only the foundation is guarded


def test_an_import_into_a_stage_of_what_the_foundation_names_is_flagged(tmp_path: Path) -> None:
    """An `import` block in dev/ adopting the foundation's shared SageMaker log group: the plan shows
    it as a no-op with `importing` (the offline stand-in cannot import, so the plan JSON is given)."""
    out = _landing(tmp_path)
    adopted = {
        "address": "aws_cloudwatch_log_group.adopted",
        "mode": "managed",
        "type": "aws_cloudwatch_log_group",
        "change": {
            "actions": ["no-op"],
            "importing": {"id": "/aws/sagemaker/ProcessingJobs"},
            "before": {"name": "/aws/sagemaker/ProcessingJobs"},
            "after": {"name": "/aws/sagemaker/ProcessingJobs"},
        },
    }
    own = {**adopted, "address": "aws_cloudwatch_log_group.own"}
    own["change"] = {"actions": ["create"], "before": None, "after": {"name": "/aisec/churn/dev/own"}}
    plan = {"resource_changes": [adopted, own]}
    found = stageguard.stage_findings(out / "dev", plan, out / "dev")
    assert [(f.id, f.severity) for f in found] == [("AISEC-CHG-041@aws_cloudwatch_log_group.adopted", "high")]
    assert "the dev root imports name '/aws/sagemaker/ProcessingJobs' is the foundation's" in found[0].reason
    assert stageguard.stage_findings(out / "foundation", plan, out / "foundation") == []
