"""Prowler's KMS, CloudTrail and CloudWatch checks: key rotation and policies, the trail, its log
validation and delivery, and the metric filters and alarms on its log group."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from generator.reports.checks.base import (
    _REGISTRY,
    Landing,
    Resource,
    Verdict,
    _bind,
    _check,
    _doc,
    _judge,
    _outsider_allowed,
)
from generator.reports.checks.s3 import _acl_disabled, _buckets, _name, _public_acl


# --------------------------------------------------------------------------- KMS
def _keys(land: Landing) -> list[Resource]:
    return land.of("aws_kms_key")


_NO_KEYS = "the landing creates no KMS key"


@_check("kms_cmk_rotation_enabled")
def _kms_rotation(land: Landing) -> Verdict:
    items = [
        (k.get("enable_key_rotation") is True, k.ev("enable_key_rotation"))
        for k in _keys(land)
        if k.get("is_enabled", True)
        and "SYMMETRIC" in (k.get("customer_master_key_spec") or "SYMMETRIC_DEFAULT")
    ]
    return _judge("kms_cmk_rotation_enabled", items, "KMS-1", _NO_KEYS)


@_check("kms_cmk_are_used", "kms_cmk_not_deleted_unintentionally")
def _kms_enabled(land: Landing, check: str) -> Verdict:
    # Prowler reads the key state: a key the landing keeps in its state is Enabled (or Disabled when
    # is_enabled is false) and never PendingDeletion, which only a destroy or a manual schedule causes.
    items = [(k.get("is_enabled") is not False, k.ev("is_enabled")) for k in _keys(land)]
    return _judge(check, items, "KMS-2", _NO_KEYS)


_KMS_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:PutKeyPolicy")


@_check("kms_key_not_publicly_accessible")
def _kms_public(land: Landing) -> Verdict:
    def item(k: Resource) -> tuple[bool, str]:
        policy = _doc(k.get("policy")) or {}
        granted = _outsider_allowed(policy, _KMS_ACTIONS, k.get("arn") or "*")
        return not granted, f"{k.address}: policy grants another account {json.dumps(granted)}"

    return _judge("kms_key_not_publicly_accessible", map(item, _keys(land)), "KMS-3, DP-1", _NO_KEYS)


# --------------------------------------------------------------------------- CloudTrail
_EXISTING_TRAIL = (
    "the organization's or account's existing trail (foundation: existing): the landing creates no trail"
)


def _trails(land: Landing) -> list[Resource]:
    return land.of("aws_cloudtrail")


def _trail_check(
    check: str, land: Landing, test: Callable[[Resource], tuple[bool, str]], fix: str
) -> Verdict:
    trails = _trails(land)
    if not trails:
        return Verdict(check, "depends", (), _EXISTING_TRAIL)
    results = [test(t) for t in trails]
    if any(ok for ok, _ in results):  # Prowler: one trail that does it is enough
        return Verdict(check, "pass", tuple(ev for ok, ev in results if ok))
    return Verdict(check, "fail", tuple(ev for _, ev in results), fix)


def _logging(t: Resource) -> bool:
    return t.get("enable_logging", True) is not False


@_check("cloudtrail_multi_region_enabled")
def _ct_multi_region(land: Landing) -> Verdict:
    return _trail_check(
        "cloudtrail_multi_region_enabled", land,
        lambda t: (t.get("is_multi_region_trail") is True and _logging(t), t.ev("is_multi_region_trail")), "TRL-1",
    )  # fmt: skip


def _management_events(t: Resource) -> tuple[bool, str]:
    for sel in t.get("advanced_event_selector") or []:
        fields = {f.get("field"): f for f in sel.get("field_selector") or []}
        category = fields.get("eventCategory")
        if category and "Management" in (category.get("equals") or []) and "readOnly" not in fields:
            return (
                True,
                f"{t.address}: advanced_event_selector {json.dumps(sel.get('name'))} records read and write management events",
            )
    for sel in t.get("event_selector") or []:
        if sel.get("include_management_events") is not False and sel.get("read_write_type", "All") == "All":
            return True, f"{t.address}: event_selector read_write_type = All with management events"
    if not (t.get("advanced_event_selector") or t.get("event_selector")):
        return True, f"{t.address}: no selector (CloudTrail records all management events)"
    return False, f"{t.address}: no selector records read and write management events"


@_check("cloudtrail_multi_region_enabled_logging_management_events")
def _ct_management(land: Landing) -> Verdict:
    def test(t: Resource) -> tuple[bool, str]:
        ok, ev = _management_events(t)
        return ok and t.get("is_multi_region_trail") is True and _logging(
            t
        ), f"{ev}; {t.ev('is_multi_region_trail')}"

    return _trail_check("cloudtrail_multi_region_enabled_logging_management_events", land, test, "TRL-1")


@_check("cloudtrail_bedrock_logging_enabled")
def _ct_bedrock(land: Landing) -> Verdict:
    def test(t: Resource) -> tuple[bool, str]:
        ok, ev = _management_events(t)
        return ok and _logging(t), ev

    return _trail_check("cloudtrail_bedrock_logging_enabled", land, test, "TRL-1")


@_check("cloudtrail_log_file_validation_enabled")
def _ct_validation(land: Landing) -> Verdict:
    return _trail_check(
        "cloudtrail_log_file_validation_enabled", land,
        lambda t: (t.get("enable_log_file_validation") is True, t.ev("enable_log_file_validation")), "TRL-1",
    )  # fmt: skip


@_check("cloudtrail_kms_encryption_enabled")
def _ct_kms(land: Landing) -> Verdict:
    return _trail_check(
        "cloudtrail_kms_encryption_enabled",
        land,
        lambda t: (bool(t.get("kms_key_id")), t.ev("kms_key_id")),
        "TRL-1",
    )


@_check("cloudtrail_cloudwatch_logging_enabled")
def _ct_cloudwatch(land: Landing) -> Verdict:
    # Prowler also wants a delivery in the last 24 hours, which a logging trail with a log group makes.
    return _trail_check(
        "cloudtrail_cloudwatch_logging_enabled", land,
        lambda t: (bool(t.get("cloud_watch_logs_group_arn")), t.ev("cloud_watch_logs_group_arn")), "TRL-1",
    )  # fmt: skip


def _s3_data_events(t: Resource, kinds: tuple[str, ...]) -> tuple[bool, str]:
    for sel in t.get("advanced_event_selector") or []:
        for f in sel.get("field_selector") or []:
            if f.get("field") == "resources.type" and (f.get("equals") or [None])[0] == "AWS::S3::Object":
                return (
                    True,
                    f"{t.address}: advanced_event_selector {json.dumps(sel.get('name'))} records AWS::S3::Object",
                )
    for sel in t.get("event_selector") or []:
        if sel.get("read_write_type", "All") not in kinds:
            continue
        for res in sel.get("data_resource") or []:
            values = res.get("values") or []
            if res.get("type") == "AWS::S3::Object" and {
                "arn:aws:s3",
                "arn:aws:s3:::",
                "arn:aws:s3:::*/*",
            } & set(values):
                return True, f"{t.address}: event_selector records AWS::S3::Object for all buckets"
    return False, f"{t.address}: no selector records S3 object-level events"


@_check("cloudtrail_s3_dataevents_read_enabled")
def _ct_s3_read(land: Landing) -> Verdict:
    return _trail_check(
        "cloudtrail_s3_dataevents_read_enabled",
        land,
        lambda t: _s3_data_events(t, ("All", "ReadOnly")),
        "TRL-2",
    )


@_check("cloudtrail_s3_dataevents_write_enabled")
def _ct_s3_write(land: Landing) -> Verdict:
    return _trail_check(
        "cloudtrail_s3_dataevents_write_enabled",
        land,
        lambda t: _s3_data_events(t, ("All", "WriteOnly")),
        "TRL-2",
    )


@_check("cloudtrail_insights_exist")
def _ct_insights(land: Landing) -> Verdict:
    return _trail_check(
        "cloudtrail_insights_exist", land,
        lambda t: (bool(t.get("insight_selector")) and _logging(t), t.ev("insight_selector")), "TRL-1",
    )  # fmt: skip


def _trail_bucket_check(
    check: str, land: Landing, test: Callable[[Resource, Resource], tuple[bool, str]], fix: str
) -> Verdict:
    trails = _trails(land)
    if not trails:
        return Verdict(check, "depends", (), _EXISTING_TRAIL)
    buckets = {_name(b): b for b in _buckets(land)}
    items = []
    for t in trails:
        bucket = buckets.get(t.get("s3_bucket_name"))
        if bucket is None:
            return Verdict(check, "depends", (t.ev("s3_bucket_name"),),
                           "the trail's bucket in the log-archive account, outside the landing")  # fmt: skip
        items.append(test(t, bucket))
    return _judge(check, items, fix, "")


@_check("cloudtrail_logs_s3_bucket_access_logging_enabled")
def _ct_bucket_logging(land: Landing) -> Verdict:
    logging = land.by_bucket("aws_s3_bucket_logging")

    def test(t: Resource, b: Resource) -> tuple[bool, str]:
        log = logging.get(_name(b))
        return (True, log.ev("target_bucket")) if log else (False, f"{b.address}: no aws_s3_bucket_logging")

    return _trail_bucket_check("cloudtrail_logs_s3_bucket_access_logging_enabled", land, test, "S3-3")


@_check("cloudtrail_logs_s3_bucket_is_not_publicly_accessible")
def _ct_bucket_public(land: Landing) -> Verdict:
    def test(t: Resource, b: Resource) -> tuple[bool, str]:
        grants = _public_acl(land, b, {"READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"})
        own = _acl_disabled(land, b)
        return not grants, (f"{b.address}: " + ", ".join(grants)) if grants else (
            f"{own.address}: ACLs disabled (BucketOwnerEnforced)" if own else f"{b.address}: no AllUsers grant"
        )  # fmt: skip

    return _trail_bucket_check("cloudtrail_logs_s3_bucket_is_not_publicly_accessible", land, test, "S3-2")


# --------------------------------------------------------------------------- CloudWatch
@_check("cloudwatch_log_group_kms_encryption_enabled")
def _cw_kms(land: Landing) -> Verdict:
    items = [(bool(g.get("kms_key_id")), g.ev("kms_key_id")) for g in land.of("aws_cloudwatch_log_group")]
    return _judge(
        "cloudwatch_log_group_kms_encryption_enabled",
        items,
        "LOG-1, TRL-3",
        "the landing creates no log group",
    )


@_check("cloudwatch_log_group_retention_policy_specific_days_enabled")
def _cw_retention(land: Landing) -> Verdict:
    def item(g: Resource) -> tuple[bool, str]:
        days = g.get("retention_in_days") or 0  # 0: never expire
        return days == 0 or days >= 365, g.ev("retention_in_days", days)

    return _judge(
        "cloudwatch_log_group_retention_policy_specific_days_enabled", map(item, land.of("aws_cloudwatch_log_group")),
        "LOG-1, TRL-3 (retention per regime; Prowler's default threshold is 365 days)", "the landing creates no log group",
    )  # fmt: skip


# What each metric-filter check looks for in a filter on a trail's log group (Prowler 5.46's
# patterns: the events named, each `$.eventName = X`, with the event source or other clauses).
_FILTERS: dict[str, dict[str, Any]] = {
    "cloudwatch_log_metric_filter_unauthorized_api_calls": {
        "regex": r"\$\.errorCode\s*=\s*.?\*UnauthorizedOperation.+\$\.errorCode\s*=\s*.?AccessDenied\*.?"},
    "cloudwatch_log_metric_filter_root_usage": {
        "regex": r"\$\.userIdentity\.type\s*=\s*.?Root.+\$\.userIdentity\.invokedBy NOT EXISTS.+\$\.eventType\s*!=\s*.?AwsServiceEvent.?"},
    "cloudwatch_log_metric_filter_sign_in_without_mfa": {
        "names": ["ConsoleLogin"], "clauses": [("additionalEventData.MFAUsed", "!=", "Yes")]},
    "cloudwatch_log_metric_filter_authentication_failures": {
        "names": ["ConsoleLogin"], "clauses": [("errorMessage", "=", "Failed authentication")]},
    "cloudwatch_log_metric_filter_policy_changes": {"names": [
        "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy", "PutUserPolicy",
        "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion", "AttachRolePolicy",
        "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy"]},
    "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled": {
        "names": ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"]},
    "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk": {
        "source": "kms.amazonaws.com", "names": ["DisableKey", "ScheduleKeyDeletion"]},
    "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes": {"source": "s3.amazonaws.com", "names": [
        "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
        "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication"]},
    "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled": {
        "source": "config.amazonaws.com",
        "names": ["StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"]},
    "cloudwatch_log_metric_filter_security_group_changes": {"names": [
        "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup"]},
    "cloudwatch_changes_to_network_acls_alarm_configured": {"names": [
        "CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
        "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"]},
    "cloudwatch_changes_to_network_gateways_alarm_configured": {"names": [
        "CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
        "DeleteInternetGateway", "DetachInternetGateway"]},
    "cloudwatch_changes_to_network_route_tables_alarm_configured": {"source": "ec2.amazonaws.com", "names": [
        "CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
        "DeleteRoute", "DisassociateRouteTable"]},
    "cloudwatch_changes_to_vpcs_alarm_configured": {"names": [
        "CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
        "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
        "DisableVpcClassicLink", "EnableVpcClassicLink"]},
    "cloudwatch_log_metric_filter_aws_organizations_changes": {"source": "organizations.amazonaws.com", "names": [
        "AcceptHandshake", "AttachPolicy", "CancelHandshake", "CreateAccount", "CreateOrganization",
        "CreateOrganizationalUnit", "CreatePolicy", "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit",
        "DeletePolicy", "EnableAllFeatures", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization",
        "DetachPolicy", "DisablePolicyType", "MoveAccount", "RemoveAccountFromOrganization", "UpdateOrganizationalUnit",
        "UpdatePolicy"]},
}  # fmt: skip


def _filter_regex(spec: dict[str, Any]) -> str:
    if "regex" in spec:
        return str(spec["regex"])
    parts = []
    if spec.get("source"):
        parts.append(rf"(?=.*\$\.eventSource\s*=\s*.?{re.escape(spec['source'])})")
    for name in spec.get("names", []):
        parts.append(rf"(?=.*\$\.eventName\s*=\s*.?{re.escape(name)}\b)")
    for field, op, value in spec.get("clauses", []):
        sep = r"\s*!=\s*" if op == "!=" else r"\s*=\s*"
        parts.append(rf"(?=.*\$\.{re.escape(field)}{sep}.?{re.escape(value)})")
    return "".join(parts)


def _metric_filter(land: Landing, check: str) -> Verdict:
    trails = _trails(land)
    if not trails:
        return Verdict(check, "depends", (), _EXISTING_TRAIL)
    groups = {(t.get("cloud_watch_logs_group_arn") or "").split(":")[6:7][0] for t in trails
              if len((t.get("cloud_watch_logs_group_arn") or "").split(":")) > 6}  # fmt: skip
    if not groups:
        return Verdict(
            check, "fail", tuple(t.ev("cloud_watch_logs_group_arn") for t in trails), "TRL-1, MON-1"
        )
    regex = re.compile(_filter_regex(_FILTERS[check]), re.DOTALL)
    alarms = land.of("aws_cloudwatch_metric_alarm")
    matching = []
    for f in land.of("aws_cloudwatch_log_metric_filter"):
        if f.get("log_group_name") not in groups or not regex.search(f.get("pattern") or ""):
            continue
        for mt in f.get("metric_transformation") or []:
            alarm = next((a for a in alarms if a.get("metric_name") == mt.get("name")
                          and a.get("namespace") in (None, mt.get("namespace"))), None)  # fmt: skip
            if alarm:
                return Verdict(check, "pass", (f"{f.address}: pattern matches; alarm {alarm.address}",))
            matching.append(f"{f.address}: pattern matches but no alarm on metric {mt.get('name')}")
    return Verdict(
        check, "fail", tuple(matching) or (f"no metric filter on {sorted(groups)} matches",), "MON-1"
    )


for _name_ in _FILTERS:
    _REGISTRY[_name_] = _bind(_metric_filter, _name_)


@_check("cloudwatch_alarm_actions_alarm_state_configured")
def _cw_alarm_actions(land: Landing) -> Verdict:
    items = [
        (bool(a.get("alarm_actions")), a.ev("alarm_actions")) for a in land.of("aws_cloudwatch_metric_alarm")
    ]
    return _judge(
        "cloudwatch_alarm_actions_alarm_state_configured", items, "MON-1", "the landing creates no alarm"
    )


@_check("cloudwatch_log_group_not_publicly_accessible")
def _cw_public(land: Landing) -> Verdict:
    groups = land.of("aws_cloudwatch_log_group")
    if not groups:
        return Verdict(
            "cloudwatch_log_group_not_publicly_accessible",
            "not evaluated",
            (),
            "the landing creates no log group",
        )
    items = []
    for rp in land.of("aws_cloudwatch_log_resource_policy"):
        policy = _doc(rp.get("policy_document")) or {}
        granted = _outsider_allowed(policy, ("logs:PutLogEvents", "logs:GetLogEvents"), "*")
        items.append((not granted, f"{rp.address}: grants another account {json.dumps(granted)}"))
    if not items:
        return Verdict("cloudwatch_log_group_not_publicly_accessible", "depends", (),
                       "the account's CloudWatch Logs resource policies: the landing adds none")  # fmt: skip
    return _judge("cloudwatch_log_group_not_publicly_accessible", items, "LOG-1", "")
