"""What a Terraform plan means for security: counts, the changes a reviewer must look at, the
policy gate's findings and the deletions of protected resources. Pure functions over
`terraform show -json` output.

The change rules are data (:data:`RULES`): a resource type, the actions that matter, and an optional
test on the before/after values. The gate (:mod:`generator.run.policygate`) reads every policy the plan
creates or changes. Each match becomes one finding with a stable id, ``RULE@address``; high ones
block `aisec apply` until accepted by that id at plan time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from generator.run import policygate

Values = dict[str, Any]

# Resource types aisec refuses to destroy unless the user names their kind. Keys are the names the
# --allow-destroy-protected option takes.
PROTECTED: dict[str, tuple[str, str]] = {
    "kms": ("aws_kms_key", "customer-managed KMS keys (data encrypted with them becomes unreadable)"),
    "cloudtrail": ("aws_cloudtrail", "CloudTrail trails (the audit trail stops)"),
    "log-groups": ("aws_cloudwatch_log_group", "CloudWatch log groups (retained logs are deleted)"),
    "buckets": ("aws_s3_bucket", "S3 buckets: datasets, artifacts and the audit and access-log buckets"),
    "macie": ("aws_macie2_account", "the Macie account (sensitive-data discovery stops, findings go)"),
}
PROTECTED_TYPES = {rtype: kind for kind, (rtype, _) in PROTECTED.items()}


@dataclass(frozen=True)
class Finding:
    address: str
    severity: str  # high, medium or low
    reason: str
    rule: str = ""
    location: str | None = None  # file:line where the resource is declared, relative to the root module
    source: str = "aisec"  # aisec, checkov (the scanner's own checks) or team (the team's rules)

    @property
    def id(self) -> str:
        return f"{self.rule}@{self.address}"


@dataclass(frozen=True)
class Rule:
    id: str  # stable: findings are acknowledged by it (`--accept AISEC-CHG-001@ADDRESS`)
    types: tuple[str, ...]
    actions: frozenset[str]  # any of: create, update, delete
    severity: str
    reason: str
    when: Callable[[Values, Values], bool] | None = None
    detail: Callable[[Values], str] | None = None  # what exactly, from the planned values


def _turned_off(attr: str) -> Callable[[Values, Values], bool]:
    return lambda before, after: bool(before.get(attr)) and after.get(attr) is False


def _changed(*attrs: str) -> Callable[[Values, Values], bool]:
    return lambda before, after: any(before.get(a) != after.get(a) for a in attrs)


def _notebook_exposed(before: Values, after: Values) -> bool:
    """Direct internet access or root access turned on (or created on): ML-4 keeps both off."""
    return any(after.get(a) == "Enabled" != before.get(a) for a in ("direct_internet_access", "root_access"))


def _shorter_retention(before: Values, after: Values) -> bool:
    """0 (or null) is "never expire" for CloudWatch Logs: the longest retention there is."""
    old, new = before.get("retention_in_days") or 0, after.get("retention_in_days") or 0
    return bool(new) and (old == 0 or new < old)


def _lock_terms(after: Values) -> str:
    """What an Object Lock configuration will lock, in words (Object Lock is hard to undo)."""
    terms = []
    for rule in after.get("rule") or []:
        for retention in rule.get("default_retention") or []:
            span = (
                f"{retention.get('days')} days"
                if retention.get("days")
                else f"{retention.get('years')} years"
            )
            who = (
                "nobody, not even the account root,"
                if retention.get("mode") == "COMPLIANCE"
                else "only principals allowed s3:BypassGovernanceRetention"
            )
            terms.append(
                f"every new object version kept {span} in {retention.get('mode')} mode; {who} can delete it sooner"
            )
    return "; ".join(terms) or "no default retention"


_UPD, _DEL, _ANY = frozenset({"update"}), frozenset({"delete"}), frozenset({"create", "update", "delete"})
_POLICY_TYPES = (
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_s3_bucket_policy",
    "aws_kms_key_policy",
    "aws_sns_topic_policy",
)

# fmt: off
RULES: tuple[Rule, ...] = (
    Rule("AISEC-CHG-001", ("aws_kms_key",), _DEL, "high", "KMS key deleted: what it encrypted becomes unreadable after the waiting period"),
    Rule("AISEC-CHG-003", ("aws_kms_key",), _UPD, "high", "KMS key disabled", _turned_off("is_enabled")),
    Rule("AISEC-CHG-004", ("aws_kms_key",), _UPD, "medium", "KMS key policy changed", _changed("policy")),
    Rule("AISEC-CHG-005", ("aws_kms_key",), _UPD, "medium", "KMS rotation period or deletion window changed",
         _changed("rotation_period_in_days", "deletion_window_in_days")),
    Rule("AISEC-CHG-006", ("aws_kms_alias", "aws_kms_grant"), _UPD | _DEL, "medium", "KMS alias or grant changed"),
    Rule("AISEC-CHG-007", _POLICY_TYPES, _UPD | _DEL, "medium", "policy changed or removed"),
    Rule("AISEC-CHG-008", ("aws_iam_role",), _UPD, "medium", "role trust policy or permission boundary changed",
         _changed("assume_role_policy", "permissions_boundary")),
    Rule("AISEC-CHG-009", ("aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_user_policy_attachment",
          "aws_iam_group_policy_attachment"), _ANY, "medium", "managed policy attached or detached"),
    Rule("AISEC-CHG-010", ("aws_iam_user", "aws_iam_access_key", "aws_iam_user_policy"), frozenset({"create", "update"}),
         "high", "IAM user or long-lived access key: aisec grants access through roles only"),
    Rule("AISEC-CHG-011", ("aws_vpc_endpoint",), _DEL, "high", "VPC endpoint removed: that service's traffic leaves the private network"),
    Rule("AISEC-CHG-012", ("aws_vpc_endpoint",), _UPD, "medium", "VPC endpoint policy or access changed",
         _changed("policy", "private_dns_enabled", "security_group_ids", "subnet_ids")),
    Rule("AISEC-CHG-014", ("aws_cloudtrail",), _DEL, "high", "CloudTrail trail deleted: the audit trail stops"),
    Rule("AISEC-CHG-015", ("aws_cloudtrail",), _UPD, "high", "CloudTrail logging, validation, encryption or event selection changed",
         _changed("enable_logging", "enable_log_file_validation", "is_multi_region_trail", "kms_key_id",
                  "event_selector", "advanced_event_selector", "include_global_service_events",
                  "cloud_watch_logs_group_arn", "s3_bucket_name")),
    Rule("AISEC-CHG-016", ("aws_macie2_account",), _DEL, "high", "Macie account removed: sensitive-data discovery stops"),
    Rule("AISEC-CHG-017", ("aws_macie2_account",), _UPD, "high", "Macie status or publishing changed", _changed("status", "finding_publishing_frequency")),
    Rule("AISEC-CHG-018", ("aws_macie2_classification_job", "aws_macie2_classification_export_configuration"), _UPD | _DEL,
         "medium", "Macie job or results export changed"),
    Rule("AISEC-CHG-019", ("aws_s3_bucket",), _DEL, "high", "S3 bucket deleted"),
    Rule("AISEC-CHG-026", ("aws_s3_bucket_object_lock_configuration",), frozenset({"create", "update"}), "medium",
         "S3 Object Lock", detail=_lock_terms),
    Rule("AISEC-CHG-027", ("aws_s3_bucket_object_lock_configuration",), _DEL, "high", "S3 Object Lock default retention removed"),
    Rule("AISEC-CHG-021", ("aws_s3_bucket_server_side_encryption_configuration",), _UPD, "medium", "S3 default encryption changed"),
    Rule("AISEC-CHG-022", ("aws_s3_bucket_versioning", "aws_s3_bucket_logging"), _UPD | _DEL, "medium", "S3 versioning or access logging changed"),
    Rule("AISEC-CHG-023", ("aws_cloudwatch_log_group",), _DEL, "high", "log group deleted with the logs it retains"),
    Rule("AISEC-CHG-024", ("aws_cloudwatch_log_group",), _UPD, "medium", "log retention shortened", _shorter_retention),
    Rule("AISEC-CHG-025", ("aws_cloudwatch_log_group",), _UPD, "medium", "log group encryption changed", _changed("kms_key_id")),
    # What detects and records (bar 26, the detective controls) and what guards AI compute (bars 32-33)
    Rule("AISEC-CHG-030", ("aws_guardduty_detector", "aws_securityhub_account", "aws_config_configuration_recorder",
          "aws_config_configuration_recorder_status", "aws_config_delivery_channel", "aws_flow_log"), _DEL, "high",
         "detective control removed: GuardDuty, Security Hub, the Config recorder or its delivery, or VPC flow logs stop"),
    Rule("AISEC-CHG-031", ("aws_guardduty_detector",), _UPD, "high", "GuardDuty detector turned off", _turned_off("enable")),
    Rule("AISEC-CHG-032", ("aws_config_configuration_recorder_status",), _UPD, "high", "Config recorder stopped",
         _turned_off("is_enabled")),
    Rule("AISEC-CHG-033", ("aws_guardduty_detector_feature",), _UPD | _DEL, "medium", "GuardDuty protection plan changed or removed",
         _changed("status", "additional_configuration")),
    Rule("AISEC-CHG-034", ("aws_securityhub_standards_subscription", "aws_config_conformance_pack",
          "aws_accessanalyzer_analyzer"), _DEL, "medium", "security standard, conformance pack or access analyzer removed"),
    Rule("AISEC-CHG-035", ("aws_config_configuration_recorder",), _UPD, "medium", "what Config records changed",
         _changed("recording_group", "recording_mode", "role_arn")),
    Rule("AISEC-CHG-036", ("aws_bedrock_model_invocation_logging_configuration",), _DEL, "high",
         "Bedrock model invocation logging removed"),
    Rule("AISEC-CHG-037", ("aws_bedrock_model_invocation_logging_configuration",), _UPD, "medium",
         "Bedrock model invocation logging changed", _changed("logging_config")),
    Rule("AISEC-CHG-038", ("aws_bedrock_guardrail",), _DEL, "high",
         "Bedrock guardrail deleted: the stage's model invocations lose their filters"),
    Rule("AISEC-CHG-039", ("aws_bedrock_guardrail",), _UPD, "medium", "Bedrock guardrail filters changed",
         _changed("content_policy_config", "contextual_grounding_policy_config", "sensitive_information_policy_config",
                  "topic_policy_config", "word_policy_config", "blocked_input_messaging", "blocked_outputs_messaging")),
    Rule("AISEC-CHG-040", ("aws_sagemaker_notebook_instance",), frozenset({"create", "update"}), "high",
         "notebook instance with direct internet access or root access", _notebook_exposed),
)
# fmt: on


def _kinds(actions: list[str]) -> set[str]:
    """create/update/delete; a replacement is both create and delete."""
    return {a for a in actions if a in ("create", "update", "delete")}


@dataclass
class Review:
    add: int = 0
    change: int = 0
    destroy: int = 0
    replace: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    protected_deletions: list[dict[str, str]] = field(default_factory=list)  # address, type, kind
    drift: list[dict[str, Any]] = field(default_factory=list)  # changed outside Terraform
    # every policy document the plan creates or changes: address, attribute, kind, source, document
    policies: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # finding ids acknowledged at plan time

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def blocked(self, allowed: Iterable[str]) -> list[dict[str, str]]:
        """Protected deletions not covered by ``allowed`` (kinds or exact addresses)."""
        ok = set(allowed)
        return [d for d in self.protected_deletions if d["kind"] not in ok and d["address"] not in ok]

    def unaccepted(self, destroy: bool = False) -> list[Finding]:
        """High findings nobody acknowledged: they block apply. Deletions of protected resources
        were acknowledged with --allow-destroy-protected already (the plan is refused otherwise),
        and a --destroy plan only deletes (`aisec destroy` guards that)."""
        if destroy:
            return []
        ok = set(self.accepted) | {d["address"] for d in self.protected_deletions}
        return [f for f in self.findings if f.severity == "high" and f.id not in ok and f.address not in ok]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["findings"] = [{**asdict(f), "id": f.id} for f in self.findings]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Review:
        findings = [Finding(**{k: v for k, v in f.items() if k != "id"}) for f in data.get("findings", [])]
        return cls(**{**data, "findings": findings})

    @property
    def operations(self) -> int:
        """Create, update and delete operations an apply performs (a replacement is two)."""
        return len(self.changes) + self.replace


def declared(address: str) -> str:
    """module.a["x"].aws_s3_bucket.this[0] -> module.a.aws_s3_bucket.this: where it is written."""
    return re.sub(r"\[[^\]]*\]", "", address)


def review(
    plan: dict[str, Any],
    locations: Mapping[str, str] | None = None,
    resolved: Mapping[str, Values] | None = None,
) -> Review:
    """The review of a plan. ``locations`` maps declared addresses (no instance keys) to file:line;
    ``resolved`` holds values unknown in the plan, read from an offline rehearsal (address -> values).
    """
    locations = locations or {}
    result = Review()
    for rc in plan.get("resource_changes", []):
        change = rc.get("change", {})
        actions = list(change.get("actions", []))
        kinds = _kinds(actions)
        if not kinds:
            continue
        if {"create", "delete"} <= kinds:
            result.replace += 1
        result.add += "create" in kinds
        result.destroy += "delete" in kinds
        result.change += "update" in kinds
        address, rtype = rc["address"], rc["type"]
        result.changes.append({"address": address, "type": rtype, "actions": actions})
        before, after = change.get("before") or {}, change.get("after") or {}
        for rule in RULES:
            if (
                rtype in rule.types
                and kinds & rule.actions
                and (rule.when is None or rule.when(before, after))
            ):
                reason = rule.reason if rule.detail is None else f"{rule.reason}: {rule.detail(after)}"
                result.findings.append(
                    Finding(address, rule.severity, reason, rule.id, locations.get(declared(address)))
                )
        if "delete" in kinds and rtype in PROTECTED_TYPES and rc.get("mode", "managed") == "managed":
            result.protected_deletions.append(
                {"address": address, "type": rtype, "kind": PROTECTED_TYPES[rtype]}
            )
    hits, documents = policygate.gate(plan, resolved)
    for hit in hits:
        severity, reason = policygate.GATE_RULES[hit.rule]
        detail = f" ({hit.detail})" if hit.detail else ""
        result.findings.append(
            Finding(hit.address, severity, reason + detail, hit.rule, locations.get(declared(hit.address)))
        )
    result.policies = [{**asdict(d), "location": locations.get(declared(d.address))} for d in documents]
    for rd in plan.get("resource_drift", []):
        result.drift.append(
            {"address": rd["address"], "type": rd["type"], "actions": rd.get("change", {}).get("actions", [])}
        )
    return result
