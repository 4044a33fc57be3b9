"""Every security decision aisec makes, from a spec to :class:`Controls`.

A reviewer reads the package in order: first the tables (:mod:`.requirements`: what we decide and
why, with the compliance requirements each control serves; :mod:`.tables`: the parameters), then
what a decision produces (:mod:`.plans`), then the pure functions that apply them to a spec
(:mod:`.foundation`, :mod:`.stages`, and :func:`decide` here). Templates read the result and decide
nothing themselves. This module is the one import for all of it.
"""

from __future__ import annotations

from generator.decide.foundation import (
    _access,
    _foundation,
    _root_access,
    _strictest,
    access_log_prefix,
    bedrock_invocation_log_group,
    log_group_key,
)
from generator.decide.plans import (
    BUCKET_DOMAINS,
    KEY_DOMAINS,
    MACIE_ROLE,
    PROD_HUMAN_READS,
    PROMOTED_PREFIX,
    ROLE_PATH,
    ROOT_USER,
    SESSION_TAG_KEYS,
    SSO_ROLE_PATTERNS,
    SSO_SUFFIX,
    VIA_SERVICE,
    AccessPlan,
    ArchivePlan,
    BucketPlan,
    Condition,
    Controls,
    Decision,
    DetectivePlan,
    FoundationPlan,
    ImagesPlan,
    KeyPlan,
    MacieIdentifierPlan,
    MacieJobPlan,
    Perimeter,
    RolePlan,
    ServiceUse,
    StagePlan,
    WorkloadPlan,
    _shared_log_groups,
    ident,
)
from generator.decide.requirements import (
    CONTROLS,
    CONTROLS_BY_ID,
    FAMILIES,
    FAMILY_NAMES,
    LAYERS,
    REQUIREMENTS,
    Control,
    Requirement,
)
from generator.decide.stages import _detective, _stage, macie_identifier_plans
from generator.decide.tables import (
    ALWAYS_ENDPOINTS,
    CONFORMANCE_BASE,
    CONFORMANCE_EXTRA,
    DELETION_WINDOW_DAYS,
    DETECTIVE,
    DETECTIVE_PREREQUISITES,
    ENDPOINTS,
    MACIE_SCHEDULE,
    MONITORING,
    NOTEBOOK_PLATFORM,
    OBJECT_LOCK_MODE,
    PERSONAS,
    PERSONAS_BY_TYPE,
    RAG_CORPUS_DOMAINS,
    RAG_CORPUS_SCHEDULE,
    RETENTION_DAYS,
    ROTATION_DAYS,
    SAGEMAKER_LAUNCHES,
    SECURITY_HUB_REGIME_STANDARDS,
    SECURITY_HUB_STANDARDS,
    SHARED_SERVICE_LOGS,
    STAGE_SERVICE_LOGS,
    TYPE_ENDPOINTS,
    UNUSED_ACCESS_DAYS,
    MetricFilter,
    NotebookPlan,
    Persona,
    SageMakerLaunch,
    SageMakerPlan,
    notebook_plan,
    sagemaker_plan,
)
from generator.spec import (
    Service,
    Spec,
    Stage,
)


def decide(spec: Spec) -> Controls:
    """Apply the tables to a spec. Pure: the same spec always gives the same controls."""
    regimes = spec.regimes
    retention = _strictest(RETENTION_DAYS, regimes, longest=True)
    rotation = _strictest(ROTATION_DAYS, regimes, longest=False)
    access = _access(spec)
    workloads = tuple(
        WorkloadPlan(
            workload=wl,
            ident=ident(wl.name),
            services=wl.effective_services,
            stages=tuple(
                _stage(spec, wl, st, rotation, _root_access(spec, access, st.value))
                for st in Stage
                if st in wl.stages
            ),
            macie_identifiers=macie_identifier_plans(wl),
        )
        for wl in spec.workloads
    )
    used = {s for w in workloads for s in w.services}
    endpoints = tuple(
        sorted(
            {
                *ALWAYS_ENDPOINTS,
                *(e for s in used for e in ENDPOINTS[s]),
                *(
                    e
                    for w in workloads
                    if Service.SAGEMAKER in w.services
                    for e in TYPE_ENDPOINTS.get(w.workload.type, ())
                ),
            }
        )
    )
    shared_logs = _shared_log_groups([s for w in workloads for s in w.stages])
    if Service.BEDROCK in used and spec.creates_foundation:
        # The account's Bedrock invocation log (bar 33) is one more service group of the landing.
        shared_logs = tuple(sorted({*shared_logs, bedrock_invocation_log_group(spec)}))
    foundation = (
        _foundation(spec, rotation, retention, shared_logs, _root_access(spec, access, "foundation"))
        if spec.creates_foundation
        else None
    )
    detective = _detective(spec, retention)
    has_macie_jobs = any(s.macie_job for w in workloads for s in w.stages)
    has_people = any(r.human for w in workloads for s in w.stages for r in s.roles)
    has_sagemaker = any(s.sagemaker is not None for w in workloads for s in w.stages)
    has_service_logs = any(s.service_log_groups or s.shared_log_groups for w in workloads for s in w.stages)
    network_perimeter = any(
        s.buckets[0].perimeter.vpc_ids for w in workloads for s in w.stages if s.buckets[0].perimeter
    )
    needs = {
        "DP-3": network_perimeter,
        "LOG-2": has_service_logs,
        "MAC-2": has_macie_jobs,
        "MAC-4": any(s.macie_job and s.macie_job.identifiers for w in workloads for s in w.stages),
        "MAC-5": any(s.macie_job and s.macie_job.archive_findings for w in workloads for s in w.stages),
        "IAM-3": has_people,
        "IAM-5": has_people,
        **{control: detective.mode(name) == "create" for name, (control, _, _) in DETECTIVE.items()},
        "ML-1": has_sagemaker,
        "ML-2": has_sagemaker,
        "ML-3": has_sagemaker,
        "ML-4": any(s.notebook is not None for w in workloads for s in w.stages),
        "ML-5": any(s.images is not None for w in workloads for s in w.stages),
        "ML-6": any(s.images is not None and s.images.repositories for w in workloads for s in w.stages),
        "AI-1": Service.BEDROCK in used,
        "AI-2": any(Service.BEDROCK in w.services and w.workload.bedrock_guardrail for w in workloads),
        "AI-3": Service.BEDROCK in used,
        "AI-4": any(r.aoss_collections or r.rds_data for w in workloads for s in w.stages for r in s.roles),
    }  # controls about what may be absent
    applied = tuple(
        c
        for c in CONTROLS
        if (c.scope in ("workload", "account") or foundation is not None) and needs.get(c.id, True)
    )
    regime_names = ", ".join(sorted(r.value for r in regimes)) or "none"
    decisions: tuple[Decision, ...] = (
        Decision(
            "log retention", f"{retention} days", f"strictest of the regimes ({regime_names}); floor 365 days"
        ),
        Decision("key rotation", f"every {rotation} days", f"strictest of the regimes ({regime_names})"),
        Decision(
            "interface endpoints",
            ", ".join(endpoints),
            "kms, sts and logs always; the rest follow the workloads' services",
        ),
        Decision("human access", spec.access.human_access.value, "people never hold long-lived keys"),
    )
    if foundation is not None:
        decisions += (
            Decision(
                "audit log lock",
                f"S3 Object Lock {OBJECT_LOCK_MODE}, {retention} days on {foundation.trail_destination} and "
                f"{foundation.findings_bucket}",
                "every log version is kept for the log retention; only break-glass may delete or shorten it",
            ),
        )
    return Controls(
        spec=spec,
        retention_days=retention,
        rotation_days=rotation,
        interface_endpoints=endpoints,
        access=access,
        foundation=foundation,
        workloads=workloads,
        controls=applied,
        decisions=decisions,
        alarms=MONITORING if foundation is not None else (),
        detective=detective,
    )


__all__ = [
    "ALWAYS_ENDPOINTS",
    "BUCKET_DOMAINS",
    "CONFORMANCE_BASE",
    "CONFORMANCE_EXTRA",
    "CONTROLS",
    "CONTROLS_BY_ID",
    "DELETION_WINDOW_DAYS",
    "DETECTIVE",
    "DETECTIVE_PREREQUISITES",
    "ENDPOINTS",
    "FAMILIES",
    "FAMILY_NAMES",
    "KEY_DOMAINS",
    "LAYERS",
    "MACIE_ROLE",
    "MACIE_SCHEDULE",
    "MONITORING",
    "NOTEBOOK_PLATFORM",
    "OBJECT_LOCK_MODE",
    "PERSONAS",
    "PERSONAS_BY_TYPE",
    "PROD_HUMAN_READS",
    "PROMOTED_PREFIX",
    "RAG_CORPUS_DOMAINS",
    "RAG_CORPUS_SCHEDULE",
    "REQUIREMENTS",
    "RETENTION_DAYS",
    "ROLE_PATH",
    "ROOT_USER",
    "ROTATION_DAYS",
    "SAGEMAKER_LAUNCHES",
    "SECURITY_HUB_REGIME_STANDARDS",
    "SECURITY_HUB_STANDARDS",
    "SESSION_TAG_KEYS",
    "SHARED_SERVICE_LOGS",
    "SSO_ROLE_PATTERNS",
    "SSO_SUFFIX",
    "STAGE_SERVICE_LOGS",
    "TYPE_ENDPOINTS",
    "UNUSED_ACCESS_DAYS",
    "VIA_SERVICE",
    "AccessPlan",
    "ArchivePlan",
    "BucketPlan",
    "Condition",
    "Control",
    "Controls",
    "Decision",
    "DetectivePlan",
    "FoundationPlan",
    "ImagesPlan",
    "KeyPlan",
    "MacieIdentifierPlan",
    "MacieJobPlan",
    "MetricFilter",
    "NotebookPlan",
    "Perimeter",
    "Persona",
    "Requirement",
    "RolePlan",
    "SageMakerLaunch",
    "SageMakerPlan",
    "ServiceUse",
    "StagePlan",
    "WorkloadPlan",
    "access_log_prefix",
    "bedrock_invocation_log_group",
    "decide",
    "ident",
    "log_group_key",
    "macie_identifier_plans",
    "notebook_plan",
    "sagemaker_plan",
]
