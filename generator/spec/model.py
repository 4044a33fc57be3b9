"""The spec itself (:class:`Spec`): module sources, state, cost assumptions and the workloads."""

import os
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from generator.spec.account import (
    Access,
    Accounts,
    Alerts,
    Aws,
    Detective,
    FoundationRefs,
    LogArchive,
    Network,
)
from generator.spec.types import (
    _PLUGINS_SETTING,
    CONSTRAINT_RE,
    GIT_URL_RE,
    KMS_KEY_REF_RE,
    REGISTRY_RE,
    STATE_KEY_RE,
    BucketName,
    ModuleName,
    Regime,
    RegionName,
    RoleArn,
    Slug24,
    Strict,
    TagKey,
    TagValue,
    WorkloadType,
    _none_means_empty,
    _regex,
    _unique_list,
    empty_dict,
    empty_list,
)
from generator.spec.workload import Workload


class ModuleSource(Strict):
    """Where the rendered root module takes the catalog's modules from."""

    mode: Literal["vendored", "git", "registry"] = Field(
        default="vendored",
        description="vendored: copied into the output (works offline); git: git::URL//modules/NAME?ref=modules/NAME/vX.Y.Z; "
        "registry: a private module registry, NAMESPACE/NAME/aws at the exact version.",
    )
    git_url: (
        Annotated[
            str, _regex(GIT_URL_RE, "an https://, ssh://git@ or file:/// URL of the catalog's repository")
        ]
        | None
    ) = None
    registry: (
        Annotated[str, _regex(REGISTRY_RE, "a registry host and namespace such as app.terraform.io/acme")]
        | None
    ) = None


class State(Strict):
    backend: Literal["local", "s3"] = "local"
    bucket: BucketName | None = None
    key: Annotated[str, _regex(STATE_KEY_RE, "an S3 object key")] | None = None
    region: RegionName | None = None
    kms_key_id: Annotated[str, _regex(KMS_KEY_REF_RE, "a KMS key ARN or alias/NAME")] | None = Field(
        default=None,
        description="The state's KMS key: alias/NAME (aisec bootstrap-state creates it) or an existing key's ARN; "
        "default alias/<name>-tfstate.",
    )
    users: list[RoleArn] = Field(
        default_factory=empty_list,
        description="Roles that run Terraform against this state (CI roles), besides the admin principals.",
    )

    def kms_key(self, landing: str) -> str:
        return self.kms_key_id or f"alias/{landing}-tfstate"


class CostAssumptions(Strict):
    """What the monthly estimate assumes; defaults are a small production workload."""

    data_gb: int = Field(
        default=100, ge=0, le=10_000_000, description="Dataset GB stored per workload stage."
    )
    artifact_gb: int = Field(
        default=20, ge=0, le=10_000_000, description="Model artifact GB per workload stage."
    )
    s3_requests: int = Field(default=1_000_000, ge=0, description="S3 requests per workload stage per month.")
    image_gb: int = Field(
        default=10,
        ge=0,
        le=10_000_000,
        description="GB of container images stored per workload stage whose repositories the landing creates.",
    )
    kms_requests: int = Field(
        default=200_000,
        ge=0,
        description="KMS requests per workload stage per month (bucket keys keep this low).",
    )
    endpoint_gb: int = Field(
        default=50, ge=0, description="GB per month through the interface endpoints (whole landing)."
    )
    log_gb: int = Field(default=10, ge=0, description="GB of logs ingested per month (whole landing).")
    access_log_gb: int = Field(
        default=2,
        ge=0,
        description="GB of S3 server access logs per month (whole landing; part of log_gb), "
        "stored a second time in the log archive when there is one.",
    )
    data_events: int = Field(
        default=2_000_000, ge=0, description="CloudTrail S3 data events per month (whole landing)."
    )
    macie_scanned_gb: int = Field(
        default=10,
        ge=0,
        description="GB Macie classifies per month per scanned workload stage (confidential or restricted data, "
        "and every rag corpus; new and changed objects).",
    )
    management_events: int = Field(
        default=1_000_000,
        ge=0,
        description="CloudTrail management events per month (GuardDuty and CloudTrail Insights analyse them).",
    )
    flow_log_gb: int = Field(default=5, ge=0, description="GB of VPC flow logs per month (the spec's VPC).")
    config_items: int = Field(
        default=5_000, ge=0, description="AWS Config configuration items recorded per month."
    )
    config_evaluations: int = Field(
        default=20_000, ge=0, description="Conformance pack rule evaluations per month (all packs)."
    )
    security_checks: int = Field(default=20_000, ge=0, description="Security Hub security checks per month.")
    iam_principals: int = Field(
        default=50, ge=0, description="IAM roles and users in the account (Access Analyzer's unused access)."
    )


class Spec(Strict):
    api_version: Literal["aisec/v1"] = Field(alias="apiVersion", description="Always aisec/v1.")
    name: Slug24 = Field(description="Name of the landing; prefix of every resource name.")
    aws: Aws
    compliance: Annotated[list[Regime], BeforeValidator(_none_means_empty)] = Field(
        default_factory=empty_list,
        description="Compliance regimes that apply (none, or several). Unset: ai-security (the AWS AI "
        "Security Framework) when a workload is rag or inference, otherwise none.",
    )
    network: Network
    foundation: Literal["create", "existing"] = Field(
        default="create",
        description="create the account-level trail, Macie account, endpoints and alert topic, "
        "or reference ones that exist (foundation_refs).",
    )
    foundation_refs: FoundationRefs | None = None
    log_archive: LogArchive | None = Field(
        default=None,
        description="Deliver the trail to a bucket in a separate log-archive account (rendered as log-archive/); "
        "without it the logs stay in the workload account.",
    )
    access: Access
    alerts: Alerts = Field(default_factory=lambda: Alerts())
    detective: Detective = Field(
        default_factory=lambda: Detective(),
        description="Account-level detective controls (GuardDuty, Security Hub, AWS Config, IAM Access "
        "Analyzer, VPC flow logs): create, check at plan time, or prerequisite.",
    )
    workloads: list[Workload] = Field(min_length=1)
    modules: dict[
        ModuleName, Annotated[str, _regex(CONSTRAINT_RE, "a version constraint such as '~> 1.0'")]
    ] = Field(default_factory=empty_dict, description="Version constraints per catalog module.")
    module_source: ModuleSource = Field(
        default_factory=lambda: ModuleSource(),
        description="Where the root module takes the catalog's modules from.",
    )
    state: State = Field(default_factory=lambda: State())
    layout: Literal["single", "stages"] = Field(
        default="single",
        description="single: one root module and one state for the whole landing; stages: a root module "
        "and a state for the foundation (foundation/) and for each stage (dev/, test/, prod/), the "
        "recommended layout for regulated data (needs foundation: create).",
    )
    accounts: Accounts | None = Field(
        default=None,
        description="An AWS account per stage (layout: stages, needs log_archive): a foundation root per account, "
        "every root's provider assuming a role in its account.",
    )
    cost: CostAssumptions = Field(
        default_factory=lambda: CostAssumptions(), description="Assumptions of the monthly estimate."
    )
    tags: dict[TagKey, TagValue] = Field(default_factory=empty_dict, description="Tags on every resource.")

    @model_validator(mode="before")
    @classmethod
    def _ai_security_by_default(cls, data: Any) -> Any:
        """compliance unset: the AWS AI Security Framework applies to rag and inference workloads (an
        explicit list, `none` included, is taken as written)."""
        if isinstance(data, dict) and "compliance" not in data and isinstance(data.get("workloads"), list):
            types = {w.get("type") for w in data["workloads"] if isinstance(w, dict)}
            if types & {WorkloadType.RAG.value, WorkloadType.INFERENCE.value}:
                return {**data, "compliance": [Regime.AI_SECURITY.value]}
        return data

    @field_validator("compliance")
    @classmethod
    def _unique(cls, value: list[Regime]) -> list[Regime]:
        return _unique_list(value)  # type: ignore[no-any-return]

    @property
    def regimes(self) -> frozenset[Regime]:
        return frozenset(self.compliance)

    @property
    def creates_foundation(self) -> bool:
        return self.foundation == "create"

    def backend_kms_key(self) -> str:
        """The state key as every root's backend names it: by ARN with ``accounts`` (an alias is
        looked up in the requester's account), else ``state.kms_key_id`` or the default alias."""
        arn = self.accounts.state_kms_key_arn if self.accounts is not None else None
        return arn or self.state.kms_key(self.name)

    def detective_mode(self, control: str) -> str:
        """create, check or prerequisite: the spec's choice, or the foundation's default."""
        return self.detective.mode(control, self.foundation)


if _PLUGINS_SETTING is None:  # the models are built: pydantic's plugin setting as it was
    del os.environ["PYDANTIC_DISABLE_PLUGINS"]
else:
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = _PLUGINS_SETTING
