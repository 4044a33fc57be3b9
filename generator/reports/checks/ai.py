"""Prowler's SageMaker, Bedrock and ECR checks on what the landing's workloads create."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from generator.reports.checks.audit import _trails
from generator.reports.checks.base import (
    _PLACEHOLDER,
    _REGISTRY,
    Landing,
    Resource,
    Verdict,
    _bind,
    _check,
    _judge,
)
from generator.reports.checks.s3 import _buckets, _name, _sse

# --------------------------------------------------------------------------- SageMaker
_NO_NOTEBOOK = "the landing creates no SageMaker notebook instance"


def _notebook_check(check: str, land: Landing, test: Callable[[Resource], tuple[bool, str]]) -> Verdict:
    return _judge(check, [test(n) for n in land.of("aws_sagemaker_notebook_instance")], "ML-4", _NO_NOTEBOOK)


@_check("sagemaker_notebook_instance_encryption_enabled")
def _nb_kms(land: Landing) -> Verdict:
    return _notebook_check(
        "sagemaker_notebook_instance_encryption_enabled",
        land,
        lambda n: (bool(n.get("kms_key_id")), n.ev("kms_key_id")),
    )


@_check("sagemaker_notebook_instance_root_access_disabled")
def _nb_root(land: Landing) -> Verdict:
    return _notebook_check("sagemaker_notebook_instance_root_access_disabled", land,
                           lambda n: (n.get("root_access") == "Disabled", n.ev("root_access")))  # fmt: skip


@_check("sagemaker_notebook_instance_vpc_settings_configured")
def _nb_vpc(land: Landing) -> Verdict:
    return _notebook_check("sagemaker_notebook_instance_vpc_settings_configured", land,
                           lambda n: (bool(n.get("subnet_id")), n.ev("subnet_id")))  # fmt: skip


@_check("sagemaker_notebook_instance_without_direct_internet_access_configured")
def _nb_internet(land: Landing) -> Verdict:
    return _notebook_check("sagemaker_notebook_instance_without_direct_internet_access_configured", land,
                           lambda n: (n.get("direct_internet_access") == "Disabled", n.ev("direct_internet_access")))  # fmt: skip


_RUNTIME_SAGEMAKER = {
    "sagemaker_training_jobs_vpc_settings_configured": "in the spec's subnets",
    "sagemaker_training_jobs_network_isolation_enabled": "with network isolation",
    "sagemaker_training_jobs_intercontainer_encryption_enabled": "with inter-container traffic encryption",
    "sagemaker_training_jobs_volume_and_output_encryption_enabled": "with the stage's volume and output keys (ML-3)",
    "sagemaker_models_network_isolation_enabled": "with network isolation",
    "sagemaker_models_vpc_settings_configured": "in the spec's subnets",
}


def _sagemaker_runtime(land: Landing, check: str) -> Verdict:
    kind = "training jobs" if "training" in check else "models"
    return Verdict(
        check,
        "depends",
        (),
        f"the {kind} created at run time, not by the landing: the landing's launcher roles can create them only "
        f"{_RUNTIME_SAGEMAKER[check]} (ML-1 Denies); {kind} created by other principals of the account are outside it",
    )


for _name_ in _RUNTIME_SAGEMAKER:
    _REGISTRY[_name_] = _bind(_sagemaker_runtime, _name_)


@_check("sagemaker_models_registry_in_use")
def _sm_registry(land: Landing) -> Verdict:
    groups = land.of("aws_sagemaker_model_package_group")
    return Verdict("sagemaker_models_registry_in_use", "depends", tuple(g.address for g in groups),
                   "an Approved model package registered at run time by the team's pipeline")  # fmt: skip


@_check("sagemaker_domain_sso_configured")
def _sm_domain(land: Landing) -> Verdict:
    items = [(d.get("auth_mode") == "SSO", d.ev("auth_mode")) for d in land.of("aws_sagemaker_domain")]
    return _judge(
        "sagemaker_domain_sso_configured", items, "IAM-3", "the landing creates no SageMaker domain"
    )


# --------------------------------------------------------------------------- Bedrock
def _invocation_logging(land: Landing) -> list[Resource]:
    return land.of("aws_bedrock_model_invocation_logging_configuration")


def _logging_config(r: Resource) -> dict[str, Any]:
    return next(iter(r.get("logging_config") or []), {}) or {}


@_check("bedrock_model_invocation_logging_enabled")
def _br_logging(land: Landing) -> Verdict:
    found = _invocation_logging(land)
    if not found and not _trails(land):
        return Verdict("bedrock_model_invocation_logging_enabled", "depends", (),
                       "the existing foundation's Bedrock invocation logging (an account setting per region)")  # fmt: skip
    if not found:
        return Verdict("bedrock_model_invocation_logging_enabled", "fail", ("no aws_bedrock_model_invocation_logging_configuration",),
                       "AI-3 (on for workloads that use Bedrock)")  # fmt: skip

    def item(r: Resource) -> tuple[bool, str]:
        conf = _logging_config(r)
        dest = [k for k in ("cloudwatch_config", "s3_config") if conf.get(k)]
        return bool(dest), f"{r.address}: logging_config destinations = {json.dumps(dest)}"

    return _judge("bedrock_model_invocation_logging_enabled", map(item, found), "AI-3", "")


@_check("bedrock_model_invocation_logging_text_data_enabled")
def _br_text(land: Landing) -> Verdict:
    items = [(_logging_config(r).get("text_data_delivery_enabled") is True,
              f"{r.address}: text_data_delivery_enabled = {json.dumps(_logging_config(r).get('text_data_delivery_enabled'))}")
             for r in _invocation_logging(land)]  # fmt: skip
    return _judge("bedrock_model_invocation_logging_text_data_enabled", items, "AI-3",
                  "no Bedrock invocation logging in the landing: Prowler skips regions without it")  # fmt: skip


@_check("bedrock_model_invocation_logs_encryption_enabled")
def _br_logs_kms(land: Landing) -> Verdict:
    groups = {g.get("name"): g for g in land.of("aws_cloudwatch_log_group")}
    items = []
    for r in _invocation_logging(land):
        for cw in _logging_config(r).get("cloudwatch_config") or []:
            g = groups.get(cw.get("log_group_name"))
            items.append(
                (
                    bool(g and g.get("kms_key_id")),
                    g.ev("kms_key_id")
                    if g
                    else f"{r.address}: log group {cw.get('log_group_name')} outside the landing",
                )
            )
        for s3 in _logging_config(r).get("s3_config") or []:
            b = next((b for b in _buckets(land) if _name(b) == s3.get("bucket_name")), None)
            algorithm = _sse(land, b)[0] if b else None
            items.append(
                (
                    bool(algorithm),
                    f"{r.address}: bucket {s3.get('bucket_name')} sse_algorithm = {json.dumps(algorithm)}",
                )
            )
    return _judge("bedrock_model_invocation_logs_encryption_enabled", items, "AI-3",
                  "no Bedrock invocation logging in the landing: Prowler skips regions without it")  # fmt: skip


def _guardrails(land: Landing) -> list[Resource]:
    return land.of("aws_bedrock_guardrail")


_NO_GUARDRAIL = "the landing creates no Bedrock guardrail"


@_check("bedrock_guardrails_configured")
def _br_guardrails(land: Landing) -> Verdict:
    found = _guardrails(land)
    if found:
        return Verdict("bedrock_guardrails_configured", "pass", tuple(g.ev("name") for g in found))
    if _invocation_logging(land):
        return Verdict(
            "bedrock_guardrails_configured",
            "fail",
            ("no aws_bedrock_guardrail",),
            "AI-2: `bedrock: {guardrail: true}` on the workload (on by default only for sensitive data categories)",
        )
    return Verdict("bedrock_guardrails_configured", "not evaluated", (), "no Bedrock use in the landing")


@_check("bedrock_guardrail_prompt_attack_filter_enabled")
def _br_prompt_attack(land: Landing) -> Verdict:
    def item(g: Resource) -> tuple[bool, str]:
        strengths = [f.get("input_strength") for c in (g.get("content_policy_config") or [])
                     for f in (c.get("filters_config") or []) if f.get("type") == "PROMPT_ATTACK"]  # fmt: skip
        return "HIGH" in strengths, f"{g.address}: PROMPT_ATTACK input_strength = {json.dumps(strengths)}"

    return _judge(
        "bedrock_guardrail_prompt_attack_filter_enabled", map(item, _guardrails(land)), "AI-2", _NO_GUARDRAIL
    )


def _pii_entries(g: Resource) -> list[dict[str, Any]]:
    out = []
    for c in g.get("sensitive_information_policy_config") or []:
        out += list(c.get("pii_entities_config") or []) + list(c.get("regexes_config") or [])
    return out


@_check("bedrock_guardrail_sensitive_information_filter_enabled")
def _br_pii(land: Landing) -> Verdict:
    items = [
        (bool(_pii_entries(g)), f"{g.address}: {len(_pii_entries(g))} sensitive-information entries")
        for g in _guardrails(land)
    ]
    return _judge("bedrock_guardrail_sensitive_information_filter_enabled", items, "AI-2", _NO_GUARDRAIL)


def _known(value: Any) -> Any:
    """None for what the offline provider made up for an attribute the configuration left unset."""
    return None if isinstance(value, str) and _PLACEHOLDER.match(value) else value


def _enforced_on_output(entry: dict[str, Any]) -> bool:
    """Prowler: the output action (else `action`) must be BLOCK or ANONYMIZE and the output path not
    switched off. When the configuration sets neither output attribute, AWS applies `action` on the
    output path (outputEnabled defaults to true); the stand-in then holds a placeholder action and a
    made-up false, which are not what AWS would return."""
    output_action = _known(entry.get("output_action"))
    if output_action is None:
        return entry.get("action") in ("BLOCK", "ANONYMIZE")
    return entry.get("output_enabled") is not False and output_action in ("BLOCK", "ANONYMIZE")


@_check("bedrock_guardrail_sensitive_information_filter_enforced")
def _br_pii_enforced(land: Landing) -> Verdict:
    items = []
    for g in _guardrails(land):
        entries = _pii_entries(g)
        if not entries:
            continue
        weak = sorted(str(e.get("type") or e.get("name")) for e in entries if not _enforced_on_output(e))
        items.append((not weak, f"{g.address}: entries not blocked or masked on output = {json.dumps(weak)}"))
    return _judge(
        "bedrock_guardrail_sensitive_information_filter_enforced",
        items,
        "AI-2",
        "no guardrail with sensitive-information entries",
    )


@_check("bedrock_guardrail_contextual_grounding_filter_enabled")
def _br_grounding(land: Landing) -> Verdict:
    def item(g: Resource) -> tuple[bool, str]:
        kinds = sorted({f.get("type") for c in (g.get("contextual_grounding_policy_config") or [])
                        for f in (c.get("filters_config") or [])})  # fmt: skip
        return {"GROUNDING", "RELEVANCE"} <= set(
            kinds
        ), f"{g.address}: contextual grounding filters = {json.dumps(kinds)}"

    return _judge("bedrock_guardrail_contextual_grounding_filter_enabled", map(item, _guardrails(land)),
                  "AI-2 adds contextual grounding for RAG workloads only", _NO_GUARDRAIL)  # fmt: skip


@_check("bedrock_agent_guardrail_enabled")
def _br_agents(land: Landing) -> Verdict:
    items = [
        (bool(a.get("guardrail_configuration")), a.ev("guardrail_configuration"))
        for a in land.of("aws_bedrockagent_agent")
    ]
    return _judge("bedrock_agent_guardrail_enabled", items, "AI-2", "the landing creates no Bedrock agent")


@_check("bedrock_knowledge_base_encrypted_with_cmk")
def _br_kb(land: Landing) -> Verdict:
    items = []
    for ds in land.of("aws_bedrockagent_data_source"):
        sse: dict[str, Any] = next(iter(ds.get("server_side_encryption_configuration") or []), {}) or {}
        items.append(
            (
                bool(sse.get("kms_key_arn")),
                f"{ds.address}: kms_key_arn = {json.dumps(sse.get('kms_key_arn'))}",
            )
        )
    return _judge("bedrock_knowledge_base_encrypted_with_cmk", items, "AI-4",
                  "the landing creates no knowledge-base data source (the team's pipeline does)")  # fmt: skip


# --------------------------------------------------------------------------- ECR
_NO_REPO = "the landing creates no ECR repository"


@_check("ecr_repositories_scan_images_on_push_enabled")
def _ecr_scan(land: Landing) -> Verdict:
    items = [(any(c.get("scan_on_push") is True for c in (r.get("image_scanning_configuration") or [])),
              f"{r.address}: image_scanning_configuration = {json.dumps(r.get('image_scanning_configuration'))}")
             for r in land.of("aws_ecr_repository")]  # fmt: skip
    return _judge("ecr_repositories_scan_images_on_push_enabled", items, "ML-6", _NO_REPO)


@_check("ecr_repositories_lifecycle_policy_enabled")
def _ecr_lifecycle(land: Landing) -> Verdict:
    policies = {p.get("repository") for p in land.of("aws_ecr_lifecycle_policy")}
    items = [(r.get("name") in policies, f"{r.address}: lifecycle policy {'set' if r.get('name') in policies else 'missing'}")
             for r in land.of("aws_ecr_repository")]  # fmt: skip
    return _judge("ecr_repositories_lifecycle_policy_enabled", items, "ML-6", _NO_REPO)


@_check("ecr_registry_enhanced_scanning_enabled")
def _ecr_enhanced(land: Landing) -> Verdict:
    if not land.of("aws_ecr_repository"):
        return Verdict("ecr_registry_enhanced_scanning_enabled", "not evaluated", (), _NO_REPO)
    conf = land.of("aws_ecr_registry_scanning_configuration")
    if conf and conf[0].get("scan_type") == "ENHANCED":
        return Verdict("ecr_registry_enhanced_scanning_enabled", "pass", (conf[0].ev("scan_type"),))
    return Verdict("ecr_registry_enhanced_scanning_enabled", "depends", tuple(c.ev("scan_type") for c in conf),
                   "the account's ECR registry scanning configuration (Amazon Inspector enhanced scanning), an "
                   "account-wide setting; ML-6 scans each repository's images on push (basic scanning)")  # fmt: skip
