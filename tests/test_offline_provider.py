"""The stand-in's provider behaviour, called directly (Terraform's side is tested with the binary)."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest
from tf.gen import tfplugin_pb2 as pb

from generator.offline.provider import StandIn
from generator.offline.schema import load
from generator.offline.values import UNKNOWN, conform, decode, encode


@pytest.fixture(scope="module")
def provider() -> StandIn:
    p = StandIn(load())
    p.ConfigureProvider(
        pb.ConfigureProvider.Request(
            config=dv(
                {
                    "region": "eu-west-1",
                    "allowed_account_ids": ["777788889999"],
                    "default_tags": [{"tags": {"team": "ml"}}],
                }
            )
        ),
        None,
    )
    return p


def dv(value: Any) -> pb.DynamicValue:
    return pb.DynamicValue(msgpack=encode(value))


def full(type_name: str, values: dict[str, Any]) -> dict[str, Any]:
    return conform(values, load().resource_block(type_name))  # type: ignore[no-any-return]


def plan(
    provider: StandIn, type_name: str, config: dict[str, Any], prior: dict[str, Any] | None = None
) -> pb.PlanResourceChange.Response:
    cfg = full(type_name, config)
    proposed = dict(cfg)
    if prior is not None:
        for k, v in prior.items():
            if cfg.get(k) is None:
                proposed[k] = v
    return provider.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name=type_name, prior_state=dv(prior), proposed_new_state=dv(proposed), config=dv(cfg)
        ),
        None,
    )


def apply(
    provider: StandIn, type_name: str, planned: pb.DynamicValue, config: dict[str, Any]
) -> dict[str, Any]:
    resp = provider.ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name=type_name,
            prior_state=dv(None),
            planned_state=planned,
            config=dv(full(type_name, config)),
        ),
        None,
    )
    return decode(resp.new_state.msgpack)  # type: ignore[no-any-return]


def test_create_plan_marks_computed_unknown_and_applies_defaults(provider: StandIn) -> None:
    resp = plan(provider, "aws_kms_key", {"description": "k", "enable_key_rotation": True})
    planned = decode(resp.planned_state.msgpack)
    assert planned["arn"] is UNKNOWN and planned["key_id"] is UNKNOWN
    assert planned["key_usage"] == "ENCRYPT_DECRYPT" and planned["is_enabled"] is True
    assert planned["enable_key_rotation"] is True and planned["region"] == "eu-west-1"
    assert planned["tags_all"] == {"team": "ml"}
    assert resp.legacy_type_system


def test_apply_gives_realistic_ids(provider: StandIn) -> None:
    key_cfg = {"description": "k"}
    key = apply(provider, "aws_kms_key", plan(provider, "aws_kms_key", key_cfg).planned_state, key_cfg)
    assert (
        key["arn"] == f"arn:aws:kms:eu-west-1:777788889999:key/{key['key_id']}" and key["id"] == key["key_id"]
    )
    alias_cfg = {"name": "alias/x", "target_key_id": key["key_id"]}
    alias = apply(
        provider, "aws_kms_alias", plan(provider, "aws_kms_alias", alias_cfg).planned_state, alias_cfg
    )
    assert (
        alias["target_key_arn"] == key["arn"] and alias["arn"] == "arn:aws:kms:eu-west-1:777788889999:alias/x"
    )
    role_cfg = {"name": "r", "path": "/aisec/", "assume_role_policy": "{}"}
    role = apply(provider, "aws_iam_role", plan(provider, "aws_iam_role", role_cfg).planned_state, role_cfg)
    assert role["arn"] == "arn:aws:iam::777788889999:role/aisec/r"  # IAM ARNs have no region
    bucket_cfg = {"bucket": "b"}
    bucket = apply(
        provider, "aws_s3_bucket", plan(provider, "aws_s3_bucket", bucket_cfg).planned_state, bucket_cfg
    )
    assert bucket["arn"] == "arn:aws:s3:::b" and bucket["id"] == "b"
    generic_cfg = {"name": "q"}
    queue = apply(
        provider, "aws_sqs_queue", plan(provider, "aws_sqs_queue", generic_cfg).planned_state, generic_cfg
    )
    assert queue["arn"].startswith("arn:aws:sqs:eu-west-1:777788889999:") and queue["id"]


def test_force_new_requires_replacement(provider: StandIn) -> None:
    prior = full(
        "aws_s3_bucket", {"bucket": "old", "id": "old", "arn": "arn:aws:s3:::old", "force_destroy": False}
    )
    resp = plan(provider, "aws_s3_bucket", {"bucket": "new"}, prior)
    assert [s.attribute_name for p in resp.requires_replace for s in p.steps] == ["bucket"]
    assert decode(resp.planned_state.msgpack)["arn"] is UNKNOWN
    same = plan(provider, "aws_s3_bucket", {"bucket": "old"}, prior)
    assert not same.requires_replace
    assert decode(same.planned_state.msgpack)["arn"] == "arn:aws:s3:::old"


def test_computed_only_attributes_cannot_be_set(provider: StandIn) -> None:
    cfg = full("aws_sns_topic", {"name": "t", "arn": "arn:aws:sns:eu-west-1:1:t"})
    resp = provider.ValidateResourceConfig(
        pb.ValidateResourceConfig.Request(type_name="aws_sns_topic", config=dv(cfg)), None
    )
    assert [d.summary for d in resp.diagnostics] == ["Computed attribute cannot be set"]
    assert resp.diagnostics[0].attribute.steps[0].attribute_name == "arn"


def read(provider: StandIn, type_name: str, config: dict[str, Any]) -> dict[str, Any]:
    block = load().data_source_block(type_name)
    resp = provider.ReadDataSource(
        pb.ReadDataSource.Request(type_name=type_name, config=dv(conform(config, block))), None
    )
    assert not resp.diagnostics, resp.diagnostics
    return decode(resp.state.msgpack)  # type: ignore[no-any-return]


def test_data_sources(provider: StandIn) -> None:
    assert read(provider, "aws_caller_identity", {})["account_id"] == "777788889999"
    assert read(provider, "aws_region", {})["region"] == "eu-west-1"
    assert read(provider, "aws_partition", {})["dns_suffix"] == "amazonaws.com"
    assert read(provider, "aws_availability_zones", {})["names"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    doc = read(
        provider,
        "aws_iam_policy_document",
        {"statement": [{"actions": ["s3:GetObject"], "resources": ["*"]}]},
    )
    assert '"Action": "s3:GetObject"' in doc["json"] and doc["minified_json"].startswith('{"Version"')


def test_invalid_policy_document_is_a_diagnostic(provider: StandIn) -> None:
    block = load().data_source_block("aws_iam_policy_document")
    cfg = conform(
        {"statement": [{"sid": "A", "actions": ["s3:*"]}, {"sid": "A", "actions": ["s3:*"]}]}, block
    )
    resp = provider.ReadDataSource(
        pb.ReadDataSource.Request(type_name="aws_iam_policy_document", config=dv(cfg)), None
    )
    assert resp.diagnostics[0].summary == "Invalid policy document"


def test_state_with_dynamic_typed_values_upgrades() -> None:
    """An attribute the bindings give no type is served `dynamic` (a QuickSight analysis's
    `definition` was, before its blocks were derived from the provider's source; the schema here
    puts it back so), so its value has no fixed type: Terraform's state JSON wraps it as
    {"value", "type"} and msgpack as [type, value]. Refreshing such a state once crashed the
    stand-in ('str' has no 'get'; first seen on an Access Analyzer block, which the extraction now
    types)."""
    served = load()
    analysis = copy.deepcopy(served.resources["aws_quicksight_analysis"])
    del analysis["block"]["block_types"]["definition"]
    analysis["block"]["attributes"]["definition"] = {"type": "dynamic", "optional": True}
    provider = StandIn(
        dataclasses.replace(served, resources={**served.resources, "aws_quicksight_analysis": analysis})
    )
    provider.ConfigureProvider(pb.ConfigureProvider.Request(config=dv({"region": "eu-west-1"})), None)
    definition = {
        "data_set_identifiers_declarations": [
            {"data_set_arn": "arn:aws:quicksight:eu-west-1:777788889999:dataset/d", "identifier": "sales"}
        ]
    }
    ty = [
        "object",
        {
            "data_set_identifiers_declarations": [
                "list",
                ["object", {"data_set_arn": "string", "identifier": "string"}],
            ]
        },
    ]
    raw = {"analysis_id": "a-1", "name": "sales", "id": "777788889999,a-1",
           "definition": {"value": definition, "type": ty}}  # fmt: skip
    response = provider.UpgradeResourceState(
        pb.UpgradeResourceState.Request(
            type_name="aws_quicksight_analysis",
            version=0,
            raw_state=pb.RawState(json=json.dumps(raw).encode()),
        ),
        None,
    )
    assert not response.diagnostics
    state = decode(response.upgraded_state.msgpack)
    # msgpack carries the dynamic value as [type JSON, value], as Terraform's cty expects.
    type_json, value = state["definition"]
    assert json.loads(type_json) == ty
    assert value["data_set_identifiers_declarations"][0]["identifier"] == "sales"
    assert state["name"] == "sales"
    # Planning from that state leaves the value as it was: no change, no crash.
    prior = dict(state)
    cfg = conform({**raw, "definition": state["definition"]}, analysis["block"])
    response = provider.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name="aws_quicksight_analysis",
            prior_state=dv(prior),
            proposed_new_state=dv(cfg),
            config=dv(cfg),
        ),
        None,
    )
    planned = decode(response.planned_state.msgpack)
    assert planned["definition"] == state["definition"]


def test_checked_prerequisites_exist_in_the_rehearsal(provider: StandIn) -> None:
    """A landing checks GuardDuty at plan time (detective.guardduty: check): the rehearsal's
    account has an enabled detector with S3 protection, so the postcondition holds offline."""
    response = provider.ReadDataSource(
        pb.ReadDataSource.Request(type_name="aws_guardduty_detector", config=dv({})), None
    )
    assert not response.diagnostics
    state = decode(response.state.msgpack)
    assert state["status"] == "ENABLED"
    assert {"name": "S3_DATA_EVENTS", "status": "ENABLED", "additional_configuration": []} in state[
        "features"
    ]
