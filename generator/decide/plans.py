"""What the decisions produce: the data perimeter's fixed names and the plans (keys, buckets, roles,
stages, workloads, foundation, detective, access) that make up :class:`Controls`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from generator.decide.requirements import Control
from generator.decide.tables import MetricFilter, NotebookPlan, SageMakerPlan
from generator.spec import (
    Service,
    Spec,
    Stage,
    Workload,
)

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
    # The workload account's key prefix in the server-logs bucket (its access logs' prefixes start
    # with it): the only one its replication role writes, and the only one its rule replicates.
    replica_prefix: str = ""

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


def ident(*parts: str) -> str:
    """An HCL identifier from slugs (slugs hold only [a-z0-9-], so this is injective)."""
    return "_".join(p.replace("-", "_") for p in parts)
