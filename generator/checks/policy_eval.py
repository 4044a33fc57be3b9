"""A small evaluator of AWS policy documents: is this request allowed, and by which statement?

It answers the auditor's question "who can read this key or bucket, and from where?" on the
policies as AWS receives them (after an offline apply every document is known), by evaluating
sample requests rather than searching the documents for keys. It implements the parts of the IAM
policy language that aisec's policies and the checks use, after the IAM User Guide's "Policy
evaluation logic" and "IAM JSON policy elements: Condition operators":

- Effect, Principal (AWS, Service, "*"), Action/NotAction, Resource/NotResource, Condition;
- String*, Arn*, Bool, Null and Numeric* operators, the ``IfExists`` suffix, the
  ``ForAnyValue:``/``ForAllValues:`` set qualifiers; condition keys are case-insensitive;
- an explicit Deny in any policy wins; within one account an Allow in the identity policies (capped
  by the permission boundary) or in the resource policy allows, except for KMS, where the key
  policy must allow, directly or by naming the account (which delegates to IAM).

Out of scope (never used by the policies checked): policy variables, NotPrincipal, session
policies, SCPs/RCPs, cross-account rules beyond "the resource policy must allow".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal["allow", "explicit-deny", "implicit-deny"]
ContextValue = str | bool | int | Sequence[str]


@dataclass(frozen=True)
class Request:
    """One API request as IAM sees it.

    ``principal`` is the principal's ARN (``aws:PrincipalArn``: a role's ARN, not its session's) or,
    for an AWS service acting as itself, the service principal (``cloudtrail.amazonaws.com``).
    ``context`` holds the other condition keys; ``aws:PrincipalArn``, ``aws:PrincipalAccount``,
    ``aws:PrincipalIsAWSService`` and ``aws:ViaAWSService`` are filled in when not given.
    """

    principal: str
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)

    @property
    def is_service(self) -> bool:
        return self.principal.endswith(".amazonaws.com") and not self.principal.startswith("arn:")

    @property
    def account(self) -> str | None:
        parts = self.principal.split(":")
        return parts[4] if len(parts) > 4 and self.principal.startswith("arn:") else None

    def keys(self) -> dict[str, ContextValue]:
        out: dict[str, ContextValue] = {
            "aws:principalisawsservice": self.is_service,
            "aws:viaawsservice": False,
        }
        if not self.is_service:
            out["aws:principalarn"] = self.principal
            if self.account:
                out["aws:principalaccount"] = self.account
        out.update({k.lower(): v for k, v in self.context.items()})
        return out


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    statements: tuple[str, ...] = ()  # the Sids that decided: the Deny(s), or the Allow(s)

    @property
    def allowed(self) -> bool:
        return self.outcome == "allow"


# --------------------------------------------------------------------------- matching
def _listify(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _glob(pattern: str, value: str, case: bool = False) -> bool:
    """IAM wildcards: * any run of characters, ? one character; nothing else is special."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None


def _arn_like(pattern: str, value: str) -> bool:
    # ArnLike compares the six colon-separated parts one by one; wildcards stay inside a part.
    p, v = pattern.split(":", 5), value.split(":", 5)
    return len(p) == len(v) == 6 and all(_glob(a, b, case=True) for a, b in zip(p, v, strict=True))


def _to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    return True if text == "true" else False if text == "false" else None


_OPS: dict[str, Any] = {
    "StringEquals": lambda p, v: str(p) == str(v),
    "StringEqualsIgnoreCase": lambda p, v: str(p).lower() == str(v).lower(),
    "StringLike": lambda p, v: _glob(str(p), str(v), case=True),
    "ArnEquals": lambda p, v: str(p) == str(v),
    "ArnLike": lambda p, v: _arn_like(str(p), str(v)),
    "Bool": lambda p, v: _to_bool(p) is not None and _to_bool(p) == _to_bool(v),
    "NumericEquals": lambda p, v: float(v) == float(p),
    "NumericLessThan": lambda p, v: float(v) < float(p),
    "NumericLessThanEquals": lambda p, v: float(v) <= float(p),
    "NumericGreaterThan": lambda p, v: float(v) > float(p),
    "NumericGreaterThanEquals": lambda p, v: float(v) >= float(p),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}


def _condition(operator: str, key: str, wanted: list[Any], context: Mapping[str, ContextValue]) -> bool:
    """One operator on one key: the policy's values are alternatives (OR)."""
    qualifier = ""
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    present = key.lower() in context
    if operator == "Null":
        return any((not present) == _to_bool(w) for w in wanted)
    if not present:
        if qualifier == "ForAllValues":
            return True  # vacuously: no value fails
        if qualifier == "ForAnyValue":
            return False
        return if_exists or operator in _NEGATED
    raw = context[key.lower()]
    if isinstance(raw, (list, tuple)) and not qualifier:
        # A multi-valued key (aws:TagKeys, kms:ResourceAliases) needs a set qualifier to mean anything.
        raise ValueError(f"{operator} on the multi-valued key {key} needs ForAnyValue: or ForAllValues:")
    values = _listify(raw)
    negated = operator in _NEGATED
    base = _OPS.get(_NEGATED.get(operator, operator))
    if base is None:
        raise ValueError(f"condition operator {operator!r} is not supported by this evaluator")

    def one(value: Any) -> bool:
        hit = any(base(w, value) for w in wanted)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in values)
    if qualifier == "ForAnyValue":
        return any(one(v) for v in values)
    if negated:  # a single-valued key: none of the values may match
        return all(one(v) for v in values)
    return any(one(v) for v in values)


def conditions_hold(block: Mapping[str, Mapping[str, Any]], context: Mapping[str, ContextValue]) -> bool:
    """Every operator and every key of a Condition block (AND)."""
    return all(
        _condition(op, key, _listify(wanted), context)
        for op, keys in block.items()
        for key, wanted in keys.items()
    )


def _matches_any(patterns: Iterable[str], value: str, case: bool = False) -> bool:
    return any(_glob(p, value, case) for p in patterns)


def _action_matches(stmt: Mapping[str, Any], action: str) -> bool:
    if "NotAction" in stmt:
        return not _matches_any(_listify(stmt["NotAction"]), action)
    return _matches_any(_listify(stmt.get("Action")), action)


def _resource_matches(stmt: Mapping[str, Any], resource: str) -> bool:
    if "NotResource" in stmt:
        return not _matches_any(_listify(stmt["NotResource"]), resource, case=True)
    if "Resource" not in stmt:
        return True  # resource policies (trust policies) may omit it: the policy's owner
    return _matches_any(_listify(stmt["Resource"]), resource, case=True)


def _principal_match(stmt: Mapping[str, Any], request: Request) -> Literal["direct", "account", "none"]:
    """Whether a resource-policy statement names the principal, or its account (delegation to IAM)."""
    principal = stmt.get("Principal")
    if principal is None:
        return "direct"  # an identity policy: the principal is the one it is attached to
    if principal == "*":
        return "direct"
    if request.is_service:
        return "direct" if _matches_any(_listify(principal.get("Service")), request.principal) else "none"
    names = _listify(principal.get("AWS"))
    if "*" in names or request.principal in names:
        return "direct"
    root = f"arn:aws:iam::{request.account}:root"
    if root in names or request.account in names:
        return "direct" if request.principal == root else "account"
    return "none"


def _statements(document: str | Mapping[str, Any]) -> list[dict[str, Any]]:
    doc = json.loads(document) if isinstance(document, str) else document
    return [dict(s) for s in _listify(doc.get("Statement"))]


def _applies(stmt: Mapping[str, Any], request: Request, context: Mapping[str, ContextValue]) -> bool:
    return (
        _action_matches(stmt, request.action)
        and _resource_matches(stmt, request.resource)
        and conditions_hold(stmt.get("Condition", {}), context)
    )


def _sid(stmt: Mapping[str, Any], index: int) -> str:
    return str(stmt.get("Sid") or f"#{index}")


@dataclass(frozen=True)
class _Scan:
    denies: tuple[str, ...]
    direct: tuple[str, ...]  # Allows naming the principal (or "*")
    delegated: tuple[str, ...]  # Allows naming its account


def _scan(document: str | Mapping[str, Any], request: Request, context: Mapping[str, ContextValue]) -> _Scan:
    denies, direct, delegated = [], [], []
    for i, stmt in enumerate(_statements(document)):
        who = _principal_match(stmt, request)
        if who == "none" or not _applies(stmt, request, context):
            continue
        if stmt.get("Effect") == "Deny":
            denies.append(_sid(stmt, i))
        elif who == "direct":
            direct.append(_sid(stmt, i))
        else:
            delegated.append(_sid(stmt, i))
    return _Scan(tuple(denies), tuple(direct), tuple(delegated))


def evaluate(
    request: Request,
    *,
    resource_policy: str | Mapping[str, Any] | None = None,
    identity_policies: Sequence[str | Mapping[str, Any]] = (),
    boundary: str | Mapping[str, Any] | None = None,
    resource_must_allow: bool = False,
) -> Decision:
    """Evaluate one request against the policies AWS would consult for it, within one account.

    ``identity_policies`` are the principal's own policies (inline and managed), ``boundary`` its
    permission boundary, ``resource_policy`` the key, bucket, endpoint or trust policy. With
    ``resource_must_allow`` (KMS key policies, role trust policies) nothing is allowed unless the
    resource policy allows, directly or through a statement naming the account, which then
    delegates to the identity policies. Otherwise an Allow in either suffices.
    """
    context = request.keys()
    empty = _Scan((), (), ())
    resource = _scan(resource_policy, request, context) if resource_policy is not None else empty
    identity = [_scan(p, request, context) for p in identity_policies]
    capped = _scan(boundary, request, context) if boundary is not None else None
    denies = resource.denies + tuple(d for s in identity for d in s.denies)
    denies += capped.denies if capped is not None else ()
    if denies:
        return Decision("explicit-deny", denies)
    identity_allows = tuple(a for s in identity for a in s.direct)
    if capped is not None and not capped.direct:
        identity_allows = ()  # the boundary caps what identity policies grant
    if resource.direct:
        return Decision("allow", resource.direct)
    if resource_must_allow and not resource.delegated:
        return Decision("implicit-deny")
    if identity_allows:
        return Decision("allow", resource.delegated + identity_allows)
    return Decision("implicit-deny")


def evaluate_cross_account(
    request: Request,
    *,
    resource_policy: str | Mapping[str, Any],
    identity_policies: Sequence[str | Mapping[str, Any]],
    boundary: str | Mapping[str, Any] | None = None,
) -> Decision:
    """A request whose principal and resource are in different accounts: both accounts must allow.
    The principal's account through its identity policies (within its boundary), the resource's
    account through its resource policy naming the principal (or its account) directly; an explicit
    Deny in either decides."""
    own = evaluate(request, identity_policies=identity_policies, boundary=boundary)
    theirs = _scan(resource_policy, request, request.keys())
    denies = (own.statements if own.outcome == "explicit-deny" else ()) + theirs.denies
    if denies:
        return Decision("explicit-deny", denies)
    grants = theirs.direct + theirs.delegated
    if own.allowed and grants:
        return Decision("allow", grants + own.statements)
    return Decision("implicit-deny")


def glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM wildcard matching: case-sensitive as for resources and string conditions, or not (actions)."""
    return _glob(pattern, value, case=not ignore_case)
