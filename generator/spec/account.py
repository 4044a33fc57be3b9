"""The account-level parts of a spec: AWS account and region, network, the foundation it uses,
the log archive, human access, the detective controls, alerts and the data it holds."""

from typing import Annotated, Literal

from pydantic import (
    Field,
    field_validator,
)

from generator.spec.types import (
    SNS_ARN_RE,
    AccountId,
    BucketName,
    Cidr,
    DataCategory,
    Email,
    HumanAccess,
    KmsKeyArn,
    LazyPattern,
    PersonRef,
    RegionName,
    RoleArn,
    RouteTableId,
    Sensitivity,
    Stage,
    Strict,
    SubnetId,
    VpcId,
    _regex,
    _unique_list,
    empty_dict,
    empty_list,
)


# --------------------------------------------------------------------------- models
class Aws(Strict):
    region: RegionName = Field(description="AWS region of the landing.")
    account_id: AccountId = Field(
        description="12-digit AWS account id, quoted (the console's 1234-5678-9012 is accepted and stored "
        "as 12 digits)."
    )


class Network(Strict):
    """An existing VPC the workloads run in; aisec adds the private endpoints to it."""

    vpc_id: VpcId = Field(description="The VPC the endpoints go into.")
    vpc_cidr: Cidr = Field(
        description="The VPC's CIDR, a private (RFC 1918) range from /16 to /28; the only source allowed "
        "to reach the endpoints."
    )
    subnet_ids: list[SubnetId] = Field(
        min_length=2, description="Private subnets in at least two availability zones for the endpoints."
    )
    route_table_ids: list[RouteTableId] = Field(
        min_length=1, description="Route tables of those subnets, for the S3 gateway endpoint."
    )
    perimeter: bool = Field(
        default=True,
        description="Network perimeter: confidential and restricted data (keys and buckets) answers only "
        "requests from this VPC or made by AWS services on a principal's behalf. Turn off only while "
        "people have no in-VPC tooling yet; COMPLIANCE.md then says the data is reachable from anywhere "
        "with valid credentials.",
    )
    image_accounts: list[AccountId] = Field(
        default_factory=empty_list,
        description="Other AWS accounts whose ECR images the workloads pull through the endpoints "
        "(e.g. the regional account of SageMaker's prebuilt images); by default only this account's.",
    )

    @field_validator("subnet_ids", "route_table_ids")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return _unique_list(value)  # type: ignore[no-any-return]


class FoundationRefs(Strict):
    """What a team that owns the account-level resources elsewhere gives aisec instead."""

    access_log_bucket: BucketName = Field(description="Existing bucket receiving S3 server access logs.")
    alert_topic_arn: Annotated[str, _regex(SNS_ARN_RE, "an SNS topic ARN")] = Field(
        description="Existing encrypted SNS topic security alerts go to."
    )


class LogArchive(Strict):
    """A separate AWS account that receives the trail (AWS SRA / Control Tower's log archive): aisec
    renders its bucket and key as a second root module, log-archive/, applied there first."""

    account_id: AccountId = Field(
        description="The log-archive account's 12-digit id, quoted; not the workload's."
    )
    bucket: BucketName | None = Field(
        default=None, description="The archive bucket's name; default <name>-log-archive-<account_id>."
    )
    region: RegionName | None = Field(
        default=None, description="Region of the archive bucket and key; default the landing's region."
    )
    break_glass: list[RoleArn] = Field(
        min_length=1,
        description="Emergency roles of the log-archive account: the only ones that may delete archived logs "
        "or change the archive bucket's policy, lifecycle, versioning or Object Lock after it is created.",
    )
    kms_key_arn: KmsKeyArn | None = Field(
        default=None,
        description="The archive key's ARN (output archive_kms_key of log-archive/) once it exists: the trail then "
        "names the key itself; before, it names the key's alias ARN, which AWS reads back as the key ARN, "
        "so every plan shows that change until this is set.",
    )
    deployers: list[RoleArn] = Field(
        default_factory=empty_list,
        description="Roles of the log-archive account that apply log-archive/ and administer its key "
        "(never use it); default the account's root user only.",
    )


class Access(Strict):
    admin_principals: list[RoleArn] = Field(
        min_length=1, description="Roles that administer the keys (never use the data)."
    )
    human_access: HumanAccess = Field(
        default=HumanAccess.SSO,
        description="How people reach their roles: IAM Identity Center (sso) or IAM with MFA.",
    )
    people: dict[Stage, list[PersonRef]] = Field(
        default_factory=empty_dict,
        description="Who may assume the people's roles of each stage: IAM Identity Center permission set "
        "names (with sso) or IAM role/user ARNs. A stage left out defaults, with sso, to the permission "
        "set named <name>-<stage>; with iam-mfa every stage with people must be listed.",
    )
    deployers: list[RoleArn] = Field(
        default_factory=empty_list,
        description="Roles that run terraform apply: the only ones (with break_glass) that may change key "
        "policies, disable or delete data keys. Default: the apply role `aisec ci` creates "
        "(role/aisec-deploy/<name>-aisec-apply); add your own role to deploy from a workstation.",
    )
    break_glass: list[RoleArn] = Field(
        default_factory=empty_list,
        description="Emergency roles excepted from every data-perimeter Deny (their use is alarmed). "
        "Without one, the account's root user is the only way back in.",
    )

    @field_validator("people")
    @classmethod
    def _unique_people(cls, value: dict[Stage, list[str]]) -> dict[Stage, list[str]]:
        for stage, refs in value.items():
            if not refs:
                raise ValueError(f"{stage.value}: name at least one permission set or principal")
            if len(set(refs)) != len(refs):
                raise ValueError(f"{stage.value}: list entries must be unique")
        return value


class StageAccount(Strict):
    """A stage in an AWS account of its own (``accounts.stages``): the account, its VPC and its roles."""

    account_id: AccountId = Field(description="The stage's 12-digit account id, quoted; not aws.account_id.")
    network: Network = Field(description="The VPC of that account the stage's endpoints and compute use.")
    access: Access = Field(description="That account's key administrators, deployers and break-glass roles.")


class Accounts(Strict):
    """An account per stage (layout: stages): each account gets its own foundation root."""

    assume_role: Annotated[
        str,
        _regex(
            LazyPattern(r"^[A-Za-z0-9_+=,.@-]{1,64}$"),
            "an IAM role name (1-64 of letters, digits, + = , . @ _ -)",
        ),
    ] = Field(
        default="OrganizationAccountAccessRole",
        description="The role every root's provider assumes in its account (trusting the identity that runs "
        "Terraform); default the role AWS Organizations creates in each member account.",
    )
    stages: dict[Stage, StageAccount] = Field(
        min_length=1,
        description="The stages that live in an account of their own; the others stay in aws.account_id.",
    )
    state_kms_key_arn: KmsKeyArn | None = Field(
        default=None,
        description="With state.backend s3: the ARN of the state key `aisec bootstrap-state` created (its output "
        "state_kms_key), a key of aws.account_id in the state's region. Every root's backend names the key by "
        "this ARN: an alias would be looked up in the account of the role a stage account's root runs as. "
        "Required to render (not to bootstrap the state): run aisec bootstrap-state first.",
    )


DetectiveMode = Literal["create", "check", "prerequisite"]
# No AWS provider data source reads an AWS Config recorder, an Access Analyzer analyzer or a flow
# log, so those can be created or named as prerequisites, not checked at plan time.
UncheckableMode = Literal["create", "prerequisite"]
DETECTIVE_CONTROLS = ("guardduty", "security_hub", "config", "access_analyzer", "flow_logs")


class Detective(Strict):
    """Account-level detective controls: create them here, check at plan time that they exist, or
    list them in COMPLIANCE.md as prerequisites. Unset: create with foundation: create,
    prerequisite with foundation: existing."""

    guardduty: DetectiveMode | None = Field(
        default=None, description="Amazon GuardDuty with S3 protection: create, check or prerequisite."
    )
    security_hub: DetectiveMode | None = Field(
        default=None,
        description="AWS Security Hub with AWS Foundational Security Best Practices, CIS v3 and the "
        "regimes' standards (PCI DSS, NIST 800-53): create, check or prerequisite.",
    )
    config: UncheckableMode | None = Field(
        default=None,
        description="AWS Config recorder and one conformance pack per regime: create (needs foundation: "
        "create, whose config bucket receives the deliveries) or prerequisite.",
    )
    access_analyzer: UncheckableMode | None = Field(
        default=None,
        description="IAM Access Analyzer analyzers for external and unused access: create or prerequisite.",
    )
    flow_logs: UncheckableMode | None = Field(
        default=None,
        description="VPC flow logs of the spec's VPC to an encrypted log group kept per regime: create "
        "(needs foundation: create, whose audit key encrypts the group) or prerequisite.",
    )

    def mode(self, control: str, foundation: str) -> str:
        value = getattr(self, control)
        if value is not None:
            return str(value)
        return "create" if foundation == "create" else "prerequisite"


class Alerts(Strict):
    email: list[Email] = Field(
        default_factory=empty_list,
        description="Addresses subscribed to security alerts; at least one when compliance names a regime "
        "(unless foundation: existing, whose alert topic receives them).",
    )


class Data(Strict):
    sensitivity: Sensitivity = Field(description="The most sensitive data the workload touches.")
    categories: list[DataCategory] = Field(
        default_factory=empty_list, description="Kinds of regulated data present."
    )
    non_production: Literal["deidentified", "tokenized", "synthetic"] | None = Field(
        default=None,
        description="What dev and test hold of PHI or cardholder data, which people may read there: "
        "required for such data when a non-production stage has people.",
    )

    @field_validator("categories")
    @classmethod
    def _unique(cls, value: list[DataCategory]) -> list[DataCategory]:
        return _unique_list(value)  # type: ignore[no-any-return]
