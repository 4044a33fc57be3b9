"""The parameters of the decisions, as tables: retention and rotation by regime, Macie schedules,
the monitoring filters, detective controls, workload logs, endpoints, personas, SageMaker launches
and generated notebooks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from generator.catalog import data_dir, load_yaml
from generator.spec import (
    Regime,
    Sensitivity,
    Service,
    Spec,
    Stage,
    Workload,
    WorkloadType,
)

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
