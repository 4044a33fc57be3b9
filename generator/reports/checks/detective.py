"""Prowler's checks of the detective services (GuardDuty, Security Hub, Config, Access Analyzer)
and of account and organization settings."""

from __future__ import annotations

import json
from collections.abc import Callable

from generator.reports.checks.base import (
    _REGISTRY,
    Evaluator,
    Landing,
    Resource,
    Verdict,
    _bind,
    _check,
    _judge,
)

# --------------------------------------------------------------------------- detective services
_EXISTING_DETECTIVE = (
    "the account's {what}, which the spec says exists already (detective/foundation: existing)"
)


def _single(
    land: Landing, check: str, rtype: str, test: Callable[[Resource], tuple[bool, str]], fix: str, what: str
) -> Verdict:
    found = land.of(rtype)
    if not found:
        return Verdict(check, "depends", (), _EXISTING_DETECTIVE.format(what=what))
    return _judge(check, [test(r) for r in found], fix, "")


@_check("macie_is_enabled")
def _macie(land: Landing) -> Verdict:
    return _single(land, "macie_is_enabled", "aws_macie2_account",
                   lambda r: (r.get("status") == "ENABLED", r.ev("status")), "MAC-1", "Macie")  # fmt: skip


@_check("macie_automated_sensitive_data_discovery_enabled")
def _macie_auto(land: Landing) -> Verdict:
    found = land.of("aws_macie2_automated_discovery_configuration")  # not yet in the AWS provider
    if found:
        return _judge("macie_automated_sensitive_data_discovery_enabled",
                      [(r.get("status") == "ENABLED", r.ev("status")) for r in found], "MAC-2", "")  # fmt: skip
    if not land.of("aws_macie2_account"):
        return Verdict("macie_automated_sensitive_data_discovery_enabled", "depends", (),
                       _EXISTING_DETECTIVE.format(what="Macie"))  # fmt: skip
    jobs = land.of("aws_macie2_classification_job")
    return Verdict(
        "macie_automated_sensitive_data_discovery_enabled", "fail",
        tuple(j.ev("job_type") for j in jobs) or ("no classification job",),
        "no aisec control: MAC-2 runs scheduled classification jobs over the sensitive buckets instead; automated "
        "discovery is an account setting the AWS provider cannot set",
    )  # fmt: skip


def _detector(land: Landing) -> list[Resource]:
    return land.of("aws_guardduty_detector")


@_check("guardduty_is_enabled")
def _gd(land: Landing) -> Verdict:
    return _single(land, "guardduty_is_enabled", "aws_guardduty_detector",
                   lambda r: (r.get("enable") is not False, r.ev("enable")), "DET-1", "GuardDuty detector")  # fmt: skip


_GD_FEATURES = {
    "guardduty_s3_protection_enabled": (("S3_DATA_EVENTS",), "DET-1"),
    "guardduty_ai_protection_enabled": (("AI_PROTECTION",), ""),
    "guardduty_runtime_monitoring_enabled": (("RUNTIME_MONITORING",), ""),
    "guardduty_eks_runtime_monitoring_enabled": (("EKS_RUNTIME_MONITORING", "RUNTIME_MONITORING"), ""),
    "guardduty_eks_audit_log_enabled": (("EKS_AUDIT_LOGS",), ""),
    "guardduty_lambda_protection_enabled": (("LAMBDA_NETWORK_LOGS",), ""),
    "guardduty_rds_protection_enabled": (("RDS_LOGIN_EVENTS",), ""),
    "guardduty_ec2_malware_protection_enabled": (("EBS_MALWARE_PROTECTION",), ""),
}


def _gd_feature(land: Landing, check: str) -> Verdict:
    detectors = _detector(land)
    if not detectors:
        return Verdict(check, "depends", (), _EXISTING_DETECTIVE.format(what="GuardDuty detector"))
    names, control = _GD_FEATURES[check]
    features = [f for f in land.of("aws_guardduty_detector_feature") if f.get("name") in names]
    enabled = [f for f in features if f.get("status") == "ENABLED"]
    if enabled:
        return Verdict(
            check, "pass", tuple(f"{f.address}: {f.get('name')} status = ENABLED" for f in enabled)
        )
    return Verdict(
        check, "fail", tuple(f.ev("status") for f in features) or (f"{detectors[0].address}: no {' or '.join(names)} feature",),
        control or f"no aisec control: the landing's detector enables S3 protection only (DET-1), not {names[0]}",
    )  # fmt: skip


for _name_ in _GD_FEATURES:
    _REGISTRY[_name_] = _bind(_gd_feature, _name_)


@_check("guardduty_centrally_managed", "guardduty_delegated_admin_enabled_all_regions")
def _gd_org(land: Landing, check: str) -> Verdict:
    return Verdict(check, "depends", tuple(d.address for d in _detector(land)),
                   "AWS Organizations: a GuardDuty delegated administrator with auto-enable for every member and region")  # fmt: skip


@_check("config_recorder_all_regions_enabled")
def _config_all(land: Landing) -> Verdict:
    status = land.of("aws_config_configuration_recorder_status")
    if not status:
        return Verdict(
            "config_recorder_all_regions_enabled",
            "depends",
            (),
            _EXISTING_DETECTIVE.format(what="AWS Config recorder"),
        )
    bad = [s for s in status if s.get("is_enabled") is not True]
    if bad:
        return Verdict(
            "config_recorder_all_regions_enabled", "fail", tuple(s.ev("is_enabled") for s in bad), "DET-3"
        )
    return Verdict("config_recorder_all_regions_enabled", "depends", tuple(s.ev("is_enabled") for s in status),
                   "AWS Config recorders in the account's other regions: the landing records its own region only")  # fmt: skip


@_check("config_recorder_using_aws_service_role")
def _config_role(land: Landing) -> Verdict:
    return _single(land, "config_recorder_using_aws_service_role", "aws_config_configuration_recorder",
                   lambda r: ("AWSServiceRoleForConfig" in (r.get("role_arn") or ""), r.ev("role_arn")),
                   "DET-3", "AWS Config recorder")  # fmt: skip


@_check("securityhub_enabled")
def _securityhub(land: Landing) -> Verdict:
    hubs = land.of("aws_securityhub_account")
    if not hubs:
        return Verdict("securityhub_enabled", "depends", (), _EXISTING_DETECTIVE.format(what="Security Hub"))
    standards = land.of("aws_securityhub_standards_subscription")
    if standards or hubs[0].get("enable_default_standards") is True:
        return Verdict(
            "securityhub_enabled",
            "pass",
            (f"{hubs[0].address}: enabled", *tuple(s.ev("standards_arn") for s in standards)),
        )
    return Verdict("securityhub_enabled", "fail", (f"{hubs[0].address}: no standard subscribed",), "DET-2")


@_check("accessanalyzer_enabled")
def _access_analyzer(land: Landing) -> Verdict:
    found = land.of("aws_accessanalyzer_analyzer")
    if not found:
        return Verdict(
            "accessanalyzer_enabled", "depends", (), _EXISTING_DETECTIVE.format(what="IAM Access Analyzer")
        )
    return Verdict(
        "accessanalyzer_enabled",
        "pass",
        tuple(f"{a.address}: type = {json.dumps(a.get('type'))}" for a in found),
    )


@_check("sns_topics_kms_encryption_at_rest_enabled")
def _sns(land: Landing) -> Verdict:
    items = [(bool(t.get("kms_master_key_id")), t.ev("kms_master_key_id")) for t in land.of("aws_sns_topic")]
    return _judge(
        "sns_topics_kms_encryption_at_rest_enabled", items, "MON-3", "the landing creates no SNS topic"
    )


@_check("sqs_queues_server_side_encryption_enabled")
def _sqs(land: Landing) -> Verdict:
    items = [(bool(q.get("kms_master_key_id")) or q.get("sqs_managed_sse_enabled") is True,
              q.ev("kms_master_key_id")) for q in land.of("aws_sqs_queue")]  # fmt: skip
    return _judge("sqs_queues_server_side_encryption_enabled", items, "", "the landing creates no SQS queue")


# --------------------------------------------------------------------------- account and organization
_ACCOUNT = {
    "iam_root_mfa_enabled": "the root user's MFA device",
    "iam_root_hardware_mfa_enabled": "the root user's hardware MFA device",
    "iam_no_root_access_key": "the root user's access keys",
    "iam_avoid_root_usage": "how the account's root user is used",
    "iam_root_credentials_management_enabled": "AWS Organizations' centralized root access",
    "iam_support_role_created": "a role with AWSSupportAccess in the account",
    "iam_password_policy_minimum_length_14": "the account's IAM password policy",
    "iam_password_policy_reuse_24": "the account's IAM password policy",
    "iam_password_policy_expires_passwords_within_90_days_or_less": "the account's IAM password policy",
    "iam_password_policy_lowercase": "the account's IAM password policy",
    "iam_password_policy_uppercase": "the account's IAM password policy",
    "iam_password_policy_number": "the account's IAM password policy",
    "iam_password_policy_symbol": "the account's IAM password policy",
    "iam_user_mfa_enabled_console_access": "the account's IAM users (the landing creates none)",
    "iam_user_hardware_mfa_enabled": "the account's IAM users (the landing creates none)",
    "iam_rotate_access_key_90_days": "the account's IAM users' access keys (the landing creates none)",
    "iam_user_accesskey_unused": "the account's IAM users' access keys (the landing creates none)",
    "iam_user_console_access_unused": "the account's IAM users (the landing creates none)",
    "iam_user_two_active_access_key": "the account's IAM users' access keys (the landing creates none)",
    "iam_user_no_setup_initial_access_key": "the account's IAM users' access keys (the landing creates none)",
    "iam_administrator_access_with_mfa": "the account's IAM groups with AdministratorAccess",
    "iam_group_administrator_access_policy": "the account's IAM groups with AdministratorAccess",
    "iam_user_administrator_access_policy": "the account's IAM users (the landing creates none)",
    "account_maintain_current_contact_details": "the account's contact details",
    "account_security_contact_information_is_registered": "the account's security contact",
    "account_maintain_different_contact_details_to_security_billing_and_operations": "the account's alternate contacts",
    "organizations_account_part_of_organizations": "AWS Organizations membership",
    "organizations_scp_check_deny_regions": "AWS Organizations: an SCP denying unused regions",
    "organizations_delegated_administrators": "AWS Organizations' delegated administrators",
    "organizations_tags_policies_enabled_and_attached": "AWS Organizations tag policies",
    "organizations_opt_out_ai_services_policy": "AWS Organizations: an AI services opt-out policy",
    "cloudwatch_cross_account_sharing_disabled": "the account's CloudWatch cross-account sharing role",
}


def _fixed(check: str, status: str, why: str) -> Evaluator:
    """A verdict the landing's resources cannot change."""
    return lambda land: Verdict(check, status, (), why)


for _name_, _what in _ACCOUNT.items():
    _REGISTRY[_name_] = _fixed(_name_, "depends", f"{_what}, outside the landing")
