"""A workload and its services' settings: Bedrock (models, guardrail, vector store), notebooks,
container images and compute."""

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    field_validator,
)

from generator.catalog import load_yaml
from generator.spec.account import Data
from generator.spec.macie import DEFAULT_IDENTIFIERS, MacieIdentifier, MacieSettings
from generator.spec.types import (
    DEFAULT_SERVICES,
    DataCategory,
    LazyPattern,
    RoleArn,
    Service,
    Slug24,
    Stage,
    Strict,
    WorkloadType,
    _no_control_chars,
    _regex,
    _unique_list,
    empty_dict,
    empty_list,
)

MODEL_ID_RE = LazyPattern(r"^[a-z0-9][a-z0-9.-]{1,80}(:[a-z0-9.-]{1,20}){0,2}$")
# Categories whose workloads get a Bedrock guardrail unless the spec turns it off (bar 33).
GUARDRAIL_CATEGORIES = frozenset({DataCategory.PII, DataCategory.PHI, DataCategory.CARDHOLDER})


@dataclass(frozen=True)
class BedrockModels:
    """The dated table of foundation models per region (generator/data/bedrock_models.yaml)."""

    as_of: str
    source: str
    defaults: tuple[str, ...]
    regions: dict[str, frozenset[str]]  # model id -> regions offering it

    def offered(self, region: str) -> list[str]:
        return sorted(m for m, where in self.regions.items() if region in where)


def bedrock_models() -> BedrockModels:
    raw = load_yaml(
        (Path(__file__).parent.parent / "data" / "bedrock_models.yaml").read_text(encoding="utf-8")
    )
    return BedrockModels(
        as_of=str(raw["as_of"]),
        source=raw["source"],
        defaults=tuple(raw["defaults"]),
        regions={m: frozenset(r) for m, r in raw["models"].items()},
    )


AOSS_COLLECTION_RE = LazyPattern(r"^arn:aws:aoss:([a-z0-9-]+):(\d{12}):collection/[a-z0-9]{3,40}$")
RDS_CLUSTER_RE = LazyPattern(r"^arn:aws:rds:([a-z0-9-]+):(\d{12}):cluster:[a-z][a-z0-9-]{0,62}$")
SECRET_ARN_RE = LazyPattern(
    r"^arn:aws:secretsmanager:([a-z0-9-]+):(\d{12}):secret:[A-Za-z0-9/_+=.@-]{1,512}$"
)


class AuroraStore(Strict):
    """An Aurora PostgreSQL cluster (pgvector) the knowledge base queries through the RDS Data API."""

    cluster_arn: Annotated[
        str, _regex(RDS_CLUSTER_RE, "an Aurora cluster ARN such as arn:aws:rds:REGION:ACCOUNT:cluster:NAME")
    ] = Field(description="The cluster's ARN.")
    credentials_arn: Annotated[
        str,
        _regex(
            SECRET_ARN_RE,
            "a Secrets Manager secret ARN such as arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME",
        ),
    ] = Field(description="The secret holding the database credentials the knowledge base uses.")


class VectorStore(Strict):
    """Where a RAG workload's knowledge base keeps its embeddings: exactly one of these."""

    opensearch_serverless: (
        Annotated[
            str,
            _regex(
                AOSS_COLLECTION_RE,
                "an OpenSearch Serverless collection ARN such as arn:aws:aoss:REGION:ACCOUNT:collection/ID",
            ),
        ]
        | None
    ) = Field(default=None, description="The OpenSearch Serverless collection's ARN.")
    aurora: AuroraStore | None = Field(
        default=None, description="An Aurora PostgreSQL cluster and its secret."
    )

    @property
    def arns(self) -> tuple[tuple[tuple[str, ...], str], ...]:
        """(field path, ARN) of each resource named, for the account and region checks."""
        if self.opensearch_serverless is not None:
            return ((("opensearch_serverless",), self.opensearch_serverless),)
        if self.aurora is not None:
            return (
                (("aurora", "cluster_arn"), self.aurora.cluster_arn),
                (("aurora", "credentials_arn"), self.aurora.credentials_arn),
            )
        return ()


class BedrockSettings(Strict):
    """What a workload's roles may do with Amazon Bedrock."""

    models: (
        list[Annotated[str, _regex(MODEL_ID_RE, "a Bedrock model id such as amazon.titan-embed-text-v2:0")]]
        | None
    ) = Field(
        default=None,
        min_length=1,
        description="Foundation model ids the roles may invoke (InvokeModel and Converse); each must be offered "
        "in the region per the dated table generator/data/bedrock_models.yaml. Default: its defaults offered there.",
    )
    guardrail: bool | None = Field(
        default=None,
        description="Create a Bedrock guardrail and deny invocations without it. Default: on when the data "
        "includes pii, phi or cardholder.",
    )
    vector_stores: dict[Stage, VectorStore] = Field(
        default_factory=empty_dict,
        description="Per stage, the knowledge base's vector store (rag workloads): that stage's role may query "
        "and write that store only; stages never share one. A stage without one gets no vector-store rights.",
    )

    @field_validator("models")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        return _unique_list(value)  # type: ignore[no-any-return]


# SageMaker ML instance types: ml.<family>.<size> (e.g. ml.t3.medium, ml.g5.xlarge).
ML_INSTANCE_RE = LazyPattern(r"^ml\.[a-z][a-z0-9-]{1,15}\.[a-z0-9]{2,12}$")


class NotebookSettings(Strict):
    """A SageMaker notebook instance aisec generates per stage (bar 16): in the spec's VPC behind the
    compute security group, no direct internet, no root, the stage's datasets key, IMDSv2 only."""

    instance_type: Annotated[
        str, _regex(ML_INSTANCE_RE, "a SageMaker ML instance type such as ml.t3.medium (ml.<family>.<size>)")
    ] = Field(default="ml.t3.medium", description="ML instance type of the notebook instance (ml.*).")
    volume_size_gb: int = Field(
        default=20, ge=5, le=16384, description="Size of the notebook's encrypted ML storage volume, in GB."
    )
    stages: list[Stage] | None = Field(
        default=None,
        min_length=1,
        description="Stages that get a notebook instance. Default: the workload's stages other than prod "
        "(people do not work in prod).",
    )

    @field_validator("stages")
    @classmethod
    def _unique(cls, value: list[Stage] | None) -> list[Stage] | None:
        return _unique_list(value)  # type: ignore[no-any-return]


# ECR repository names (AWS: 2-256 characters, components of lowercase letters and digits joined by
# one of . _ - and namespaces by /); a pull pattern may end in * (a prefix), never be * alone.
ECR_NAME_RE = LazyPattern(r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*$")
ECR_PATTERN_RE = LazyPattern(r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*(?:[._/-]?\*)?$")


def _ecr_length(value: str) -> str:
    if not 2 <= len(value.rstrip("*")) <= 256:
        raise ValueError(f"{value!r}: ECR repository names have 2 to 256 characters")
    return value


EcrRepositoryPattern = Annotated[
    str,
    _regex(
        ECR_PATTERN_RE,
        "an ECR repository name or prefix pattern such as team/app or team/app/* (lowercase letters, "
        "digits, components joined by . _ - or /, an optional * only at the end)",
    ),
    AfterValidator(_ecr_length),
]
EcrRepositoryName = Annotated[
    str,
    _regex(
        ECR_NAME_RE, "an ECR repository name such as train or team/train (lowercase letters, digits, . _ - /)"
    ),
    AfterValidator(_ecr_length),
]


class Images(Strict):
    """Where a workload's roles pull container images from (ML-5), and the repositories the landing
    creates for each stage (ML-6)."""

    repositories: list[EcrRepositoryPattern] | None = Field(
        default=None,
        min_length=1,
        description="ECR repositories of this account the roles may pull from: names or prefix patterns "
        "ending in * (e.g. team/base-*). Default: the stage's own namespace <name>/<workload>/<stage>/*, so "
        "no stage pulls another's images. Other accounts' registries: network.image_accounts.",
    )
    create: list[EcrRepositoryName] = Field(
        default_factory=empty_list,
        description="Repositories the landing creates in every stage, as <name>/<workload>/<stage>/<entry>: "
        "tags immutable, scanned on push, encrypted with the stage's images key, untagged images expired, "
        "and a policy refusing everyone but the stage's roles, the pushers, the deployers and break-glass.",
    )
    pushers: list[RoleArn] = Field(
        default_factory=empty_list,
        description="Roles of this account that push images into the created repositories (your image "
        "build pipeline); default: the deployers only. With accounts: roles of the accounts holding the "
        "workload's stages, each account's repositories admitting its own, at least one per account.",
    )
    untagged_expiry_days: int = Field(
        default=14,
        ge=1,
        le=3650,
        description="Days after which untagged images of created repositories expire.",
    )

    @field_validator("repositories", "create", "pushers")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        return _unique_list(value)  # type: ignore[no-any-return]


class Compute(Strict):
    """SageMaker compute aisec generates for the workload (default: none; people launch their own
    inside the guardrails)."""

    notebook: NotebookSettings | None = Field(
        default=None, description="Generate a notebook instance per stage (workloads of type notebook)."
    )


class Workload(Strict):
    name: Slug24 = Field(description="Workload name; part of every resource name.")
    type: WorkloadType = Field(description="What the workload does.")
    description: Annotated[str, AfterValidator(_no_control_chars)] = Field(
        default="",
        max_length=256,
        description="Free text shown in the generated README and key descriptions.",
    )
    data: Data
    services: list[Service] | None = Field(
        default=None,
        description="AWS services used; defaults from the type (bedrock for rag, sagemaker otherwise).",
    )
    stages: list[Stage] = Field(
        default_factory=lambda: [Stage.DEV, Stage.TEST, Stage.PROD],
        min_length=1,
        description="Lifecycle stages, each isolated with its own roles, keys and buckets.",
    )
    bedrock: BedrockSettings | None = Field(
        default=None, description="Bedrock models and guardrail (workloads using the bedrock service)."
    )
    macie: MacieSettings | None = Field(
        default=None,
        description="Custom data identifiers, allow-listed words and suppression of synthetic-data findings "
        "for the Macie jobs of the workload's buckets.",
    )
    compute: Compute | None = Field(
        default=None, description="SageMaker compute aisec generates (default: none)."
    )
    images: Images | None = Field(
        default=None,
        description="Container images (workloads using the ecr service): the repositories the roles pull "
        "from and those the landing creates.",
    )

    @field_validator("stages", "services")
    @classmethod
    def _unique(cls, value: list[Any] | None) -> list[Any] | None:
        return _unique_list(value)  # type: ignore[no-any-return]

    def bedrock_models(self, region: str) -> tuple[str, ...]:
        """The model ids the roles may invoke: the spec's, or the table's defaults offered in the region."""
        if self.bedrock is not None and self.bedrock.models is not None:
            return tuple(self.bedrock.models)
        table = bedrock_models()
        return tuple(m for m in table.defaults if region in table.regions.get(m, ()))

    @property
    def bedrock_guardrail(self) -> bool:
        if self.bedrock is not None and self.bedrock.guardrail is not None:
            return self.bedrock.guardrail
        return bool(GUARDRAIL_CATEGORIES & set(self.data.categories))

    def macie_identifiers(self) -> tuple[MacieIdentifier, ...]:
        """The custom identifiers the workload's Macie jobs use: the categories' defaults (unless turned
        off), replaced or extended by the spec's, each with the workload's ignore words added."""
        settings = self.macie or MacieSettings()
        chosen: dict[str, MacieIdentifier] = {}
        if settings.default_identifiers:
            for category in self.data.categories:
                for identifier in DEFAULT_IDENTIFIERS.get(category, ()):
                    chosen.setdefault(identifier.name, identifier)
        for identifier in settings.identifiers:
            chosen[identifier.name] = identifier
        extra = settings.ignore_words
        return tuple(
            i.model_copy(
                update={"ignore_words": [*i.ignore_words, *(w for w in extra if w not in i.ignore_words)]}
            )
            for i in chosen.values()
        )

    @property
    def macie_archive_synthetic(self) -> bool:
        if self.macie is not None and self.macie.archive_synthetic is not None:
            return self.macie.archive_synthetic
        return self.data.non_production == "synthetic"

    @property
    def notebook_stages(self) -> tuple[Stage, ...]:
        """The stages that get a generated notebook instance (none unless the spec asks)."""
        nb = self.compute.notebook if self.compute is not None else None
        if nb is None:
            return ()
        chosen = nb.stages if nb.stages is not None else [st for st in self.stages if st is not Stage.PROD]
        return tuple(st for st in Stage if st in chosen)

    @property
    def effective_services(self) -> tuple[Service, ...]:
        chosen = set(self.services if self.services is not None else DEFAULT_SERVICES[self.type])
        chosen.add(Service.S3)  # every workload has its buckets
        return tuple(s for s in Service if s in chosen)
