"""Prowler's IAM checks on the landing's roles and policies."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from generator.checks.policy_eval import Request
from generator.reports.checks.base import (
    Landing,
    Resource,
    Verdict,
    _check,
    _doc,
    _judge,
    _listify,
    _statements,
)


# --------------------------------------------------------------------------- IAM
def _customer_policies(land: Landing) -> list[tuple[Resource, dict[str, Any]]]:
    return [(p, _doc(p.get("policy")) or {}) for p in land.of("aws_iam_policy")]


def _inline_policies(land: Landing) -> list[tuple[Resource, dict[str, Any]]]:
    return [(p, _doc(p.get("policy")) or {}) for p in land.of("aws_iam_role_policy")]


def _allows(doc: dict[str, Any], action: str, resource: str = "*") -> bool:
    """An Allow statement whose Action names exactly `action` (or a wildcard that is it) on `resource`."""
    for stmt in _statements(doc):
        if stmt.get("Effect") != "Allow" or "Action" not in stmt:
            continue
        if action in _listify(stmt.get("Action")) and (
            resource == "" or resource in _listify(stmt.get("Resource"))
        ):
            return True
    return False


def _policy_check(check: str, policies: list[tuple[Resource, dict[str, Any]]], bad: Callable[[dict[str, Any]], bool],
                  what: str, fix: str, none: str) -> Verdict:  # fmt: skip
    items = [
        (not bad(doc), f"{p.address}: policy {'allows' if bad(doc) else 'does not allow'} {what}")
        for p, doc in policies
    ]
    return _judge(check, items, fix, none)


_NO_POLICY = "the landing creates no customer-managed policy"
_NO_INLINE = "the landing creates no inline policy"


@_check("iam_customer_attached_policy_no_administrative_privileges")
def _iam_admin(land: Landing) -> Verdict:
    # Prowler judges customer-managed policies attached to a principal; a permission boundary is not an attachment
    attached = {arn for _, arn in _managed_attachments(land)}
    policies = [(p, d) for p, d in _customer_policies(land) if p.get("arn") in attached]
    return _policy_check("iam_customer_attached_policy_no_administrative_privileges", policies,
                         lambda d: _allows(d, "*"), '"Action": "*" on "*"', "IAM-4",
                         "the landing attaches no customer-managed policy (its policies are permission boundaries)")  # fmt: skip


@_check("iam_inline_policy_no_administrative_privileges")
def _iam_inline_admin(land: Landing) -> Verdict:
    return _policy_check("iam_inline_policy_no_administrative_privileges", _inline_policies(land),
                         lambda d: _allows(d, "*"), '"Action": "*" on "*"', "IAM-4", _NO_INLINE)  # fmt: skip


@_check("iam_policy_no_full_access_to_kms")
def _iam_kms(land: Landing) -> Verdict:
    return _policy_check("iam_policy_no_full_access_to_kms", _customer_policies(land),
                         lambda d: _allows(d, "kms:*", ""), '"kms:*"', "IAM-1, DP-4", _NO_POLICY)  # fmt: skip


@_check("iam_inline_policy_no_full_access_to_kms")
def _iam_inline_kms(land: Landing) -> Verdict:
    return _policy_check("iam_inline_policy_no_full_access_to_kms", _inline_policies(land),
                         lambda d: _allows(d, "kms:*", ""), '"kms:*"', "IAM-1, DP-4", _NO_INLINE)  # fmt: skip


@_check("iam_policy_no_full_access_to_cloudtrail")
def _iam_cloudtrail(land: Landing) -> Verdict:
    return _policy_check("iam_policy_no_full_access_to_cloudtrail", _customer_policies(land),
                         lambda d: _allows(d, "cloudtrail:*", ""), '"cloudtrail:*"', "IAM-1", _NO_POLICY)  # fmt: skip


@_check("iam_no_custom_policy_permissive_role_assumption")
def _iam_assume(land: Landing) -> Verdict:
    def bad(d: dict[str, Any]) -> bool:
        return any(_allows(d, a) for a in ("sts:AssumeRole", "sts:*", "*"))

    return _policy_check("iam_no_custom_policy_permissive_role_assumption", _customer_policies(land), bad,
                         "sts:AssumeRole on every role", "IAM-1", _NO_POLICY)  # fmt: skip


@_check("iam_policy_no_wildcard_marketplace_subscribe")
def _iam_marketplace(land: Landing) -> Verdict:
    return _policy_check("iam_policy_no_wildcard_marketplace_subscribe", _customer_policies(land),
                         lambda d: _allows(d, "aws-marketplace:Subscribe") or _allows(d, "aws-marketplace:*"),
                         "aws-marketplace:Subscribe on *", "AI-1", _NO_POLICY)  # fmt: skip


@_check("iam_inline_policy_no_wildcard_marketplace_subscribe")
def _iam_inline_marketplace(land: Landing) -> Verdict:
    return _policy_check("iam_inline_policy_no_wildcard_marketplace_subscribe", _inline_policies(land),
                         lambda d: _allows(d, "aws-marketplace:Subscribe") or _allows(d, "aws-marketplace:*"),
                         "aws-marketplace:Subscribe on *", "AI-1", _NO_INLINE)  # fmt: skip


_AWS_ADMIN = ("arn:aws:iam::aws:policy/AdministratorAccess",)


def _managed_attachments(land: Landing) -> list[tuple[str, str]]:
    """(role resource address, attached policy ARN)."""
    out = [(r.address, r.get("policy_arn") or "") for r in land.of("aws_iam_role_policy_attachment")]
    out += [(r.address, a) for r in land.of("aws_iam_role") for a in (r.get("managed_policy_arns") or [])]
    return out


def _attachment_check(check: str, land: Landing, arns: tuple[str, ...], fix: str) -> Verdict:
    roles = land.of("aws_iam_role")
    if not roles:
        return Verdict(check, "not evaluated", (), "the landing creates no IAM role")
    bad = tuple(
        f"{addr}: policy_arn = {json.dumps(arn)}" for addr, arn in _managed_attachments(land) if arn in arns
    )
    if bad:
        return Verdict(check, "fail", bad, fix)
    return Verdict(
        check,
        "pass",
        (
            f"{len(roles)} roles of the landing: none has {', '.join(a.split('/')[-1] for a in arns)} attached",
        ),
    )


@_check("iam_role_administratoraccess_policy")
def _iam_role_admin(land: Landing) -> Verdict:
    return _attachment_check("iam_role_administratoraccess_policy", land, _AWS_ADMIN, "IAM-4")


@_check("iam_aws_attached_policy_no_administrative_privileges")
def _iam_aws_admin(land: Landing) -> Verdict:
    return _attachment_check(
        "iam_aws_attached_policy_no_administrative_privileges", land, _AWS_ADMIN, "IAM-4"
    )


@_check("bedrock_full_access_policy_attached")
def _bedrock_full(land: Landing) -> Verdict:
    return _attachment_check("bedrock_full_access_policy_attached", land,
                             ("arn:aws:iam::aws:policy/AmazonBedrockFullAccess",), "AI-1")  # fmt: skip


@_check("iam_policy_attached_only_to_group_or_roles")
def _iam_users(land: Landing) -> Verdict:
    users = land.of("aws_iam_user_policy_attachment", "aws_iam_user_policy", "aws_iam_user")
    if users:
        return Verdict(
            "iam_policy_attached_only_to_group_or_roles",
            "fail",
            tuple(f"{u.address}" for u in users),
            "IAM-4",
        )
    return Verdict("iam_policy_attached_only_to_group_or_roles", "depends", ("the landing creates no IAM user",),
                   "the account's existing IAM users and their policies, outside the landing")  # fmt: skip


@_check("iam_role_cross_service_confused_deputy_prevention")
def _iam_confused_deputy(land: Landing) -> Verdict:
    """Service roles (trusting an AWS service) must restrict the service to the account (aws:SourceAccount,
    aws:SourceArn, aws:SourceOrgID): judged by asking whether the service acting for another account could assume it."""
    items = []
    for role in land.of("aws_iam_role"):
        trust = _doc(role.get("assume_role_policy")) or {}
        services = sorted({s for st in _statements(trust) if st.get("Effect") == "Allow"
                           for s in _listify((st.get("Principal") or {}).get("Service") if isinstance(st.get("Principal"), dict) else None)})  # fmt: skip
        if not services or "aws-service-role" in (role.get("arn") or ""):
            continue
        from generator.checks.policy_eval import evaluate

        open_to = [
            s for s in services
            if evaluate(Request(s, "sts:AssumeRole", role.get("arn") or "*",
                                {"aws:SourceAccount": "999988887777", "aws:SourceArn": "arn:aws:sagemaker:us-east-1:999988887777:x/y",
                                 "aws:SourceOrgID": "o-other"}), resource_policy=trust).allowed
        ]  # fmt: skip
        items.append((not open_to, f"{role.address}: trust lets {json.dumps(open_to or services)} assume it "
                      + ("for another account" if open_to else "only for this account")))  # fmt: skip
    return _judge("iam_role_cross_service_confused_deputy_prevention", items, "KMS-4, IAM-1",
                  "the landing creates no service role")  # fmt: skip
