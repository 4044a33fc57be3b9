"""Provider-side validation of the offline stand-in: enumerations, ranges, JSON policies and their
Effect, conflicting and required-with arguments, deprecations, and sensitive attributes, with the
real provider's wording."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.offline import validation
from generator.offline.schema import load
from generator.offline.values import UNKNOWN
from tests.conftest import json_result, run_aisec


def _found(type_name: str, cfg: dict[str, Any], kind: str = "resource") -> list[tuple[str, str, str]]:
    schema = load()
    block = schema.resource_block(type_name) if kind == "resource" else schema.data_source_block(type_name)
    return [
        ("warning" if d.severity == d.WARNING else "error", d.summary, d.detail)
        for d in validation.diagnostics(kind, type_name, cfg, block)
    ]


def _sse(algorithm: Any) -> dict[str, Any]:
    return {
        "bucket": "b",
        "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": algorithm}]}],
    }


def test_enumerations_with_the_providers_wording() -> None:
    assert _found("aws_s3_bucket_server_side_encryption_configuration", _sse("aws:kms")) == []
    assert _found("aws_s3_bucket_server_side_encryption_configuration", _sse("KMS")) == [
        ("error", 'expected sse_algorithm to be one of ["AES256" "aws:kms" "aws:kms:dsse"], got KMS', "")
    ]
    # A value known only at apply is not judged (nor is it by the provider).
    assert _found("aws_s3_bucket_server_side_encryption_configuration", _sse(UNKNOWN)) == []
    assert _found("aws_kms_key", {"key_usage": "ENCRYPT"})[0][1].startswith(
        'expected key_usage to be one of ["ENCRYPT_DECRYPT" "SIGN_VERIFY"'
    )
    trail = {"name": "trail", "s3_bucket_name": "b", "event_selector": [{"read_write_type": "Write"}]}
    assert _found("aws_cloudtrail", trail) == [
        ("error", 'expected read_write_type to be one of ["All" "ReadOnly" "WriteOnly"], got Write', "")
    ]
    assert _found("aws_kms_key", {"deletion_window_in_days": 3}) == [
        ("error", "expected deletion_window_in_days to be in the range (7 - 30), got 3", "")
    ]
    assert _found("aws_cloudwatch_log_group", {"retention_in_days": 2})[0][1].startswith(
        "expected retention_in_days to be one of [0 1 3 5 7 14 30"
    )
    # The elements of a set of strings (aws_kms_grant.operations: Elem with enum.Validate).
    grant = {"key_id": "k", "grantee_principal": "arn:aws:iam::111122223333:role/r"}
    assert _found("aws_kms_grant", {**grant, "operations": ["Decrypt", "Encrypt"]}) == []
    found = _found("aws_kms_grant", {**grant, "operations": ["Decrypt", "EncryptData"]})
    assert [f[1] for f in found] == [
        'expected operations to be one of ["Decrypt" "Encrypt" "GenerateDataKey" '
        '"GenerateDataKeyWithoutPlaintext" "ReEncryptFrom" "ReEncryptTo" "Sign" "Verify" "GetPublicKey" '
        '"CreateGrant" "RetireGrant" "DescribeKey" "GenerateDataKeyPair" "GenerateDataKeyPairWithoutPlaintext" '
        '"GenerateMac" "VerifyMac" "DeriveSharedSecret"], got EncryptData'
    ]
    doc = {"statement": [{"effect": "Allow"}, {"effect": "Permit"}]}
    assert _found("aws_iam_policy_document", doc, kind="data") == [
        ("error", 'expected statement.1.effect to be one of ["Allow" "Deny"], got Permit', "")
    ]


def test_policy_json_and_effect() -> None:
    good = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    )
    assert _found("aws_iam_policy", {"policy": good}) == []
    bad_effect = good.replace("Deny", "Alow")
    [(severity, summary, detail)] = _found("aws_iam_policy", {"policy": bad_effect})
    assert severity == "error" and summary == (
        '"policy" contains an invalid JSON policy: Statement[0].Effect must be "Allow" or "Deny", got "Alow"'
    )
    assert "MalformedPolicyDocument" in detail
    assert _found("aws_iam_role", {"assume_role_policy": "[]"}) == [
        (
            "error",
            '"assume_role_policy" contains an invalid JSON policy: contains a JSON array, not a JSON object',
            "",
        )
    ]
    assert _found("aws_iam_policy", {"policy": '"policies/read.json"'})[0][1].endswith(
        "(have you passed a JSON-encoded filename instead of the content of that file?)"
    )
    assert _found("aws_iam_policy", {"policy": '{"Statement": [}'})[0][1].startswith(
        '"policy" contains an invalid JSON policy: '
    )
    assert _found("aws_iam_policy", {"policy": '{"Version": "1", "Version": "2"}'}) == [
        ("error", '"policy" contains duplicate JSON keys: duplicate key "Version"', "")
    ]


def test_arguments_in_relation_to_each_other() -> None:
    trail = {"name": "trail", "event_selector": [{}], "advanced_event_selector": [{}]}
    assert _found("aws_cloudtrail", trail) == [
        (
            "error",
            "Conflicting configuration arguments",
            '"event_selector": conflicts with advanced_event_selector',
        ),
        (
            "error",
            "Conflicting configuration arguments",
            '"advanced_event_selector": conflicts with event_selector',
        ),
    ]
    assert _found("aws_iam_role", {"name": "a", "name_prefix": UNKNOWN}) == []  # unknown: not judged
    assert _found("aws_kms_key", {"xks_key_id": "k"}) == [
        (
            "error",
            "Missing required argument",
            '"xks_key_id": all of `custom_key_store_id,xks_key_id` must be specified',
        )
    ]
    assert _found("aws_cloudwatch_event_rule", {"name": "r"}) == [
        (
            "error",
            "Missing required argument",
            f'"{k}": one of `event_pattern,schedule_expression` must be specified',
        )
        for k in ("event_pattern", "schedule_expression")
    ]
    assert _found("aws_cloudwatch_event_rule", {"name": "r", "schedule_expression": "rate(1 hour)"}) == []


def test_deprecations_are_warnings() -> None:
    assert _found("aws_iam_role", {"name": "r", "managed_policy_arns": ["arn:aws:iam::aws:policy/X"]}) == [
        (
            "warning",
            "Argument is deprecated",
            "managed_policy_arns is deprecated. Use the aws_iam_role_policy_attachment resource instead. If "
            "Terraform should exclusively manage all managed policy attachments (the current behavior of this "
            "argument), use the aws_iam_role_policy_attachments_exclusive resource as well.",
        )
    ]
    assert _found("aws_iam_role", {"name": "r", "managed_policy_arns": []}) == []


def test_arn_arguments_with_the_providers_wording() -> None:
    """verify.ValidARN: arn.Parse's errors, then partition, region, account and resource."""
    target = {"rule": "r", "arn": "arn:aws:sqs:us-east-1:111122223333:q"}
    assert _found("aws_cloudwatch_event_target", target) == []
    assert _found("aws_cloudwatch_event_target", {**target, "arn": UNKNOWN}) == []
    assert _found("aws_cloudwatch_event_target", {**target, "arn": "training-events"}) == [
        ("error", '"arn" (training-events) is an invalid ARN: arn: invalid prefix', "")
    ]
    assert _found("aws_cloudwatch_event_target", {**target, "arn": "arn:aws:sqs"}) == [
        ("error", '"arn" (arn:aws:sqs) is an invalid ARN: arn: not enough sections', "")
    ]
    found = _found("aws_cloudwatch_event_target", {**target, "arn": "arn:azure:sqs:mars:12:"})
    assert [f[1].split(": ", 1)[1] for f in found] == [
        "invalid partition value (expecting to match regular expression: ^aws(-[a-z]+)*$)",
        "invalid region value (expecting to match regular expression: ^[a-z]{2}(-[a-z]+)+-\\d$)",
        "invalid account ID value (expecting to match regular expression: "
        "^(aws|aws-managed|third-party|\\d{12}|cw.{10})$)",
        "missing resource value",
    ]
    # nested in a list block: the SDK's flatmap key
    dlq = {**target, "dead_letter_config": [{"arn": "dlq"}]}
    assert _found("aws_cloudwatch_event_target", dlq) == [
        ("error", '"dead_letter_config.0.arn" (dlq) is an invalid ARN: arn: invalid prefix', "")
    ]
    trail = {
        "name": "trail",
        "s3_bucket_name": "b",
        "cloud_watch_logs_group_arn": "arn:aws:logs:us-east-1:111122223333:log-group:t:*",
    }
    assert _found("aws_cloudtrail", trail) == []
    assert _found("aws_cloudtrail", {**trail, "cloud_watch_logs_role_arn": "trail-role"})[0][1] == (
        '"cloud_watch_logs_role_arn" (trail-role) is an invalid ARN: arn: invalid prefix'
    )
    assert _found("aws_iam_role_policy_attachment", {"role": "r", "policy_arn": "ReadOnlyAccess"})[0][1] == (
        '"policy_arn" (ReadOnlyAccess) is an invalid ARN: arn: invalid prefix'
    )


def test_framework_enums_with_the_providers_wording() -> None:
    """fwtypes.StringEnumType: "Invalid String Enum Value", the framework's path (a set element by
    its value), the enum's values and the empty string."""
    bucket = {"name": "t", "encryption_configuration": {"sse_algorithm": "aws:kms", "kms_key_arn": UNKNOWN}}
    assert _found("aws_s3tables_table_bucket", bucket) == []
    bucket["encryption_configuration"]["sse_algorithm"] = "aws:kms:dsse"
    assert _found("aws_s3tables_table_bucket", bucket) == [
        (
            "error",
            "Invalid String Enum Value",
            "The provided value does not match any valid values.\n\nPath: encryption_configuration.sse_algorithm\n"
            "Given Value: aws:kms:dsse\nValid Values: [AES256 aws:kms ]",
        )
    ]
    block = load().resource_block("aws_bedrock_guardrail")
    inner = block["block_types"]["content_policy_config"]["block"]["block_types"]["filters_config"]["block"]
    filt = {name: None for name in inner["attributes"]}
    ok = {**filt, "type": "HATE", "input_strength": "HIGH", "output_strength": "NONE"}
    bad = {**ok, "type": "HATRED"}
    guardrail = {"name": "g", "content_policy_config": [{"filters_config": [ok, bad], "tier_config": None}]}
    found = _found("aws_bedrock_guardrail", guardrail)
    assert len(found) == 1 and found[0][1] == "Invalid String Enum Value"
    assert found[0][2].splitlines()[2] == (
        'Path: content_policy_config[0].filters_config[Value({"input_action":<null>,"input_enabled":<null>,'
        '"input_modalities":<null>,"input_strength":"HIGH","output_action":<null>,"output_enabled":<null>,'
        '"output_modalities":<null>,"output_strength":"NONE","type":"HATRED"})].type'
    )
    assert found[0][2].endswith("Valid Values: [SEXUAL VIOLENCE HATE INSULTS MISCONDUCT PROMPT_ATTACK ]")


def test_framework_enum_values_are_the_apis() -> None:
    """The table's enum values are the AWS API's (the Go SDK's Values() follow the API model, as
    botocore's service models do), where the installed botocore has the shape."""
    botocore = pytest.importorskip("botocore.session")
    model = botocore.get_session().get_service_model("bedrock")
    rules = validation.table()["resource"]["aws_bedrock_guardrail"]["enum"]
    assert (
        rules["content_policy_config.filters_config.type"]
        == model.shape_for("GuardrailContentFilterType").enum
    )
    assert (
        rules["content_policy_config.filters_config.input_strength"]
        == model.shape_for("GuardrailFilterStrength").enum
    )


def test_table_names_only_what_the_schema_has() -> None:
    """Every path of the table exists in the served schema (a typo would silently check nothing)."""
    schema = load()
    data = yaml.safe_load(validation.TABLE.read_text())
    for kind, section in (("resource", data["resources"]), ("data", data["data_sources"])):
        for type_name, rules in section.items():
            block = (
                schema.resource_block(type_name)
                if kind == "resource"
                else schema.data_source_block(type_name)
            )
            paths: list[str] = []
            for check, spec in rules.items():
                if check in ("exactly_one_of", "at_least_one_of"):
                    paths += [p for group in spec for p in group]
                elif isinstance(spec, dict):
                    paths += list(spec) + [
                        p for v in spec.values() if check in ("conflicts", "required_with") for p in v
                    ]
                else:
                    paths += spec
            for dotted in paths:
                b = block
                *blocks, name = dotted.split(".")
                for step in blocks:
                    if step in b.get("attributes", {}):  # an object attribute (plugin framework)
                        ty = b["attributes"][step]["type"]
                        assert ty[0] == "object", (type_name, dotted)
                        b = {"attributes": {k: {"type": t} for k, t in ty[1].items()}}
                        continue
                    b = b["block_types"][step]["block"]
                assert name in b.get("attributes", {}) or name in b.get("block_types", {}), (
                    type_name,
                    dotted,
                )


def test_sensitive_attributes_are_marked() -> None:
    schema = load()
    assert schema.resource_block("aws_db_instance")["attributes"]["password"].get("sensitive")
    mq_user = schema.resource_block("aws_mq_broker")["block_types"]["user"]["block"]
    assert mq_user["attributes"]["password"].get("sensitive")
    assert schema.data_source_block("aws_secretsmanager_secret_version")["attributes"]["secret_string"].get(
        "sensitive"
    )
    assert not schema.resource_block("aws_db_instance")["attributes"]["username"].get("sensitive")


_BROKEN = """\
resource "aws_s3_bucket_server_side_encryption_configuration" "sse" {
  bucket = "b"
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kmz"
    }
  }
}

resource "aws_iam_role" "r" {
  name                = "r"
  assume_role_policy  = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }] })
  managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
}
"""

_SECRET = """\
resource "aws_db_instance" "db" {
  identifier     = "db"
  engine         = "postgres"
  instance_class = "db.t4g.micro"
  username       = "app"
  password       = "not-a-real-password"
}

data "aws_secretsmanager_secret_version" "s" {
  secret_id = "app"
}

output "password" {
  value = aws_db_instance.db.password
}

output "secret" {
  value = data.aws_secretsmanager_secret_version.s.secret_string
}
"""


@pytest.mark.terraform
def test_real_terraform_reports_them_at_the_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(_BROKEN)
    proc = run_aisec("validate", str(tmp_path), "--offline", "--json")
    found = {(d["severity"], d["summary"], d["line"]) for d in json_result(proc)["diagnostics"]}
    assert proc.returncode == 1
    assert found == {
        ("error", 'expected sse_algorithm to be one of ["AES256" "aws:kms" "aws:kms:dsse"], got aws:kmz', 5),
        ("warning", "Argument is deprecated", 13),
    }, found
    # The real provider refuses an output of a sensitive attribute without `sensitive = true`.
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "main.tf").write_text(_SECRET)
    proc = run_aisec("plan", str(secret), "--offline", "--json")
    assert proc.returncode == 1
    details = json.loads(proc.stdout)["errors"][0]["detail"]
    assert sorted(d.split(": error: ")[0].rsplit("/", 1)[1] for d in details) == ["main.tf:13", "main.tf:17"]
    assert all("Output refers to sensitive values" in d for d in details)
    (secret / "main.tf").write_text(
        _SECRET.replace("secret_string\n", "secret_string\n  sensitive = true\n").replace(
            "password\n}", "password\n  sensitive = true\n}"
        )
    )
    proc = run_aisec("plan", str(secret), "--offline", "--json")
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_exactly_one_of(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's ExactlyOneOf wording (no type in the table uses it today; the check is ready)."""
    rules = {"exactly_one_of": [["name", "name_prefix"]]}
    monkeypatch.setattr(validation, "table", lambda: {"resource": {"aws_sns_topic": rules}, "data": {}})
    assert _found("aws_sns_topic", {"name": "a"}) == []
    assert _found("aws_sns_topic", {"name_prefix": UNKNOWN}) == []
    assert _found("aws_sns_topic", {}) == [
        ("error", "Invalid combination of arguments", f'"{k}": one of `name,name_prefix` must be specified')
        for k in ("name", "name_prefix")
    ]
    assert _found("aws_sns_topic", {"name": "a", "name_prefix": "b"})[0] == (
        "error",
        "Invalid combination of arguments",
        '"name": only one of `name,name_prefix` can be specified, but `name,name_prefix` were specified.',
    )
