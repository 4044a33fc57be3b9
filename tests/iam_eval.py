"""The CI-role tests' view of generator.checks.policy_eval: identity policies (and a boundary) of
one role, requests without a principal of their own. One evaluator serves every policy test."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from generator.checks import policy_eval
from generator.checks.policy_eval import ContextValue

Decision = Literal["Allow", "Deny", "ImplicitDeny"]
_OUTCOME: dict[str, Decision] = {"allow": "Allow", "explicit-deny": "Deny", "implicit-deny": "ImplicitDeny"}
# The CI policies name no principal condition; requests are evaluated as some role of the account.
_CALLER = "arn:aws:iam::111122223333:role/aisec-deploy/caller"


@dataclass(frozen=True)
class Request:
    """One API call as IAM sees it: the action, the resource ARN and the request context."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


def wildcard_match(glob: str, value: str, ignore_case: bool = False) -> bool:
    return policy_eval.glob(glob, value, ignore_case=ignore_case)


def condition_holds(operator: str, key: str, wanted: Any, context: Mapping[str, ContextValue]) -> bool:
    return policy_eval.conditions_hold({operator: {key: wanted}}, {k.lower(): v for k, v in context.items()})


def evaluate(
    policies: Iterable[Mapping[str, Any]], request: Request, boundary: Mapping[str, Any] | None = None
) -> Decision:
    """The decision for a role with these identity policies and an optional permission boundary."""
    decision = policy_eval.evaluate(
        policy_eval.Request(_CALLER, request.action, request.resource, request.context),
        identity_policies=list(policies),
        boundary=boundary,
    )
    return _OUTCOME[decision.outcome]


__all__ = ["ContextValue", "Decision", "Request", "condition_holds", "evaluate", "wildcard_match"]
