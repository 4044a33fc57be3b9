"""What every evaluator works with: the verdict, the landing's applied state, the registry of
evaluators by Prowler check name, and the pass/fail judgement over a landing's items."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from generator.checks.policy_eval import Request, evaluate_cross_account

STATUSES = ("pass", "fail", "depends", "not evaluated")
OUTSIDER = "arn:aws:iam::999988887777:role/outsider"  # a principal of an account that is not ours
_PLACEHOLDER = re.compile(
    r"^[a-z0-9_]+-[0-9a-f]{12}$"
)  # what the offline provider computes for unset attributes


@dataclass(frozen=True)
class Verdict:
    check: str  # Prowler's check name
    status: str  # one of STATUSES
    evidence: tuple[str, ...]  # "address: attribute = value"
    fix: str = ""  # fail: the control that would fix it; depends: what it rests on; not evaluated: why

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["evidence"] = list(self.evidence)
        return out


# --------------------------------------------------------------------------- the landing's state
@dataclass(frozen=True)
class Resource:
    address: str
    type: str
    values: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key, default)
        if isinstance(value, str) and _PLACEHOLDER.match(value):
            return default  # not set by the configuration: the offline provider made it up
        return value

    def ev(self, key: str, value: Any = None) -> str:
        shown = self.get(key) if value is None else value
        return f"{self.address}: {key} = {json.dumps(shown)}"


class Landing:
    """The managed resources of a state, by type."""

    def __init__(self, state: dict[str, Any]):
        self.resources: list[Resource] = []
        self._walk(state.get("values", {}).get("root_module", {}))

    def _walk(self, module: dict[str, Any]) -> None:
        for r in module.get("resources", []):
            if r.get("mode") == "managed":
                self.resources.append(Resource(r["address"], r["type"], r.get("values") or {}))
        for child in module.get("child_modules", []):
            self._walk(child)

    def of(self, *types: str) -> list[Resource]:
        return [r for r in self.resources if r.type in types]

    def by_bucket(self, rtype: str) -> dict[str, Resource]:
        return {r.get("bucket"): r for r in self.of(rtype) if r.get("bucket")}


def _doc(value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            loaded = json.loads(value)
        except ValueError:
            return None
        return loaded if isinstance(loaded, dict) else None
    return None


def _statements(doc: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not doc:
        return []
    stmts = doc.get("Statement", [])
    return [stmts] if isinstance(stmts, dict) else list(stmts)


def _listify(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _outsider_allowed(policy: dict[str, Any], actions: Iterable[str], resource: str) -> list[str]:
    """Actions that an Allow statement of this resource policy grants a principal of another account
    (allowed everything by its own account), without a VPC endpoint, organization or source the
    statement could ask for. Deny statements are left out on purpose: Prowler (like S3's own "public"
    status) calls a policy public by its Allow statements, whatever a Deny elsewhere takes back."""
    allows = {
        "Version": "2012-10-17",
        "Statement": [s for s in _statements(policy) if s.get("Effect") == "Allow"],
    }
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    granted = []
    for action in actions:
        req = Request(OUTSIDER, action, resource, {"aws:SecureTransport": True})
        if evaluate_cross_account(req, resource_policy=allows, identity_policies=[everything]).allowed:
            granted.append(action)
    return granted


# --------------------------------------------------------------------------- the registry
Evaluator = Callable[[Landing], Verdict]
_REGISTRY: dict[str, Evaluator] = {}


def _bind(fn: Callable[[Landing, str], Verdict], name: str) -> Evaluator:
    """One evaluator of several checks, bound to one of their names."""
    return lambda land: fn(land, name)


def _check(*names: str) -> Callable[[Callable[..., Verdict]], Callable[..., Verdict]]:
    def register(fn: Callable[..., Verdict]) -> Callable[..., Verdict]:
        for name in names:
            _REGISTRY[name] = _bind(fn, name) if len(names) > 1 else fn
        return fn

    return register


def _judge(
    check: str,
    items: Iterable[tuple[bool, str]],
    fix: str,
    none: str,
) -> Verdict:
    """pass when every item holds, fail with the failing ones; `none` when there are no items."""
    items = list(items)
    if not items:
        return Verdict(check, "not evaluated", (), none)
    failing = tuple(ev for ok, ev in items if not ok)
    if failing:
        return Verdict(check, "fail", failing, fix)
    return Verdict(check, "pass", tuple(ev for _, ev in items))
