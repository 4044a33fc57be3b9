"""SECURITY-BAR 29: the optional log-archive account. Both root modules (the landing and
log-archive/) are planned and applied offline; the archive bucket's policy and key policy, as
applied, are evaluated with the IAM evaluator against CloudTrail and the accounts' principals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.checks import policy_eval
from generator.checks.policy_eval import Request
from generator.decide.policy import decide
from generator.errors import SpecError
from generator.render import ARCHIVE_FOLDER, render
from generator.render.writer import write
from generator.spec import load_spec, parse_spec
from tests.conftest import BLUEPRINTS
from tests.offline import Rehearsal, all_resources

BLUEPRINT = "fedramp-moderate"  # the blueprint with log_archive


def _applied(folder: Path) -> dict[str, Any]:
    r = Rehearsal.of(folder)
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    return r.show_json()


def _values(state: dict[str, Any], address: str) -> dict[str, Any]:
    found = [r["values"] for r in all_resources(state["values"]["root_module"]) if r["address"] == address]
    assert found, address
    return found[0]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, applied: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The archive account's root module applied here; the landing as the session applied it."""
    spec = load_spec(BLUEPRINTS[BLUEPRINT])
    out = tmp_path_factory.mktemp("log-archive") / BLUEPRINT
    write(out, render(spec))
    return {
        "controls": decide(spec),
        "archive": _applied(out / ARCHIVE_FOLDER),
        "landing": applied[BLUEPRINT]["state"],
    }


@pytest.mark.terraform
def test_the_trail_writes_to_the_archive_account(both: dict[str, Any]) -> None:
    c = both["controls"]
    a = c.foundation.archive
    trail = _values(both["landing"], "module.audit.aws_cloudtrail.this[0]")
    assert trail["s3_bucket_name"] == a.bucket and trail["kms_key_id"] == a.key_alias_arn == a.trail_key
    group = _values(both["landing"], "module.audit.aws_cloudwatch_log_group.trail[0]")
    audit_key = _values(both["landing"], 'module.foundation_kms.aws_kms_key.this["audit"]')
    assert group["kms_key_id"] == audit_key["arn"]  # the CloudWatch copy keeps this account's key
    landing = [r["address"] for r in all_resources(both["landing"]["values"]["root_module"])]
    assert not [x for x in landing if '["trail"]' in x and "foundation_storage" in x]
    archive = both["archive"]
    lock = _values(archive, 'module.archive_storage.aws_s3_bucket_object_lock_configuration.this["archive"]')
    retention = lock["rule"][0]["default_retention"][0]
    assert (retention["mode"], retention["days"]) == ("GOVERNANCE", c.retention_days)
    versioning = _values(archive, 'module.archive_storage.aws_s3_bucket_versioning.this["archive"]')
    assert versioning["versioning_configuration"][0]["status"] == "Enabled"
    sse = _values(
        archive, 'module.archive_storage.aws_s3_bucket_server_side_encryption_configuration.this["archive"]'
    )
    key = _values(archive, 'module.archive_kms.aws_kms_key.this["archive"]')
    rule = sse["rule"][0]["apply_server_side_encryption_by_default"][0]
    assert (rule["sse_algorithm"], rule["kms_master_key_id"]) == ("aws:kms", key["arn"])
    block = _values(archive, 'module.archive_storage.aws_s3_bucket_public_access_block.this["archive"]')
    assert all(block[k] for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                  "restrict_public_buckets"))  # fmt: skip


@pytest.mark.terraform
def test_archive_bucket_policy_as_applied(both: dict[str, Any]) -> None:
    c = both["controls"]
    a, trail_arn, workload = c.foundation.archive, c.foundation.trail_arn, c.spec.aws.account_id
    policy = _values(both["archive"], 'module.archive_storage.aws_s3_bucket_policy.this["archive"]')["policy"]
    key_arn = _values(both["archive"], 'module.archive_kms.aws_kms_key.this["archive"]')["arn"]
    bucket = f"arn:aws:s3:::{a.bucket}"
    put = {"s3:x-amz-acl": "bucket-owner-full-control", "s3:x-amz-server-side-encryption": "aws:kms",
           "s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn, "aws:SecureTransport": True}  # fmt: skip
    obj = f"{bucket}/AWSLogs/{workload}/CloudTrail/us-west-2/2026/12/04/x.json.gz"

    def decide_(
        principal: str, action: str, resource: str, context: dict[str, Any], identity: bool = False
    ) -> str:
        everything = [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]
        return policy_eval.evaluate(
            Request(principal, action, resource, context),
            resource_policy=policy,
            identity_policies=everything if identity else (),
        ).outcome

    cloudtrail = "cloudtrail.amazonaws.com"
    assert decide_(cloudtrail, "s3:PutObject", obj, {**put, "aws:SourceArn": trail_arn}) == "allow"
    assert (
        decide_(
            cloudtrail, "s3:GetBucketAcl", bucket, {"aws:SourceArn": trail_arn, "aws:SecureTransport": True}
        )
        == "allow"
    )
    # Without bucket-owner-full-control, for another trail, or another account's trail: not allowed.
    assert (
        decide_(
            cloudtrail, "s3:PutObject", obj, {**put, "s3:x-amz-acl": "private", "aws:SourceArn": trail_arn}
        )
        != "allow"
    )
    other_trail = trail_arn.replace(c.foundation.trail_name, "attacker-trail")
    assert decide_(cloudtrail, "s3:PutObject", obj, {**put, "aws:SourceArn": other_trail}) != "allow"
    other_account = "arn:aws:cloudtrail:us-west-2:999988887777:trail/agency-docs-trail"
    assert decide_(cloudtrail, "s3:PutObject", obj.replace(workload, "999988887777"),
                   {**put, "aws:SourceArn": other_account}) != "allow"  # fmt: skip
    # TLS only.
    assert (
        decide_(
            cloudtrail, "s3:PutObject", obj, {**put, "aws:SourceArn": trail_arn, "aws:SecureTransport": False}
        )
        == "explicit-deny"
    )
    # The workload account's administrators (and root) cannot delete logs or change the policy,
    # even with an identity policy allowing everything; neither can the archive account's root.
    breakers = [*c.spec.access.admin_principals, *c.access.deployers, f"arn:aws:iam::{workload}:root",
                f"arn:aws:iam::{a.account}:root", f"arn:aws:iam::{a.account}:role/Admin"]  # fmt: skip
    tamper = [("s3:DeleteObject", obj), ("s3:DeleteObjectVersion", obj), ("s3:BypassGovernanceRetention", obj),
              ("s3:PutBucketPolicy", bucket), ("s3:DeleteBucketPolicy", bucket), ("s3:PutLifecycleConfiguration", bucket),
              ("s3:PutBucketVersioning", bucket), ("s3:PutBucketObjectLockConfiguration", bucket), ("s3:DeleteBucket", bucket)]  # fmt: skip
    ctx = {"aws:SecureTransport": True}
    for who in breakers:
        for action, resource in tamper:
            assert decide_(who, action, resource, ctx, identity=True) == "explicit-deny", (who, action)
    # Break-glass of the archive account can.
    for action, resource in tamper:
        assert decide_(a.break_glass[0], action, resource, ctx, identity=True) == "allow", action


# Bucket settings that weaken the evidence without touching an object (audit finding E): access
# logging off, SSE-S3 or another key as the default, ownership, ACLs or the public access block
# reopened to others.
WEAKENING = ("s3:PutBucketLogging", "s3:PutEncryptionConfiguration", "s3:PutBucketOwnershipControls",
             "s3:PutBucketAcl", "s3:PutBucketPublicAccessBlock")  # fmt: skip


@pytest.mark.terraform
def test_archive_buckets_settings_are_break_glass_only(both: dict[str, Any]) -> None:
    """Every bucket of the archive account (the trail's, the server-logs replicas', their access
    logs'): the archive account's administrators and deployers and root, and the workload account's
    administrators, are denied the settings above whatever their own policies allow; break-glass
    (the way Terraform changes them after the first apply, which puts them before the policy) is
    not. CloudTrail's delivery and the replication are unaffected (the tests above)."""
    c = both["controls"]
    a = c.foundation.archive
    everything = [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]
    breakers = [*c.spec.access.admin_principals, *a.deployers, f"arn:aws:iam::{a.account}:root",
                f"arn:aws:iam::{a.account}:role/Admin"]  # fmt: skip
    buckets = {"archive": a.bucket, "server_logs": a.server_logs_bucket, "access_logs": a.access_log_bucket}
    for key, name in buckets.items():
        policy = _values(both["archive"], f'module.archive_storage.aws_s3_bucket_policy.this["{key}"]')[
            "policy"
        ]
        for action in WEAKENING:
            request = Request("", action, f"arn:aws:s3:::{name}", {"aws:SecureTransport": True})
            for who in breakers:
                decided = policy_eval.evaluate(
                    Request(who, request.action, request.resource, request.context),
                    resource_policy=policy, identity_policies=everything,
                )  # fmt: skip
                assert decided.outcome == "explicit-deny", (key, action, who)
            decided = policy_eval.evaluate(
                Request(a.break_glass[0], request.action, request.resource, request.context),
                resource_policy=policy, identity_policies=everything,
            )  # fmt: skip
            assert decided.allowed, (key, action)


@pytest.mark.terraform
def test_archive_key_policy_as_applied(both: dict[str, Any]) -> None:
    c = both["controls"]
    a, trail_arn = c.foundation.archive, c.foundation.trail_arn
    key = _values(both["archive"], 'module.archive_kms.aws_kms_key.this["archive"]')
    policy = json.loads(_values(both["archive"], 'module.archive_kms.aws_kms_key_policy.this["archive"]')["policy"]) \
        if [r for r in all_resources(both["archive"]["values"]["root_module"]) if r["type"] == "aws_kms_key_policy"] \
        else json.loads(key["policy"])  # fmt: skip

    def kms(principal: str, action: str, context: dict[str, Any], identity: bool = False) -> str:
        everything = [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]
        return policy_eval.evaluate(
            Request(principal, action, key["arn"], context),
            resource_policy=policy,
            identity_policies=everything if identity else (),
            resource_must_allow=True,
        ).outcome

    ours = {"aws:SourceArn": trail_arn, "kms:EncryptionContext:aws:cloudtrail:arn": trail_arn}
    assert kms("cloudtrail.amazonaws.com", "kms:GenerateDataKey", ours) == "allow"
    other = trail_arn.replace(c.foundation.trail_name, "attacker-trail")
    assert kms("cloudtrail.amazonaws.com", "kms:GenerateDataKey",
               {"aws:SourceArn": other, "kms:EncryptionContext:aws:cloudtrail:arn": other}) != "allow"  # fmt: skip
    # The workload account's administrators get nothing from the archive's key.
    for who in c.spec.access.admin_principals:
        assert kms(who, "kms:Decrypt", {}, identity=True) != "allow"
        assert kms(who, "kms:ScheduleKeyDeletion", {}, identity=True) != "allow"
    assert (
        kms(f"arn:aws:iam::{a.account}:role/Admin", "kms:ScheduleKeyDeletion", {}, identity=True)
        == "explicit-deny"
    )
    assert kms(a.break_glass[0], "kms:ScheduleKeyDeletion", {}, identity=True) == "allow"
    # The trail names the key by alias ARN: moving or deleting the alias (audit finding E) would send
    # the trail to another key. Only break-glass and the root user; an administrator of the archive
    # account running this root's apply (with `accounts`, the role its provider assumes) still
    # creates it, as the deployers would.
    applier = f"arn:aws:iam::{a.account}:role/OrganizationAccountAccessRole"
    for who in (applier, *a.deployers, f"arn:aws:iam::{a.account}:role/Admin"):
        for action in ("kms:UpdateAlias", "kms:DeleteAlias"):
            assert kms(who, action, {}, identity=True) == "explicit-deny", (who, action)
        assert kms(who, "kms:CreateAlias", {}, identity=True) == "allow", who
    for who in (*a.break_glass, a.root_user):
        for action in ("kms:UpdateAlias", "kms:DeleteAlias"):
            assert kms(who, action, {}, identity=True) == "allow", (who, action)


@pytest.mark.terraform
def test_access_logs_are_replicated_to_the_archive(both: dict[str, Any]) -> None:
    """The landing's S3 server access logs reach the archive account: the replication configuration
    as applied, and the path evaluated across both accounts (the workload role's policy within its
    boundary, the archive bucket's policy): replicas in, nothing else, nobody else."""
    c = both["controls"]
    a, workload = c.foundation.archive, c.spec.aws.account_id
    landing, archive = both["landing"], both["archive"]
    source = f"arn:aws:s3:::{c.foundation.access_log_bucket}"
    target = f"arn:aws:s3:::{a.server_logs_bucket}"
    rule = _values(
        landing, 'module.foundation_storage.aws_s3_bucket_replication_configuration.this["access_logs"]'
    )
    role = _values(landing, 'module.foundation_storage.aws_iam_role.replication["access_logs"]')
    assert (
        rule["bucket"] == c.foundation.access_log_bucket
        and rule["role"] == role["arn"] == a.replication_role_arn
    )
    [r] = rule["rule"]
    assert r["status"] == "Enabled" and r["delete_marker_replication"][0]["status"] == "Disabled"
    dest = r["destination"][0]
    assert (dest["bucket"], dest["account"]) == (target, a.account)
    lock = _values(
        archive, 'module.archive_storage.aws_s3_bucket_object_lock_configuration.this["server_logs"]'
    )
    assert lock["rule"][0]["default_retention"][0]["days"] == c.retention_days
    versioning = _values(archive, 'module.archive_storage.aws_s3_bucket_versioning.this["server_logs"]')
    assert versioning["versioning_configuration"][0]["status"] == "Enabled"

    # Only S3, only for the access-log bucket of this account, assumes the role.
    trust = role["assume_role_policy"]

    def assume(principal: str, context: dict[str, Any]) -> str:
        return policy_eval.evaluate(Request(principal, "sts:AssumeRole", role["arn"], context),
                                    resource_policy=trust, resource_must_allow=True).outcome  # fmt: skip

    assert assume("s3.amazonaws.com", {"aws:SourceArn": source, "aws:SourceAccount": workload}) == "allow"
    assert (
        assume("s3.amazonaws.com", {"aws:SourceArn": "arn:aws:s3:::other", "aws:SourceAccount": workload})
        != "allow"
    )
    assert (
        assume("s3.amazonaws.com", {"aws:SourceArn": source, "aws:SourceAccount": "999988887777"}) != "allow"
    )
    assert (
        assume("cloudtrail.amazonaws.com", {"aws:SourceArn": source, "aws:SourceAccount": workload})
        != "allow"
    )
    assume_admin = policy_eval.evaluate(
        Request(c.spec.access.admin_principals[0], "sts:AssumeRole", role["arn"]),
        resource_policy=trust,
        identity_policies=[{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}],
        resource_must_allow=True,
    )
    assert not assume_admin.allowed

    inline = _values(landing, 'module.foundation_storage.aws_iam_role_policy.replication["access_logs"]')[
        "policy"
    ]
    boundary = _values(
        landing, 'module.foundation_storage.aws_iam_policy.replication_boundary["access_logs"]'
    )
    assert role["permissions_boundary"] == boundary["arn"]
    bucket_policy = _values(archive, 'module.archive_storage.aws_s3_bucket_policy.this["server_logs"]')[
        "policy"
    ]
    tls = {"aws:SecureTransport": True, "aws:ResourceAccount": a.account}
    # Replication keeps the source's keys: every access log of the workload account is written under
    # its account's prefix, the only one its rule replicates and its role writes (finding D).
    assert r["filter"][0]["prefix"] == f"{workload}/"
    logging = [v for v in (x["values"] for x in all_resources(landing["values"]["root_module"]))
               if "target_prefix" in v and v.get("target_bucket") == c.foundation.access_log_bucket]  # fmt: skip
    assert len(logging) >= 3 and all(v["target_prefix"].startswith(f"{workload}/") for v in logging)
    log_object = f"{target}/{workload}/doc-classifier/dev/datasets/2026-12-04-10-00-00-ABCDEF0123456789"

    def across(
        principal: str, action: str, resource: str, identity: list[Any], context: dict[str, Any] = tls
    ) -> str:
        return policy_eval.evaluate_cross_account(
            Request(principal, action, resource, context), resource_policy=bucket_policy,
            identity_policies=identity, boundary=boundary["policy"] if principal == role["arn"] else None,
        ).outcome  # fmt: skip

    for action in ("s3:ReplicateObject", "s3:ReplicateTags"):
        assert across(role["arn"], action, log_object, [inline]) == "allow", action
    assert across(role["arn"], "s3:GetBucketVersioning", target, [inline]) == "allow"
    # No deletes, reads, listings or other changes; not into the trail's bucket; not into a bucket of
    # that name owned by another account.
    refused = [("s3:ReplicateDelete", log_object), ("s3:GetObject", log_object), ("s3:ListBucket", target),
               ("s3:DeleteObject", log_object), ("s3:PutBucketVersioning", target), ("s3:PutObject", log_object),
               ("s3:ReplicateObject", f"arn:aws:s3:::{a.bucket}/AWSLogs/{workload}/x")]  # fmt: skip
    for action, resource in refused:
        assert across(role["arn"], action, resource, [inline]) != "allow", action
    # Not outside its own prefix: no key another account's replicas could have, none of its own choosing.
    for elsewhere in (f"{target}/999988887777/doc-classifier/prod/datasets/x", f"{target}/datasets-dev/x",
                      f"{target}/{workload}", f"{target}/x/{workload}/y"):  # fmt: skip
        for action in ("s3:ReplicateObject", "s3:ReplicateTags"):
            request = Request(role["arn"], action, elsewhere, tls)
            # each side alone: the role's policy within its boundary, and the bucket's policy for a
            # role whose own policies allow everything
            own = policy_eval.evaluate(request, identity_policies=[inline], boundary=boundary["policy"])
            assert not own.allowed, (action, elsewhere)
            broad = [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]
            theirs = policy_eval.evaluate_cross_account(request, resource_policy=bucket_policy,
                                                        identity_policies=broad)  # fmt: skip
            assert not theirs.allowed, (action, elsewhere)
    squatted = {**tls, "aws:ResourceAccount": "999988887777"}
    assert across(role["arn"], "s3:ReplicateObject", log_object, [inline], squatted) != "allow"
    # Nobody else of the workload account writes replicas, whatever their own policies allow.
    everything = [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]
    for who in (*c.spec.access.admin_principals, *c.access.deployers, f"arn:aws:iam::{workload}:root"):
        assert across(who, "s3:ReplicateObject", log_object, everything) != "allow", who
    # The replicas stay: even the archive account's administrators cannot delete them (break-glass can).
    for who in (f"arn:aws:iam::{a.account}:role/Admin", f"arn:aws:iam::{a.account}:root"):
        decided = policy_eval.evaluate(Request(who, "s3:DeleteObjectVersion", log_object, tls),
                                       resource_policy=bucket_policy, identity_policies=everything)  # fmt: skip
        assert decided.outcome == "explicit-deny", who

    # In the workload account the role reads the log versions it replicates...
    source_policy = _values(landing, 'module.foundation_storage.aws_s3_bucket_policy.this["access_logs"]')[
        "policy"
    ]
    version = f"{source}/trail/2026-12-04-10-00-00-ABCDEF0123456789"
    for action in ("s3:GetObjectVersionForReplication", "s3:GetObjectVersionTagging"):
        got = policy_eval.evaluate(Request(role["arn"], action, version, {"aws:SecureTransport": True}),
                                   resource_policy=source_policy, identity_policies=[inline],
                                   boundary=boundary["policy"])  # fmt: skip
        assert got.outcome == "allow", action
    # ...and nobody but break-glass turns replication off or points it elsewhere (the account's
    # root user can first replace the policy: the landing-tamper alarm reports that).
    for who in (*c.spec.access.admin_principals, *c.access.deployers):
        changed = policy_eval.evaluate(
            Request(who, "s3:PutReplicationConfiguration", source, {"aws:SecureTransport": True}),
            resource_policy=source_policy,
            identity_policies=everything,
        )
        assert changed.outcome == "explicit-deny", who


def test_log_archive_is_checked() -> None:
    base: dict[str, Any] = json.loads(
        json.dumps(load_spec(BLUEPRINTS[BLUEPRINT]).model_dump(mode="json", by_alias=True, exclude_none=True))
    )
    same = {**base, "log_archive": {**base["log_archive"], "account_id": base["aws"]["account_id"],
                                    "break_glass": [f"arn:aws:iam::{base['aws']['account_id']}:role/BG"]}}  # fmt: skip
    with pytest.raises(SpecError) as err:
        parse_spec(same, "s.yaml")
    assert "log_archive.account_id: must be another account than aws.account_id" in str(err.value.details)
    wrong = {
        **base,
        "log_archive": {**base["log_archive"], "break_glass": ["arn:aws:iam::123456789012:role/BG"]},
    }
    with pytest.raises(SpecError) as err:
        parse_spec(wrong, "s.yaml")
    assert "log_archive.break_glass[0]: must be a role of the log-archive account" in str(err.value.details)
    key = "arn:aws:kms:us-west-2:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab"
    other_key = {**base, "log_archive": {**base["log_archive"], "kms_key_arn": key}}
    with pytest.raises(SpecError) as err:
        parse_spec(other_key, "s.yaml")
    assert "log_archive.kms_key_arn: must be a key of the log-archive account" in str(err.value.details)
    own = {
        **base,
        "log_archive": {**base["log_archive"], "kms_key_arn": key.replace("123456789012", "666677779999")},
    }
    assert decide(parse_spec(own, "s.yaml")).foundation.archive.trail_key == own["log_archive"]["kms_key_arn"]
    none = {**base, "log_archive": {"account_id": "123456789012"}}
    with pytest.raises(SpecError) as err:
        parse_spec(none, "s.yaml")
    assert "log_archive.break_glass" in str(err.value.details)


def test_without_log_archive_compliance_says_logs_stay() -> None:
    with_archive = render(load_spec(BLUEPRINTS[BLUEPRINT]))
    assert "log-archive/main.tf" in with_archive and "log-archive/providers.tf" in with_archive
    assert 'allowed_account_ids = ["666677779999"]' in with_archive["log-archive/providers.tf"]
    text = with_archive["COMPLIANCE.md"]
    assert "log-archive account 666677779999" in text and "AU-9" in text
    assert "prerequisite: the audit logs stay in the workload account" not in text
    plain = render(load_spec(BLUEPRINTS["healthcare-training"]))
    assert not [p for p in plain if p.startswith("log-archive/")]
    assert "prerequisite: the audit logs stay in the workload account" in plain["COMPLIANCE.md"]
