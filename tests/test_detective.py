"""Account-level detective controls (issue 14 item 6, DET-1..5), on every blueprint's plan and state
as applied offline: created with foundation: create, absent (and named as prerequisites) with
foundation: existing, checked at plan time where the spec asks; the policies they rest on (the
config bucket, the audit key, the flow-log role) evaluated against sample requests."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.checks.policy_eval import Request, evaluate
from generator.decide.policy import RETENTION_DAYS, decide
from generator.errors import SpecError
from generator.render import render
from generator.render.writer import write
from generator.reports.cost import estimate
from generator.spec import Regime, load_spec, parse_spec
from tests.conftest import BLUEPRINTS
from tests.offline import Rehearsal, all_resources

pytestmark = pytest.mark.terraform
OTHER_ACCOUNT = "999988887777"


def _resources(
    applied: dict[str, dict[str, Any]], name: str, key: str = "state"
) -> dict[str, dict[str, Any]]:
    doc = applied[name][key]
    root = doc["values"]["root_module"] if key == "state" else doc["planned_values"]["root_module"]
    return {r["address"]: r for r in all_resources(root)}


def _detective(resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {a: r for a, r in resources.items() if a.startswith("module.detective.")}


CREATING = sorted(n for n, p in BLUEPRINTS.items() if load_spec(p).creates_foundation)


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_every_blueprint_plans_what_its_spec_asks(name: str, applied: dict[str, dict[str, Any]]) -> None:
    spec = load_spec(BLUEPRINTS[name])
    planned = _detective(_resources(applied, name, "plan"))
    if not spec.creates_foundation:
        # existing: every control is a prerequisite, named in COMPLIANCE.md; nothing created or read.
        assert planned == {}
        text = render(spec)["COMPLIANCE.md"]
        for title in (
            "Amazon GuardDuty",
            "AWS Security Hub",
            "AWS Config",
            "IAM Access Analyzer",
            "VPC flow logs",
        ):
            assert f"**{title}**" in text and "a prerequisite outside this root module" in text
        return
    m = "module.detective."
    assert planned[m + "aws_guardduty_detector.this[0]"]["values"]["enable"] is True
    assert (
        planned[m + "aws_guardduty_detector.this[0]"]["values"]["finding_publishing_frequency"]
        == "FIFTEEN_MINUTES"
    )
    feature = planned[m + "aws_guardduty_detector_feature.s3[0]"]["values"]
    assert (feature["name"], feature["status"]) == ("S3_DATA_EVENTS", "ENABLED")
    hub = planned[m + "aws_securityhub_account.this[0]"]["values"]
    assert hub["enable_default_standards"] is False and hub["auto_enable_controls"] is True
    standards = {
        r["values"]["standards_arn"]
        for a, r in planned.items()
        if r["type"] == "aws_securityhub_standards_subscription"
    }
    region = spec.aws.region
    expected = {
        f"arn:aws:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0",
        f"arn:aws:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/3.0.0",
    }
    if Regime.PCI_DSS in spec.regimes:
        expected.add(f"arn:aws:securityhub:{region}::standards/pci-dss/v/4.0.1")
    if Regime.FEDRAMP_MODERATE in spec.regimes:
        expected.add(f"arn:aws:securityhub:{region}::standards/nist-800-53/v/5.0.0")
    assert standards == expected
    # AWS Config: everything recorded, delivered encrypted to the config bucket, recording on.
    recorder = planned[m + "aws_config_configuration_recorder.this[0]"]["values"]
    group = recorder["recording_group"][0]
    assert group["all_supported"] is True and group["include_global_resource_types"] is True
    assert recorder["role_arn"].endswith(
        ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    )
    assert (
        planned[m + "aws_iam_service_linked_role.config[0]"]["values"]["aws_service_name"]
        == "config.amazonaws.com"
    )
    channel = _resources(applied, name)[m + "aws_config_delivery_channel.this[0]"]["values"]  # known at apply
    assert channel["s3_bucket_name"] == f"{spec.name}-config-{spec.aws.account_id}"
    assert planned[m + "aws_config_configuration_recorder_status.this[0]"]["values"]["is_enabled"] is True
    # One conformance pack per regulation (a baseline without one; ai-security, guidance, has none),
    # logs kept for the regime's retention.
    packs = {r["values"]["name"]: r["values"]["template_body"] for r in planned.values()
             if r["type"] == "aws_config_conformance_pack"}  # fmt: skip
    regimes = sorted((r for r in spec.regimes if r is not Regime.AI_SECURITY), key=list(Regime).index) or [
        None
    ]
    assert set(packs) == {f"{spec.name}-{r.value if r else 'baseline'}" for r in regimes}
    for regime in regimes:
        body = yaml.safe_load(packs[f"{spec.name}-{regime.value if regime else 'baseline'}"])
        rules = {
            v["Properties"]["Source"]["SourceIdentifier"]: v["Properties"] for v in body["Resources"].values()
        }
        assert {"GUARDDUTY_ENABLED_CENTRALIZED", "SECURITYHUB_ENABLED", "VPC_FLOW_LOGS_ENABLED",
                "CLOUD_TRAIL_ENCRYPTION_ENABLED", "CMK_BACKING_KEY_ROTATION_ENABLED"} <= set(rules)  # fmt: skip
        days = max(RETENTION_DAYS[None], RETENTION_DAYS[regime])
        assert rules["CW_LOGGROUP_RETENTION_PERIOD_CHECK"]["InputParameters"] == {
            "MinRetentionTime": str(days)
        }
        assert all(v["Type"] == "AWS::Config::ConfigRule" for v in body["Resources"].values())
    # Access Analyzer: external and unused access.
    external = planned[m + "aws_accessanalyzer_analyzer.external[0]"]["values"]
    unused = planned[m + "aws_accessanalyzer_analyzer.unused[0]"]["values"]
    assert external["type"] == "ACCOUNT" and unused["type"] == "ACCOUNT_UNUSED_ACCESS"
    assert unused["configuration"][0]["unused_access"][0]["unused_access_age"] == 90
    # Flow logs of the spec's VPC, all traffic, to a group kept for the landing's retention.
    flow = planned[m + "aws_flow_log.this[0]"]["values"]
    assert (flow["vpc_id"], flow["traffic_type"], flow["log_destination_type"]) == (
        spec.network.vpc_id, "ALL", "cloud-watch-logs")  # fmt: skip
    log_group = planned[m + "aws_cloudwatch_log_group.flow_logs[0]"]["values"]
    assert log_group["retention_in_days"] == decide(spec).retention_days
    assert log_group["name"] == f"/aisec/{spec.name}/vpc-flow-logs"
    # High findings reach the alert topic.
    rules = {r["values"]["name"]: json.loads(r["values"]["event_pattern"]) for r in planned.values()
             if r["type"] == "aws_cloudwatch_event_rule"}  # fmt: skip
    assert rules[f"{spec.name}-guardduty-findings"]["detail"] == {"severity": [{"numeric": [">=", 7]}]}
    assert rules[f"{spec.name}-securityhub-findings"]["detail"]["findings"]["Severity"] == {
        "Label": ["HIGH", "CRITICAL"]
    }


@pytest.mark.parametrize("name", CREATING)
def test_applied_detective_resources_are_wired(name: str, applied: dict[str, dict[str, Any]]) -> None:
    """As applied: the flow log uses its log group and role, the delivery channel the audit key,
    the finding rules target the alert topic."""
    state = _resources(applied, name)
    m = "module.detective."
    group = state[m + "aws_cloudwatch_log_group.flow_logs[0]"]["values"]
    audit_key = state['module.foundation_kms.aws_kms_key.this["audit"]']["values"]["arn"]
    assert group["kms_key_id"] == audit_key
    flow = state[m + "aws_flow_log.this[0]"]["values"]
    assert flow["log_destination"] == group["arn"]
    assert flow["iam_role_arn"] == state[m + "aws_iam_role.flow_logs[0]"]["values"]["arn"]
    assert state[m + "aws_config_delivery_channel.this[0]"]["values"]["s3_kms_key_arn"] == audit_key
    topic = state["module.audit.aws_sns_topic.alerts[0]"]["values"]["arn"]
    for rule in ("guardduty", "securityhub"):
        assert state[m + f"aws_cloudwatch_event_target.{rule}[0]"]["values"]["arn"] == topic


@pytest.mark.parametrize("name", CREATING)
def test_config_delivers_only_for_this_account(name: str, applied: dict[str, dict[str, Any]]) -> None:
    spec = load_spec(BLUEPRINTS[name])
    state = _resources(applied, name)
    account = spec.aws.account_id
    bucket = f"{spec.name}-config-{account}"
    policy = state['module.foundation_storage.aws_s3_bucket_policy.this["config"]']["values"]["policy"]
    obj = f"arn:aws:s3:::{bucket}/config/AWSLogs/{account}/Config/{spec.aws.region}/2026/1/1/ConfigSnapshot/x.json.gz"
    audit_key = state['module.foundation_kms.aws_kms_key.this["audit"]']["values"]["arn"]
    put = {"aws:SourceAccount": account, "s3:x-amz-acl": "bucket-owner-full-control",
           "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": audit_key}  # fmt: skip
    config = "config.amazonaws.com"
    assert evaluate(Request(config, "s3:PutObject", obj, put), resource_policy=policy).allowed
    assert evaluate(Request(config, "s3:GetBucketAcl", f"arn:aws:s3:::{bucket}", {"aws:SourceAccount": account}),
                    resource_policy=policy).allowed  # fmt: skip
    # Another account's recorder, a write outside Config's path, or without the owner's ACL: denied.
    assert not evaluate(Request(config, "s3:PutObject", obj, {**put, "aws:SourceAccount": OTHER_ACCOUNT}),
                        resource_policy=policy).allowed  # fmt: skip
    assert not evaluate(Request(config, "s3:PutObject", f"arn:aws:s3:::{bucket}/elsewhere/x", put),
                        resource_policy=policy).allowed  # fmt: skip
    assert not evaluate(Request(config, "s3:PutObject", obj, {**put, "s3:x-amz-acl": "private"}),
                        resource_policy=policy).allowed  # fmt: skip
    # Evidence: nobody but break-glass deletes a delivered object (TRL-4), not even the deployers.
    deployer = decide(spec).access.deployers[0]
    assert not evaluate(
        Request(deployer, "s3:DeleteObjectVersion", obj),
        resource_policy=policy,
        identity_policies=[
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ],
    ).allowed
    # The audit key lets Config encrypt for this account only.
    key_policy = state['module.foundation_kms.aws_kms_key.this["audit"]']["values"]["policy"]
    req = Request(config, "kms:GenerateDataKey", audit_key, {"aws:SourceAccount": account})
    assert evaluate(req, resource_policy=key_policy, resource_must_allow=True).allowed
    other = Request(config, "kms:GenerateDataKey", audit_key, {"aws:SourceAccount": OTHER_ACCOUNT})
    assert not evaluate(other, resource_policy=key_policy, resource_must_allow=True).allowed


@pytest.mark.parametrize("name", CREATING)
def test_flow_log_role_is_bounded(name: str, applied: dict[str, dict[str, Any]]) -> None:
    spec = load_spec(BLUEPRINTS[name])
    state = _resources(applied, name)
    m = "module.detective."
    role = state[m + "aws_iam_role.flow_logs[0]"]["values"]
    boundary = state[m + "aws_iam_policy.flow_logs_boundary[0]"]["values"]
    assert role["permissions_boundary"] == boundary["arn"] and role["path"] == "/aisec/"
    account, region = spec.aws.account_id, spec.aws.region
    flow_arn = f"arn:aws:ec2:{region}:{account}:vpc-flow-log/fl-0123456789abcdef0"
    trust = role["assume_role_policy"]
    assume = Request("vpc-flow-logs.amazonaws.com", "sts:AssumeRole", role["arn"],
                     {"aws:SourceAccount": account, "aws:SourceArn": flow_arn})  # fmt: skip
    assert evaluate(assume, resource_policy=trust, resource_must_allow=True).allowed
    foreign = Request(assume.principal, assume.action, assume.resource,
                      {"aws:SourceAccount": OTHER_ACCOUNT, "aws:SourceArn": flow_arn.replace(account, OTHER_ACCOUNT)})  # fmt: skip
    assert not evaluate(foreign, resource_policy=trust, resource_must_allow=True).allowed
    inline = state[m + "aws_iam_role_policy.flow_logs[0]"]["values"]["policy"]
    group = state[m + "aws_cloudwatch_log_group.flow_logs[0]"]["values"]["arn"]
    caller = role["arn"]

    def decide_for(action: str, resource: str) -> bool:
        return evaluate(Request(caller, action, resource), identity_policies=[inline],
                        boundary=boundary["policy"]).allowed  # fmt: skip

    assert decide_for("logs:PutLogEvents", f"{group}:log-stream:eni-1-all")
    other_group = f"arn:aws:logs:{region}:{account}:log-group:/aisec/{spec.name}/other"
    assert not decide_for("logs:PutLogEvents", f"{other_group}:log-stream:x")
    assert not decide_for("logs:DeleteLogGroup", group)
    assert not decide_for("s3:GetObject", "arn:aws:s3:::any/x")


def _spec(name: str, **detective: str) -> Any:
    data = yaml.safe_load(BLUEPRINTS[name].read_text())
    data["detective"] = detective
    return data


def _text(error: SpecError) -> str:
    assert error.exit_code == 2
    return "\n".join(error.details or [error.message])


def test_check_is_refused_where_no_data_source_reads_the_control() -> None:
    for control in ("config", "access_analyzer", "flow_logs"):
        with pytest.raises(SpecError) as err:
            parse_spec(_spec("fraud-inference", **{control: "check"}), "s.yaml")
        assert f"s.yaml: detective.{control}: " in _text(err.value) and "'create' or 'prerequisite'" in _text(
            err.value
        )
    with pytest.raises(SpecError) as err:
        parse_spec(_spec("fraud-inference", guardduty="watch"), "s.yaml")
    assert "detective.guardduty: " in _text(err.value) and "'create', 'check' or 'prerequisite'" in _text(
        err.value
    )
    for control in ("config", "flow_logs"):
        with pytest.raises(SpecError) as err:
            parse_spec(_spec("existing-foundation", **{control: "create"}), "s.yaml")
        assert f"s.yaml: detective.{control}: create needs foundation: create" in _text(err.value)


def test_cli_refuses_a_bad_mode_cleanly(tmp_path: Path) -> None:
    from tests.conftest import run_aisec

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_spec("fraud-inference", config="check")))
    result = run_aisec("check-spec", str(path))
    assert result.returncode == 2
    assert "detective.config" in result.stderr and "Traceback" not in result.stderr


def test_defaults_follow_the_foundation_and_an_explicit_prerequisite_drops_the_control() -> None:
    created = decide(load_spec(BLUEPRINTS["fraud-inference"]))
    assert {c.id for c in created.controls} >= {"DET-1", "DET-2", "DET-3", "DET-4", "DET-5"}
    existing = decide(load_spec(BLUEPRINTS["existing-foundation"]))
    assert not any(c.id.startswith("DET-") for c in existing.controls)
    partial = decide(parse_spec(_spec("fraud-inference", config="prerequisite", guardduty="check")))
    ids = {c.id for c in partial.controls}
    assert "DET-3" not in ids and "DET-1" not in ids and {"DET-2", "DET-4", "DET-5"} <= ids
    files = render(partial.spec, partial)
    assert f"{partial.spec.name}-config-" not in files["main.tf"]  # no config bucket either
    assert "checked at every plan" in files["COMPLIANCE.md"]
    # A requirement the detection family serves is only partly addressed while a control is not created.
    text = files["COMPLIANCE.md"]
    assert "11.5.1 Intrusion-detection techniques" in text and "partly addressed" in text


def test_cost_lines_for_what_is_created() -> None:
    lines = {line["item"] for line in estimate(decide(load_spec(BLUEPRINTS["fedramp-moderate"])))["lines"]}
    for item in ("GuardDuty management event analysis", "GuardDuty S3 protection (data events)",
                 "Security Hub security checks (3 standards)", "AWS Config configuration items",
                 "AWS Config conformance pack evaluations (1 pack(s))", "IAM Access Analyzer unused access",
                 "VPC flow logs ingestion (CloudWatch Logs, vended)"):  # fmt: skip
        assert item in lines
    existing = {
        line["item"] for line in estimate(decide(load_spec(BLUEPRINTS["existing-foundation"])))["lines"]
    }
    assert not any(
        i.startswith(("GuardDuty", "Security Hub", "AWS Config", "IAM Access", "VPC flow")) for i in existing
    )


def test_checked_prerequisites_replan_clean_after_apply(tmp_path: Path) -> None:
    """detective: check reads GuardDuty and Security Hub with data sources at every plan (no `check`
    blocks, whose failed reads are deferred to apply and leave a plan with changes): after an
    offline apply the existing-foundation landing re-plans with no changes."""
    spec = parse_spec(
        _spec("existing-foundation", guardduty="check", security_hub="check", access_analyzer="create")
    )
    write(tmp_path / "out", render(spec))
    main = (tmp_path / "out" / "main.tf").read_text()
    module = (tmp_path / "out" / "modules" / "detective" / "main.tf").read_text()
    assert re.search(r'guardduty\s+= "check"', main)
    assert not re.search(r"^\s*check\s", main + module, re.MULTILINE)
    r = Rehearsal.of(tmp_path / "out")
    r.ok("plan", "-input=false", "-out=tfplan")
    plan = r.show_json("tfplan")
    addresses = {x["address"] for x in all_resources(plan["planned_values"]["root_module"])}
    assert "module.detective.aws_accessanalyzer_analyzer.external[0]" in addresses
    assert not any("guardduty_detector.this" in a or "securityhub_account" in a for a in addresses)
    read = (
        {x["address"] for x in all_resources(plan["prior_state"]["values"]["root_module"])}
        if plan.get("prior_state")
        else set()
    )
    assert "module.detective.data.aws_guardduty_detector.existing[0]" in read
    assert "module.detective.data.aws_securityhub_standards_control_associations.existing[0]" in read
    r.ok("apply", "-input=false", "tfplan")
    assert r.run("plan", "-input=false", "-detailed-exitcode").returncode == 0
