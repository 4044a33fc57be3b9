"""The plan gate's rules on plan JSON shaped as `terraform show -json` writes it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from generator.run.planreview import Review, review
from generator.run.policygate import GATE_RULES


def _rc(rtype: str, name: str, after: dict[str, Any] | None, actions: tuple[str, ...] = ("create",),
        before: dict[str, Any] | None = None, unknown: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "address": f"{rtype}.{name}",
        "type": rtype,
        "mode": "managed",
        "change": {
            "actions": list(actions),
            "before": before,
            "after": after,
            "after_unknown": unknown or {},
        },
    }


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _ids(*changes: dict[str, Any], resolved: dict[str, Any] | None = None) -> set[str]:
    return {f.id for f in review({"resource_changes": list(changes)}, resolved=resolved).findings}


ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}
SCOPED = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}
ANYONE = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Principal": "*"}


def test_identity_policies() -> None:
    assert _ids(_rc("aws_iam_policy", "a", {"policy": _doc(ADMIN)})) >= {
        "AISEC-POL-001@aws_iam_policy.a",
        "AISEC-POL-004@aws_iam_policy.a",
    }
    assert _ids(_rc("aws_iam_role_policy", "s", {"policy": _doc({**SCOPED, "Action": "s3:*"})})) == {
        "AISEC-POL-002@aws_iam_role_policy.s"
    }
    assert _ids(_rc("aws_iam_policy", "ok", {"policy": _doc(SCOPED)})) == set()
    # Resource "*" for an action that can be scoped; read-only listing cannot be scoped and passes
    assert _ids(_rc("aws_iam_policy", "r", {"policy": _doc({**SCOPED, "Resource": "*"})})) == {
        "AISEC-POL-003@aws_iam_policy.r"
    }
    assert (
        _ids(
            _rc(
                "aws_iam_policy",
                "l",
                {"policy": _doc({**SCOPED, "Action": "s3:ListAllMyBuckets", "Resource": "*"})},
            )
        )
        == set()
    )
    # cloudsplaining's methods are unconstrained (Resource "*") combinations; scoped to one role they are not
    escalate = {"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
                "Resource": "*"}  # fmt: skip
    assert "AISEC-POL-004@aws_iam_policy.e" in _ids(_rc("aws_iam_policy", "e", {"policy": _doc(escalate)}))
    scoped = {**escalate, "Resource": "arn:aws:iam::111122223333:role/x"}
    assert "AISEC-POL-004@aws_iam_policy.e" not in _ids(_rc("aws_iam_policy", "e", {"policy": _doc(scoped)}))
    # a Deny with "*" is a guard, not a grant
    assert _ids(_rc("aws_iam_policy", "d", {"policy": _doc({**ADMIN, "Effect": "Deny"}, SCOPED)})) == set()
    # inline policies of roles too
    role = {"assume_role_policy": _doc({"Effect": "Allow", "Action": "sts:AssumeRole",
                                        "Principal": {"Service": "sagemaker.amazonaws.com"}}),
            "inline_policy": [{"name": "x", "policy": _doc(ADMIN)}]}  # fmt: skip
    assert "AISEC-POL-001@aws_iam_role.i" in _ids(_rc("aws_iam_role", "i", role))


# Endpoint policies: test_endpoint_policies_may_name_aws_owned_resources_read_only.
@pytest.mark.parametrize("rtype", ["aws_s3_bucket_policy", "aws_kms_key_policy", "aws_sns_topic_policy",
                                   "aws_sqs_queue_policy"])  # fmt: skip
def test_resource_policies_open_to_anyone(rtype: str) -> None:
    assert _ids(_rc(rtype, "p", {"policy": _doc(ANYONE)})) == {f"AISEC-POL-005@{rtype}.p"}
    aws_star = {**ANYONE, "Principal": {"AWS": ["*"]}}
    assert _ids(_rc(rtype, "p", {"policy": _doc(aws_star)})) == {f"AISEC-POL-005@{rtype}.p"}
    # TLS-only is not a restriction of who; the account or the VPC is
    tls = {**ANYONE, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    assert _ids(_rc(rtype, "p", {"policy": _doc(tls)})) == {f"AISEC-POL-005@{rtype}.p"}
    account = {**ANYONE, "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}}
    assert _ids(_rc(rtype, "p", {"policy": _doc(account)})) == set()
    deny = {**ANYONE, "Effect": "Deny"}
    assert _ids(_rc(rtype, "p", {"policy": _doc(deny)})) == set()


def test_endpoint_policies_may_name_aws_owned_resources_read_only() -> None:
    """ECR's layer bucket and the Amazon Linux repositories are read through the S3 endpoint by
    principals outside the account (presigned URLs, unauthenticated reads): a Principal "*" read of
    named resources is the documented exception; a write, or every resource, is not."""
    layers = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject",
              "Resource": "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"}  # fmt: skip
    assert _ids(_rc("aws_vpc_endpoint", "s3", {"policy": _doc(layers)})) == set()
    assert _ids(_rc("aws_s3_bucket_policy", "b", {"policy": _doc(layers)})) == {
        "AISEC-POL-005@aws_s3_bucket_policy.b"
    }
    for wider in (
        {**layers, "Action": "s3:PutObject"},
        {**layers, "Resource": "*"},
        {**layers, "Resource": "arn:aws:s3:::*/*"},
    ):
        assert _ids(_rc("aws_vpc_endpoint", "s3", {"policy": _doc(wider)})) == {
            "AISEC-POL-005@aws_vpc_endpoint.s3"
        }


def test_trust_policies() -> None:
    open_trust = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}}
    assert _ids(_rc("aws_iam_role", "t", {"assume_role_policy": _doc(open_trust)})) == {
        "AISEC-POL-005@aws_iam_role.t"
    }
    root = {**open_trust, "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}
    assert _ids(_rc("aws_iam_role", "t", {"assume_role_policy": _doc(root)})) == {
        "AISEC-POL-006@aws_iam_role.t"
    }
    sso = {
        **root,
        "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/aws-reserved/*"}},
    }
    assert _ids(_rc("aws_iam_role", "t", {"assume_role_policy": _doc(sso)})) == set()


def test_switches_that_weaken_a_landing() -> None:
    flags = {"block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
             "restrict_public_buckets": True, "bucket": "b"}  # fmt: skip
    pab = "aws_s3_bucket_public_access_block"
    assert _ids(_rc(pab, "p", flags)) == set()
    assert _ids(_rc(pab, "p", {**flags, "block_public_policy": False}, ("update",), flags)) == {
        f"AISEC-POL-010@{pab}.p"
    }
    assert _ids(_rc(pab, "p", None, ("delete",), flags)) == {f"AISEC-POL-010@{pab}.p"}
    # removed together with its bucket: nothing left to expose
    gone = _rc("aws_s3_bucket", "b", None, ("delete",), {"bucket": "b"})
    assert f"AISEC-POL-010@{pab}.p" not in _ids(_rc(pab, "p", None, ("delete",), flags), gone)

    sse = _rc("aws_s3_bucket_server_side_encryption_configuration", "e", {"bucket": "b"})
    assert _ids(_rc("aws_s3_bucket", "b", {"bucket": "b"})) == {"AISEC-POL-012@aws_s3_bucket.b"}
    assert _ids(_rc("aws_s3_bucket", "b", {"bucket": "b"}), sse) == set()
    # the SSE configuration names the bucket by an id known after apply: the rehearsal resolves it
    late = _rc("aws_s3_bucket_server_side_encryption_configuration", "e", {}, unknown={"bucket": True})
    assert _ids(_rc("aws_s3_bucket", "b", {"bucket": "b"}), late) == {"AISEC-POL-012@aws_s3_bucket.b"}
    resolved = {"aws_s3_bucket_server_side_encryption_configuration.e": {"bucket": "b"}}
    assert _ids(_rc("aws_s3_bucket", "b", {"bucket": "b"}), late, resolved=resolved) == set()
    removed = _rc(
        "aws_s3_bucket_server_side_encryption_configuration", "e", None, ("delete",), {"bucket": "b"}
    )
    assert "AISEC-POL-012@aws_s3_bucket_server_side_encryption_configuration.e" in _ids(removed)

    ingress = "aws_vpc_security_group_ingress_rule"
    assert _ids(_rc(ingress, "i", {"cidr_ipv6": "::/0"})) == {f"AISEC-POL-011@{ingress}.i"}
    assert _ids(_rc(ingress, "i", {"cidr_ipv4": "10.0.0.0/16"})) == set()
    group = {"ingress": [{"cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": []}]}
    assert _ids(_rc("aws_security_group", "g", group)) == {"AISEC-POL-011@aws_security_group.g"}
    egress = {"type": "egress", "cidr_blocks": ["0.0.0.0/0"]}
    assert _ids(_rc("aws_security_group_rule", "r", egress)) == set()

    assert _ids(_rc("aws_kms_key", "k", {"enable_key_rotation": False})) == {"AISEC-POL-013@aws_kms_key.k"}
    assert _ids(_rc("aws_kms_key", "k", {"enable_key_rotation": True})) == set()
    assert _ids(_rc("aws_kms_key", "k", {"customer_master_key_spec": "RSA_2048"})) == set()  # cannot rotate
    assert _ids(_rc("aws_cloudwatch_log_group", "l", {"kms_key_id": None})) == {
        "AISEC-POL-014@aws_cloudwatch_log_group.l"
    }
    assert _ids(_rc("aws_cloudwatch_log_group", "l", {}, unknown={"kms_key_id": True})) == set()
    attach = {"policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess", "role": "r"}
    assert "AISEC-POL-007@aws_iam_role_policy_attachment.a" in _ids(
        _rc("aws_iam_role_policy_attachment", "a", attach)
    )


def test_unknown_documents_are_named_and_resolved() -> None:
    late = _rc("aws_s3_bucket_policy", "p", {"bucket": "b"}, unknown={"policy": True})
    r = review({"resource_changes": [late]})
    assert {f.id for f in r.findings} == {"AISEC-POL-020@aws_s3_bucket_policy.p"}
    assert r.policies[0]["source"] == "unknown" and r.policies[0]["document"] is None
    r = review({"resource_changes": [late]}, resolved={"aws_s3_bucket_policy.p": {"policy": _doc(ANYONE)}})
    assert {f.id for f in r.findings} == {"AISEC-POL-005@aws_s3_bucket_policy.p"}
    assert (
        r.policies[0]["source"] == "rehearsal"
        and r.policies[0]["document"]["Statement"][0]["Principal"] == "*"
    )


def test_ids_locations_and_acceptance() -> None:
    plan = {"resource_changes": [
        {**_rc("aws_iam_policy", "a", {"policy": _doc(ADMIN)}), "address": 'module.m["x"].aws_iam_policy.a[0]'},
        _rc("aws_kms_key", "k", {"enable_key_rotation": True}),
    ]}  # fmt: skip
    r = review(plan, locations={"module.m.aws_iam_policy.a": "modules/m/main.tf:7"})
    admin = next(f for f in r.findings if f.rule == "AISEC-POL-001")
    assert (
        admin.id == 'AISEC-POL-001@module.m["x"].aws_iam_policy.a[0]'
        and admin.location == "modules/m/main.tf:7"
    )
    blocking = {f.id for f in r.unaccepted()}
    assert admin.id in blocking and all(GATE_RULES[f.rule][0] == "high" for f in r.unaccepted())
    r.accepted = sorted(blocking)
    assert r.unaccepted() == [] and Review.from_dict(r.as_dict()).unaccepted() == []
    r.accepted = [admin.id]
    assert {f.id for f in Review.from_dict(r.as_dict()).unaccepted()} == blocking - {admin.id}
    assert r.unaccepted(destroy=True) == []
