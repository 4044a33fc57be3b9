"""Bedrock guardrails (SECURITY-BAR 33): the model allow-list and the guardrail requirement, proven
on the policies as applied offline (plan/state JSON) with generator.checks.policy_eval; the spec's
messages for models a region does not offer."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from generator.checks.policy_eval import Request, evaluate
from generator.decide.bedrock import GUARDRAIL_REGEXES, guardrail_args
from generator.errors import SpecError
from generator.spec import DataCategory, bedrock_models, load_spec, parse_spec
from tests.conftest import BLUEPRINTS
from tests.offline import all_resources

RAG = yaml.safe_load(BLUEPRINTS["gdpr-rag-assistant"].read_text())
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
EMBED = "amazon.titan-embed-text-v2:0"


def rag(**bedrock: Any) -> dict[str, Any]:
    data = copy.deepcopy(RAG)
    if bedrock:
        data["workloads"][0]["bedrock"] = bedrock
    return data


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(data, "spec.yaml")
    assert info.value.exit_code == 2
    return info.value.details or [info.value.message]


# ------------------------------------------------------------------ spec
def test_defaults_are_the_tables_models_offered_in_the_region() -> None:
    spec = load_spec(BLUEPRINTS["gdpr-rag-assistant"])
    wl = spec.workloads[0]
    assert wl.bedrock_models("eu-central-1") == (EMBED, HAIKU)
    assert wl.bedrock_guardrail  # pii data: on by default


def test_a_model_the_region_does_not_offer_is_refused_naming_the_allowed_ids() -> None:
    found = problems(rag(models=[EMBED, "meta.llama3-8b-instruct-v1:0"]))
    assert len(found) == 1
    assert (
        "workloads[0].bedrock.models[1]: 'meta.llama3-8b-instruct-v1:0' is not offered in eu-central-1"
        in found[0]
    )
    assert f"allowed: amazon.titan-embed-text-v1, {EMBED}" in found[0]
    assert bedrock_models().as_of in found[0]


@pytest.mark.parametrize("bad", ["x", 'anthropic.claude"}', "Anthropic.Claude", "a b"])
def test_model_ids_keep_to_a_safe_alphabet(bad: str) -> None:
    assert any("bedrock.models" in p and "Bedrock model id" in p for p in problems(rag(models=[bad])))


def test_bedrock_settings_need_the_bedrock_service() -> None:
    data = rag(models=[HAIKU])
    data["workloads"][0]["services"] = ["s3"]
    assert any(
        "workloads[0].bedrock: only for workloads using the bedrock service" in p for p in problems(data)
    )


def test_the_guardrail_follows_the_data_and_the_spec() -> None:
    spec = parse_spec(rag(guardrail=False), "spec.yaml")
    assert not spec.workloads[0].bedrock_guardrail
    assert guardrail_args(spec.workloads[0]) is None
    data = rag()
    data["workloads"][0]["data"] = {"sensitivity": "internal", "categories": []}
    assert guardrail_args(parse_spec(data, "spec.yaml").workloads[0]) is None
    spec = load_spec(BLUEPRINTS["gdpr-rag-assistant"])
    args = guardrail_args(spec.workloads[0])
    assert args is not None and args["prompt_attack"] and args["grounding"]
    assert args["pii_entities"]["US_SOCIAL_SECURITY_NUMBER"] == "BLOCK"


def test_the_record_number_pattern() -> None:
    # Bedrock guardrail regexes are standard regular expressions; this one uses only syntax Python's
    # re reads the same way (\b, classes, bounded repetition).
    pattern = re.compile(GUARDRAIL_REGEXES[DataCategory.PHI]["medical-record-number"])
    for text in ("patient MRN-0012345 admitted", "MRN:123456", "MRN 9876543210"):
        assert pattern.search(text), text
    for text in ("MRN-12345", "MRN12345678901", "XMRN-1234567", "order 1234567"):
        assert not pattern.search(text), text


# ------------------------------------------------------------------ applied policies
@pytest.fixture(scope="module")
def landing(applied: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The RAG blueprint as the session applied it offline; its roles by name."""
    resources = all_resources(applied["gdpr-rag-assistant"]["state"]["values"]["root_module"])
    values = [(x["type"], x["values"]) for x in resources]
    boundaries = {v["arn"]: v["policy"] for t, v in values if t == "aws_iam_policy"}
    inline: dict[str, list[str]] = {}
    for t, v in values:
        if t == "aws_iam_role_policy":
            inline.setdefault(v["role"], []).append(v["policy"])
    roles = {
        v["name"]: {
            "arn": v["arn"],
            "policies": inline.get(v["name"], []),
            "boundary": boundaries.get(v["permissions_boundary"]),
        }
        for t, v in values
        if t == "aws_iam_role"
    }
    guardrails = {v["name"]: v for t, v in values if t == "aws_bedrock_guardrail"}
    logging = [v for t, v in values if t == "aws_bedrock_model_invocation_logging_configuration"]
    log_groups = {v["name"]: v for t, v in values if t == "aws_cloudwatch_log_group"}
    trusts = {v["name"]: v["assume_role_policy"] for t, v in values if t == "aws_iam_role"}
    keys = {v["arn"]: v for t, v in values if t == "aws_kms_key"}
    return {
        "roles": roles,
        "guardrails": guardrails,
        "logging": logging,
        "log_groups": log_groups,
        "trusts": trusts,
        "keys": keys,
    }


def _invoke(
    landing: dict[str, Any], role: str, model: str, guardrail: str | None, stream: bool = False
) -> str:
    r = landing["roles"][role]
    context = {"bedrock:GuardrailIdentifier": guardrail} if guardrail is not None else {}
    action = "bedrock:InvokeModelWithResponseStream" if stream else "bedrock:InvokeModel"
    request = Request(r["arn"], action, f"arn:aws:bedrock:eu-central-1::foundation-model/{model}", context)
    return evaluate(request, identity_policies=r["policies"], boundary=r["boundary"]).outcome


@pytest.mark.terraform
def test_each_stage_has_its_guardrail_with_the_filters(landing: dict[str, Any]) -> None:
    assert sorted(landing["guardrails"]) == [
        "support-rag-assistant-dev-guardrail",
        "support-rag-assistant-prod-guardrail",
    ]
    g = landing["guardrails"]["support-rag-assistant-prod-guardrail"]
    assert [f["type"] for f in g["content_policy_config"][0]["filters_config"]] == ["PROMPT_ATTACK"]
    assert {f["type"] for f in g["contextual_grounding_policy_config"][0]["filters_config"]} == {
        "GROUNDING",
        "RELEVANCE",
    }
    entities = {
        e["type"]: e["action"] for e in g["sensitive_information_policy_config"][0]["pii_entities_config"]
    }
    assert entities["EMAIL"] == "ANONYMIZE" and entities["US_SOCIAL_SECURITY_NUMBER"] == "BLOCK"


@pytest.mark.terraform
@pytest.mark.parametrize(
    "stream", [False, True], ids=["InvokeModel/Converse", "InvokeModelWithResponseStream/ConverseStream"]
)
def test_invocations_need_a_listed_model_and_the_stages_guardrail(
    landing: dict[str, Any], stream: bool
) -> None:
    role = "support-rag-assistant-prod-serving"
    own = landing["guardrails"]["support-rag-assistant-prod-guardrail"]["guardrail_arn"]
    other = landing["guardrails"]["support-rag-assistant-dev-guardrail"]["guardrail_arn"]
    # Converse and ConverseStream are authorised as InvokeModel and InvokeModelWithResponseStream.
    assert _invoke(landing, role, HAIKU, f"{own}:1", stream) == "allow"
    assert _invoke(landing, role, HAIKU, f"{own}:DRAFT", stream) == "allow"
    assert (
        _invoke(landing, role, "anthropic.claude-3-sonnet-20240229-v1:0", f"{own}:1", stream)
        == "implicit-deny"
    )
    assert _invoke(landing, role, HAIKU, None, stream) == "explicit-deny"
    assert _invoke(landing, role, HAIKU, f"{other}:1", stream) == "explicit-deny"  # another stage's guardrail
    # Embedding models take no guardrail: allowed, listed ones only.
    assert _invoke(landing, role, EMBED, None, stream) == "allow"
    assert _invoke(landing, role, "cohere.embed-multilingual-v3", None, stream) == "implicit-deny"


@pytest.mark.terraform
def test_knowledge_base_ingestion_embeds_with_the_listed_models_only(landing: dict[str, Any]) -> None:
    role = "support-rag-assistant-prod-pipeline"
    assert _invoke(landing, role, EMBED, None) == "allow"
    assert _invoke(landing, role, "amazon.titan-embed-text-v1", None) == "implicit-deny"
    assert _invoke(landing, role, HAIKU, None) == "explicit-deny"


@pytest.mark.terraform
def test_people_cannot_invoke_models(landing: dict[str, Any]) -> None:
    own = landing["guardrails"]["support-rag-assistant-dev-guardrail"]["guardrail_arn"]
    assert _invoke(landing, "support-rag-assistant-dev-ds", HAIKU, f"{own}:1") != "allow"


@pytest.mark.terraform
def test_every_invocation_is_logged_encrypted_and_kept(landing: dict[str, Any]) -> None:
    (config,) = landing["logging"]
    logging = config["logging_config"][0]
    assert logging["text_data_delivery_enabled"] and logging["embedding_data_delivery_enabled"]
    cw = logging["cloudwatch_config"][0]
    group = landing["log_groups"][cw["log_group_name"]]
    assert cw["log_group_name"] == "/aws/bedrock/support-rag/model-invocations"
    assert group["retention_in_days"] >= 365
    key = landing["keys"][group["kms_key_id"]]
    assert key["tags"]["Name"] == "alias/aisec/support-rag/service-logs"
    # CloudWatch Logs may use the key for this group (the logs service, this account's group ARN).
    use = Request(
        "logs.eu-central-1.amazonaws.com",
        "kms:GenerateDataKey",
        key["arn"],
        {
            "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-central-1:333344445555:log-group:"
            "/aws/bedrock/support-rag/model-invocations",
        },
    )
    assert evaluate(use, resource_policy=key["policy"], resource_must_allow=True).allowed
    # Only Bedrock, for this account's invocations, may assume the delivery role.
    trust = landing["trusts"]["support-rag-bedrock-to-logs"]
    role = landing["roles"]["support-rag-bedrock-to-logs"]["arn"]
    ours = {
        "aws:SourceAccount": "333344445555",
        "aws:SourceArn": "arn:aws:bedrock:eu-central-1:333344445555:*",
    }
    theirs = {
        "aws:SourceAccount": "999988887777",
        "aws:SourceArn": "arn:aws:bedrock:eu-central-1:999988887777:*",
    }
    assume = "sts:AssumeRole"
    assert evaluate(
        Request("bedrock.amazonaws.com", assume, role, ours), resource_policy=trust, resource_must_allow=True
    ).allowed
    assert not evaluate(
        Request("bedrock.amazonaws.com", assume, role, theirs),
        resource_policy=trust,
        resource_must_allow=True,
    ).allowed
