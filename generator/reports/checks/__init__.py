"""Prowler's verdicts before deploying: for each Prowler check that concerns what a landing creates,
whether the landing will pass it once deployed, judged on the state of an offline apply.

Each evaluator reads the values Terraform holds after the offline rehearsal (``terraform show
-json`` of its state) and answers as the Prowler check of the same name would on the deployed
account (Prowler 5.46: its metadata, Risk and Remediation text and what each check inspects):

- ``pass``: the landing's resources satisfy the check; evidence names resource address, attribute
  and value;
- ``fail``: the check would report them; evidence says which, ``fix`` names the aisec control that
  would fix it (or says that no control of ours does, and why);
- ``depends``: the outcome rests on something outside the landing (an account or organization
  setting, resources created at run time, other regions); ``fix`` names it;
- ``not evaluated``: nothing in the landing to judge (``fix`` says why).

Prowler judges every resource of the account; a verdict here speaks for the resources this landing
creates. Policies are judged with aisec's own evaluator (generator/checks/policy_eval.py) on sample
requests from outside the account, not by searching the documents.

The evaluators live in one module per AWS area (s3, audit, iam, network, detective, ai) over
:mod:`.base`; this module runs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator.decide.prowler import PROWLER_VERSION, check_table, where
from generator.decide.prowler import in_reach as prowler_in_reach

# importing the evaluators' modules registers them (base._REGISTRY)
from generator.reports.checks import ai, audit, detective, iam, network, s3  # noqa: F401
from generator.reports.checks.ai import _enforced_on_output
from generator.reports.checks.audit import _FILTERS, _filter_regex
from generator.reports.checks.base import _REGISTRY, OUTSIDER, STATUSES, Evaluator, Landing, Resource, Verdict
from generator.reports.checks.detective import _fixed
from generator.reports.checks.s3 import _denies_insecure_transport
from generator.spec import Regime

# --------------------------------------------------------------------------- judged only at run time
NOT_EVALUATED: dict[str, str] = {
    "guardduty_no_high_severity_findings": "GuardDuty's findings exist only once the account runs",
    "accessanalyzer_enabled_without_findings": "IAM Access Analyzer's findings exist only once the account runs",
    "cloudtrail_threat_detection_enumeration": "judges CloudTrail activity, which exists only once the account runs",
    "cloudtrail_threat_detection_llm_jacking": "judges CloudTrail activity, which exists only once the account runs",
    "cloudtrail_threat_detection_privilege_escalation": "judges CloudTrail activity, which exists only once the account runs",
    "cloudwatch_log_group_no_secrets_in_logs": "judges log events, which exist only once the workloads run",
    "iam_policy_allows_privilege_escalation": "Prowler's privilege-escalation combinations are not reimplemented here; "
    "aisec's plan gate judges the roles' policies (bar items 17-20)",
    "iam_inline_policy_allows_privilege_escalation": "Prowler's privilege-escalation combinations are not reimplemented "
    "here; aisec's plan gate judges the roles' policies (bar items 17-20)",
    "iam_role_access_not_stale_to_bedrock": "judges last-accessed data, which exists only once the account runs",
    "iam_user_access_not_stale_to_bedrock": "judges last-accessed data, which exists only once the account runs",
    "iam_user_access_not_stale_to_sagemaker": "judges last-accessed data, which exists only once the account runs",
}

for _name_, _why in NOT_EVALUATED.items():
    _REGISTRY[_name_] = _fixed(_name_, "not evaluated", _why)

CHECKS: tuple[str, ...] = tuple(sorted(_REGISTRY))


# --------------------------------------------------------------------------- API
def evaluate(state: dict[str, Any], checks: Iterable[str] | None = None) -> list[Verdict]:
    """The verdict of each Prowler check (default: every check in CHECKS) on a `terraform show -json`
    state. A check this module does not know is "not evaluated"."""
    land = Landing(state)
    out = []
    for name in sorted(set(checks) if checks is not None else CHECKS):
        fn = _REGISTRY.get(name)
        out.append(
            fn(land) if fn else Verdict(name, "not evaluated", (), "no evaluator for this check in aisec")
        )
    return out


def totals(verdicts: Iterable[Verdict]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for v in verdicts:
        counts[v.status] += 1
    return counts


def by_regime(verdicts: Iterable[Verdict], regimes: Iterable[Regime]) -> dict[str, dict[str, Any]]:
    """Per selected regime: the Prowler checks of its requirements in reach of the landing (technical,
    not out of scope in our catalogue) and how many of them pass, fail, depend on something outside
    the landing or are not evaluated; a check nobody evaluates is "not applicable" when it judges a
    service the landing does not create (our check table says so), "not evaluated" otherwise."""
    status = {v.check: v.status for v in verdicts}
    table = check_table()

    def judged(check: str) -> str:
        if check in status:
            return status[check]
        try:
            return "not applicable" if where(check, table)[0] == "outside" else "not evaluated"
        except KeyError:
            return "not evaluated"

    out: dict[str, dict[str, Any]] = {}
    for regime in regimes:
        in_reach = prowler_in_reach(regime)
        names = sorted({c for r in in_reach for c in r["checks"]})
        counts = dict.fromkeys((*STATUSES, "not applicable"), 0)
        for name in names:
            counts[judged(name)] += 1
        out[regime.value] = {
            "requirements_in_reach": len(in_reach),
            "checks": len(names),
            **counts,
            "failing": [c for c in names if status.get(c) == "fail"],
        }
    return out


def report(verdicts: list[Verdict], regimes: Iterable[Regime] = ()) -> dict[str, Any]:
    return {
        "prowler_version": PROWLER_VERSION,
        "totals": totals(verdicts),
        "regimes": by_regime(verdicts, regimes),
        "checks": [v.as_dict() for v in verdicts],
    }


__all__ = [
    "CHECKS",
    "NOT_EVALUATED",
    "OUTSIDER",
    "STATUSES",
    "_FILTERS",
    "Evaluator",
    "Landing",
    "Resource",
    "Verdict",
    "_denies_insecure_transport",
    "_enforced_on_output",
    "_filter_regex",
    "by_regime",
    "evaluate",
    "report",
    "totals",
]
