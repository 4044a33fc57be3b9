"""The spec model: what loads, and the message each bad spec gets."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.errors import SpecError
from generator.spec import Spec, json_schema, load_spec, load_yaml_text, parse_spec
from tests.conftest import BLUEPRINTS, REPO

BASE = yaml.safe_load((REPO / "blueprints" / "healthcare-training.yaml").read_text())


def variant(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = data
        keys = dotted.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        last = keys[-1]
        if value is DELETE:
            del node[last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value
    return data


DELETE = object()


def problems(data: Any) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(data, "spec.yaml")
    assert info.value.exit_code == 2
    return info.value.details or [info.value.message]


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_every_blueprint_loads(name: str) -> None:
    spec = load_spec(BLUEPRINTS[name])
    assert isinstance(spec, Spec)
    assert spec.workloads


def test_defaults_follow_the_workload_type() -> None:
    spec = load_spec(BLUEPRINTS["gdpr-rag-assistant"])
    assert [s.value for s in spec.workloads[0].effective_services] == ["bedrock", "s3"]
    spec = load_spec(BLUEPRINTS["healthcare-training"])
    assert [s.value for s in spec.workloads[0].effective_services] == ["sagemaker", "ecr", "s3"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"colour": "blue"}, "spec.yaml: colour: unknown key; allowed keys here: apiVersion, name, aws"),
        ({"aws__zone": "a"}, "spec.yaml: aws.zone: unknown key; allowed keys here: region, account_id"),
        (
            {"workloads__0__gpu": True},
            "spec.yaml: workloads[0].gpu: unknown key; allowed keys here: name, type",
        ),
        ({"aws__region": "mars-1"}, "spec.yaml: aws.region: Input should be 'us-east-1'"),
        ({"aws__account_id": "12345"}, "spec.yaml: aws.account_id: '12345' is not an AWS account id"),
        ({"aws__account_id": "1111222233334"}, "aws.account_id: '1111222233334' is not an AWS account id"),
        ({"aws__account_id": "11112222333a"}, "aws.account_id: '11112222333a' is not an AWS account id"),
        (
            {"compliance": ["hipaa", "iso27001"]},
            "spec.yaml: compliance[1]: Input should be 'hipaa', 'pci-dss'",
        ),
        ({"workloads__0__type": "gaming"}, "spec.yaml: workloads[0].type: Input should be 'training'"),
        ({"workloads__0__stages": "prod"}, "spec.yaml: workloads[0].stages: Input should be a valid list"),
        ({"name": "Clinical_AI"}, "spec.yaml: name: 'Clinical_AI' is not a valid name"),
        ({"name": "a--b"}, "spec.yaml: name: 'a--b' is not a valid name"),
        ({"workloads__0__name": "x" * 25}, "at most 24 characters"),
        ({"workloads": []}, "spec.yaml: workloads: List should have at least 1 item"),
        (
            {"network__subnet_ids": ["subnet-0a1b2c3d4e5f60718"]},
            "spec.yaml: network.subnet_ids: List should have at least 2 items",
        ),
        ({"network__vpc_cidr": "8.8.0.0/16"}, "spec.yaml: network.vpc_cidr: '8.8.0.0/16' is not a private"),
        ({"network__vpc_cidr": "10.0.0.1/16"}, "is not an IPv4 network in CIDR notation"),
        ({"access__admin_principals": ["arn:aws:iam::111122223333:user/bob"]}, "is not an IAM role ARN"),
        (
            {"alerts__email": ["not-an-address"]},
            "spec.yaml: alerts.email[0]: 'not-an-address' is not an e-mail address",
        ),
        ({"tags": {"aws:owner": "x"}}, "tag keys starting with 'aws:' are reserved"),
        ({"apiVersion": "aisec/v2"}, "spec.yaml: apiVersion: Input should be 'aisec/v1'"),
        ({"aws": DELETE}, "spec.yaml: aws: required field is missing"),
        ({"modules": {"kms": "latest"}}, "spec.yaml: modules.kms: 'latest' is not a version constraint"),
    ],
)
def test_field_errors_name_the_field_and_what_is_allowed(changes: dict[str, Any], expected: str) -> None:
    lines = problems(variant(**changes))
    assert any(expected in line for line in lines), lines


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"workloads__0__data__sensitivity": "public", "workloads__0__data__categories": []},
            "workloads[0].data.sensitivity: public data contradicts hipaa/pci-dss",
        ),
        ({"compliance": []}, "workloads[0].data.categories: phi data requires hipaa in compliance"),
        # another regime does not stand in for the one the data needs
        ({"compliance": ["gdpr"]}, "workloads[0].data.categories: phi data requires hipaa in compliance"),
        (
            {"workloads__0__data__sensitivity": "confidential"},
            "phi data needs sensitivity restricted or stricter",
        ),
        (
            {"compliance": ["hipaa", "fedramp-moderate"], "aws__region": "eu-west-1"},
            "aws.region: fedramp-moderate needs a region",
        ),
        (
            {"workloads__0__services": ["bedrock"], "aws__region": "eu-north-1"},
            "workloads[0].services: Amazon Bedrock",
        ),
        ({"foundation": "existing"}, "foundation_refs: foundation: existing needs foundation_refs"),
        ({"state": {"backend": "s3"}}, "state.bucket: required when state.backend is s3"),
        ({"state": {"backend": "local", "bucket": "abc"}}, "only allowed with backend: s3"),
        (
            {"name": "a" * 20, "workloads__0__name": "b" * 20},
            "S3 bucket names would be 69 characters (limit 63)",
        ),
    ],
)
def test_contradictions_are_errors(changes: dict[str, Any], expected: str) -> None:
    lines = problems(variant(**changes))
    assert any(expected in line for line in lines), lines


def test_duplicate_workload_names() -> None:
    data = variant()
    data["workloads"].append(copy.deepcopy(data["workloads"][0]))
    assert any("workloads[1].name: duplicate workload name 'notes-training'" in p for p in problems(data))


def test_every_problem_is_reported_at_once() -> None:
    lines = problems(variant(colour="x", aws__region="mars-1", workloads__0__type="gaming"))
    assert len(lines) == 3


@pytest.mark.parametrize("data", [None, [], "text", 42])
def test_a_spec_must_be_a_mapping(data: Any) -> None:
    assert "must be a YAML mapping" in problems(data)[0]


def test_unquoted_account_id_is_accepted_when_nothing_is_lost() -> None:
    assert parse_spec(variant(aws__account_id=111122223333)).aws.account_id == "111122223333"
    assert any("not an AWS account id" in p for p in problems(variant(aws__account_id=11112222333)))
    assert any("not an AWS account id" in p for p in problems(variant(aws__account_id=1111222233334)))


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "missing.yaml")
    with pytest.raises(SpecError, match="is a directory"):
        load_spec(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(SpecError, match=r"bad.yaml: not valid YAML \(line 2"):
        load_spec(bad)
    dup = tmp_path / "dup.yaml"
    dup.write_text("name: a\nname: b\n")
    with pytest.raises(SpecError, match="duplicate key 'name'"):
        load_spec(dup)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec(binary)


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError, match="alias bomb"):
        load_spec(bomb)


def test_json_schema_is_committed_and_current() -> None:
    import json

    committed = json.loads((REPO / "schema" / "aisec-v1.json").read_text())
    assert committed == json_schema(), (
        "schema/aisec-v1.json is stale: run `aisec schema -o schema/aisec-v1.json`"
    )
    assert committed["additionalProperties"] is False
    assert "workloads" in committed["required"]


def test_huge_files_are_refused_before_parsing(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_text("name: x\n" + "# padding\n" * 200_000)
    with pytest.raises(SpecError, match="larger than the 1000000 bytes a spec may have"):
        load_spec(huge)


@pytest.mark.parametrize(
    ("cidr", "expected"),
    [
        ("10.0.0.0/8", "network.vpc_cidr: '10.0.0.0/8': a VPC's CIDR block has a prefix from /16 to /28"),
        ("10.0.0.0/15", "(AWS's limits), not /15"),
        ("10.0.0.0/29", "(AWS's limits), not /29"),
        ("192.168.1.0/32", "not /32"),
        ("127.0.0.0/16", "is not a private (RFC 1918) range: use one inside 10.0.0.0/8"),
        ("169.254.0.0/16", "is not a private (RFC 1918) range"),
        ("100.64.0.0/16", "is not a private (RFC 1918) range"),
        ("172.32.0.0/16", "is not a private (RFC 1918) range"),
    ],
)
def test_vpc_cidr_is_a_private_range_aws_allows_for_a_vpc(cidr: str, expected: str) -> None:
    lines = problems(variant(network__vpc_cidr=cidr))
    assert any(expected in line for line in lines), lines


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "172.31.0.0/16", "192.168.0.0/28", "10.20.30.0/24"])
def test_vpc_cidr_prefixes_from_16_to_28_load(cidr: str) -> None:
    assert parse_spec(variant(network__vpc_cidr=cidr)).network.vpc_cidr == cidr


def test_a_regulated_landing_needs_an_alert_destination() -> None:
    lines = problems(variant(alerts__email=[]))
    assert lines == [
        "spec.yaml: alerts.email: with compliance hipaa, security alarms and findings need at least one "
        "destination: name one or more e-mail addresses (or use foundation: existing with its alert_topic_arn)"
    ]
    assert any("alerts.email: with compliance hipaa" in line for line in problems(variant(alerts=DELETE)))
    # no regime: alerts are optional; an existing foundation's alert topic is the destination
    unregulated = variant(
        alerts__email=[],
        compliance=[],
        workloads__0__data__categories=[],
        workloads__0__data__sensitivity="internal",
    )
    assert parse_spec(unregulated).alerts.email == []
    # the AWS AI Security Framework alone (guidance, the default for rag and inference) is no regulation
    assert parse_spec({**unregulated, "compliance": ["ai-security"]}).alerts.email == []
    existing = variant(alerts__email=[], foundation="existing")
    existing["foundation_refs"] = {
        "access_log_bucket": "central-logs",
        "alert_topic_arn": "arn:aws:sns:us-east-1:111122223333:central-alerts",
    }
    assert parse_spec(existing).alerts.email == []


@pytest.mark.parametrize("regime", ["gdpr", "soc2", "pci-dss", "fedramp-moderate"])
def test_every_regime_needs_an_alert_destination(regime: str) -> None:
    lines = problems(variant(alerts__email=[], compliance=["hipaa", regime]))
    assert any(f"alerts.email: with compliance hipaa, {regime}," in line for line in lines), lines


def test_account_ids_in_the_consoles_dashed_form_are_stored_as_12_digits() -> None:
    data = variant(aws__account_id="1111-2222-3333")
    data["network"]["image_accounts"] = ["7633-0473-0483"]
    data["log_archive"] = {
        "account_id": "4444-5555-6666",
        "break_glass": ["arn:aws:iam::444455556666:role/LogArchiveBreakGlass"],
    }
    spec = parse_spec(data)
    assert spec.aws.account_id == "111122223333"
    assert spec.network.image_accounts == ["763304730483"]
    assert spec.log_archive is not None and spec.log_archive.account_id == "444455556666"
    # the normalized id is the one compared and rendered: a dashed copy of the landing's is the same account
    data["log_archive"]["account_id"] = "1111-2222-3333"
    assert any("log_archive.account_id: must be another account" in line for line in problems(data))


@pytest.mark.parametrize(
    "value",
    [
        "1111-2222-33334",
        "11112-222-3333",
        "1111-2222-333",
        "1111 2222 3333",
        "1111--2222-3333",
        "-111122223333",
    ],
)
def test_other_account_id_forms_are_refused(value: str) -> None:
    lines = problems(variant(aws__account_id=value))
    assert any(
        f"aws.account_id: {value!r} is not an AWS account id (12 digits, quoted, or the console's 1234-5678-9012)"
        in line
        for line in lines
    ), lines


# --- what mutation testing of the spec (generator/spec/) found unguarded ------------------------------------


def _rag_with_stores(stores: dict[str, Any]) -> dict[str, Any]:
    data = yaml.safe_load(BLUEPRINTS["gdpr-rag-assistant"].read_text())
    data["workloads"][0].setdefault("bedrock", {})["vector_stores"] = stores
    return data


def test_error_records_carry_file_field_and_message() -> None:
    """The records behind `--json`'s errors: {file, field, message} per problem."""
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    data["name"] = "a--b"
    with pytest.raises(SpecError) as exc:
        parse_spec(data, "spec.yaml")
    (record,) = exc.value.problems
    assert set(record) == {"file", "field", "message"}
    assert (record["file"], record["field"]) == ("spec.yaml", "name")
    assert record["message"].startswith("'a--b' is not a valid name: use lowercase letters")


def test_an_unknown_key_below_a_stage_keyed_mapping_is_named_not_a_crash() -> None:
    stores = _rag_with_stores({"dev": {"opensearch_serverless": "x", "colour": "blue"}})
    with pytest.raises(SpecError) as exc:
        parse_spec(stores, "spec.yaml")
    assert any("vector_stores.dev.colour: unknown key" in d for d in exc.value.details or []), (
        exc.value.details
    )


def test_stages_may_share_the_secret_of_their_store_credentials() -> None:
    """Each stage needs its own cluster; the credentials secret they read may be one."""
    a, r = "333344445555", "eu-central-1"
    secret = f"arn:aws:secretsmanager:{r}:{a}:secret:support-rag-kb-AbCdEf"
    spec = parse_spec(
        _rag_with_stores({
            stage: {"aurora": {"cluster_arn": f"arn:aws:rds:{r}:{a}:cluster:support-rag-{stage}", "credentials_arn": secret}}
            for stage in ("dev", "prod")
        }),
        "spec.yaml",
    )  # fmt: skip
    stores = spec.workloads[0].bedrock.vector_stores  # type: ignore[union-attr]
    assert {s.aurora.credentials_arn for s in stores.values()} == {secret}  # type: ignore[union-attr]


def test_a_yaml_syntax_error_names_its_line_column_and_problem() -> None:
    with pytest.raises(SpecError) as exc:
        load_yaml_text("name: x\nkey: value: other\n", "bad.yaml")
    assert exc.value.message == (
        "bad.yaml: not valid YAML (line 2, column 11): mapping values are not allowed here"
    ), exc.value.message
