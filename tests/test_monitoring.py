"""The landing's metric filters (modules/audit/metric-filters.yaml): every pattern run against sample
CloudTrail events, matching and not, with the real matcher (generator/checks/metricfilter.py)."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.catalog import data_dir
from generator.checks.metricfilter import parse
from generator.decide.policy import DETECTIVE_PREREQUISITES, MONITORING, bedrock_invocation_log_group, decide
from generator.render import render
from generator.spec import load_spec, parse_spec
from tests.conftest import BLUEPRINTS
from tests.offline import Rehearsal, all_resources

FILTERS = {f.key: f for f in MONITORING}
TAMPER = ("landing-tamper-keys-and-identity", "landing-tamper-logging-and-network")


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def ct(name: str, source: str, **extra: Any) -> dict[str, Any]:
    """A CloudTrail record shaped like the real ones (fields CloudTrail always sets)."""
    record = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLE:alice",
            "arn": "arn:aws:sts::111122223333:assumed-role/PlatformAdmin/alice",
            "accountId": "111122223333",
        },
        "eventTime": "2026-11-28T10:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": {},
        "responseElements": None,
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management",
    }
    return _merge(copy.deepcopy(record), extra)


def console_login(result: str, mfa: str, kind: str = "IAMUser", **extra: Any) -> dict[str, Any]:
    return ct(
        "ConsoleLogin",
        "signin.amazonaws.com",
        eventType="AwsConsoleSignIn",
        userIdentity={"type": kind, "arn": "arn:aws:iam::111122223333:user/bob"},
        additionalEventData={"MFAUsed": mfa, "LoginTo": "https://console.aws.amazon.com/"},
        responseElements={"ConsoleLogin": result},
        **extra,
    )


ROOT = {"type": "Root", "arn": "arn:aws:iam::111122223333:root", "principalId": "111122223333"}
DENIED = {"errorCode": "AccessDenied", "errorMessage": "User is not authorized"}

# filter -> (events it must match, events it must not match)
CASES: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {
    "unauthorized-api-calls": (
        [ct("GetObject", "s3.amazonaws.com", **DENIED),
         ct("RunInstances", "ec2.amazonaws.com", errorCode="Client.UnauthorizedOperation"),
         ct("Decrypt", "kms.amazonaws.com", errorCode="AccessDeniedException")],
        [ct("GetObject", "s3.amazonaws.com"),
         ct("PutObject", "s3.amazonaws.com", sourceIPAddress="delivery.logs.amazonaws.com", **DENIED),
         ct("HeadBucket", "s3.amazonaws.com", **DENIED),
         ct("RunInstances", "ec2.amazonaws.com", errorCode="Client.UnauthorizedOperation",
            sourceIPAddress="delivery.logs.amazonaws.com"),
         ct("ListKeys", "kms.amazonaws.com", errorCode="ThrottlingException")],
    ),
    "console-signin-without-mfa": (
        [console_login("Success", "No")],
        [console_login("Success", "Yes"), console_login("Failure", "No"),
         console_login("Success", "No", kind="AssumedRole")],  # SSO and federated sessions: MFA is the IdP's
    ),
    "root-account-usage": (
        [ct("CreateAccessKey", "iam.amazonaws.com", userIdentity=ROOT),
         console_login("Success", "Yes", kind="Root")],
        [ct("CreateAccessKey", "iam.amazonaws.com"),
         ct("Decrypt", "kms.amazonaws.com", userIdentity={**ROOT, "invokedBy": "support.amazonaws.com"}),
         ct("AssumeRole", "sts.amazonaws.com", userIdentity=ROOT, eventType="AwsServiceEvent")],
    ),
    "iam-policy-changes": (
        [ct(n, "iam.amazonaws.com") for n in ("PutRolePolicy", "AttachRolePolicy", "CreatePolicyVersion",
                                              "DetachGroupPolicy", "DeleteUserPolicy")],
        [ct("CreateRole", "iam.amazonaws.com"), ct("GetPolicy", "iam.amazonaws.com")],
    ),
    "cloudtrail-changes": (
        [ct(n, "cloudtrail.amazonaws.com") for n in ("StopLogging", "DeleteTrail", "UpdateTrail")],
        [ct("LookupEvents", "cloudtrail.amazonaws.com"), ct("GetTrailStatus", "cloudtrail.amazonaws.com")],
    ),
    "console-auth-failures": (
        [ct("ConsoleLogin", "signin.amazonaws.com", errorMessage="Failed authentication",
            responseElements={"ConsoleLogin": "Failure"})],
        [console_login("Success", "Yes"),
         ct("ConsoleLogin", "signin.amazonaws.com", errorMessage="No username found in supplied account")],
    ),
    "kms-key-disable-or-deletion": (
        [ct("DisableKey", "kms.amazonaws.com"), ct("ScheduleKeyDeletion", "kms.amazonaws.com")],
        [ct("EnableKey", "kms.amazonaws.com"), ct("CancelKeyDeletion", "kms.amazonaws.com"),
         ct("DisableKey", "cloudhsm.amazonaws.com")],
    ),
    "s3-bucket-policy-changes": (
        [ct(n, "s3.amazonaws.com") for n in ("PutBucketPolicy", "PutBucketAcl", "DeleteBucketLifecycle",
                                             "PutBucketReplication")],
        [ct("PutObject", "s3.amazonaws.com"), ct("GetBucketPolicy", "s3.amazonaws.com"),
         ct("PutBucketPolicy", "s3-outposts.amazonaws.com")],
    ),
    "config-changes": (
        [ct("StopConfigurationRecorder", "config.amazonaws.com"), ct("DeleteDeliveryChannel", "config.amazonaws.com")],
        [ct("DescribeConfigRules", "config.amazonaws.com"), ct("StartConfigurationRecorder", "config.amazonaws.com")],
    ),
    "security-group-changes": (
        [ct("AuthorizeSecurityGroupIngress", "ec2.amazonaws.com"), ct("DeleteSecurityGroup", "ec2.amazonaws.com")],
        [ct("DescribeSecurityGroups", "ec2.amazonaws.com")],
    ),
    "nacl-changes": (
        [ct("CreateNetworkAclEntry", "ec2.amazonaws.com"), ct("ReplaceNetworkAclAssociation", "ec2.amazonaws.com")],
        [ct("DescribeNetworkAcls", "ec2.amazonaws.com")],
    ),
    "network-gateway-changes": (
        [ct("AttachInternetGateway", "ec2.amazonaws.com"), ct("CreateCustomerGateway", "ec2.amazonaws.com")],
        [ct("CreateNatGateway", "ec2.amazonaws.com"), ct("DescribeInternetGateways", "ec2.amazonaws.com")],
    ),
    "route-table-changes": (
        [ct("CreateRoute", "ec2.amazonaws.com"), ct("DisassociateRouteTable", "ec2.amazonaws.com")],
        [ct("DescribeRouteTables", "ec2.amazonaws.com"),
         ct("CreateRoute", "apigateway.amazonaws.com")],  # API Gateway v2 has a CreateRoute too
    ),
    "vpc-changes": (
        [ct("CreateVpcPeeringConnection", "ec2.amazonaws.com"), ct("ModifyVpcAttribute", "ec2.amazonaws.com")],
        [ct("DescribeVpcs", "ec2.amazonaws.com"), ct("CreateSubnet", "ec2.amazonaws.com")],
    ),
    "organizations-changes": (
        [ct(n, "organizations.amazonaws.com") for n in ("LeaveOrganization", "AttachPolicy", "CancelHandshake",
                                                        "CreateOrganization", "EnableAllFeatures")],
        [ct("DescribeOrganization", "organizations.amazonaws.com"),
         ct("CreatePolicy", "iam.amazonaws.com")],  # IAM's CreatePolicy is 4.4's, not 4.15's
    ),
    "landing-tamper-keys-and-identity": (
        [ct("PutKeyPolicy", "kms.amazonaws.com"), ct("DisableKeyRotation", "kms.amazonaws.com"),
         ct("CreateGrant", "kms.amazonaws.com"),
         ct("DeleteRolePermissionsBoundary", "iam.amazonaws.com"),
         ct("PutRolePermissionsBoundary", "iam.amazonaws.com"), ct("UpdateAssumeRolePolicy", "iam.amazonaws.com"),
         ct("UpdateMacieSession", "macie2.amazonaws.com"), ct("DisableMacie", "macie2.amazonaws.com")],
        [ct("CreateGrant", "kms.amazonaws.com",
            userIdentity={"invokedBy": "sagemaker.amazonaws.com"}),  # a service's grant for its own job
         ct("Encrypt", "kms.amazonaws.com"), ct("EnableKeyRotation", "kms.amazonaws.com"),
         ct("GetMacieSession", "macie2.amazonaws.com"), ct("CreateRole", "iam.amazonaws.com")],
    ),
    "landing-tamper-logging-and-network": (
        [ct("PutEventSelectors", "cloudtrail.amazonaws.com"), ct("PutInsightSelectors", "cloudtrail.amazonaws.com"),
         ct("ModifyVpcEndpoint", "ec2.amazonaws.com"), ct("DeleteVpcEndpoints", "ec2.amazonaws.com"),
         ct("PutBucketPublicAccessBlock", "s3.amazonaws.com"),
         ct("DeleteBucketPublicAccessBlock", "s3.amazonaws.com"), ct("DeleteBucketPolicy", "s3.amazonaws.com"),
         ct("DeleteLogGroup", "logs.amazonaws.com"), ct("PutRetentionPolicy", "logs.amazonaws.com"),
         ct("DeleteRetentionPolicy", "logs.amazonaws.com")],
        [ct("GetEventSelectors", "cloudtrail.amazonaws.com"), ct("CreateVpcEndpoint", "ec2.amazonaws.com"),
         ct("CreateLogGroup", "logs.amazonaws.com"), ct("PutLogEvents", "logs.amazonaws.com"),
         ct("PutPublicAccessBlock", "s3.amazonaws.com")],  # the account-level call is S3 Control's, not a bucket's
    ),
}  # fmt: skip


def test_every_filter_has_cases_and_cis_v3_is_complete() -> None:
    assert set(CASES) == set(FILTERS)
    assert sorted((f.cis for f in MONITORING if f.cis), key=lambda c: int(c.split(".")[1])) == [
        f"4.{n}" for n in range(1, 16)
    ]
    assert all(FILTERS[k].cis is None for k in TAMPER)


@pytest.mark.parametrize("key", sorted(CASES))
def test_pattern_matches_its_events_and_only_those(key: str) -> None:
    pattern = parse(FILTERS[key].pattern)
    hits, misses = CASES[key]
    assert hits and misses
    for event in hits:
        assert pattern.matches(event), (key, event["eventName"], event["eventSource"])
    for event in misses:
        assert not pattern.matches(event), (key, event["eventName"], event["eventSource"])


@pytest.mark.parametrize("key", sorted(FILTERS))
def test_patterns_are_valid_for_cloudwatch(key: str) -> None:
    text = FILTERS[key].pattern
    assert len(text) <= 1024  # PutMetricFilter's limit
    assert not parse(text).ambiguous  # means the same whatever precedence AWS gives && and ||


@pytest.mark.parametrize(
    ("source", "name"),
    [("kms.amazonaws.com", n) for n in ("PutKeyPolicy", "CreateGrant", "DisableKeyRotation")]
    + [("iam.amazonaws.com", n) for n in ("DeleteRolePermissionsBoundary", "PutRolePermissionsBoundary",
                                          "UpdateAssumeRolePolicy")]
    + [("cloudtrail.amazonaws.com", n) for n in ("PutEventSelectors", "PutInsightSelectors")]
    + [("macie2.amazonaws.com", n) for n in ("UpdateMacieSession", "DisableMacie")]
    + [("ec2.amazonaws.com", n) for n in ("ModifyVpcEndpoint", "DeleteVpcEndpoints")]
    + [("s3.amazonaws.com", n) for n in ("PutBucketPublicAccessBlock", "DeleteBucketPolicy")]
    + [("logs.amazonaws.com", n) for n in ("DeleteLogGroup", "PutRetentionPolicy")],
)  # fmt: skip
def test_landing_tamper_calls_alarm(source: str, name: str) -> None:
    """SECURITY-BAR 31: each switch-off call of the landing's controls reaches an alarm."""
    assert [k for k in TAMPER if parse(FILTERS[k].pattern).matches(ct(name, source))]


# ------------------------------------------------------------------ on the blueprints' offline state
# After an offline apply (the `applied` fixture), so policy documents and ARNs are what AWS would get.
def _resources(state: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return [
        r
        for r in all_resources(state["values"]["root_module"])
        if r["type"] == rtype and r["mode"] == "managed"
    ]


def _key_arn(state: dict[str, Any], alias: str) -> str:
    key_id = next(
        r["values"]["target_key_id"]
        for r in _resources(state, "aws_kms_alias")
        if r["values"]["name"] == alias
    )
    return next(
        r["values"]["arn"] for r in _resources(state, "aws_kms_key") if r["values"]["key_id"] == key_id
    )


@pytest.mark.terraform
@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_blueprint_filters_and_alarms(name: str, applied: dict[str, dict[str, Any]]) -> None:
    """SECURITY-BAR 11 and 31: every filter of the table is on the trail's log group, with the same
    pattern (read back from the state and run against the samples), and alarms on the alert topic."""
    spec = load_spec(BLUEPRINTS[name])
    state = applied[name]["state"]
    filters = {
        r["values"]["name"]: r["values"] for r in _resources(state, "aws_cloudwatch_log_metric_filter")
    }
    alarms = {
        r["values"]["alarm_name"]: r["values"] for r in _resources(state, "aws_cloudwatch_metric_alarm")
    }
    if not spec.creates_foundation:
        assert not filters and not alarms  # the trail's owner watches it
        return
    assert set(filters) == set(alarms) == {f"{spec.name}-{f.key}" for f in MONITORING}
    topic = _resources(state, "aws_sns_topic")[0]["values"]["arn"]
    trail_group = _resources(state, "aws_cloudtrail")[0]["values"]["cloud_watch_logs_group_arn"]
    for f in MONITORING:
        applied_filter = filters[f"{spec.name}-{f.key}"]
        assert applied_filter["pattern"] == f.pattern
        assert trail_group.startswith(f"arn:aws:logs:{spec.aws.region}:{spec.aws.account_id}:log-group:"
                                      f"{applied_filter['log_group_name']}:")  # fmt: skip
        pattern = parse(applied_filter["pattern"])
        hits, misses = CASES[f.key]
        assert all(pattern.matches(e) for e in hits) and not any(pattern.matches(e) for e in misses)
        alarm = alarms[f"{spec.name}-{f.key}"]
        assert alarm["metric_name"] == applied_filter["metric_transformation"][0]["name"]
        assert alarm["namespace"] == applied_filter["metric_transformation"][0]["namespace"]
        assert alarm["alarm_actions"] == [topic] and alarm["threshold"] == 1


@pytest.mark.terraform
@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_blueprint_alert_path_survives_a_disabled_audit_key(
    name: str, applied: dict[str, dict[str, Any]]
) -> None:
    """SECURITY-BAR 30: the topic's key is not the key that encrypts the trail and its log group, and
    EventBridge (which needs neither) reports key switch-off to the topic."""
    spec = load_spec(BLUEPRINTS[name])
    state = applied[name]["state"]
    if not spec.creates_foundation:
        assert not _resources(state, "aws_cloudwatch_event_rule")
        return
    topic = _resources(state, "aws_sns_topic")[0]["values"]
    audit_key = _key_arn(state, f"alias/aisec/{spec.name}/audit")
    alerts_key = _key_arn(state, f"alias/aisec/{spec.name}/alerts")
    trail = _resources(state, "aws_cloudtrail")[0]["values"]
    trail_group = next(r["values"] for r in _resources(state, "aws_cloudwatch_log_group")
                       if r["address"] == "module.audit.aws_cloudwatch_log_group.trail[0]")  # fmt: skip
    assert topic["kms_master_key_id"] == alerts_key != audit_key
    archive = decide(spec).foundation.archive  # type: ignore[union-attr]
    # With a log archive the trail's files use that account's key; its log group keeps the audit key.
    assert trail["kms_key_id"] == (archive.trail_key if archive else audit_key)
    assert trail_group["kms_key_id"] == audit_key
    # Only the topic uses the alerts key: alarms and EventBridge may, nobody else's data is under it.
    policies = {
        r["values"]["arn"]: json.loads(r["values"]["policy"]) for r in _resources(state, "aws_kms_key")
    }
    services = {p for s in policies[alerts_key]["Statement"] if s["Effect"] == "Allow"
                for p in _as_list(s["Principal"].get("Service", []))}  # fmt: skip
    assert services == {"cloudwatch.amazonaws.com", "events.amazonaws.com"}
    audit_services = {
        p for s in policies[audit_key]["Statement"] for p in _as_list(s["Principal"].get("Service", []))
    }
    assert not audit_services & {"cloudwatch.amazonaws.com", "events.amazonaws.com"}
    rules = {r["values"]["name"]: r["values"] for r in _resources(state, "aws_cloudwatch_event_rule")}
    rule = rules[f"{spec.name}-kms-key-switch-off"]
    pattern = json.loads(rule["event_pattern"])
    assert pattern["source"] == ["aws.kms"] and pattern["detail-type"] == ["AWS API Call via CloudTrail"]
    assert set(pattern["detail"]["eventName"]) == {"DisableKey", "ScheduleKeyDeletion"}
    targets = [
        r["values"]
        for r in _resources(state, "aws_cloudwatch_event_target")
        if r["values"]["rule"] == rule["name"]
    ]
    assert [t["arn"] for t in targets] == [topic["arn"]]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.terraform
@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_blueprint_alert_topic_subscriptions_are_named(name: str, applied: dict[str, dict[str, Any]]) -> None:
    """Issue 13 item 6: nobody outside the named principals may subscribe to or change the topic."""
    spec = load_spec(BLUEPRINTS[name])
    state = applied[name]["state"]
    if not spec.creates_foundation:
        assert not _resources(state, "aws_sns_topic_policy")
        return
    policy = json.loads(_resources(state, "aws_sns_topic_policy")[0]["values"]["policy"])
    deny = next(s for s in policy["Statement"] if s.get("Sid") == "OnlyNamedPrincipalsSubscribeOrChangeTopic")
    assert deny["Effect"] == "Deny" and deny["Principal"] == {"AWS": "*"}
    assert {"sns:Subscribe", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission"} <= set(
        deny["Action"]
    )
    named = set(_as_list(deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"]))
    access = decide(spec).access
    assert named == {*spec.access.admin_principals, *access.deployers, *access.break_glass}


@pytest.mark.terraform
@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_blueprint_service_log_groups(name: str, applied: dict[str, dict[str, Any]]) -> None:
    """Issue 14 item 5: the groups SageMaker and Lambda write to exist beforehand, encrypted and kept
    per regime, and the roles whose jobs write there may; people do not read the shared ones."""
    spec = load_spec(BLUEPRINTS[name])
    controls = decide(spec)
    state = applied[name]["state"]
    groups = {r["values"]["name"]: r["values"] for r in _resources(state, "aws_cloudwatch_log_group")}
    for group in groups.values():  # SECURITY-BAR 10, every group
        assert group["kms_key_id"].startswith("arn:aws:kms:") and group["retention_in_days"] >= 365
    expected_shared = {g for s in controls.stages for g in s.shared_log_groups}
    # The account's Bedrock model invocation log (AI-3) is one more group on the service-logs key.
    invocations = (
        {bedrock_invocation_log_group(spec)} if any(c.id == "AI-3" for c in controls.controls) else set()
    )
    expected_own = {g for s in controls.stages for g in s.service_log_groups}
    assert expected_own <= set(groups)
    for g in expected_own | (expected_shared if spec.creates_foundation else set()):
        assert groups[g]["retention_in_days"] == controls.retention_days
    if spec.creates_foundation:
        shared_key = (
            _key_arn(state, f"alias/aisec/{spec.name}/service-logs")
            if expected_shared | invocations
            else None
        )
        assert {g for g in groups if g.startswith("/aws/")} == expected_own | expected_shared | invocations
        assert all(groups[g]["kms_key_id"] == shared_key for g in expected_shared | invocations)
    else:
        assert not expected_shared & set(groups)  # account-wide groups are the foundation owner's
    policies = {r["values"]["role"]: json.loads(r["values"]["policy"]) for r in _resources(state, "aws_iam_role_policy")
                if r["address"].endswith("]") and ".aws_iam_role_policy.access[" in r["address"]}  # fmt: skip
    for stage in controls.stages:
        for role in stage.roles:
            statements = [s for s in policies[role.name]["Statement"] if s.get("Sid") == "StageLogs"]
            resources = {r for s in statements for r in _as_list(s["Resource"])}
            arn = f"arn:aws:logs:{spec.aws.region}:{spec.aws.account_id}:log-group:"
            assert {f"{arn}{g}:*" for g in (stage.log_group, *stage.service_log_groups)} <= resources
            shared = {f"{arn}{g}:*" for g in stage.shared_log_groups}
            assert not shared & resources, role.name  # nobody reads the groups all stages share
            writes = [s for s in policies[role.name]["Statement"] if s.get("Sid") == "WriteSharedServiceLogs"]
            written = {r for s in writes for r in _as_list(s["Resource"])}
            assert written == (set() if role.human else shared), role.name
            assert all(
                set(_as_list(s["Action"])) == {"logs:CreateLogStream", "logs:PutLogEvents"} for s in writes
            )


@pytest.mark.terraform
def test_audit_module_refuses_the_trail_key_for_the_alert_topic(tmp_path: Path) -> None:
    """The module's own guard (SECURITY-BAR 30), for teams that call it directly."""
    module = tmp_path / "audit"
    shutil.copytree(data_dir("modules") / "audit", module)
    example = module / "examples" / "basic"
    assert Rehearsal.of(example).run("plan", "-input=false").ok
    main = example / "main.tf"
    text = main.read_text()
    trail_key = re.search(r'kms_key_arn\s*=\s*"([^"]+)"', text)
    assert trail_key
    main.write_text(re.sub(r'(#[^\n]*\n\s*kms_key_arn\s*=\s*)"[^"]+"', rf'\1"{trail_key.group(1)}"', text))
    result = Rehearsal.of(example).run("plan", "-input=false")
    assert not result.ok and "The alert topic needs its own key" in result.stdout + result.stderr


def test_compliance_md_says_where_logs_are_and_what_is_assumed(
    rendered_files: dict[str, dict[str, str]],
) -> None:
    """What a reader of COMPLIANCE.md sees: logs in this account (no log archive), the lock, and the
    prerequisites; with `foundation: existing`, the shared log groups the owner must create."""
    own = rendered_files["healthcare-training"]["COMPLIANCE.md"]
    assert "stay in this workload account\n(111122223333): no separate log-archive account" in own
    assert "(2192 days, GOVERNANCE mode, trail and results)" in own
    for name, _ in DETECTIVE_PREREQUISITES:
        assert f"- **{name}** (DET-" in own
    data = yaml.safe_load(BLUEPRINTS["existing-foundation"].read_text())
    data["workloads"][0]["type"] = "training"
    spec = parse_spec(data, "spec.yaml")
    text = render(spec)["COMPLIANCE.md"]
    assert "belong to the foundation owner" in text
    prerequisites = text.split("Prerequisites the foundation owner creates", 1)[1].split("##", 1)[0]
    assert (
        "`/aws/sagemaker/ProcessingJobs`" in prerequisites
        and "`/aws/sagemaker/TrainingJobs`" in prerequisites
    )
