"""A small IAM policy evaluator for tests: does this identity policy (and boundary) allow a request?

It follows AWS's evaluation logic for identity-based policies in one account: an explicit Deny in
any policy wins; otherwise the request needs an Allow in the identity policy and, when the role
has a permission boundary, an Allow in the boundary too. Statements match on Action/NotAction
(case-insensitive wildcards), Resource/NotResource (case-sensitive wildcards) and Condition, with
the operators the project's policies use, their `...IfExists` forms and the `ForAnyValue:` /
`ForAllValues:` set prefixes. Not covered (a test helper, not an engine): policy variables,
resource-based policies, SCPs and session policies, NotPrincipal, date and IP operators.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

Decision = Literal["Allow", "Deny", "ImplicitDeny"]
ContextValue = str | bool | int | list[str]


@dataclass(frozen=True)
class Request:
    """One API call as IAM sees it: the action, the resource ARN and the request context."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@cache
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    """IAM wildcards: `*` any run of characters (`/` and `:` included), `?` one character."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(glob: str, value: str, ignore_case: bool = False) -> bool:
    return _pattern(glob, ignore_case).fullmatch(value) is not None


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _numeric(op: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    return lambda have, want: op(float(have), float(want))


# Operator -> (does a request value match one policy value, is the operator negated)
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (lambda have, want: have == want, False),
    "StringNotEquals": (lambda have, want: have == want, True),
    "StringEqualsIgnoreCase": (lambda have, want: have.lower() == want.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda have, want: have.lower() == want.lower(), True),
    "StringLike": (lambda have, want: wildcard_match(want, have), False),
    "StringNotLike": (lambda have, want: wildcard_match(want, have), True),
    # AWS matches ARNs field by field; with the project's patterns a whole-string wildcard is the same.
    "ArnEquals": (lambda have, want: wildcard_match(want, have), False),
    "ArnLike": (lambda have, want: wildcard_match(want, have), False),
    "ArnNotEquals": (lambda have, want: wildcard_match(want, have), True),
    "ArnNotLike": (lambda have, want: wildcard_match(want, have), True),
    "Bool": (lambda have, want: have.lower() == want.lower(), False),
    "NumericEquals": (_numeric(lambda a, b: a == b), False),
    "NumericNotEquals": (_numeric(lambda a, b: a == b), True),
    "NumericLessThan": (_numeric(lambda a, b: a < b), False),
    "NumericLessThanEquals": (_numeric(lambda a, b: a <= b), False),
    "NumericGreaterThan": (_numeric(lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_numeric(lambda a, b: a >= b), False),
}


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _lookup(context: Mapping[str, ContextValue], key: str) -> ContextValue | None:
    """Condition keys are case-insensitive (tag values are not)."""
    for name, value in context.items():
        if name.lower() == key.lower():
            return value
    return None


def condition_holds(operator: str, key: str, wanted: Any, context: Mapping[str, ContextValue]) -> bool:
    """One condition operator on one key: true when the request satisfies it."""
    if operator == "Null":  # "true": the key must be absent; "false": present
        return (_lookup(context, key) is None) == (_text(_as_list(wanted)[0]) == "true")
    prefix, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    if name not in _OPERATORS or prefix not in ("", "ForAnyValue", "ForAllValues"):
        raise ValueError(f"operator not supported by this evaluator: {operator}")
    matches, negated = _OPERATORS[name]
    have = _lookup(context, key)
    if have is None:
        # Absent keys: IfExists and ForAllValues hold vacuously, negated operators hold, others fail.
        return if_exists or prefix == "ForAllValues" or (negated and prefix == "")
    wants = [_text(w) for w in _as_list(wanted)]

    def one(value: Any) -> bool:
        hit = any(matches(_text(value), w) for w in wants)
        return not hit if negated else hit

    values = _as_list(have)
    if prefix == "ForAllValues":
        return all(one(v) for v in values)
    if prefix == "ForAnyValue":
        return any(one(v) for v in values)
    if len(values) != 1:
        raise ValueError(f"{key} is multi-valued: use ForAnyValue or ForAllValues with {operator}")
    return one(values[0])


def statement_matches(statement: Mapping[str, Any], request: Request) -> bool:
    """Whether a statement applies to the request (its effect is the caller's business)."""
    if "Action" in statement:
        if not any(wildcard_match(a, request.action, True) for a in _as_list(statement["Action"])):
            return False
    elif any(wildcard_match(a, request.action, True) for a in _as_list(statement["NotAction"])):
        return False
    if "Resource" in statement:
        if not any(wildcard_match(r, request.resource) for r in _as_list(statement["Resource"])):
            return False
    elif any(wildcard_match(r, request.resource) for r in _as_list(statement["NotResource"])):
        return False
    return all(
        condition_holds(operator, key, wanted, request.context)
        for operator, keys in statement.get("Condition", {}).items()
        for key, wanted in keys.items()
    )


def _effects(policy: Mapping[str, Any], request: Request) -> set[str]:
    return {s["Effect"] for s in _as_list(policy["Statement"]) if statement_matches(s, request)}


def evaluate(
    policies: Iterable[Mapping[str, Any]], request: Request, boundary: Mapping[str, Any] | None = None
) -> Decision:
    """The decision for a role with these identity policies and an optional permission boundary."""
    policies = list(policies)
    effects = set().union(*(_effects(p, request) for p in policies)) if policies else set()
    bounded = _effects(boundary, request) if boundary is not None else {"Allow"}
    if "Deny" in effects | bounded:
        return "Deny"
    if "Allow" in effects and "Allow" in bounded:
        return "Allow"
    return "ImplicitDeny"
