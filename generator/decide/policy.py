"""Every security decision aisec makes, from a spec to :class:`Controls`.

A reviewer reads this file top to bottom: first the tables (what we decide and why, with the
compliance requirements each control serves), then one pure function, :func:`decide`, that
applies them to a spec. Templates read the result and decide nothing themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from generator.catalog import data_dir, load_yaml
from generator.spec import (
    Regime,
    Sensitivity,
    Service,
    Spec,
    Stage,
    Workload,
    WorkloadType,
    bucket_name,
    ci_role_arn,
    ecr_stage_namespace,
)


# =========================================================================== the tables
# --- compliance requirements per regime, and the control family that serves each ------------
# The map is data (generator/data/compliance.yaml): requirement ids and titles per regime, each
# either served by control families or listed as out of scope with the reason.
@dataclass(frozen=True)
class Requirement:
    regime: Regime
    id: str
    title: str
    families: tuple[str, ...] = ()
    out_of_scope: str | None = None
    rests_on: tuple[str, ...] = ()  # reports.compliance.PREREQUISITES
    # Requirements taken from Prowler's catalogue (generator/prowler.py) name their controls: only
    # these serve them, and checks no control passes (gaps) keep them at most partly addressed.
    controls: tuple[str, ...] = ()
    gaps: tuple[str, ...] = ()
    # ...the services its checks in reach judge (their prefixes: "s3", "sagemaker"...), and the
    # account settings its other checks rest on.
    judges: tuple[str, ...] = ()
    account: tuple[str, ...] = ()


def _prowler_requirements(regime: Regime) -> tuple[str, tuple[Requirement, ...]]:
    """A regime whose map is Prowler's catalogue itself (ai-security): each requirement served by
    the controls its checks map to (data/prowler/<regime>.yaml)."""
    from generator.decide import prowler

    table = prowler.check_table()
    reqs = []
    for r in prowler.requirements(regime):
        controls = tuple(r["controls"]) if not r.get("out_of_scope_reason") else ()
        rests_on = tuple(
            name
            for name, ids in (("detective-prerequisites", "DET-"), ("sso-mfa", "IAM-3"))
            if any(i.startswith(ids) for i in controls)
        )
        placed = [(ck, *prowler.where(ck, table)) for ck in r["checks"]]
        reqs.append(
            Requirement(
                regime, r["id"], r["title"], tuple(r["families"]), r.get("out_of_scope_reason"), rests_on,
                controls, tuple(f"{g}: {table['gaps'][g]}" for g in r.get("gaps", ())),
                tuple(sorted({ck.split("_")[0] for ck, kind, _ in placed if kind in ("controls", "gap")})),
                tuple(sorted({v for _, kind, v in placed if kind == "account"})),
            )
        )  # fmt: skip
    return prowler.REGIME_TITLES[regime], tuple(reqs)


K = TypeVar("K")
V = TypeVar("V")


class _LazyTable(Mapping[K, V], Generic[K, V]):
    """A read-only table whose keys are known and whose values are computed on first read, then
    kept: a render reads the requirement maps of its spec's regimes only (parsing the Prowler-based
    catalogues at import was a fifth of a whole `aisec render`). Looked up like a dict."""

    def __init__(self, keys: Iterable[K], compute: Callable[[K], V]) -> None:
        self._keys = {k: k for k in keys}
        self._compute = compute
        self._values: dict[K, V] = {}

    def __getitem__(self, key: K) -> V:
        key = self._keys[key]  # KeyError for a key not in the table, as a dict
        if key not in self._values:
            self._values[key] = self._compute(key)
        return self._values[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


@cache
def _compliance_map() -> dict[str, Any]:
    raw = load_yaml((Path(__file__).parent.parent / "data" / "compliance.yaml").read_text(encoding="utf-8"))
    return raw  # type: ignore[no-any-return]


def _load_requirements(regime: Regime) -> tuple[str, tuple[Requirement, ...]]:
    raw = _compliance_map()
    if regime.value not in raw["regimes"]:
        return _prowler_requirements(regime)
    entry = raw["regimes"][regime.value]
    reqs = tuple(
        Requirement(
            regime,
            str(r["id"]),
            str(r["title"]),
            tuple(r.get("families", ())),
            r.get("out_of_scope"),
            tuple(r.get("rests_on", ())),
        )
        for r in entry["requirements"]
    )
    return str(entry["title"]), reqs


REQUIREMENTS: Mapping[Regime, tuple[str, tuple[Requirement, ...]]] = _LazyTable(Regime, _load_requirements)
FAMILY_NAMES = (
    "encryption-at-rest",
    "key-management",
    "private-paths",
    "least-privilege",
    "audit-logging",
    "data-discovery",
    "detection",
)
FAMILIES: Mapping[str, Mapping[Regime, tuple[str, ...]]] = _LazyTable(
    FAMILY_NAMES,
    lambda family: _LazyTable(
        Regime, lambda regime: tuple(r.id for r in REQUIREMENTS[regime][1] if family in r.families)
    ),
)


@dataclass(frozen=True)
class Control:
    """One security control: what it does, the bar items that test it, the family it serves and
    the layer of defence it belongs to (DESIGN.md 3b)."""

    id: str
    family: str
    bar: tuple[int, ...]
    title: str
    scope: str  # "foundation" or "workload"
    layer: str  # one of LAYERS

    def requirements(self, regimes: frozenset[Regime]) -> dict[Regime, tuple[str, ...]]:
        reqs = FAMILIES[self.family]
        return {r: reqs[r] for r in Regime if r in regimes}


# --- the layers of defence (DESIGN.md 3b): each must hold when another is bypassed ---
LAYERS: Mapping[str, str] = MappingProxyType({
    "identity": "who may act: stage roles, boundaries, named human trust",
    "data": "the data's own key and bucket policies: everyone but the stage, services for it and break-glass denied",
    "network": "private paths: data reachable only from the VPC or through AWS services, endpoints that reach only this account",
    "compute": "the AI compute itself used only inside the guardrails",
    "deployer": "the deployer cannot widen its own rights",
    "evidence": "logs nobody can erase, alarms on every switch-off, discovery of sensitive data, threat and configuration detection",
})  # fmt: skip

# --- the controls (DESIGN.md section 3) ---
CONTROLS: tuple[Control, ...] = (
    Control("KMS-1", "key-management", (1,), "Customer-managed keys rotate automatically, the period set by the strictest regime", "workload", "data"),
    Control("KMS-2", "key-management", (2,), "Keys wait 30 days before deletion in prod and for audit data, 14 days elsewhere; the policy lockout check is never bypassed", "workload", "data"),
    Control("KMS-3", "key-management", (3, 4, 5), "Each key has one explicit policy split into administrators (manage, never use) and users (use, never manage)", "workload", "data"),
    Control("KMS-4", "key-management", (6,), "Services use a key only through kms:ViaService, encryption context, aws:SourceArn or aws:SourceAccount conditions", "workload", "data"),
    Control("KMS-5", "encryption-at-rest", (7,), "Separate keys per stage for datasets, model artifacts and logs", "workload", "data"),
    Control("S3-1", "encryption-at-rest", (7,), "Buckets encrypt with their stage's key (SSE-KMS, bucket keys)", "workload", "data"),
    Control("S3-2", "private-paths", (8,), "Buckets block public access, deny requests without TLS and enforce bucket ownership", "workload", "data"),
    Control("S3-3", "audit-logging", (8,), "Buckets keep versions and deliver server access logs", "workload", "data"),
    Control("IAM-1", "least-privilege", (17, 19), "One role per stage and persona, scoped to that stage's buckets, keys and log group", "workload", "identity"),
    Control("IAM-2", "least-privilege", (17, 18), "A permission boundary caps every role at its stage's data", "workload", "identity"),
    Control("IAM-3", "least-privilege", (18,), "People reach their roles only through IAM Identity Center or with MFA", "workload", "identity"),
    Control("IAM-4", "least-privilege", (20,), "No IAM users, access keys or administrator policies", "workload", "identity"),
    Control("IAM-5", "least-privilege", (17,), "People do not read production datasets; pipelines do", "workload", "identity"),
    Control("LOG-1", "audit-logging", (10,), "Workload log groups are encrypted with the stage's logs key and kept per regime", "workload", "evidence"),
    Control("LOG-2", "audit-logging", (10,), "The log groups SageMaker and Lambda write to are created beforehand, encrypted and kept per regime, and only the roles whose jobs write there may", "workload", "evidence"),
    Control("MAC-2", "data-discovery", (13,), "Scheduled Macie jobs classify every bucket holding confidential or restricted data, and the corpus of every RAG workload whatever its label", "workload", "evidence"),
    Control("MAC-4", "data-discovery", (34,), "Macie jobs also use custom data identifiers for the data's categories (record numbers for PHI, merchant and account ids for cardholder and financial data), with keywords and a match distance, overridable in the spec", "workload", "evidence"),
    Control("MAC-5", "data-discovery", (34,), "Sensitive-data findings in dev and test buckets declared synthetic are archived by a suppression rule: kept in Macie and the exported results, no alert", "workload", "evidence"),
    Control("TRL-1", "audit-logging", (9,), "A multi-region CloudTrail trail with log file validation, KMS encryption, CloudWatch Logs delivery and CloudTrail Insights (unusual API call and error rates)", "foundation", "evidence"),
    Control("TRL-2", "audit-logging", (9,), "S3 data events are recorded for every dataset and artifact bucket", "foundation", "evidence"),
    Control("TRL-3", "audit-logging", (10,), "Audit log groups are encrypted and kept per regime", "foundation", "evidence"),
    Control("TRL-4", "audit-logging", (28,), "Trail and findings buckets lock every log version for the regime's retention (S3 Object Lock); audit buckets keep noncurrent versions as long and deny deletion, lifecycle and policy changes to all but break-glass", "foundation", "evidence"),
    Control("MON-1", "audit-logging", (11, 31), "Alarms on all 15 CIS AWS Foundations v3 monitoring items (4.1-4.15) notify an encrypted topic", "foundation", "evidence"),
    Control("MON-2", "audit-logging", (31,), "Alarms on the calls that switch off the landing's own controls: key policies, grants, rotation, boundaries, trust, trail selectors, Macie, endpoints, public access blocks, bucket policies, log groups", "foundation", "evidence"),
    Control("MON-3", "audit-logging", (30,), "The alert topic has its own key and hears of key switch-off through EventBridge, so disabling the audit key cannot silence the alarm; only named principals may subscribe or change the topic", "foundation", "evidence"),
    Control("MAC-1", "data-discovery", (12,), "Macie is enabled and publishes findings every 15 minutes", "foundation", "evidence"),
    Control("MAC-3", "data-discovery", (13,), "Macie results are exported encrypted and findings reach the alert topic through EventBridge", "foundation", "evidence"),
    Control("NET-1", "private-paths", (14,), "Interface endpoints with private DNS for every service the workloads use, policies limited to the account", "foundation", "network"),
    Control("NET-2", "private-paths", (14,), "S3 is reached through a gateway endpoint limited to the account", "foundation", "network"),
    Control("NET-3", "private-paths", (15,), "Endpoints accept only HTTPS from the VPC's own range", "foundation", "network"),
    Control("DP-1", "least-privilege", (22,), "Key and bucket policies deny use of the data to everyone but the stage's roles that need it, AWS services acting for them, Macie and break-glass", "workload", "data"),
    Control("DP-2", "key-management", (22, 30), "Only the deployers, break-glass and the root user change key policies, create grants not for AWS resources, disable or delete data keys; only break-glass and the root user the landing's audit keys", "workload", "data"),
    Control("DP-3", "private-paths", (23,), "Confidential and restricted data answers only requests from the VPC or made through AWS services", "workload", "network"),
    Control("DP-4", "key-management", (24,), "Roles use their keys only through the services that need them (kms:ViaService) in this account; no role gets the logs key", "workload", "data"),
    Control("DP-5", "private-paths", (25,), "Endpoints let the account's principals reach only the account's resources, with named AWS-owned exceptions", "foundation", "network"),
    Control("DP-6", "encryption-at-rest", (26,), "Buckets refuse writes naming another key or algorithm, and SSE-C", "workload", "data"),
    Control("DET-1", "detection", (11, 12), "Amazon GuardDuty is enabled with S3 protection, publishing every 15 minutes; high and critical findings reach the alert topic", "account", "evidence"),
    Control("DET-2", "detection", (11,), "AWS Security Hub runs AWS Foundational Security Best Practices, CIS AWS Foundations v3 and the regimes' standards (PCI DSS, NIST 800-53); new high and critical findings reach the alert topic", "account", "evidence"),
    Control("DET-3", "detection", (9, 11), "AWS Config records every resource type to an encrypted, deletion-protected bucket and evaluates one conformance pack per regime", "account", "evidence"),
    Control("DET-4", "detection", (17, 22), "IAM Access Analyzer reports external access to the account's resources and unused access of its roles", "account", "evidence"),
    Control("DET-5", "detection", (10, 15), "VPC flow logs of the workloads' VPC go to a log group encrypted with the audit key and kept per regime, through a bounded delivery role", "account", "evidence"),
    Control("IAM-6", "least-privilege", (27,), "People's roles trust only named permission sets or principals, with a source identity and limited session tags; service roles act only for the landing's resources", "workload", "identity"),
    Control("ML-1", "least-privilege", (32,), "The roles that launch SageMaker work create jobs, models, endpoints and notebooks only under their stage's prefix, in the spec's subnets and the compute security group, with network isolation, encrypted inter-container traffic, no direct internet and no root; explicit Denies refuse requests that omit or change these", "workload", "compute"),
    Control("ML-2", "private-paths", (32,), "SageMaker compute runs in a security group without ingress whose egress reaches only the interface endpoints and S3's prefix list; job network interfaces only in the spec's VPC", "foundation", "compute"),
    Control("ML-3", "encryption-at-rest", (32,), "SageMaker volumes and outputs use only the stage's keys, granted only to AWS resources; launchers pass only their stage's execution role, and only to SageMaker", "workload", "compute"),
    Control("ML-4", "encryption-at-rest", (16, 32), "Generated notebook instances run in the spec's subnet and the compute security group with the stage's notebook role, the stage's datasets key on their volume, no direct internet, no root access, IMDSv2 only and no lifecycle configuration", "workload", "compute"),
    # Container supply chain (issue 15 item 6)
    Control("ML-5", "least-privilege", (17,), "Roles pull container images only from their stage's ECR repositories (default the stage's own namespace <name>/<workload>/<stage>/*) and the registries of the spec's image accounts", "workload", "compute"),
    Control("ML-6", "encryption-at-rest", (7, 22), "ECR repositories the landing creates keep tags immutable, scan images on push, encrypt with the stage's images key, expire untagged images, and refuse everyone but the stage's roles, the pushers, the deployers and break-glass", "workload", "compute"),
    # Bedrock (bar 33)
    Control("AI-1", "least-privilege", (33,), "Roles invoke (InvokeModel, Converse) only the spec's Bedrock foundation models, checked against a dated table of the models offered in the region", "workload", "compute"),
    Control("AI-2", "least-privilege", (33,), "A Bedrock guardrail per stage (sensitive-information filters for the data's categories, prompt-attack filter, contextual grounding for RAG); invocations of text models without it are denied", "workload", "compute"),
    Control("AI-4", "least-privilege", (33,), "Each stage's knowledge-base role reaches only that stage's vector store (an OpenSearch Serverless collection, or an Aurora cluster through the Data API with its credentials), and stages never share one; the store's own access policy is its owner's", "workload", "compute"),
    Control("AI-3", "audit-logging", (33,), "Every Bedrock model invocation of the account is logged to an encrypted log group kept for the regime's retention", "foundation", "evidence"),
)  # fmt: skip
CONTROLS_BY_ID: Mapping[str, Control] = MappingProxyType({c.id: c for c in CONTROLS})

# --- parameters by regime: the strictest applicable value wins ---
# CloudWatch Logs retention. HIPAA keeps documentation six years (164.316(b)(2)); FedRAMP follows
# OMB M-21-31 (12 months hot + 18 months cold, so 30 months, rounded up to an allowed value);
# PCI DSS 10.5.1 asks one year; the bar's floor is 365 days.
RETENTION_DAYS: Mapping[Regime | None, int] = MappingProxyType(
    {
        None: 365,
        Regime.HIPAA: 2192,
        Regime.PCI_DSS: 365,
        Regime.GDPR: 365,
        Regime.SOC2: 365,
        Regime.FEDRAMP_MODERATE: 1096,
        Regime.AI_SECURITY: 365,
    }
)
# Automatic key rotation period. PCI DSS 3.6.4 and NIST SC-12 ask for defined, shorter cryptoperiods.
ROTATION_DAYS: Mapping[Regime | None, int] = MappingProxyType(
    {
        None: 365,
        Regime.HIPAA: 365,
        Regime.PCI_DSS: 180,
        Regime.GDPR: 365,
        Regime.SOC2: 365,
        Regime.FEDRAMP_MODERATE: 180,
        Regime.AI_SECURITY: 365,
    }
)
# Key deletion windows: prod and audit keys get the maximum so a mistake can be undone.
DELETION_WINDOW_DAYS: Mapping[Stage | None, int] = MappingProxyType(
    {
        Stage.DEV: 14,
        Stage.TEST: 14,
        Stage.PROD: 30,
        None: 30,  # foundation (audit) keys
    }
)

# --- Macie: how often buckets are classified. The provider cannot select managed identifiers, so
# jobs use Macie's recommended set (PHI, PII, cardholder, financial data, credentials). ---
MACIE_SCHEDULE: Mapping[Sensitivity, str | None] = MappingProxyType(
    {
        Sensitivity.PUBLIC: None,
        Sensitivity.INTERNAL: None,
        Sensitivity.CONFIDENTIAL: "WEEKLY",
        Sensitivity.RESTRICTED: "DAILY",
    }
)
# A RAG workload's corpus (the datasets bucket its knowledge base ingests) is classified whatever its
# label: what the model retrieves reaches its answers, so a mislabelled corpus leaks through them.
RAG_CORPUS_SCHEDULE = "WEEKLY"
RAG_CORPUS_DOMAINS: tuple[str, ...] = ("datasets",)


def macie_identifier_plans(wl: Workload) -> tuple[MacieIdentifierPlan, ...]:
    return tuple(
        MacieIdentifierPlan(
            key=f"{wl.name}-{i.name}",
            regex=i.regex,
            keywords=tuple(i.keywords),
            ignore_words=tuple(i.ignore_words),
            maximum_match_distance=i.maximum_match_distance,
            description=i.description or f"aisec custom data identifier {i.name} of workload {wl.name}",
        )
        for i in wl.macie_identifiers()
    )


def _macie_job(wl: Workload, stage: Stage) -> MacieJobPlan | None:
    schedule = MACIE_SCHEDULE[wl.data.sensitivity]
    domains = BUCKET_DOMAINS
    if schedule is None and wl.type is WorkloadType.RAG:
        schedule, domains = RAG_CORPUS_SCHEDULE, RAG_CORPUS_DOMAINS
    if schedule is None:
        return None
    return MacieJobPlan(
        key=f"{wl.name}-{stage.value}",
        schedule=schedule,
        domains=domains,
        identifiers=tuple(p.key for p in macie_identifier_plans(wl)),
        archive_findings=wl.macie_archive_synthetic and stage is not Stage.PROD,
    )


# --- Monitoring: the metric filters and alarms on the trail's log group (MON-1, MON-2). The table
# lives with the audit module (modules/audit/metric-filters.yaml, read there with yamldecode) so
# the module stays a product of its own; aisec reads the same file, never a copy. ---
@dataclass(frozen=True)
class MetricFilter:
    key: str  # metric and alarm name
    cis: str | None  # CIS AWS Foundations Benchmark v3.0.0 item (4.1-4.15), None for our own
    description: str
    pattern: str


def _load_filters() -> tuple[MetricFilter, ...]:
    raw = load_yaml((data_dir("modules") / "audit" / "metric-filters.yaml").read_text(encoding="utf-8"))
    return tuple(
        MetricFilter(key, str(f["cis"]) if f.get("cis") else None, str(f["description"]), str(f["pattern"]))
        for key, f in raw.items()
    )


MONITORING: tuple[MetricFilter, ...] = _load_filters()

# --- Tamper-proof audit evidence (TRL-4). The trail and Macie-results buckets lock every object
# version for the landing's log retention with S3 Object Lock in GOVERNANCE mode: nobody can
# delete or overwrite a locked version unless allowed s3:BypassGovernanceRetention, and the bucket
# policy denies that (and deletion, and policy, lifecycle and lock changes) to all but break-glass.
# COMPLIANCE mode would bind even the account root for six years (HIPAA) with no way back from a
# wrong setting, and would keep personal data past a GDPR erasure order; GOVERNANCE plus the deny
# gives the same protection against everyone but named break-glass roles, and stays correctable.
# The access-log bucket gets the deny and long noncurrent retention but no Object Lock: S3 server
# access logging refuses target buckets with a default retention. ---
OBJECT_LOCK_MODE = "GOVERNANCE"

# --- Account-level detective controls (issue 14 item 6): created when the spec asks (by default
# with foundation: create), checked at plan time where a data source can read them, otherwise
# listed in COMPLIANCE.md as prerequisites, so the evidence says plainly what it rests on. ---
DETECTIVE: Mapping[str, tuple[str, str, str]] = MappingProxyType({
    # spec field: (control, name, what is expected)
    "guardduty": ("DET-1", "Amazon GuardDuty", "enabled with S3 protection, findings to the security team"),
    "security_hub": ("DET-2", "AWS Security Hub", "enabled with the AWS Foundational Security Best Practices, CIS AWS Foundations v3 and (for PCI DSS, FedRAMP) PCI DSS and NIST 800-53 standards"),
    "config": ("DET-3", "AWS Config", "a recorder of all resources and the conformance pack of each regime (HIPAA, PCI DSS, NIST 800-53)"),
    "access_analyzer": ("DET-4", "IAM Access Analyzer", "external-access and unused-access analyzers for the account"),
    "flow_logs": ("DET-5", "VPC flow logs", "for the spec's VPC, to an encrypted log group kept per regime"),
})  # fmt: skip
# Kept for callers that list every detective control by name.
DETECTIVE_PREREQUISITES: tuple[tuple[str, str], ...] = tuple((n, w) for _, n, w in DETECTIVE.values())
# Security Hub standards (paths under arn:aws:securityhub:<region>::standards/): FSBP and CIS
# always, PCI DSS and NIST 800-53 for the regimes that ask for them.
SECURITY_HUB_STANDARDS: tuple[str, ...] = (
    "aws-foundational-security-best-practices/v/1.0.0",
    "cis-aws-foundations-benchmark/v/3.0.0",
)
SECURITY_HUB_REGIME_STANDARDS: Mapping[Regime, str] = MappingProxyType({
    Regime.PCI_DSS: "pci-dss/v/4.0.1",
    Regime.FEDRAMP_MODERATE: "nist-800-53/v/5.0.0",
})  # fmt: skip
# AWS Config conformance packs: per regime, the AWS managed rules (from AWS's Operational Best
# Practices pack for that regime) that check what this landing promises; logs kept for that
# regime's retention. AWS's full sample packs can be deployed beside them.
CONFORMANCE_BASE: tuple[tuple[str, str], ...] = (
    ("MULTI_REGION_CLOUD_TRAIL_ENABLED", "A multi-region CloudTrail trail records management events"),
    ("CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", "CloudTrail log file validation is on"),
    ("CLOUD_TRAIL_ENCRYPTION_ENABLED", "CloudTrail logs are encrypted with KMS"),
    ("CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED", "CloudTrail delivers to CloudWatch Logs"),
    ("S3_BUCKET_SSL_REQUESTS_ONLY", "Buckets refuse requests without TLS"),
    ("S3_BUCKET_PUBLIC_READ_PROHIBITED", "Buckets are not publicly readable"),
    ("S3_BUCKET_PUBLIC_WRITE_PROHIBITED", "Buckets are not publicly writable"),
    ("S3_BUCKET_VERSIONING_ENABLED", "Buckets keep versions"),
    ("S3_BUCKET_LOGGING_ENABLED", "Buckets deliver server access logs"),
    ("CMK_BACKING_KEY_ROTATION_ENABLED", "Customer-managed keys rotate"),
    ("KMS_CMK_NOT_SCHEDULED_FOR_DELETION", "No customer-managed key is scheduled for deletion"),
    ("CLOUDWATCH_LOG_GROUP_ENCRYPTED", "Log groups are encrypted with KMS"),
    ("CW_LOGGROUP_RETENTION_PERIOD_CHECK", "Log groups are kept for the regime's retention"),
    ("GUARDDUTY_ENABLED_CENTRALIZED", "GuardDuty is enabled"),
    ("SECURITYHUB_ENABLED", "Security Hub is enabled"),
    ("VPC_FLOW_LOGS_ENABLED", "VPCs have flow logs"),
    ("IAM_ROOT_ACCESS_KEY_CHECK", "The root user has no access keys"),
    ("ROOT_ACCOUNT_MFA_ENABLED", "The root user has MFA"),
    ("IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS", "No customer policy grants *:*"),
    ("SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS", "Notebook instances have no direct internet access"),
    ("SAGEMAKER_NOTEBOOK_INSTANCE_KMS_KEY_CONFIGURED", "Notebook instances encrypt with KMS"),
    ("SAGEMAKER_ENDPOINT_CONFIGURATION_KMS_KEY_CONFIGURED", "Endpoint configurations encrypt with KMS"),
)  # fmt: skip
CONFORMANCE_EXTRA: Mapping[Regime | None, tuple[tuple[str, str], ...]] = MappingProxyType({
    None: (),
    Regime.HIPAA: (("S3_DEFAULT_ENCRYPTION_KMS", "Buckets encrypt with KMS by default"),
                   ("MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS", "IAM users with a console password have MFA")),
    Regime.PCI_DSS: (("ACCESS_KEYS_ROTATED", "Access keys rotate within 90 days"),
                     ("MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS", "IAM users with a console password have MFA"),
                     ("VPC_DEFAULT_SECURITY_GROUP_CLOSED", "Default security groups allow no traffic")),
    Regime.GDPR: (("S3_DEFAULT_ENCRYPTION_KMS", "Buckets encrypt with KMS by default"),),
    Regime.SOC2: (("MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS", "IAM users with a console password have MFA"),),
    Regime.FEDRAMP_MODERATE: (("ACCESS_KEYS_ROTATED", "Access keys rotate within 90 days"),
                              ("MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS", "IAM users with a console password have MFA"),
                              ("VPC_DEFAULT_SECURITY_GROUP_CLOSED", "Default security groups allow no traffic")),
})  # fmt: skip
UNUSED_ACCESS_DAYS = 90  # IAM Access Analyzer: access unused this long is reported

# --- Workload logs where the services write them (LOG-2). SageMaker writes jobs and notebooks to
# account-wide groups every stage shares, endpoints and Lambda functions to a group per resource
# (named here after the stage, so the stage's endpoint and function must carry that name). A
# per-stage key cannot encrypt a group all stages write to, so the shared groups get one
# landing-level key whose only user is CloudWatch Logs for those names; the per-resource groups
# get their stage's logs key. Pre-created, none is left for the service to create unencrypted
# with no retention. ---
SHARED_SERVICE_LOGS: Mapping[WorkloadType, tuple[str, ...]] = MappingProxyType({
    WorkloadType.TRAINING: ("/aws/sagemaker/TrainingJobs", "/aws/sagemaker/ProcessingJobs"),
    WorkloadType.BATCH: ("/aws/sagemaker/ProcessingJobs", "/aws/sagemaker/TransformJobs"),
    WorkloadType.NOTEBOOK: ("/aws/sagemaker/NotebookInstances",),
    WorkloadType.INFERENCE: (),
    WorkloadType.RAG: (),
})  # fmt: skip
STAGE_SERVICE_LOGS: Mapping[WorkloadType, tuple[str, ...]] = MappingProxyType({
    WorkloadType.INFERENCE: ("/aws/sagemaker/Endpoints/{prefix}",),
    WorkloadType.RAG: ("/aws/lambda/{prefix}-app",),
    WorkloadType.TRAINING: (),
    WorkloadType.BATCH: (),
    WorkloadType.NOTEBOOK: (),
})  # fmt: skip

# --- PrivateLink: interface endpoints per service; kms, sts and logs are always needed ---
ALWAYS_ENDPOINTS: tuple[str, ...] = ("kms", "logs", "sts")
ENDPOINTS: Mapping[Service, tuple[str, ...]] = MappingProxyType(
    {
        Service.SAGEMAKER: ("sagemaker.api", "sagemaker.runtime"),
        Service.BEDROCK: ("bedrock", "bedrock-runtime", "bedrock-agent", "bedrock-agent-runtime"),
        Service.ECR: ("ecr.api", "ecr.dkr"),
        Service.S3: (),  # a gateway endpoint, always created
    }
)
# Endpoints a workload type needs beyond its services' APIs, when it uses SageMaker: people open
# notebook instances through the notebook endpoint (aws.sagemaker.<region>.notebook), so the Jupyter
# traffic stays inside the VPC too. That endpoint takes no endpoint policy (the PrivateLink table of
# AWS services: policy not supported); access is decided by CreatePresignedNotebookInstanceUrl,
# which goes through the sagemaker.api endpoint and its policy.
TYPE_ENDPOINTS: Mapping[WorkloadType, tuple[str, ...]] = MappingProxyType({
    WorkloadType.NOTEBOOK: ("sagemaker.notebook",),
})  # fmt: skip


# --- personas: who works in a stage, who assumes the role, what it reaches ---
@dataclass(frozen=True)
class Persona:
    key: str
    title: str
    human: bool
    reads: tuple[str, ...]  # bucket domains read
    writes: tuple[str, ...]  # bucket domains written
    service: str | None = None
    # The service runs the role from its own network, not the VPC (Bedrock knowledge-base ingestion
    # reads S3 from Bedrock's network): the network perimeter names it as an exception.
    outside_vpc: bool = False


PERSONAS: Mapping[str, Persona] = MappingProxyType({
    "ds": Persona("ds", "data scientists", True, ("datasets",), ("artifacts",)),
    "pipeline": Persona("pipeline", "training and processing jobs", False, ("datasets",), ("artifacts",), "sagemaker.amazonaws.com"),
    "ingest": Persona("pipeline", "knowledge-base ingestion", False, ("datasets",), (), "bedrock.amazonaws.com", outside_vpc=True),
    "serving": Persona("serving", "model serving", False, ("artifacts",), (), "sagemaker.amazonaws.com"),
    "app": Persona("serving", "the RAG application", False, ("artifacts",), (), "lambda.amazonaws.com"),
    "notebook": Persona("notebook", "notebook instances", False, ("datasets",), ("artifacts",), "sagemaker.amazonaws.com"),
})  # fmt: skip
PERSONAS_BY_TYPE: Mapping[WorkloadType, tuple[str, ...]] = MappingProxyType(
    {
        WorkloadType.TRAINING: ("ds", "pipeline"),
        WorkloadType.INFERENCE: ("ds", "serving"),
        WorkloadType.RAG: ("ds", "ingest", "app"),
        WorkloadType.BATCH: ("pipeline",),
        WorkloadType.NOTEBOOK: ("ds", "notebook"),
    }
)


# --- SageMaker compute guardrails (ML-1..3, bar 32): who launches SageMaker work per workload type,
# what kinds, and which persona SageMaker runs it as. In dev and test the data scientists launch;
# in prod no person does: the pipeline role runs training and batch work (SageMaker Pipelines
# steps), and inference models and endpoints come from the deployers through Terraform. Notebooks
# run their own jobs as the notebook role. Granted only where the landing creates the compute
# security group (its foundation), inside the guardrails of modules/iam/sagemaker.tf. ---
@dataclass(frozen=True)
class SageMakerLaunch:
    execution_role: str  # persona SageMaker runs the work as
    nonprod: tuple[tuple[str, tuple[str, ...]], ...]  # persona -> kinds, dev and test
    prod: tuple[tuple[str, tuple[str, ...]], ...]


SAGEMAKER_LAUNCHES: Mapping[WorkloadType, SageMakerLaunch] = MappingProxyType({
    WorkloadType.TRAINING: SageMakerLaunch("pipeline", (("ds", ("training", "processing")),), (("pipeline", ("training", "processing")),)),
    WorkloadType.BATCH: SageMakerLaunch("pipeline", (("pipeline", ("processing", "transform", "model")),), (("pipeline", ("processing", "transform", "model")),)),
    WorkloadType.INFERENCE: SageMakerLaunch("serving", (("ds", ("model", "endpoint")),), ()),
    WorkloadType.NOTEBOOK: SageMakerLaunch("notebook", (("ds", ("notebook",)), ("notebook", ("training", "processing"))), ()),
})  # fmt: skip


# --- Generated compute (bar 16, ML-4): the notebook instance a stage gets when the spec asks. Every
# setting the launch guardrails (modules/iam/sagemaker.tf) demand of people's requests, and more:
# the spec's first subnet, the compute security group, the stage's datasets key on the volume, no
# direct internet, no root, IMDSv2 only, no lifecycle configuration, the stage's notebook role.
NOTEBOOK_PLATFORM = "notebook-al2-v3"  # Amazon Linux 2, JupyterLab 4


@dataclass(frozen=True)
class NotebookPlan:
    name: str  # <stage prefix>-notebook: inside the launchers' and the role's name prefix
    instance_type: str
    volume_size_gb: int
    execution_role: str  # persona
    volume_key: str  # key domain
    platform: str = NOTEBOOK_PLATFORM


def notebook_plan(spec: Spec, wl: Workload, stage: Stage, prefix: str) -> NotebookPlan | None:
    if stage not in wl.notebook_stages or wl.compute is None or wl.compute.notebook is None:
        return None
    nb = wl.compute.notebook
    launch = SAGEMAKER_LAUNCHES[wl.type]
    return NotebookPlan(
        f"{prefix}-notebook", nb.instance_type, nb.volume_size_gb, launch.execution_role, "datasets"
    )


@dataclass(frozen=True)
class SageMakerPlan:
    """One stage's SageMaker launchers; the network and keys come from the spec and the stage."""

    execution_role: str
    launchers: tuple[tuple[str, tuple[str, ...]], ...]


def sagemaker_plan(spec: Spec, wl: Workload, stage: Stage) -> SageMakerPlan | None:
    launch = SAGEMAKER_LAUNCHES.get(wl.type)
    if launch is None or Service.SAGEMAKER not in wl.effective_services or not spec.creates_foundation:
        return None
    return SageMakerPlan(launch.execution_role, launch.prod if stage is Stage.PROD else launch.nonprod)


# In prod, people see model artifacts only, read-only, and only what the pipeline promoted (IAM-5).
PROD_HUMAN_READS: tuple[str, ...] = ("artifacts",)
PROMOTED_PREFIX = "approved/"

BUCKET_DOMAINS: tuple[str, ...] = ("datasets", "artifacts")
KEY_DOMAINS: tuple[str, ...] = ("datasets", "artifacts", "logs")

# --- the data perimeter (bar 22-27): who may touch the data, from where, through what ---
ROLE_PATH = "/aisec/"  # the iam module's path for stage roles
# Macie reads buckets (and decrypts through S3) with its service-linked role.
MACIE_ROLE = "arn:aws:iam::{account}:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie"
# The root user: the last way back into a key or bucket policy when every named role is gone.
ROOT_USER = "arn:aws:iam::{account}:root"
# kms:ViaService per service: key users use keys only through the services that need them (bar 24).
VIA_SERVICE: Mapping[Service, str] = MappingProxyType(
    {Service.S3: "s3", Service.SAGEMAKER: "sagemaker", Service.BEDROCK: "bedrock"}
)
# IAM Identity Center creates one role per permission set and account, under this path, named
# AWSReservedSSO_<permission set>_<16 hex characters>; older accounts have a region segment in the
# path. The suffix is matched by length: with a *, ClinicalReview_* would also match the roles of a
# permission set named ClinicalReview_Contractors.
SSO_SUFFIX = "?" * 16
SSO_ROLE_PATTERNS = (
    "arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{name}_" + SSO_SUFFIX,
    "arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_{name}_" + SSO_SUFFIX,
)
# Session tags people may set when they assume a role (bar 27: TagSession limited by aws:TagKeys).
SESSION_TAG_KEYS: tuple[str, ...] = ("aisec-requester", "aisec-ticket")


# =========================================================================== the result
@dataclass(frozen=True)
class Condition:
    test: str
    variable: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ServiceUse:
    sid: str
    principal: str
    actions: tuple[str, ...]
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Perimeter:
    """Who may touch a key's or a bucket's data, and from where (bar 22, 23, 30).

    Each tuple is a list of aws:PrincipalArn patterns that a Deny statement excepts; AWS service
    principals are always excepted (aws:PrincipalIsAWSService), and a principal's own requests
    made through an AWS service pass the network perimeter (aws:ViaAWSService).
    """

    principals: tuple[str, ...] | None  # may use, read or write the data; None: no use perimeter
    managers: tuple[str, ...]  # may change the policy: deployers, break-glass, the root user
    lifecycle: tuple[str, ...]  # may disable or delete (keys): deployers for data, break-glass for audit
    vpc_ids: tuple[str, ...] = ()  # network perimeter; empty: off
    network_exempt: tuple[str, ...] = ()  # principals that reach the data from AWS's network
    # Principals outside `principals` that may create grants for AWS resources through these services
    # only (the deployer creating a notebook: SageMaker makes the volume's grant as the caller).
    grantors: tuple[str, ...] = ()
    grant_services: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeyPlan:
    domain: str
    alias: str
    description: str
    rotation_days: int
    deletion_window_days: int
    user_personas: tuple[str, ...] = ()
    macie_reads: bool = False
    service_uses: tuple[ServiceUse, ...] = ()
    via_services: tuple[str, ...] = ()  # kms:ViaService values users and readers are held to
    perimeter: Perimeter | None = None


@dataclass(frozen=True)
class BucketPlan:
    domain: str
    name: str
    log_prefix: str
    perimeter: Perimeter | None = None
    # principal ARN -> the only key prefix it may read (people in prod: promoted artifacts only)
    prefix_readers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RolePlan:
    persona: str
    name: str
    description: str
    human: bool
    service: str | None
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    keys: tuple[str, ...]
    pass_roles: tuple[str, ...] = ()
    bedrock: bool = False
    ecr: bool = False
    arn: str = ""
    read_prefix: str = ""  # objects readable only under this prefix ("" = the whole bucket)
    outside_vpc: bool = False
    trusted: tuple[str, ...] = ()  # people: aws:PrincipalArn patterns allowed to assume the role
    source_arns: tuple[str, ...] = ()  # services: aws:SourceArn patterns of the landing's resources
    # A knowledge base's role: the only vector store it reaches (OpenSearch Serverless collection,
    # or an Aurora cluster through the Data API with its secret).
    aoss_collections: tuple[str, ...] = ()
    rds_data: tuple[str, str] | None = None  # (cluster ARN, secret ARN)


@dataclass(frozen=True)
class MacieIdentifierPlan:
    """A Macie custom data identifier (bar 34), named {spec}-{key} in Macie."""

    key: str  # {workload}-{identifier name}
    regex: str
    keywords: tuple[str, ...]
    ignore_words: tuple[str, ...]
    maximum_match_distance: int
    description: str


@dataclass(frozen=True)
class MacieJobPlan:
    key: str
    schedule: str
    domains: tuple[str, ...] = BUCKET_DOMAINS  # the stage's buckets it classifies
    identifiers: tuple[str, ...] = ()  # keys of the custom data identifiers it uses
    archive_findings: bool = False  # the buckets hold synthetic data: findings archived, no alert


@dataclass(frozen=True)
class ImagesPlan:
    """Where a stage's roles pull container images from (ML-5) and the repositories created (ML-6)."""

    pulls: tuple[str, ...]  # repository names or prefix patterns of this account
    image_accounts: tuple[str, ...]  # other accounts whose registries the roles pull from
    repositories: tuple[str, ...] = ()  # full names of the repositories the landing creates
    pullers: tuple[str, ...] = ()  # role ARNs that pull
    pushers: tuple[str, ...] = ()  # role ARNs that push into the created repositories
    managers: tuple[str, ...] = ()  # may delete images and change the repositories' settings
    untagged_expiry_days: int = 14

    def repository_arns(self, region: str, account: str) -> tuple[str, ...]:
        """The IAM resources of the pull actions: the pulls (and created names) here, every
        repository of each image account."""
        covered = [p[:-1] for p in self.pulls if p.endswith("*")]
        extra = (r for r in self.repositories if not any(r.startswith(c) for c in covered))
        own = dict.fromkeys((*self.pulls, *extra))
        return (
            *(f"arn:aws:ecr:{region}:{account}:repository/{p}" for p in own),
            *(f"arn:aws:ecr:{region}:{a}:repository/*" for a in self.image_accounts),
        )


@dataclass(frozen=True)
class StagePlan:
    stage: Stage
    ident: str  # HCL identifier prefix, e.g. notes_training_dev
    prefix: str  # AWS name prefix, e.g. clinical-ai-notes-training-dev
    keys: tuple[KeyPlan, ...]
    buckets: tuple[BucketPlan, ...]
    roles: tuple[RolePlan, ...]
    log_group: str
    macie_job: MacieJobPlan | None
    service_log_groups: tuple[str, ...] = ()  # this stage's own service groups (its logs key)
    shared_log_groups: tuple[str, ...] = ()  # account-wide service groups its jobs write to
    sagemaker: SageMakerPlan | None = None  # SageMaker launch guardrails (ML-1..3)
    notebook: NotebookPlan | None = None  # generated notebook instance (ML-4)
    images: ImagesPlan | None = None  # container images: pulls and created repositories (ML-5, ML-6)


@dataclass(frozen=True)
class WorkloadPlan:
    workload: Workload
    ident: str
    services: tuple[Service, ...]
    stages: tuple[StagePlan, ...]
    macie_identifiers: tuple[MacieIdentifierPlan, ...] = ()


@dataclass(frozen=True)
class ArchivePlan:
    """The log-archive account's root module (log-archive/): the bucket the trail delivers to and
    its key, both in that account, out of reach of the workload account's administrators."""

    account: str
    region: str
    bucket: str
    access_log_bucket: str  # the archive bucket's own S3 access logs, in the archive account
    # The workload account's S3 server access logs, replicated there: S3 delivers them only to a
    # bucket of the source's account and region, so a role of the workload account copies them.
    server_logs_bucket: str
    replication_role: str  # its name, under the landing's /aisec/ path
    replication_role_arn: str
    key_alias: str
    key_alias_arn: str
    # What the trail names: the key ARN once the spec has it, else the alias ARN (CloudTrail resolves
    # it across accounts, but reads back the key ARN: a change in every plan until the spec has it).
    trail_key: str
    break_glass: tuple[str, ...]
    deployers: tuple[str, ...]
    root_user: str

    @property
    def managers(self) -> tuple[str, ...]:
        return (*self.deployers, *self.break_glass, self.root_user)


@dataclass(frozen=True)
class FoundationPlan:
    audit_key: KeyPlan
    alerts_key: KeyPlan
    service_logs_key: KeyPlan | None
    shared_log_groups: tuple[str, ...]
    alert_topic_admins: tuple[str, ...]
    object_lock_days: int  # default retention of the trail and findings buckets (the log retention)
    access_log_bucket: str
    trail_bucket: str
    findings_bucket: str
    trail_name: str
    trail_arn: str
    config_bucket: str | None = None  # AWS Config deliveries (DET-3), when Config is created here
    archive: ArchivePlan | None = None

    @property
    def trail_destination(self) -> str:
        return self.archive.bucket if self.archive is not None else self.trail_bucket

    @property
    def keys(self) -> tuple[KeyPlan, ...]:
        return tuple(k for k in (self.audit_key, self.alerts_key, self.service_logs_key) if k is not None)

    @property
    def bucket_domains(self) -> tuple[str, ...]:
        """The foundation storage module's buckets: access logs, the trail (unless a log-archive account
        holds it), Macie results, AWS Config."""
        trail = () if self.archive is not None else ("trail",)
        return ("access_logs", *trail, "findings", *(("config",) if self.config_bucket else ()))


@dataclass(frozen=True)
class DetectivePlan:
    """What the landing does about each account-level detective control (DET-1..5)."""

    modes: Mapping[str, str]  # spec field -> create, check or prerequisite
    standards: tuple[str, ...]  # Security Hub standards paths
    conformance_packs: Mapping[str, tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]]
    flow_log_retention_days: int

    def mode(self, control: str) -> str:
        return self.modes[control]

    @property
    def module_needed(self) -> bool:
        return any(m != "prerequisite" for m in self.modes.values())


@dataclass(frozen=True)
class AccessPlan:
    """The named exceptions of every perimeter (bar 22, 27, 30)."""

    deployers: tuple[str, ...]
    break_glass: tuple[str, ...]
    root_user: str
    macie_role: str
    vpc_ids: tuple[str, ...]  # the network perimeter's VPC (empty when the spec turns it off)
    image_accounts: tuple[str, ...]

    @property
    def managers(self) -> tuple[str, ...]:
        return (*self.deployers, *self.break_glass, self.root_user)


@dataclass(frozen=True)
class Decision:
    topic: str
    value: str
    why: str


@dataclass(frozen=True)
class Controls:
    spec: Spec
    retention_days: int
    rotation_days: int
    interface_endpoints: tuple[str, ...]
    access: AccessPlan
    foundation: FoundationPlan | None
    workloads: tuple[WorkloadPlan, ...]
    controls: tuple[Control, ...]
    decisions: tuple[Decision, ...] = field(default=())
    alarms: tuple[MetricFilter, ...] = ()
    detective: DetectivePlan | None = None

    @property
    def access_log_bucket(self) -> str:
        if self.foundation is not None:
            return self.foundation.access_log_bucket
        assert self.spec.foundation_refs is not None
        return self.spec.foundation_refs.access_log_bucket

    @property
    def stages(self) -> tuple[StagePlan, ...]:
        return tuple(s for w in self.workloads for s in w.stages)

    @property
    def shared_log_groups(self) -> tuple[str, ...]:
        """The account-wide service log groups the stages' jobs write to (LOG-2)."""
        return _shared_log_groups(self.stages)


# =========================================================================== the function
def _shared_log_groups(stages: Iterable[StagePlan]) -> tuple[str, ...]:
    return tuple(sorted({g for s in stages for g in s.shared_log_groups}))


def _strictest(table: Mapping[Regime | None, int], regimes: frozenset[Regime], longest: bool) -> int:
    """The value of the strictest applicable regime: the longest retention, the shortest period."""
    values = [table[None], *(table[r] for r in regimes)]
    return max(values) if longest else min(values)


def bedrock_invocation_log_group(spec: Spec) -> str:
    """The log group the account's Bedrock model invocation logging writes to (audit module)."""
    return f"/aws/bedrock/{spec.name}/model-invocations"


def log_group_key(stage: StagePlan | None, name: str) -> str:
    """The audit module's map key of a log group: the stage's ident for its own group, else the
    service and kind (``sagemaker_trainingjobs``, ``<stage>_sagemaker_endpoints``, ``<stage>_lambda``)."""
    if stage is not None and name == stage.log_group:
        return stage.ident
    service, kind = name.split("/")[2:4]
    key = f"{service}_{kind.lower()}" if service == "sagemaker" else service
    return f"{stage.ident}_{key}" if stage is not None else key


def ident(*parts: str) -> str:
    """An HCL identifier from slugs (slugs hold only [a-z0-9-], so this is injective)."""
    return "_".join(p.replace("-", "_") for p in parts)


def _logs_service_use(region: str, account: str, *log_group_patterns: str) -> ServiceUse:
    return ServiceUse(
        sid="CloudWatchLogs",
        principal=f"logs.{region}.amazonaws.com",
        # No kms:DescribeKey: its requests carry no encryption context, so the condition could never match.
        actions=("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"),
        conditions=(
            Condition(
                "StringLike",  # encryption-context keys are strings (an ArnLike here is a type mismatch)
                "kms:EncryptionContext:aws:logs:arn",
                tuple(f"arn:aws:logs:{region}:{account}:log-group:{p}" for p in log_group_patterns),
            ),
        ),
    )


def _access(spec: Spec) -> AccessPlan:
    account = spec.aws.account_id
    return AccessPlan(
        deployers=tuple(spec.access.deployers) or (ci_role_arn(account, spec.name, "apply"),),
        break_glass=tuple(spec.access.break_glass),
        root_user=ROOT_USER.format(account=account),
        macie_role=MACIE_ROLE.format(account=account),
        vpc_ids=(spec.network.vpc_id,) if spec.network.perimeter else (),
        image_accounts=tuple(spec.network.image_accounts),
    )


def _root_access(spec: Spec, access: AccessPlan, root: str) -> AccessPlan:
    """layout: stages: each root is deployed by its own CI apply role (generator/ci.py), so where
    the deployers are the landing's CI apply role (the default, or named in access.deployers) a
    stage's key, bucket and repository policies name that stage's role instead, and the
    foundation's the foundation's. Other deployers the spec names stay as they are."""
    if spec.layout != "stages":
        return access
    landing = ci_role_arn(spec.aws.account_id, spec.name, "apply")
    own = ci_role_arn(spec.aws.account_id, spec.name, "apply", root)
    return replace(access, deployers=tuple(own if d == landing else d for d in access.deployers))


def _people(spec: Spec, stage: Stage) -> tuple[str, ...]:
    """aws:PrincipalArn patterns of who may assume a stage's people's roles (bar 27)."""
    account = spec.aws.account_id
    refs = spec.access.people.get(stage) or [f"{spec.name}-{stage.value}"]
    out: list[str] = []
    for ref in refs:
        if ref.startswith("arn:"):
            out.append(ref)
        else:
            out += [p.format(account=account, name=ref) for p in SSO_ROLE_PATTERNS]
    return tuple(out)


def _vector_store(wl: Workload, stage: Stage) -> dict[str, Any]:
    """The stage's knowledge-base role's vector store, as the spec names it (none: no rights)."""
    store = wl.bedrock.vector_stores.get(stage) if wl.bedrock is not None else None
    if store is None:
        return {}
    if store.aurora is not None:
        return {"rds_data": (store.aurora.cluster_arn, store.aurora.credentials_arn)}
    return {"aoss_collections": (store.opensearch_serverless,)}


def _source_arns(spec: Spec, service: str, prefix: str) -> tuple[str, ...]:
    """The landing's resources a service may act for when it assumes a stage role (confused deputy)."""
    region, account = spec.aws.region, spec.aws.account_id
    return {
        # Jobs, models and notebooks are named after the stage: <prefix>-...
        "sagemaker.amazonaws.com": (f"arn:aws:sagemaker:{region}:{account}:*/{prefix}-*",),
        "lambda.amazonaws.com": (f"arn:aws:lambda:{region}:{account}:function:{prefix}-*",),
        # Knowledge-base ids are chosen by Bedrock, so the account's knowledge bases.
        "bedrock.amazonaws.com": (f"arn:aws:bedrock:{region}:{account}:knowledge-base/*",),
    }[service]


def _landing_key(
    spec: Spec, domain: str, purpose: str, rotation: int, uses: tuple[ServiceUse, ...], access: AccessPlan
) -> KeyPlan:
    """A key of the landing (not of a stage): audit data gets the longest deletion window, and only
    break-glass (or the root user) may disable or delete it: that would blind the trail (bar 30)."""
    return KeyPlan(
        domain=domain,
        alias=f"alias/aisec/{spec.name}/{domain}",
        description=f"aisec {spec.name}: {purpose}",
        rotation_days=rotation,
        deletion_window_days=DELETION_WINDOW_DAYS[None],
        service_uses=uses,
        perimeter=Perimeter(
            principals=None, managers=access.managers, lifecycle=(*access.break_glass, access.root_user)
        ),
    )


def _foundation(
    spec: Spec, rotation: int, retention: int, shared_log_groups: tuple[str, ...], access: AccessPlan
) -> FoundationPlan:
    name, account, region = spec.name, spec.aws.account_id, spec.aws.region
    trail_name = f"{name}-trail"
    trail_arn = f"arn:aws:cloudtrail:{region}:{account}:trail/{trail_name}"
    source_account = Condition("StringEquals", "aws:SourceAccount", (account,))
    creates_config = spec.detective_mode("config") == "create"
    # AWS Config encrypts its snapshots and history with the audit key (DET-3), for this account only.
    config_uses = (
        (
            ServiceUse(
                "ConfigEncryptsDeliveries",
                "config.amazonaws.com",
                ("kms:Decrypt", "kms:GenerateDataKey"),
                (source_account,),
            ),
        )
        if creates_config
        else ()
    )
    audit_key = _landing_key(
        spec,
        "audit",
        "CloudTrail, audit log groups and Macie results",
        rotation,
        (
            _logs_service_use(region, account, f"/aisec/{name}/*"),
            ServiceUse(
                "CloudTrailEncryptLogs",
                "cloudtrail.amazonaws.com",
                ("kms:GenerateDataKey*",),
                (
                    Condition("StringEquals", "aws:SourceArn", (trail_arn,)),
                    Condition(
                        "StringLike",
                        "kms:EncryptionContext:aws:cloudtrail:arn",
                        (f"arn:aws:cloudtrail:*:{account}:trail/*",),
                    ),
                ),
            ),
            ServiceUse(
                "CloudTrailDescribeKey",
                "cloudtrail.amazonaws.com",
                ("kms:DescribeKey",),
                (Condition("StringEquals", "aws:SourceArn", (trail_arn,)),),
            ),
            ServiceUse(
                "MacieExportsResults",
                "macie.amazonaws.com",
                ("kms:Encrypt", "kms:GenerateDataKey"),
                (
                    source_account,
                    Condition(
                        "ArnLike",
                        "aws:SourceArn",
                        (
                            f"arn:aws:macie2:{region}:{account}:export-configuration:*",
                            f"arn:aws:macie2:{region}:{account}:classification-job/*",
                        ),
                    ),
                ),
            ),
            *config_uses,
        ),
        access,
    )
    # The alert topic's own key (MON-3): alarms and EventBridge publish with it, nothing else uses
    # it, so disabling the audit key (which blinds the trail) cannot also silence the alert.
    alerts_key = _landing_key(
        spec,
        "alerts",
        "security alert topic only (kept apart from the audit key)",
        rotation,
        tuple(
            ServiceUse(sid, principal, ("kms:Decrypt", "kms:GenerateDataKey*"), (source_account,))
            for sid, principal in (
                ("AlarmsPublishToAlertTopic", "cloudwatch.amazonaws.com"),
                ("EventBridgePublishesToAlertTopic", "events.amazonaws.com"),
            )
        ),
        access,
    )
    service_logs_key = None
    if shared_log_groups:
        service_logs_key = _landing_key(
            spec,
            "service-logs",
            "service log groups shared by every stage (SageMaker jobs, Bedrock invocations)",
            rotation,
            (_logs_service_use(region, account, *shared_log_groups),),
            access,
        )
    return FoundationPlan(
        audit_key=audit_key,
        alerts_key=alerts_key,
        service_logs_key=service_logs_key,
        shared_log_groups=shared_log_groups,
        # Who may subscribe to the alert topic or change it: the key administrators, the deployers
        # (the CI apply role `aisec ci` creates, by default) and break-glass.
        alert_topic_admins=(*spec.access.admin_principals, *access.deployers, *access.break_glass),
        object_lock_days=retention,
        access_log_bucket=f"{name}-access-logs-{account}",
        trail_bucket=f"{name}-trail-{account}",
        findings_bucket=f"{name}-findings-{account}",
        trail_name=trail_name,
        trail_arn=trail_arn,
        config_bucket=f"{name}-config-{account}" if creates_config else None,
        archive=_archive(spec),
    )


def _archive(spec: Spec) -> ArchivePlan | None:
    a = spec.log_archive
    if a is None:
        return None
    region = a.region or spec.aws.region
    bucket = a.bucket or f"{spec.name}-log-archive-{a.account_id}"
    alias = f"alias/aisec/{spec.name}/log-archive"
    alias_arn = f"arn:aws:kms:{region}:{a.account_id}:{alias}"
    replication_role = f"{spec.name}-access-logs-to-archive"
    return ArchivePlan(
        account=a.account_id,
        region=region,
        bucket=bucket,
        access_log_bucket=f"{spec.name}-log-archive-access-{a.account_id}",
        server_logs_bucket=f"{spec.name}-log-archive-s3logs-{a.account_id}",
        replication_role=replication_role,
        replication_role_arn=f"arn:aws:iam::{spec.aws.account_id}:role/aisec/{replication_role}",
        key_alias=alias,
        key_alias_arn=alias_arn,
        trail_key=a.kms_key_arn or alias_arn,
        break_glass=tuple(a.break_glass),
        deployers=tuple(a.deployers),
        root_user=ROOT_USER.format(account=a.account_id),
    )


def _stage(spec: Spec, wl: Workload, stage: Stage, rotation: int, access: AccessPlan) -> StagePlan:
    name, account, region = spec.name, spec.aws.account_id, spec.aws.region
    prefix = f"{name}-{wl.name}-{stage.value}"
    services = wl.effective_services
    log_group = f"/aisec/{name}/{wl.name}/{stage.value}"
    uses_sagemaker = Service.SAGEMAKER in services
    service_groups = tuple(
        g.format(prefix=prefix)
        for g in STAGE_SERVICE_LOGS[wl.type]
        if uses_sagemaker or not g.startswith("/aws/sagemaker/")
    )
    shared_groups = SHARED_SERVICE_LOGS[wl.type] if uses_sagemaker else ()
    roles: list[RolePlan] = []
    for key in PERSONAS_BY_TYPE[wl.type]:
        persona = PERSONAS[key]
        reads, writes, read_prefix = persona.reads, persona.writes, ""
        if persona.human and stage is Stage.PROD:
            reads, writes, read_prefix = PROD_HUMAN_READS, (), PROMOTED_PREFIX
        role_name = f"{prefix}-{persona.key}"
        roles.append(
            RolePlan(
                persona=persona.key,
                name=role_name,
                description=f"{wl.name} {stage.value}: {persona.title}",
                human=persona.human,
                service=persona.service,
                reads=reads,
                writes=writes,
                keys=tuple(d for d in BUCKET_DOMAINS if d in reads or d in writes),
                bedrock=Service.BEDROCK in services and not persona.human,
                ecr=Service.ECR in services and not persona.human,
                arn=f"arn:aws:iam::{account}:role{ROLE_PATH}{role_name}",
                read_prefix=read_prefix,
                outside_vpc=persona.outside_vpc,
                trusted=_people(spec, stage) if persona.human else (),
                source_arns=_source_arns(spec, persona.service, prefix) if persona.service else (),
                **(_vector_store(wl, stage) if key == "ingest" else {}),
            )
        )
    services_roles = tuple(r.persona for r in roles if r.service == "sagemaker.amazonaws.com")
    roles = [
        replace(r, pass_roles=services_roles) if r.human and stage is not Stage.PROD else r for r in roles
    ]
    sensitive = wl.data.sensitivity.rank >= Sensitivity.CONFIDENTIAL.rank
    vpc_ids = access.vpc_ids if sensitive else ()
    exempt = (*access.break_glass, access.macie_role)
    outside = tuple(r.arn for r in roles if r.outside_vpc)

    def perimeter(domain: str, users: tuple[str, ...]) -> Perimeter:
        return Perimeter(
            principals=(*users, *exempt) if domain in BUCKET_DOMAINS else (*users, *access.break_glass),
            managers=access.managers,
            lifecycle=access.managers,
            vpc_ids=vpc_ids,
            network_exempt=(*outside, *exempt),
        )

    via = tuple(f"{VIA_SERVICE[s]}.{region}.amazonaws.com" for s in services if s in VIA_SERVICE)
    job = _macie_job(wl, stage)
    notebook = notebook_plan(spec, wl, stage, prefix)
    keys = []
    for domain in KEY_DOMAINS:
        users = tuple(r for r in roles if domain in r.keys)
        key_perimeter = perimeter(domain, tuple(r.arn for r in users))
        if notebook is not None and domain == notebook.volume_key:
            # The deployer creates the notebook; SageMaker creates its volume's grant as the deployer.
            key_perimeter = replace(
                key_perimeter,
                grantors=access.deployers,
                grant_services=(f"sagemaker.{region}.amazonaws.com",),
            )
        keys.append(
            KeyPlan(
                domain=domain,
                alias=f"alias/aisec/{name}/{wl.name}/{stage.value}/{domain}",
                description=f"aisec {name}: {wl.name} {stage.value} {domain}",
                rotation_days=rotation,
                deletion_window_days=DELETION_WINDOW_DAYS[stage],
                user_personas=tuple(r.persona for r in users),
                macie_reads=job is not None and domain in job.domains,
                service_uses=(_logs_service_use(region, account, log_group, *service_groups),)
                if domain == "logs"
                else (),
                via_services=via if domain in BUCKET_DOMAINS else (),
                perimeter=key_perimeter,
            )
        )
    buckets = tuple(
        BucketPlan(
            domain,
            bucket_name(name, wl.name, stage.value, domain, account),
            f"{wl.name}/{stage.value}/{domain}/",
            perimeter=perimeter(
                domain, tuple(r.arn for r in roles if domain in r.reads or domain in r.writes)
            ),
            prefix_readers=tuple(
                (r.arn, r.read_prefix) for r in roles if r.read_prefix and domain in r.reads
            ),
        )
        for domain in BUCKET_DOMAINS
    )
    images = _images(spec, wl, stage, roles, access)
    if images is not None and images.repositories:
        keys.append(_images_key(spec, wl, stage, rotation, access))
    return StagePlan(
        stage=stage,
        ident=ident(wl.name, stage.value),
        prefix=prefix,
        keys=tuple(keys),
        buckets=buckets,
        roles=tuple(roles),
        log_group=log_group,
        macie_job=job,
        service_log_groups=service_groups,
        shared_log_groups=shared_groups,
        sagemaker=sagemaker_plan(spec, wl, stage),
        notebook=notebook,
        images=images,
    )


def _images(
    spec: Spec, wl: Workload, stage: Stage, roles: list[RolePlan], access: AccessPlan
) -> ImagesPlan | None:
    """The stage's image pulls: the spec's repositories or the stage's own namespace (so no stage
    pulls another's images), plus the repositories created there (ML-5, ML-6)."""
    pullers = tuple(r.arn for r in roles if r.ecr)
    if not pullers:
        return None
    namespace = ecr_stage_namespace(spec.name, wl.name, stage.value)
    images = wl.images
    pulls = tuple(images.repositories) if images and images.repositories else (f"{namespace}/*",)
    created = tuple(f"{namespace}/{n}" for n in images.create) if images else ()
    return ImagesPlan(
        pulls=pulls,
        image_accounts=access.image_accounts,
        repositories=created,
        pullers=pullers,
        pushers=tuple(images.pushers) if images else (),
        managers=access.managers,
        untagged_expiry_days=images.untagged_expiry_days if images else 14,
    )


def _images_key(spec: Spec, wl: Workload, stage: Stage, rotation: int, access: AccessPlan) -> KeyPlan:
    """A key of its own for the stage's repositories: ECR uses it through the grant it makes when
    the deployer creates a repository, so no role is a user; the deployers may create grants for
    AWS resources and nothing else, break-glass may use it (data keys would otherwise have to
    admit the deployer)."""
    return KeyPlan(
        domain="images",
        alias=f"alias/aisec/{spec.name}/{wl.name}/{stage.value}/images",
        description=f"aisec {spec.name}: {wl.name} {stage.value} container images (ECR)",
        rotation_days=rotation,
        deletion_window_days=DELETION_WINDOW_DAYS[stage],
        perimeter=Perimeter(
            principals=access.break_glass,
            managers=access.managers,
            lifecycle=access.managers,
            grantors=access.deployers,
            grant_services=(f"ecr.{spec.aws.region}.amazonaws.com",),
        ),
    )


def _detective(spec: Spec, retention: int) -> DetectivePlan:
    regimes = sorted(spec.regimes, key=lambda r: list(Regime).index(r))
    packs: dict[str, tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]] = {}
    # One pack per regime that adds rules to the baseline (ai-security adds none).
    chosen: list[Regime | None] = [r for r in regimes if r in CONFORMANCE_EXTRA] or [None]
    for regime in chosen:
        days = _strictest(RETENTION_DAYS, frozenset({regime}) if regime else frozenset(), longest=True)
        rules = []
        for rule, description in (*CONFORMANCE_BASE, *CONFORMANCE_EXTRA[regime]):
            params: tuple[tuple[str, str], ...] = ()
            if rule == "CW_LOGGROUP_RETENTION_PERIOD_CHECK":
                params = (("MinRetentionTime", str(days)),)
            elif rule == "ACCESS_KEYS_ROTATED":
                params = (("maxAccessKeyAge", "90"),)
            rules.append((rule, description, params))
        packs[regime.value if regime else "baseline"] = tuple(rules)
    return DetectivePlan(
        modes=MappingProxyType({name: spec.detective_mode(name) for name in DETECTIVE}),
        standards=(
            *SECURITY_HUB_STANDARDS,
            *(SECURITY_HUB_REGIME_STANDARDS[r] for r in regimes if r in SECURITY_HUB_REGIME_STANDARDS),
        ),
        conformance_packs=MappingProxyType(packs),
        flow_log_retention_days=retention,
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
