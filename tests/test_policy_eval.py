"""The policy evaluator against the IAM policy-evaluation rules it implements (documented cases)."""

from __future__ import annotations

import pytest

from generator.checks.policy_eval import Request, conditions_hold, evaluate, evaluate_cross_account

ROLE = "arn:aws:iam::111122223333:role/aisec/app-pipeline"
ROOT = "arn:aws:iam::111122223333:root"


def doc(*statements: dict[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ALLOW_ALL = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})


@pytest.mark.parametrize(
    ("block", "context", "expected"),
    [
        ({"StringEquals": {"aws:SourceVpc": "vpc-1"}}, {"aws:sourcevpc": "vpc-1"}, True),
        ({"StringEquals": {"aws:SourceVpc": "vpc-1"}}, {}, False),  # absent key: positive operators fail
        ({"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}, {}, True),  # ...negated ones hold
        ({"StringNotEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}, {"aws:sourcevpc": "vpc-2"}, True),
        ({"StringNotEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}, {"aws:sourcevpc": "vpc-1"}, False),
        (
            {"StringEquals": {"AWS:SourceVpc": ["vpc-1", "vpc-2"]}},
            {"aws:sourcevpc": "vpc-2"},
            True,
        ),  # OR, any case
        ({"BoolIfExists": {"aws:ViaAWSService": "false"}}, {"aws:viaawsservice": True}, False),
        ({"BoolIfExists": {"aws:ViaAWSService": "false"}}, {}, True),
        ({"Bool": {"aws:SecureTransport": "false"}}, {}, False),
        ({"Null": {"sts:SourceIdentity": "false"}}, {"sts:sourceidentity": "alice"}, True),
        ({"Null": {"sts:SourceIdentity": "false"}}, {}, False),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/aisec/*"}}, {"aws:principalarn": ROLE}, True),
        # ArnLike wildcards stay inside one of the six parts: * cannot eat the account's colons.
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*"}}, {"aws:principalarn": ROLE}, False),
        ({"ArnNotLike": {"aws:PrincipalArn": [ROLE]}}, {"aws:principalarn": ROLE}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:tagkeys": ["a"]}, True),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:tagkeys": ["a", "c"]}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {}, True),
        (
            {"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/x/*"}},
            {"kms:resourcealiases": ["alias/y", "alias/x/1"]},
            True,
        ),
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, {"aws:multifactorauthage": 4000}, False),
        # Two keys, two operators: all must hold.
        (
            {"StringEquals": {"a:b": "1", "c:d": "2"}, "Bool": {"e:f": "true"}},
            {"a:b": "1", "c:d": "2", "e:f": "true"},
            True,
        ),
        ({"StringEquals": {"a:b": "1", "c:d": "2"}}, {"a:b": "1", "c:d": "3"}, False),
    ],
)
def test_condition_operators(
    block: dict[str, dict[str, object]], context: dict[str, object], expected: bool
) -> None:
    assert conditions_hold(block, context) is expected  # type: ignore[arg-type]


def test_unknown_operator_is_an_error_not_a_silent_match() -> None:
    with pytest.raises(ValueError, match="not supported"):
        conditions_hold({"IpAddressMaybe": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:sourceip": "10.1.1.1"})


def test_explicit_deny_beats_any_allow() -> None:
    bucket = doc(
        {
            "Sid": "No",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject*",
            "Resource": "arn:aws:s3:::b/*",
        }
    )
    d = evaluate(
        Request(ROLE, "s3:GetObject", "arn:aws:s3:::b/k"),
        resource_policy=bucket,
        identity_policies=[ALLOW_ALL],
    )
    assert d.outcome == "explicit-deny" and d.statements == ("No",)


def test_same_account_identity_allow_suffices_for_s3() -> None:
    assert evaluate(
        Request(ROLE, "s3:GetObject", "arn:aws:s3:::b/k"),
        resource_policy=doc(),
        identity_policies=[ALLOW_ALL],
    ).allowed
    assert not evaluate(Request(ROLE, "s3:GetObject", "arn:aws:s3:::b/k"), resource_policy=doc()).allowed


def test_key_policy_must_allow_directly_or_by_naming_the_account() -> None:
    request = Request(ROLE, "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/1")
    nothing = doc()
    delegates = doc({"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"})
    names = doc({"Effect": "Allow", "Principal": {"AWS": [ROLE]}, "Action": "kms:Decrypt", "Resource": "*"})
    assert not evaluate(
        request, resource_policy=nothing, identity_policies=[ALLOW_ALL], resource_must_allow=True
    ).allowed
    assert evaluate(
        request, resource_policy=delegates, identity_policies=[ALLOW_ALL], resource_must_allow=True
    ).allowed
    assert not evaluate(
        request, resource_policy=delegates, resource_must_allow=True
    ).allowed  # IAM must allow too
    assert evaluate(request, resource_policy=names, resource_must_allow=True).allowed


def test_boundary_caps_identity_policies() -> None:
    request = Request(ROLE, "s3:PutObject", "arn:aws:s3:::b/k")
    boundary = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    assert not evaluate(request, identity_policies=[ALLOW_ALL], boundary=boundary).allowed
    assert evaluate(
        Request(ROLE, "s3:GetObject", "arn:aws:s3:::b/k"), identity_policies=[ALLOW_ALL], boundary=boundary
    ).allowed


def test_actions_resources_and_their_negations() -> None:
    stmt = {"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"}
    assert evaluate(Request(ROLE, "s3:GetObject", "arn:aws:s3:::b/k"), identity_policies=[doc(stmt)]).allowed
    assert not evaluate(
        Request(ROLE, "iam:PassRole", "arn:aws:s3:::b/k"), identity_policies=[doc(stmt)]
    ).allowed
    assert not evaluate(
        Request(ROLE, "s3:GetObject", "arn:aws:s3:::secret/k"), identity_policies=[doc(stmt)]
    ).allowed
    # Actions are case-insensitive; resources are not.
    assert evaluate(
        Request(ROLE, "S3:getobject", "arn:aws:s3:::b/k"),
        identity_policies=[doc({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"})],
    ).allowed
    assert not evaluate(
        Request(ROLE, "s3:GetObject", "arn:aws:s3:::B/k"),
        identity_policies=[doc({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"})],
    ).allowed


def test_service_principals_and_context_defaults() -> None:
    trust = doc(
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
    )
    assert evaluate(
        Request("sagemaker.amazonaws.com", "sts:AssumeRole", ROLE),
        resource_policy=trust,
        resource_must_allow=True,
    ).allowed
    assert not evaluate(
        Request("lambda.amazonaws.com", "sts:AssumeRole", ROLE),
        resource_policy=trust,
        resource_must_allow=True,
    ).allowed
    keys = Request("cloudtrail.amazonaws.com", "kms:GenerateDataKey", "*").keys()
    assert keys["aws:principalisawsservice"] is True and "aws:principalarn" not in keys
    keys = Request(ROLE, "kms:Decrypt", "*", {"aws:ViaAWSService": True}).keys()
    assert keys["aws:principalaccount"] == "111122223333" and keys["aws:viaawsservice"] is True


def test_cross_account_needs_both_accounts_and_a_deny_in_either_decides() -> None:
    """A principal of one account reaching a resource of another: its own identity policies (within
    its boundary) and the resource's policy must both allow; a Deny on either side wins."""
    obj = "arn:aws:s3:::archive-444455556666/k"
    request = Request(ROLE, "s3:ReplicateObject", obj)
    names_role = doc(
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:ReplicateObject", "Resource": "*"}
    )
    names_account = doc({"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "s3:ReplicateObject",
                         "Resource": "*"})  # fmt: skip
    names_other = doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/other"},
                       "Action": "s3:ReplicateObject", "Resource": "*"})  # fmt: skip
    assert evaluate_cross_account(request, resource_policy=names_role, identity_policies=[ALLOW_ALL]).allowed
    assert evaluate_cross_account(
        request, resource_policy=names_account, identity_policies=[ALLOW_ALL]
    ).allowed
    # The resource policy alone is not enough across accounts (it would be within one).
    assert (
        evaluate_cross_account(request, resource_policy=names_role, identity_policies=[]).outcome
        == "implicit-deny"
    )
    assert evaluate(request, resource_policy=names_role).allowed
    assert evaluate_cross_account(request, resource_policy=names_other,
                                  identity_policies=[ALLOW_ALL]).outcome == "implicit-deny"  # fmt: skip
    boundary = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    assert not evaluate_cross_account(request, resource_policy=names_role, identity_policies=[ALLOW_ALL],
                                      boundary=boundary).allowed  # fmt: skip
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    both = doc(*names_role["Statement"], deny)  # type: ignore[arg-type]
    decision = evaluate_cross_account(request, resource_policy=both, identity_policies=[ALLOW_ALL])
    assert decision.outcome == "explicit-deny"
    own_deny = doc({"Effect": "Deny", "Action": "s3:ReplicateObject", "Resource": "*"})
    assert evaluate_cross_account(request, resource_policy=names_role,
                                  identity_policies=[ALLOW_ALL, own_deny]).outcome == "explicit-deny"  # fmt: skip
