"""The security review of plans: which changes a reviewer must see, and protected deletions."""

from __future__ import annotations

from typing import Any

from generator.run.planreview import PROTECTED, review


def _change(rtype: str, actions: list[str], before: dict[str, Any] | None, after: dict[str, Any] | None,
            address: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "address": address or f"module.x.{rtype}.this",
        "type": rtype,
        "mode": "managed",
        "change": {"actions": actions, "before": before, "after": after},
    }


def _reasons(*changes: dict[str, Any]) -> list[str]:
    return [f.reason for f in review({"resource_changes": list(changes)}).findings]


def test_counts_and_replacements() -> None:
    r = review({"resource_changes": [
        _change("aws_sns_topic", ["create"], None, {}),
        _change("aws_sns_topic", ["update"], {}, {}, "b"),
        _change("aws_s3_bucket", ["delete", "create"], {}, {}, "c"),
        _change("aws_sns_topic", ["no-op"], {}, {}, "d"),
        {"address": "data.x", "type": "aws_iam_policy_document", "mode": "data", "change": {"actions": ["read"]}},
    ]})  # fmt: skip
    assert (r.add, r.change, r.destroy, r.replace, r.operations) == (2, 1, 1, 1, 4)
    assert [c["address"] for c in r.changes] == ["module.x.aws_sns_topic.this", "b", "c"]
    assert r.protected_deletions == [{"address": "c", "type": "aws_s3_bucket", "kind": "buckets"}]


def test_security_relevant_changes_are_named() -> None:
    key = {"enable_key_rotation": True, "is_enabled": True, "policy": "a", "rotation_period_in_days": 365}
    assert _reasons(_change("aws_kms_key", ["update"], key, {**key, "enable_key_rotation": False})) == [
        "KMS key rotation turned off"
    ]
    assert _reasons(_change("aws_kms_key", ["update"], key, {**key, "policy": "b"})) == [
        "KMS key policy changed"
    ]
    assert _reasons(_change("aws_kms_key", ["update"], key, {**key, "description": "new"})) == []
    assert _reasons(_change("aws_vpc_endpoint", ["delete"], {"service_name": "s"}, None))[0].startswith(
        "VPC endpoint removed"
    )
    trail = {"enable_logging": True, "is_multi_region_trail": True}
    assert _reasons(_change("aws_cloudtrail", ["update"], trail, {**trail, "enable_logging": False})) == [
        "CloudTrail logging, validation, encryption or event selection changed"
    ]
    assert _reasons(
        _change("aws_macie2_account", ["update"], {"status": "ENABLED"}, {"status": "PAUSED"})
    ) == ["Macie status or publishing changed"]
    assert _reasons(_change("aws_iam_role_policy", ["update"], {"policy": "a"}, {"policy": "b"})) == [
        "policy changed or removed"
    ]
    assert (
        _reasons(_change("aws_iam_role_policy", ["create"], None, {"policy": "a"})) == []
    )  # new: not a change
    assert _reasons(_change("aws_iam_access_key", ["create"], None, {}))[0].startswith(
        "IAM user or long-lived"
    )
    group = {"retention_in_days": 2192, "kms_key_id": "k"}
    assert _reasons(
        _change("aws_cloudwatch_log_group", ["update"], group, {**group, "retention_in_days": 30})
    ) == ["log retention shortened"]
    assert (
        _reasons(_change("aws_cloudwatch_log_group", ["update"], group, {**group, "retention_in_days": 0}))
        == []
    )
    never = {**group, "retention_in_days": 0}  # 0: never expire
    assert _reasons(_change("aws_cloudwatch_log_group", ["update"], never, group)) == [
        "log retention shortened"
    ]
    ingress = {"cidr_ipv4": "0.0.0.0/0", "from_port": 443}
    assert _reasons(_change("aws_vpc_security_group_ingress_rule", ["create"], None, ingress)) == [
        "ingress open to the internet (0.0.0.0/0)"
    ]
    assert (
        _reasons(
            _change("aws_vpc_security_group_ingress_rule", ["create"], None, {"cidr_ipv4": "10.0.0.0/16"})
        )
        == []
    )


def test_protected_deletions_and_what_allows_them() -> None:
    r = review({"resource_changes": [
        _change(rtype, ["delete"], {}, None, f"module.m.{rtype}.this") for rtype, _ in PROTECTED.values()
    ] + [_change("aws_sns_topic", ["delete"], {}, None)]})  # fmt: skip
    assert sorted(d["kind"] for d in r.protected_deletions) == sorted(PROTECTED)
    assert {d["kind"] for d in r.blocked(["kms", "buckets"])} == {"cloudtrail", "log-groups", "macie"}
    assert r.blocked(list(PROTECTED)) == []
    assert [d["kind"] for d in r.blocked([*PROTECTED, "x"])] == []
    by_address = r.blocked(["kms", "buckets", "log-groups", "macie", "module.m.aws_cloudtrail.this"])
    assert by_address == []


def test_changes_outside_terraform_are_listed() -> None:
    r = review(
        {"resource_drift": [{"address": "a", "type": "aws_kms_key", "change": {"actions": ["update"]}}]}
    )
    assert r.drift == [{"address": "a", "type": "aws_kms_key", "actions": ["update"]}] and not r.has_changes


def test_turning_off_detection_and_ai_guards_is_named() -> None:
    """Deleting or switching off what detects and records, or what guards AI compute, is a finding:
    high ones block `aisec apply` until accepted; creating them, or unrelated changes, is not."""

    def found(*changes: dict[str, Any]) -> list[tuple[str, str]]:
        return [(f.rule, f.severity) for f in review({"resource_changes": list(changes)}).findings]

    for rtype in ("aws_guardduty_detector", "aws_securityhub_account", "aws_config_configuration_recorder",
                  "aws_config_configuration_recorder_status", "aws_config_delivery_channel", "aws_flow_log"):  # fmt: skip
        assert found(_change(rtype, ["delete"], {}, None)) == [("AISEC-CHG-030", "high")], rtype
        assert found(_change(rtype, ["create"], None, {})) == [], rtype
    detector = {"enable": True, "finding_publishing_frequency": "FIFTEEN_MINUTES"}
    assert found(_change("aws_guardduty_detector", ["update"], detector, {**detector, "enable": False})) == [
        ("AISEC-CHG-031", "high")
    ]
    assert (
        found(_change("aws_guardduty_detector", ["update"], detector, {**detector, "tags": {"a": "b"}})) == []
    )
    status = {"is_enabled": True, "name": "x"}
    assert found(_change("aws_config_configuration_recorder_status", ["update"], status, {**status, "is_enabled": False})) == [
        ("AISEC-CHG-032", "high")
    ]  # fmt: skip
    feature = {"name": "S3_DATA_EVENTS", "status": "ENABLED"}
    assert found(_change("aws_guardduty_detector_feature", ["update"], feature, {**feature, "status": "DISABLED"})) == [
        ("AISEC-CHG-033", "medium")
    ]  # fmt: skip
    for rtype in (
        "aws_securityhub_standards_subscription",
        "aws_config_conformance_pack",
        "aws_accessanalyzer_analyzer",
    ):
        assert found(_change(rtype, ["delete"], {}, None)) == [("AISEC-CHG-034", "medium")], rtype
    recorder = {"recording_group": [{"all_supported": True}], "role_arn": "r"}
    changed = {**recorder, "recording_group": [{"all_supported": False}]}
    assert found(_change("aws_config_configuration_recorder", ["update"], recorder, changed)) == [
        ("AISEC-CHG-035", "medium")
    ]
    logging = {"logging_config": [{"text_data_delivery_enabled": True}]}
    assert found(
        _change("aws_bedrock_model_invocation_logging_configuration", ["delete"], logging, None)
    ) == [("AISEC-CHG-036", "high")]
    off = {"logging_config": [{"text_data_delivery_enabled": False}]}
    assert found(_change("aws_bedrock_model_invocation_logging_configuration", ["update"], logging, off)) == [
        ("AISEC-CHG-037", "medium")
    ]
    guardrail = {
        "sensitive_information_policy_config": [{"pii_entities_config": [{"type": "EMAIL"}]}],
        "name": "g",
    }
    assert found(_change("aws_bedrock_guardrail", ["delete"], guardrail, None)) == [("AISEC-CHG-038", "high")]
    weaker = {**guardrail, "sensitive_information_policy_config": []}
    assert found(_change("aws_bedrock_guardrail", ["update"], guardrail, weaker)) == [
        ("AISEC-CHG-039", "medium")
    ]
    assert (
        found(_change("aws_bedrock_guardrail", ["update"], guardrail, {**guardrail, "description": "d"}))
        == []
    )
    notebook = {
        "direct_internet_access": "Disabled",
        "root_access": "Disabled",
        "instance_type": "ml.t3.medium",
    }
    for attr in ("direct_internet_access", "root_access"):
        assert found(_change("aws_sagemaker_notebook_instance", ["update"], notebook, {**notebook, attr: "Enabled"})) == [
            ("AISEC-CHG-040", "high")
        ], attr  # fmt: skip
        assert found(_change("aws_sagemaker_notebook_instance", ["create"], None, {**notebook, attr: "Enabled"})) == [
            ("AISEC-CHG-040", "high")
        ], attr  # fmt: skip
    assert found(_change("aws_sagemaker_notebook_instance", ["create"], None, notebook)) == []
    bigger = {**notebook, "instance_type": "ml.t3.large"}
    assert found(_change("aws_sagemaker_notebook_instance", ["update"], notebook, bigger)) == []
    blocked = review({"resource_changes": [_change("aws_guardduty_detector", ["delete"], detector, None)]})
    assert [f.rule for f in blocked.unaccepted()] == ["AISEC-CHG-030"]
