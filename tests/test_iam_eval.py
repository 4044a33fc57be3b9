"""The test helper tests/iam_eval.py against AWS's documented evaluation rules."""

from __future__ import annotations

from typing import Any

import pytest

from tests.iam_eval import Request, condition_holds, evaluate, wildcard_match

ROLE = "arn:aws:iam::111122223333:role/aisec/app-ds"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_wildcards() -> None:
    assert wildcard_match("arn:aws:s3:::app-*", "arn:aws:s3:::app-data/key/with:colon")
    assert wildcard_match("arn:aws:s3:::app-?", "arn:aws:s3:::app-1")
    assert not wildcard_match("arn:aws:s3:::app-?", "arn:aws:s3:::app-12")
    assert not wildcard_match("arn:aws:s3:::App-*", "arn:aws:s3:::app-data")  # resources are case-sensitive
    assert wildcard_match("IAM:Put*", "iam:PutRolePolicy", ignore_case=True)  # actions are not
    assert not wildcard_match("a.b", "axb")  # regex characters are literal


def test_no_statement_is_an_implicit_deny_and_deny_wins() -> None:
    request = Request("s3:GetObject", "arn:aws:s3:::b/k")
    assert evaluate([], request) == "ImplicitDeny"
    assert evaluate([doc(allow())], request) == "Allow"
    assert evaluate([doc(allow("s3:PutObject"))], request) == "ImplicitDeny"
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}
    assert evaluate([doc(allow(), deny)], request) == "Deny"
    assert evaluate([doc(allow()), doc(deny)], request) == "Deny"  # across policies too


def test_not_action_and_not_resource() -> None:
    policy = doc({"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"})
    assert evaluate([policy], Request("s3:GetObject", "arn:aws:s3:::open/k")) == "Allow"
    assert evaluate([policy], Request("s3:GetObject", "arn:aws:s3:::secret/k")) == "ImplicitDeny"
    assert evaluate([policy], Request("iam:CreateRole", ROLE)) == "ImplicitDeny"


def test_a_boundary_caps_and_its_deny_counts() -> None:
    request = Request("iam:PutRolePolicy", ROLE)
    identity = doc(allow("iam:*"))
    assert evaluate([identity], request, boundary=doc(allow("iam:PutRolePolicy"))) == "Allow"
    assert evaluate([identity], request, boundary=doc(allow("s3:*"))) == "ImplicitDeny"
    assert evaluate([doc(allow("s3:*"))], request, boundary=doc(allow("iam:*"))) == "ImplicitDeny"
    boundary = doc(allow("*"), {"Effect": "Deny", "Action": "iam:Put*", "Resource": "*"})
    assert evaluate([identity], request, boundary=boundary) == "Deny"


@pytest.mark.parametrize(
    ("operator", "wanted", "context", "holds"),
    [
        ("StringEquals", ["a", "b"], {"k": "b"}, True),
        ("StringEquals", ["a"], {"k": "A"}, False),
        ("StringEqualsIgnoreCase", ["a"], {"k": "A"}, True),
        ("StringEquals", ["a"], {}, False),  # absent key: the condition fails
        ("StringNotEquals", ["a"], {"k": "b"}, True),
        ("StringNotEquals", ["a"], {"k": "a"}, False),
        ("StringNotEquals", ["a"], {}, True),  # absent key: a negated operator holds
        ("StringLike", ["arn:*:boundary"], {"k": "arn:x:boundary"}, True),
        ("StringNotLike", ["arn:*:boundary"], {"k": "arn:x:other"}, True),
        ("StringNotLike", ["arn:*:boundary"], {}, True),
        ("StringEqualsIfExists", ["a"], {}, True),  # IfExists: absent key holds
        ("StringEqualsIfExists", ["a"], {"k": "b"}, False),
        ("ArnLike", ["arn:aws:iam::1:policy/app-*"], {"k": "arn:aws:iam::1:policy/app-x"}, True),
        (
            "ArnNotLike",
            ["arn:aws:iam::1:policy/app-*"],
            {"k": "arn:aws:iam::aws:policy/AdministratorAccess"},
            True,
        ),
        ("ArnEquals", ["arn:aws:ec2:r:1:vpc/vpc-1"], {"k": "arn:aws:ec2:r:1:vpc/vpc-2"}, False),
        ("Bool", ["true"], {"k": True}, True),
        ("Bool", ["true"], {"k": "false"}, False),
        ("Bool", ["true"], {}, False),
        ("BoolIfExists", ["false"], {}, True),
        ("NumericLessThan", ["3600"], {"k": 60}, True),
        ("NumericLessThan", ["3600"], {"k": "7200"}, False),
        ("NumericGreaterThanEquals", ["10"], {"k": "10"}, True),
        ("Null", ["true"], {}, True),
        ("Null", ["false"], {}, False),
        ("Null", ["false"], {"k": "x"}, True),
        # set operators on multi-valued keys (aws:TagKeys)
        ("ForAnyValue:StringEquals", ["x"], {"k": ["a", "x"]}, True),
        ("ForAnyValue:StringEquals", ["x"], {"k": ["a", "b"]}, False),
        ("ForAnyValue:StringEquals", ["x"], {}, False),
        ("ForAllValues:StringEquals", ["a", "b"], {"k": ["a", "b"]}, True),
        ("ForAllValues:StringEquals", ["a"], {"k": ["a", "b"]}, False),
        ("ForAllValues:StringEquals", ["a"], {}, True),  # vacuously: no values
        ("ForAllValues:StringNotEquals", ["landing"], {"k": ["owner", "env"]}, True),
        ("ForAllValues:StringNotEquals", ["landing"], {"k": ["owner", "landing"]}, False),
        ("ForAnyValue:StringLike", ["aws:*"], {"k": ["x", "aws:y"]}, True),
    ],
)
def test_condition_operators(operator: str, wanted: list[str], context: dict[str, Any], holds: bool) -> None:
    assert condition_holds(operator, "k", wanted, context) is holds


def test_condition_keys_are_case_insensitive_and_all_conditions_must_hold() -> None:
    statement = allow(
        "iam:CreateRole",
        ROLE,
        Condition={
            "StringLike": {"iam:PermissionsBoundary": "arn:aws:iam::1:policy/app-*-boundary"},
            "StringEquals": {"aws:RequestTag/landing": "app"},
        },
    )
    both = {
        "IAM:permissionsboundary": "arn:aws:iam::1:policy/app-dev-boundary",
        "aws:RequestTag/landing": "app",
    }
    assert evaluate([doc(statement)], Request("iam:CreateRole", ROLE, both)) == "Allow"
    one = {"iam:PermissionsBoundary": "arn:aws:iam::1:policy/app-dev-boundary"}
    assert evaluate([doc(statement)], Request("iam:CreateRole", ROLE, one)) == "ImplicitDeny"


def test_unsupported_operators_and_ambiguous_values_are_errors() -> None:
    with pytest.raises(ValueError, match="not supported"):
        condition_holds("IpAddress", "aws:SourceIp", ["10.0.0.0/8"], {"aws:SourceIp": "10.1.1.1"})
    with pytest.raises(ValueError, match="multi-valued"):
        condition_holds("StringEquals", "aws:TagKeys", ["a"], {"aws:TagKeys": ["a", "b"]})
