"""Bedrock settings of a workload stage for the iam module: the model allow-list and the guardrail
(SECURITY-BAR 33). The filters follow the data's categories; the entity names are Bedrock's
guardrail PII types (CreateGuardrail, GuardrailPiiEntityConfig)."""

from __future__ import annotations

from typing import Any

from generator.spec import DataCategory, Service, Spec, Workload, WorkloadType

# Entity type -> action. Identifiers that locate a person are masked (ANONYMIZE) so answers stay
# usable; numbers that are secrets in themselves are blocked.
GUARDRAIL_ENTITIES: dict[DataCategory, dict[str, str]] = {
    DataCategory.PII: {
        "NAME": "ANONYMIZE", "EMAIL": "ANONYMIZE", "PHONE": "ANONYMIZE", "ADDRESS": "ANONYMIZE",
        "US_SOCIAL_SECURITY_NUMBER": "BLOCK", "US_PASSPORT_NUMBER": "BLOCK", "DRIVER_ID": "BLOCK",
        "UK_NATIONAL_INSURANCE_NUMBER": "BLOCK", "CA_SOCIAL_INSURANCE_NUMBER": "BLOCK",
    },
    DataCategory.PHI: {
        "NAME": "ANONYMIZE", "ADDRESS": "ANONYMIZE", "AGE": "ANONYMIZE", "EMAIL": "ANONYMIZE",
        "PHONE": "ANONYMIZE", "US_SOCIAL_SECURITY_NUMBER": "BLOCK", "CA_HEALTH_NUMBER": "BLOCK",
        "UK_NATIONAL_HEALTH_SERVICE_NUMBER": "BLOCK",
    },
    DataCategory.CARDHOLDER: {
        "CREDIT_DEBIT_CARD_NUMBER": "BLOCK", "CREDIT_DEBIT_CARD_CVV": "BLOCK", "CREDIT_DEBIT_CARD_EXPIRY": "BLOCK",
    },
    DataCategory.FINANCIAL: {
        "US_BANK_ACCOUNT_NUMBER": "BLOCK", "US_BANK_ROUTING_NUMBER": "BLOCK",
        "INTERNATIONAL_BANK_ACCOUNT_NUMBER": "BLOCK", "SWIFT_CODE": "ANONYMIZE",
    },
    DataCategory.CREDENTIALS: {"AWS_ACCESS_KEY": "BLOCK", "AWS_SECRET_KEY": "BLOCK", "PASSWORD": "BLOCK"},
}  # fmt: skip

# Patterns Bedrock has no entity for: a hospital's medical record number (MRN followed by 6-10 digits).
GUARDRAIL_REGEXES: dict[DataCategory, dict[str, str]] = {
    DataCategory.PHI: {"medical-record-number": r"\bMRN[-: ]?[0-9]{6,10}\b"},
}


def guardrail_args(wl: Workload) -> dict[str, Any] | None:
    """The iam module's bedrock_guardrail, or None when the workload has none."""
    if Service.BEDROCK not in wl.effective_services or not wl.bedrock_guardrail:
        return None
    entities: dict[str, str] = {}
    regexes: dict[str, str] = {}
    for category in wl.data.categories:
        for name, action in GUARDRAIL_ENTITIES[category].items():
            if entities.get(name) != "BLOCK":  # the stricter action wins
                entities[name] = action
        regexes.update(GUARDRAIL_REGEXES.get(category, {}))
    return {
        "pii_entities": dict(sorted(entities.items())),
        **({"regexes": regexes} if regexes else {}),
        "prompt_attack": True,
        "grounding": wl.type is WorkloadType.RAG,
    }


def bedrock_iam_args(spec: Spec, wl: Workload) -> dict[str, Any]:
    """Extra arguments of a stage's iam module call for a Bedrock workload; empty otherwise."""
    if Service.BEDROCK not in wl.effective_services:
        return {}
    guardrail = guardrail_args(wl)
    return {
        "bedrock_model_ids": list(wl.bedrock_models(spec.aws.region)),
        **({"bedrock_guardrail": guardrail} if guardrail is not None else {}),
    }
