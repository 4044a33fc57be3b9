"""SECURITY-BAR 28 on every blueprint's offline state: the trail and findings buckets lock each log
version for the regime's retention, and the audit buckets keep old versions as long and refuse
deletion and weakening to all but break-glass: the deployers included."""

from __future__ import annotations

import json
from typing import Any

import pytest

from generator.checks.policy_eval import Request, evaluate
from generator.decide.policy import decide
from generator.run.planreview import review
from generator.spec import load_spec
from tests.conftest import BLUEPRINTS
from tests.offline import all_resources

pytestmark = pytest.mark.terraform
AUDIT_BUCKETS = ("access_logs", "trail", "findings")
LOCKED = ("trail", "findings")
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _by_key(state: dict[str, Any], rtype: str, module: str) -> dict[str, dict[str, Any]]:
    """Values of a storage module's resources of one type, by bucket key (`["trail"]`)."""
    prefix = f"module.{module}.{rtype}.this["
    return {
        r["address"][len(prefix) : -1].strip('"'): r["values"]
        for r in all_resources(state["values"]["root_module"])
        if r["address"].startswith(prefix)
    }


def _statements(policy: str) -> dict[str, dict[str, Any]]:
    return {s.get("Sid", ""): s for s in json.loads(policy)["Statement"]}


def _list(value: Any) -> set[str]:
    return set(value if isinstance(value, list) else [value])


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_audit_buckets_are_tamper_proof(name: str, applied: dict[str, dict[str, Any]]) -> None:
    spec = load_spec(BLUEPRINTS[name])
    controls = decide(spec)
    state = applied[name]["state"]
    if not spec.creates_foundation:
        assert not [r for r in all_resources(state["values"]["root_module"])
                    if r["type"] == "aws_s3_bucket_object_lock_configuration"]  # fmt: skip
        return
    # With a log archive the trail's bucket is in that account's root (tests/test_log_archive.py).
    archived = controls.foundation is not None and controls.foundation.archive is not None
    locked = tuple(k for k in LOCKED if not (archived and k == "trail"))
    audit_buckets = tuple(k for k in AUDIT_BUCKETS if not (archived and k == "trail"))
    locks = _by_key(state, "aws_s3_bucket_object_lock_configuration", "foundation_storage")
    assert set(locks) == set(locked)
    for key in locked:
        retention = locks[key]["rule"][0]["default_retention"][0]
        assert (retention["mode"], retention["days"]) == ("GOVERNANCE", controls.retention_days), key
    lifecycles = _by_key(state, "aws_s3_bucket_lifecycle_configuration", "foundation_storage")
    policies = _by_key(state, "aws_s3_bucket_policy", "foundation_storage")
    access = controls.access
    changers = set(access.break_glass)  # bar 28: not the deployers, not the root user's role sessions
    for key in audit_buckets:
        kept = lifecycles[key]["rule"][0]["noncurrent_version_expiration"][0]["noncurrent_days"]
        assert kept >= controls.retention_days, key
        statements = _statements(policies[key]["policy"])
        delete = statements["DenyLogDeletionExceptBreakGlass"]
        assert delete["Effect"] == "Deny" and delete["Principal"] == {"AWS": "*"}
        assert {"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"} <= _list(
            delete["Action"]
        )
        if access.break_glass:  # only break-glass deletes evidence; without one, nobody
            assert _list(delete["Condition"]["ArnNotLike"]["aws:PrincipalArn"]) == set(access.break_glass)
        else:
            assert "Condition" not in delete
        change = statements["DenyLogBucketChangesExceptBreakGlassAndDeployers"]
        assert {"s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutLifecycleConfiguration",
                "s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning", "s3:PutBucketLogging",
                "s3:PutEncryptionConfiguration", "s3:PutBucketOwnershipControls", "s3:PutBucketAcl",
                "s3:PutBucketPublicAccessBlock"} <= _list(change["Action"])  # fmt: skip
        if changers:
            assert _list(change["Condition"]["ArnNotLike"]["aws:PrincipalArn"]) == changers
        else:
            assert "Condition" not in change
        # As AWS would decide: the apply role (administrator-like) cannot weaken the bucket; break-glass can.
        bucket = f"arn:aws:s3:::{policies[key]['bucket']}"
        for action in ("s3:PutBucketPolicy", "s3:PutLifecycleConfiguration", "s3:DeleteObjectVersion",
                       "s3:PutBucketLogging", "s3:PutEncryptionConfiguration", "s3:PutBucketAcl",
                       "s3:PutBucketPublicAccessBlock"):  # fmt: skip
            resource = bucket + ("/x" if action == "s3:DeleteObjectVersion" else "")
            for who in (*access.deployers, *spec.access.admin_principals):
                decision = evaluate(Request(who, action, resource), resource_policy=policies[key]["policy"],
                                    identity_policies=[ADMIN])  # fmt: skip
                assert not decision.allowed, (key, action, who)
            for who in access.break_glass:
                decision = evaluate(Request(who, action, resource), resource_policy=policies[key]["policy"],
                                    identity_policies=[ADMIN])  # fmt: skip
                assert decision.allowed, (key, action, who)
    for stage in controls.stages:  # data buckets are not log evidence: no lock, no such deny
        module = f"{stage.ident}_storage"
        assert not _by_key(state, "aws_s3_bucket_object_lock_configuration", module)
        for policy in _by_key(state, "aws_s3_bucket_policy", module).values():
            assert "DenyLogDeletionExceptBreakGlass" not in _statements(policy["policy"])


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_plan_says_what_it_will_lock(name: str, applied: dict[str, dict[str, Any]]) -> None:
    spec = load_spec(BLUEPRINTS[name])
    findings = [f for f in review(applied[name]["plan"]).findings if "Object Lock" in f.reason]
    if not spec.creates_foundation:
        assert not findings
        return
    controls = decide(spec)
    days = controls.retention_days
    archived = controls.foundation is not None and controls.foundation.archive is not None
    assert sorted(f.address for f in findings) == [
        f'module.foundation_storage.aws_s3_bucket_object_lock_configuration.this["{k}"]'
        for k in sorted(LOCKED)
        if not (archived and k == "trail")
    ]
    for f in findings:
        assert f"kept {days} days in GOVERNANCE mode" in f.reason


def test_plan_review_words_a_compliance_lock_and_its_removal() -> None:
    """The plan review reads the planned lock as Terraform shows it, in COMPLIANCE mode too."""
    lock = "aws_s3_bucket_object_lock_configuration"
    plan = {
        "resource_changes": [
            {"address": f"{lock}.years", "type": lock, "change": {"actions": ["create"], "before": None,
             "after": {"rule": [{"default_retention": [{"mode": "COMPLIANCE", "days": None, "years": 7}]}]}}},
            {"address": f"{lock}.gone", "type": lock, "change": {"actions": ["delete"], "before": {}, "after": None}},
        ]
    }  # fmt: skip
    reasons = {f.address: (f.severity, f.reason) for f in review(plan).findings}
    assert reasons[f"{lock}.years"] == (
        "medium",
        "S3 Object Lock: every new object version kept 7 years in COMPLIANCE mode; "
        "nobody, not even the account root, can delete it sooner",
    )
    assert reasons[f"{lock}.gone"] == ("high", "S3 Object Lock default retention removed")
