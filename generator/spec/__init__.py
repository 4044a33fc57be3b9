"""The spec: pydantic models of one AWS account+region landing and the AI workloads in it.

This module is the single source of truth for the YAML format, the JSON Schema (`aisec
schema`), the wizard's questions and the documentation. Everything that can reach HCL is
validated here to a safe alphabet; the renderer escapes the few free-text fields on top.

Loading reports every problem at once as ``file: path.to.field: message`` lines.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from generator.catalog import load_yaml
from generator.errors import SpecError

API_VERSION = "aisec/v1"
MAX_SPEC_BYTES = 1_000_000


# --------------------------------------------------------------------------- vocabularies
class Regime(str, Enum):
    HIPAA = "hipaa"
    PCI_DSS = "pci-dss"
    GDPR = "gdpr"
    SOC2 = "soc2"
    FEDRAMP_MODERATE = "fedramp-moderate"
    AI_SECURITY = "ai-security"  # the AWS AI Security Framework (Prowler's catalogue)


class WorkloadType(str, Enum):
    TRAINING = "training"
    INFERENCE = "inference"
    RAG = "rag"
    BATCH = "batch"
    NOTEBOOK = "notebook"


class Sensitivity(str, Enum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"

    @property
    def rank(self) -> int:
        return list(Sensitivity).index(self)


class DataCategory(str, Enum):
    PHI = "phi"
    PII = "pii"
    CARDHOLDER = "cardholder"
    FINANCIAL = "financial"
    CREDENTIALS = "credentials"


class Service(str, Enum):
    SAGEMAKER = "sagemaker"
    BEDROCK = "bedrock"
    ECR = "ecr"
    S3 = "s3"


class Stage(str, Enum):
    DEV = "dev"
    TEST = "test"
    PROD = "prod"


class HumanAccess(str, Enum):
    SSO = "sso"
    IAM_MFA = "iam-mfa"


# Region facts the contradictions need. Bedrock (with Agents/Knowledge Bases) availability and
# the regions inside the FedRAMP Moderate boundary of the commercial partition (US East/West).
@dataclass(frozen=True)
class RegionInfo:
    bedrock: bool
    fedramp_moderate: bool


REGIONS: dict[str, RegionInfo] = {
    "us-east-1": RegionInfo(True, True),
    "us-east-2": RegionInfo(True, True),
    "us-west-1": RegionInfo(False, True),
    "us-west-2": RegionInfo(True, True),
    "ca-central-1": RegionInfo(True, False),
    "sa-east-1": RegionInfo(True, False),
    "eu-west-1": RegionInfo(True, False),
    "eu-west-2": RegionInfo(True, False),
    "eu-west-3": RegionInfo(True, False),
    "eu-central-1": RegionInfo(True, False),
    "eu-central-2": RegionInfo(False, False),
    "eu-north-1": RegionInfo(False, False),
    "eu-south-1": RegionInfo(False, False),
    "ap-south-1": RegionInfo(True, False),
    "ap-northeast-1": RegionInfo(True, False),
    "ap-northeast-2": RegionInfo(True, False),
    "ap-northeast-3": RegionInfo(False, False),
    "ap-southeast-1": RegionInfo(True, False),
    "ap-southeast-2": RegionInfo(True, False),
    "ap-east-1": RegionInfo(False, False),
    "me-south-1": RegionInfo(False, False),
    "af-south-1": RegionInfo(False, False),
}

# Which data categories need which minimum sensitivity, and which regime they imply.
CATEGORY_RULES: dict[DataCategory, tuple[Sensitivity, Regime | None]] = {
    DataCategory.PHI: (Sensitivity.RESTRICTED, Regime.HIPAA),
    DataCategory.CARDHOLDER: (Sensitivity.RESTRICTED, Regime.PCI_DSS),
    DataCategory.CREDENTIALS: (Sensitivity.RESTRICTED, None),
    DataCategory.PII: (Sensitivity.CONFIDENTIAL, None),
    DataCategory.FINANCIAL: (Sensitivity.CONFIDENTIAL, None),
}

DEFAULT_SERVICES: dict[WorkloadType, tuple[Service, ...]] = {
    WorkloadType.TRAINING: (Service.SAGEMAKER, Service.ECR, Service.S3),
    WorkloadType.INFERENCE: (Service.SAGEMAKER, Service.ECR, Service.S3),
    WorkloadType.RAG: (Service.BEDROCK, Service.S3),
    WorkloadType.BATCH: (Service.SAGEMAKER, Service.ECR, Service.S3),
    WorkloadType.NOTEBOOK: (Service.SAGEMAKER, Service.S3),
}

# Workload types with a role people assume (policy.PERSONAS_BY_TYPE; a test keeps the two in step).
TYPES_WITH_PEOPLE = frozenset(
    {WorkloadType.TRAINING, WorkloadType.INFERENCE, WorkloadType.RAG, WorkloadType.NOTEBOOK}
)
# Data people may read outside production only when de-identified, tokenized or synthetic.
NONPROD_GUARDED = frozenset({DataCategory.PHI, DataCategory.CARDHOLDER})

# Bucket name prefixes S3 reserves (general purpose bucket naming rules).
RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")

# Longest suffixes the generated names carry; the name checks below use them.
PERSONA_MAX = 8  # "pipeline", "notebook"
STAGE_MAX = 4  # "prod", "test"
BUCKET_DOMAIN_MAX = 9  # "artifacts"


# --------------------------------------------------------------------------- scalar types
SLUG_RE = re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$")
ACCOUNT_RE = re.compile(r"^\d{12}$")
ROLE_ARN_RE = re.compile(r"^arn:aws:iam::(\d{12}):role/(?:[A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$")
HUMAN_ARN_RE = re.compile(
    r"^arn:aws:iam::(\d{12}):(?:role|user)/(?:[A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$"
)
PERMISSION_SET_RE = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,32}$")
SNS_ARN_RE = re.compile(r"^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
TAG_KEY_RE = re.compile(r"^[\w .:/=+@-]{1,128}$")
TAG_VALUE_RE = re.compile(r"^[\w .:/=+@-]{0,256}$")
VPC_RE = re.compile(r"^vpc-[0-9a-f]{8,17}$")
SUBNET_RE = re.compile(r"^subnet-[0-9a-f]{8,17}$")
RTB_RE = re.compile(r"^rtb-[0-9a-f]{8,17}$")
STATE_KEY_RE = re.compile(r"^[A-Za-z0-9!_.*'()/-]{1,1024}$")
KMS_KEY_ARN_RE = re.compile(r"^arn:aws:kms:[a-z0-9-]+:(\d{12}):key/[0-9a-f-]{36}$")
KMS_KEY_REF_RE = re.compile(
    r"^(arn:aws:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+|alias/[A-Za-z0-9/_-]+)$"
)
GIT_URL_RE = re.compile(
    r"^(https://[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~-]+)+|ssh://git@[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~-]+)+"
    r"|file:///[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*)$"
)
REGISTRY_RE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?/[A-Za-z0-9_-]{1,64}$")
CONSTRAINT_RE = re.compile(r"^\s*(~>|>=|<=|!=|=|>|<)?\s*\d+(\.\d+){0,2}\s*$")


def _regex(pattern: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


def _slug(max_len: int) -> AfterValidator:
    def check(value: str) -> str:
        if not SLUG_RE.fullmatch(value) or len(value) > max_len:
            raise ValueError(
                f"{value!r} is not a valid name: use lowercase letters, digits and single dashes, "
                f"start with a letter, end with a letter or digit, at most {max_len} characters"
            )
        return value

    return AfterValidator(check)


# The AWS console shows account ids as 1234-5678-9012; a pasted one is accepted and stored as 12 digits.
DASHED_ACCOUNT_RE = re.compile(r"^(\d{4})-(\d{4})-(\d{4})$")


def _account_id(value: Any) -> Any:
    # YAML reads an unquoted 111122223333 as an int; a lost leading zero then fails the 12-digit rule.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and (dashed := DASHED_ACCOUNT_RE.fullmatch(value.strip())):
        return "".join(dashed.groups())
    return value


def _no_control_chars(value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must be a single line of printable text (no control characters)")
    return value


# A VPC's IPv4 CIDR block: AWS allows netmasks from /16 (65,536 addresses) to /28 (16 addresses).
VPC_PREFIX_MIN, VPC_PREFIX_MAX = 16, 28
RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def _cidr(value: str) -> str:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(
            f"{value!r} is not an IPv4 network in CIDR notation such as 10.0.0.0/16 ({exc})"
        ) from None
    if not any(net.subnet_of(r) for r in RFC1918):
        raise ValueError(
            f"{value!r} is not a private (RFC 1918) range: use one inside 10.0.0.0/8, 172.16.0.0/12 "
            "or 192.168.0.0/16"
        )
    if not VPC_PREFIX_MIN <= net.prefixlen <= VPC_PREFIX_MAX:
        raise ValueError(
            f"{value!r}: a VPC's CIDR block has a prefix from /{VPC_PREFIX_MIN} to /{VPC_PREFIX_MAX} "
            f"(AWS's limits), not /{net.prefixlen}"
        )
    return str(net)


def _no_aws_prefix(value: str) -> str:
    if value.lower().startswith("aws:"):
        raise ValueError("tag keys starting with 'aws:' are reserved by AWS")
    return value


def _none_means_empty(value: Any) -> Any:
    if value == "none" or value == ["none"] or value is None:
        return []
    return value


Slug24 = Annotated[str, _slug(24)]
AccountId = Annotated[
    str,
    BeforeValidator(_account_id),
    _regex(ACCOUNT_RE, "an AWS account id (12 digits, quoted, or the console's 1234-5678-9012)"),
]
RoleArn = Annotated[
    str, _regex(ROLE_ARN_RE, "an IAM role ARN such as arn:aws:iam::111122223333:role/PlatformAdmin")
]
Email = Annotated[str, _regex(EMAIL_RE, "an e-mail address")]
PersonRef = Annotated[
    str,
    _regex(
        re.compile(f"{PERMISSION_SET_RE.pattern}|{HUMAN_ARN_RE.pattern}"),
        "an IAM Identity Center permission set name (1-32 of letters, digits and + = , . @ _ -) "
        "or an IAM role or user ARN",
    ),
]
VpcId = Annotated[str, _regex(VPC_RE, "a VPC id such as vpc-0a1b2c3d4e5f60718")]
SubnetId = Annotated[str, _regex(SUBNET_RE, "a subnet id such as subnet-0a1b2c3d4e5f60718")]
RouteTableId = Annotated[str, _regex(RTB_RE, "a route table id such as rtb-0a1b2c3d4e5f60718")]
Cidr = Annotated[str, AfterValidator(_cidr)]
TagKey = Annotated[
    str,
    _regex(TAG_KEY_RE, "a tag key (1-128 of letters, digits, spaces and _ . : / = + - @)"),
    AfterValidator(_no_aws_prefix),
]
TagValue = Annotated[
    str, _regex(TAG_VALUE_RE, "a tag value (0-256 of letters, digits, spaces and _ . : / = + - @)")
]
BucketName = Annotated[
    str, _regex(BUCKET_RE, "an S3 bucket name (3-63 lowercase letters, digits, dots, dashes)")
]
RegionName = Literal[
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1",
    "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
    "ap-southeast-2", "ap-east-1", "me-south-1", "af-south-1",
]  # fmt: skip
ModuleName = Literal["iam", "kms", "macie", "privatelink", "audit", "storage", "detective", "compute"]


def _unique_list(value: Any) -> Any:
    """A list (or None) whose entries are all different; the message names the rule."""
    if value is not None and len(set(value)) != len(value):
        raise ValueError("list entries must be unique")
    return value


# pydantic looks for plugins (the entry points of every installed distribution: tens of
# milliseconds in a large environment) when it builds its first validator. The spec's models use
# none: they are built with plugins off, as typer builds its validators, and the setting is put
# back after the last model.
_PLUGINS_SETTING = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"


class Strict(BaseModel):
    """Base of every spec model: unknown keys are errors, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, use_enum_values=False)


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
        default_factory=list,
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
    kms_key_arn: (
        Annotated[str, _regex(KMS_KEY_ARN_RE, "a KMS key ARN such as arn:aws:kms:REGION:ACCOUNT:key/ID")]
        | None
    ) = Field(
        default=None,
        description="The archive key's ARN (output archive_kms_key of log-archive/) once it exists: the trail then "
        "names the key itself; before, it names the key's alias ARN, which AWS reads back as the key ARN, "
        "so every plan shows that change until this is set.",
    )
    deployers: list[RoleArn] = Field(
        default_factory=list,
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
        default_factory=dict,
        description="Who may assume the people's roles of each stage: IAM Identity Center permission set "
        "names (with sso) or IAM role/user ARNs. A stage left out defaults, with sso, to the permission "
        "set named <name>-<stage>; with iam-mfa every stage with people must be listed.",
    )
    deployers: list[RoleArn] = Field(
        default_factory=list,
        description="Roles that run terraform apply: the only ones (with break_glass) that may change key "
        "policies, disable or delete data keys. Default: the apply role `aisec ci` creates "
        "(role/aisec-deploy/<name>-aisec-apply); add your own role to deploy from a workstation.",
    )
    break_glass: list[RoleArn] = Field(
        default_factory=list,
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
        default_factory=list,
        description="Addresses subscribed to security alerts; at least one when compliance names a regime "
        "(unless foundation: existing, whose alert topic receives them).",
    )


class Data(Strict):
    sensitivity: Sensitivity = Field(description="The most sensitive data the workload touches.")
    categories: list[DataCategory] = Field(
        default_factory=list, description="Kinds of regulated data present."
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


# --------------------------------------------------------------------------- Macie identifiers
# Amazon Macie's limits for custom data identifiers (CreateCustomDataIdentifier, Macie user guide
# "Configuration options for custom data identifiers"): a regex of 1-512 characters in a PCRE subset
# without backreferences, capturing groups, conditionals, lookaround or flags; 1-50 keywords of 3-90
# characters (not case sensitive), 1-10 ignore words of 4-90 characters (case sensitive), a maximum
# match distance of 1-300 characters (default 50), and at most 30 custom identifiers per job.
MACIE_REGEX_MAX = 512
MACIE_KEYWORDS_MAX = 50
MACIE_IGNORE_WORDS_MAX = 10
MACIE_IDENTIFIERS_PER_JOB = 30
MACIE_MIN_MATCH = 4  # shortest text an identifier may match: fewer characters match nearly anything


def _walk_regex(items: Any) -> Iterable[tuple[Any, Any]]:
    import re._parser as sre  # the stdlib's own parser: the same reading re.compile makes

    for item in items:
        if isinstance(item, sre.SubPattern):
            yield from _walk_regex(item.data)
        elif isinstance(item, tuple) and len(item) == 2 and not isinstance(item[0], (tuple, list)):
            op, av = item
            yield op, av
            yield from _walk_regex(av if isinstance(av, (list, tuple)) else [av])
        elif isinstance(item, (list, tuple)):
            yield from _walk_regex(item)


def macie_regex_problem(pattern: str) -> str | None:
    """Why Macie would refuse ``pattern``, or why it is too trivial to use; None when it is fine.

    Python's ``re`` stands in for Macie's PCRE subset: both must compile it, and the constructs Macie
    does not support are refused by name.
    """
    import re._constants as c
    import re._parser as sre

    if not 1 <= len(pattern) <= MACIE_REGEX_MAX:
        return f"must be 1-{MACIE_REGEX_MAX} characters (Macie's limit), not {len(pattern)}"
    try:
        compiled = re.compile(pattern)
        parsed = sre.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"does not compile as a regular expression: {exc}"
    if parsed.state.flags & ~c.SRE_FLAG_UNICODE:
        return "inline flags such as (?i) are not supported by Macie; keywords are already case insensitive"
    for op, av in _walk_regex(parsed.data):
        if op is c.SUBPATTERN:
            group, add_flags, del_flags, _ = av
            if group is not None:
                return "capturing groups are not supported by Macie; write (?:...) instead of (...)"
            if add_flags or del_flags:
                return "inline flags such as (?i:...) are not supported by Macie"
        elif op in (c.GROUPREF, c.GROUPREF_EXISTS):
            return "backreferences and conditional patterns are not supported by Macie"
        elif op in (c.ASSERT, c.ASSERT_NOT):
            return "lookahead and lookbehind assertions are not supported by Macie"
    if compiled.fullmatch("") is not None or compiled.search("") is not None:
        return "matches the empty string, so it would match everywhere"
    shortest = parsed.getwidth()[0]
    if shortest < MACIE_MIN_MATCH:
        return (
            f"can match as few as {shortest} character(s); a custom data identifier must match at least "
            f"{MACIE_MIN_MATCH}, or it reports nearly any text"
        )
    return None


def _macie_regex(value: str) -> str:
    _no_control_chars(value)
    problem = macie_regex_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _length(low: int, high: int, what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not low <= len(value) <= high:
            raise ValueError(f"{what} must be {low}-{high} characters (Macie's limit), not {len(value)}")
        return value

    return AfterValidator(check)


MacieKeyword = Annotated[str, AfterValidator(_no_control_chars), _length(3, 90, "a keyword")]
MacieIgnoreWord = Annotated[str, AfterValidator(_no_control_chars), _length(4, 90, "an ignore word")]


class MacieIdentifier(Strict):
    """A Macie custom data identifier: a pattern Macie reports in addition to its managed ones."""

    name: Annotated[str, _slug(32)] = Field(
        description="Identifier name (the workload's name is prefixed); one of the data categories' "
        "defaults (mrn, merchant-id, account-number) replaces that default."
    )
    regex: Annotated[str, AfterValidator(_macie_regex)] = Field(
        description="Pattern to report, in Macie's PCRE subset (no capturing groups, backreferences, "
        "lookaround or flags), 1-512 characters, matching at least 4 characters and never the empty string.",
    )
    keywords: Annotated[list[MacieKeyword], AfterValidator(_unique_list)] = Field(
        default_factory=list,
        max_length=MACIE_KEYWORDS_MAX,
        description="Words (3-90 characters, not case sensitive) one of which must precede a match within "
        "maximum_match_distance characters; empty: every match is reported.",
    )
    ignore_words: Annotated[list[MacieIgnoreWord], AfterValidator(_unique_list)] = Field(
        default_factory=list,
        max_length=MACIE_IGNORE_WORDS_MAX,
        description="Matches containing one of these (4-90 characters, case sensitive) are not reported.",
    )
    maximum_match_distance: int = Field(
        default=50, ge=1, le=300, description="Most characters between a keyword's end and the match's end."
    )
    description: Annotated[str, AfterValidator(_no_control_chars)] = Field(
        default="", max_length=512, description="What the identifier finds (shown in Macie)."
    )


# Account numbers look the same for card and other financial data: one identifier serves both.
ACCOUNT_NUMBER = MacieIdentifier(
    name="account-number",
    regex=r"\b[0-9]{6,17}\b",
    keywords=["account number", "account no", "acct", "account id", "customer account", "account_number"],
    maximum_match_distance=20,
    description="Customer or card account number: 6-17 digits near account number, acct or account id.",
)
# The custom data identifiers each data category adds to Macie's managed ones (bar 34): record and
# account numbers whose format is the organization's own, which no managed identifier knows. Each
# needs a keyword close before it, so plain numbers elsewhere are not reported.
DEFAULT_IDENTIFIERS: dict[DataCategory, tuple[MacieIdentifier, ...]] = {
    DataCategory.PHI: (
        MacieIdentifier(
            name="mrn",
            regex=r"\b[A-Z]{0,3}-?[0-9]{6,10}\b",
            keywords=[
                "MRN",
                "medical record",
                "medical record number",
                "med rec",
                "patient id",
                "patient number",
                "chart number",
                "health record",
            ],
            maximum_match_distance=30,
            description="Medical record number: 6-10 digits, optionally after a prefix of up to 3 capitals, "
            "near MRN, medical record, patient id or chart number.",
        ),
    ),
    DataCategory.CARDHOLDER: (
        MacieIdentifier(
            name="merchant-id",
            regex=r"\b[0-9]{8,16}\b",
            keywords=[
                "merchant id",
                "merchant number",
                "merchant no",
                "MID",
                "merchant_id",
                "card acceptor id",
            ],
            maximum_match_distance=20,
            description="Merchant identifier (MID): 8-16 digits near merchant id, MID or card acceptor id.",
        ),
        ACCOUNT_NUMBER,
    ),
    DataCategory.FINANCIAL: (ACCOUNT_NUMBER,),
}


class MacieSettings(Strict):
    """What Macie looks for in the workload's buckets, beyond its managed data identifiers."""

    default_identifiers: bool = Field(
        default=True,
        description="Use the data categories' default custom identifiers (phi: mrn; cardholder: merchant-id "
        "and account-number; financial: account-number).",
    )
    identifiers: list[MacieIdentifier] = Field(
        default_factory=list,
        description="More custom data identifiers; one named like a default replaces it.",
    )
    ignore_words: Annotated[list[MacieIgnoreWord], AfterValidator(_unique_list)] = Field(
        default_factory=list,
        max_length=MACIE_IGNORE_WORDS_MAX,
        description="Allow list of literal text (4-90 characters, case sensitive, e.g. the marker of your "
        "synthetic records) added to every custom identifier's ignore words.",
    )
    archive_synthetic: bool | None = Field(
        default=None,
        description="Archive (suppress) sensitive-data findings in the dev and test buckets, which hold "
        "synthetic data: they still exist in Macie and the exported results but raise no alert. Default: "
        "on when data.non_production is synthetic.",
    )


MODEL_ID_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,80}(:[a-z0-9.-]{1,20}){0,2}$")
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


AOSS_COLLECTION_RE = re.compile(r"^arn:aws:aoss:([a-z0-9-]+):(\d{12}):collection/[a-z0-9]{3,40}$")
RDS_CLUSTER_RE = re.compile(r"^arn:aws:rds:([a-z0-9-]+):(\d{12}):cluster:[a-z][a-z0-9-]{0,62}$")
SECRET_ARN_RE = re.compile(r"^arn:aws:secretsmanager:([a-z0-9-]+):(\d{12}):secret:[A-Za-z0-9/_+=.@-]{1,512}$")


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
        default_factory=dict,
        description="Per stage, the knowledge base's vector store (rag workloads): that stage's role may query "
        "and write that store only; stages never share one. A stage without one gets no vector-store rights.",
    )

    @field_validator("models")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        return _unique_list(value)  # type: ignore[no-any-return]


# SageMaker ML instance types: ml.<family>.<size> (e.g. ml.t3.medium, ml.g5.xlarge).
ML_INSTANCE_RE = re.compile(r"^ml\.[a-z][a-z0-9-]{1,15}\.[a-z0-9]{2,12}$")


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
ECR_NAME_RE = re.compile(r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*$")
ECR_PATTERN_RE = re.compile(r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*(?:[._/-]?\*)?$")


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
        default_factory=list,
        description="Repositories the landing creates in every stage, as <name>/<workload>/<stage>/<entry>: "
        "tags immutable, scanned on push, encrypted with the stage's images key, untagged images expired, "
        "and a policy refusing everyone but the stage's roles, the pushers, the deployers and break-glass.",
    )
    pushers: list[RoleArn] = Field(
        default_factory=list,
        description="Roles of this account that push images into the created repositories (your image "
        "build pipeline); default: the deployers only.",
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
        default_factory=list,
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
        default_factory=list,
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
    alerts: Alerts = Field(default_factory=Alerts)
    detective: Detective = Field(
        default_factory=Detective,
        description="Account-level detective controls (GuardDuty, Security Hub, AWS Config, IAM Access "
        "Analyzer, VPC flow logs): create, check at plan time, or prerequisite.",
    )
    workloads: list[Workload] = Field(min_length=1)
    modules: dict[
        ModuleName, Annotated[str, _regex(CONSTRAINT_RE, "a version constraint such as '~> 1.0'")]
    ] = Field(default_factory=dict, description="Version constraints per catalog module.")
    module_source: ModuleSource = Field(
        default_factory=ModuleSource, description="Where the root module takes the catalog's modules from."
    )
    state: State = Field(default_factory=State)
    layout: Literal["single", "stages"] = Field(
        default="single",
        description="single: one root module and one state for the whole landing; stages: a root module "
        "and a state for the foundation (foundation/) and for each stage (dev/, test/, prod/), the "
        "recommended layout for regulated data (needs foundation: create).",
    )
    cost: CostAssumptions = Field(
        default_factory=CostAssumptions, description="Assumptions of the monthly estimate."
    )
    tags: dict[TagKey, TagValue] = Field(default_factory=dict, description="Tags on every resource.")

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

    def detective_mode(self, control: str) -> str:
        """create, check or prerequisite: the spec's choice, or the foundation's default."""
        return self.detective.mode(control, self.foundation)


if _PLUGINS_SETTING is None:  # the models are built: pydantic's plugin setting as it was
    del os.environ["PYDANTIC_DISABLE_PLUGINS"]
else:
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = _PLUGINS_SETTING


# --------------------------------------------------------------------------- contradictions
@dataclass(frozen=True)
class Problem:
    loc: tuple[str | int, ...]
    message: str

    def render(self, source: str) -> str:
        return f"{source}: {format_loc(self.loc)}: {self.message}"

    def record(self, source: str) -> dict[str, str | None]:
        return {"file": source, "field": format_loc(self.loc), "message": self.message}


def format_loc(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def role_name(spec_name: str, workload: str, stage: str, persona: str) -> str:
    return f"{spec_name}-{workload}-{stage}-{persona}"


# The roles `aisec ci` renders live under their own path, out of reach of the IAM rights they hold
# over the landing's roles (/aisec/); the apply role is the landing's default deployer.
DEPLOY_PATH = "/aisec-deploy/"


def ci_role_name(spec_name: str, kind: Literal["plan", "apply"], root: str = "") -> str:
    """The CI role of a landing (``NAME-aisec-apply``) or, for ``layout: stages``, of one of its
    roots (``NAME-aisec-dev-apply``, ``NAME-aisec-foundation-plan``)."""
    return f"{spec_name}-aisec-{root}-{kind}" if root else f"{spec_name}-aisec-{kind}"


def ci_role_arn(account_id: str, spec_name: str, kind: Literal["plan", "apply"], root: str = "") -> str:
    return f"arn:aws:iam::{account_id}:role{DEPLOY_PATH}{ci_role_name(spec_name, kind, root)}"


def bucket_name(spec_name: str, workload: str, stage: str, domain: str, account_id: str) -> str:
    return f"{spec_name}-{workload}-{stage}-{domain}-{account_id}"


def ecr_stage_namespace(spec_name: str, workload: str, stage: str) -> str:
    """The stage's own ECR namespace: the default pull pattern and the prefix of created repositories."""
    return f"{spec_name}/{workload}/{stage}"


def _images_problems(spec: Spec, wl: Workload, where: tuple[str | int, ...]) -> list[Problem]:
    images = wl.images
    if images is None:
        return []
    if Service.ECR not in wl.effective_services:
        return [Problem((*where, "images"), "only for workloads using the ecr service (add it to services)")]
    problems = []
    for j, arn in enumerate(images.pushers):
        m = ROLE_ARN_RE.match(arn)
        if m and m.group(1) != spec.aws.account_id:
            problems.append(
                Problem(
                    (*where, "images", "pushers", j), f"must be a role of this account {spec.aws.account_id}"
                )
            )
    if images.pushers and not images.create:
        problems.append(
            Problem((*where, "images", "pushers"), "only with images.create (repositories to push to)")
        )
    longest = ecr_stage_namespace(spec.name, wl.name, "x" * STAGE_MAX)
    for j, name in enumerate(images.create):
        if len(f"{longest}/{name}") > 256:
            problems.append(
                Problem(
                    (*where, "images", "create", j),
                    f"the repository name {longest}/{name} would exceed ECR's 256 characters",
                )
            )
    return problems


def _bedrock_problems(spec: Spec, wl: Workload, where: tuple[str | int, ...]) -> list[Problem]:
    if Service.BEDROCK not in wl.effective_services:
        if wl.bedrock is not None:
            return [
                Problem(
                    (*where, "bedrock"), "only for workloads using the bedrock service (add it to services)"
                )
            ]
        return []
    problems = _vector_store_problems(spec, wl, where)
    table = bedrock_models()
    offered = table.offered(spec.aws.region)
    if wl.bedrock is None or wl.bedrock.models is None:
        if REGIONS[spec.aws.region].bedrock and not wl.bedrock_models(spec.aws.region):
            problems.append(
                Problem(
                    (*where, "bedrock", "models"), f"name the models to allow, one of: {', '.join(offered)}"
                )
            )
        return problems
    return problems + [
        Problem(
            (*where, "bedrock", "models", j),
            f"{model!r} is not offered in {spec.aws.region} per the model table of {table.as_of}; "
            f"allowed: {', '.join(offered) or 'none'}",
        )
        for j, model in enumerate(wl.bedrock.models)
        if model not in offered
    ]


def _vector_store_problems(spec: Spec, wl: Workload, where: tuple[str | int, ...]) -> list[Problem]:
    """Knowledge bases' stores: rag only, one kind each, per stage, never shared between stages, in
    the landing's account and region."""
    stores = wl.bedrock.vector_stores if wl.bedrock is not None else {}
    if not stores:
        return []
    at = (*where, "bedrock", "vector_stores")
    if wl.type is not WorkloadType.RAG:
        return [Problem(at, "only for rag workloads (their knowledge bases' stores)")]
    problems = []
    seen: dict[str, Stage] = {}
    for stage, store in stores.items():
        here = (*at, stage.value)
        if stage not in wl.stages:
            problems.append(
                Problem(here, f"not a stage of this workload ({', '.join(s.value for s in wl.stages)})")
            )
        if (store.opensearch_serverless is None) == (store.aurora is None):
            problems.append(Problem(here, "name exactly one of opensearch_serverless or aurora"))
        for field, arn in store.arns:
            region, account = arn.split(":")[3:5]
            if (region, account) != (spec.aws.region, spec.aws.account_id):
                problems.append(
                    Problem(
                        (*here, *field),
                        f"must be in the landing's account {spec.aws.account_id} and region {spec.aws.region} "
                        f"(a knowledge base uses a store of its own account and region), not {account} {region}",
                    )
                )
            if field[-1] != "credentials_arn" and arn in seen:
                problems.append(
                    Problem(
                        (*here, *field),
                        f"already the store of {seen[arn].value}: stages never share a vector store "
                        "(it would mix their data)",
                    )
                )
            seen.setdefault(arn, stage)
    return problems


def macie_scanned(wl: Workload) -> bool:
    """Whether Macie jobs classify the workload's buckets: confidential and restricted data, and the
    corpus of every RAG workload whatever its label (what the model retrieves reaches its answers)."""
    return wl.data.sensitivity.rank >= Sensitivity.CONFIDENTIAL.rank or wl.type is WorkloadType.RAG


def _macie_problems(wl: Workload, where: tuple[str | int, ...]) -> list[Problem]:
    settings = wl.macie
    if settings is None:
        return []
    here = (*where, "macie")
    if not macie_scanned(wl):
        return [
            Problem(
                here,
                f"no Macie job scans this workload ({wl.data.sensitivity.value} data, type {wl.type.value}): "
                "Macie runs for confidential or restricted data and for rag corpora; remove macie",
            )
        ]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for j, identifier in enumerate(settings.identifiers):
        if identifier.name in seen:
            problems.append(
                Problem(
                    (*here, "identifiers", j, "name"),
                    f"duplicate identifier name {identifier.name!r} (also identifiers[{seen[identifier.name]}])",
                )
            )
        seen.setdefault(identifier.name, j)
    chosen = wl.macie_identifiers()
    if len(chosen) > MACIE_IDENTIFIERS_PER_JOB:
        problems.append(
            Problem(
                (*here, "identifiers"),
                f"{len(chosen)} custom identifiers with the defaults; a Macie job takes at most "
                f"{MACIE_IDENTIFIERS_PER_JOB}",
            )
        )
    for identifier in chosen:
        if len(identifier.ignore_words) > MACIE_IGNORE_WORDS_MAX:
            problems.append(
                Problem(
                    (*here, "ignore_words"),
                    f"identifier {identifier.name!r} would have {len(identifier.ignore_words)} ignore words "
                    f"with these; Macie allows at most {MACIE_IGNORE_WORDS_MAX}",
                )
            )
    if settings.archive_synthetic and wl.data.non_production != "synthetic":
        problems.append(
            Problem(
                (*here, "archive_synthetic"),
                "only when data.non_production is synthetic: findings in dev and test are real otherwise",
            )
        )
    return problems


def _notebook_problems(spec: Spec, wl: Workload, where: tuple[str | int, ...]) -> list[Problem]:
    nb = wl.compute.notebook if wl.compute is not None else None
    if nb is None:
        return []
    at = (*where, "compute", "notebook")
    if wl.type is not WorkloadType.NOTEBOOK:
        return [
            Problem(
                at, f"only for workloads of type notebook (its role runs the notebook), not {wl.type.value}"
            )
        ]
    if Service.SAGEMAKER not in wl.effective_services:
        return [Problem(at, "only for workloads using the sagemaker service (add it to services)")]
    if not spec.creates_foundation:
        return [
            Problem(
                at, "needs foundation: create (the notebook runs in the landing's compute security group)"
            )
        ]
    problems = []
    for j, st in enumerate(nb.stages or []):
        if st is Stage.PROD:
            problems.append(
                Problem(
                    (*at, "stages", j), "prod gets no notebook: people do not work in prod; use dev or test"
                )
            )
        elif st not in wl.stages:
            problems.append(
                Problem(
                    (*at, "stages", j),
                    f"{st.value} is not a stage of this workload ({', '.join(s.value for s in wl.stages)})",
                )
            )
    if nb.stages is None and not wl.notebook_stages:
        problems.append(
            Problem(at, "the workload has only prod, which gets no notebook; add dev or test to its stages")
        )
    return problems


def consistency_problems(spec: Spec) -> list[Problem]:
    """Cross-field rules: contradictions and AWS name limits. Empty when the spec is coherent."""
    problems: list[Problem] = []
    region = REGIONS[spec.aws.region]
    regimes = spec.regimes

    if Regime.FEDRAMP_MODERATE in regimes and not region.fedramp_moderate:
        problems.append(
            Problem(
                ("aws", "region"),
                f"fedramp-moderate needs a region inside the FedRAMP Moderate boundary "
                f"({', '.join(r for r, i in REGIONS.items() if i.fedramp_moderate)}), not {spec.aws.region}",
            )
        )
    if spec.foundation == "existing" and spec.foundation_refs is None:
        problems.append(
            Problem(
                ("foundation_refs",),
                "foundation: existing needs foundation_refs (access_log_bucket, alert_topic_arn)",
            )
        )
    if spec.layout == "stages" and spec.foundation == "existing":
        problems.append(
            Problem(
                ("layout",),
                "stages needs foundation: create (the foundation/ root holds the account-level "
                "resources); with foundation: existing use layout: single",
            )
        )
    if spec.foundation == "create" and spec.foundation_refs is not None:
        problems.append(
            Problem(("foundation_refs",), "foundation_refs is only allowed with foundation: existing")
        )
    for control, needs in (
        ("config", "its delivery bucket"),
        ("flow_logs", "the audit key of its log group"),
    ):
        if spec.foundation == "existing" and getattr(spec.detective, control) == "create":
            problems.append(
                Problem(
                    ("detective", control),
                    f"create needs foundation: create ({needs} is a foundation resource); "
                    "with foundation: existing use prerequisite",
                )
            )
    archive = spec.log_archive
    if archive is not None:
        if archive.account_id == spec.aws.account_id:
            problems.append(
                Problem(("log_archive", "account_id"), "must be another account than aws.account_id")
            )
        if spec.foundation == "existing":
            problems.append(
                Problem(("log_archive",), "only with foundation: create (the trail is then aisec's)")
            )
        key = KMS_KEY_ARN_RE.match(archive.kms_key_arn or "")
        if key and key.group(1) != archive.account_id:
            problems.append(
                Problem(
                    ("log_archive", "kms_key_arn"),
                    f"must be a key of the log-archive account {archive.account_id}",
                )
            )
        for field in ("break_glass", "deployers"):
            for i, arn in enumerate(getattr(archive, field)):
                m = ROLE_ARN_RE.match(arn)
                if m and m.group(1) != archive.account_id:
                    problems.append(
                        Problem(
                            ("log_archive", field, i),
                            f"must be a role of the log-archive account {archive.account_id}",
                        )
                    )
    source = spec.module_source
    needed = {"git": "git_url", "registry": "registry"}.get(source.mode)
    if needed and getattr(source, needed) is None:
        problems.append(
            Problem(("module_source", needed), f"required when module_source.mode is {source.mode}")
        )
    for field in ("git_url", "registry"):
        if field != needed and getattr(source, field) is not None:
            problems.append(
                Problem(("module_source", field), f"not used with module_source.mode {source.mode}")
            )
    if spec.state.backend == "s3":
        for field in ("bucket", "key"):
            if getattr(spec.state, field) is None:
                problems.append(Problem(("state", field), "required when state.backend is s3"))
    elif (
        any(
            v is not None
            for v in (spec.state.bucket, spec.state.key, spec.state.region, spec.state.kms_key_id)
        )
        or spec.state.users
    ):
        problems.append(
            Problem(("state",), "bucket, key, region, kms_key_id and users are only allowed with backend: s3")
        )

    problems += _people_problems(spec)
    problems += _alert_problems(spec)

    reserved = next((p for p in RESERVED_BUCKET_PREFIXES if spec.name.startswith(p)), None)
    if reserved is not None:
        problems.append(
            Problem(
                ("name",),
                f"bucket names are prefixed with the spec name, and S3 reserves names starting with {reserved!r}",
            )
        )
    seen: dict[str, int] = {}
    for i, wl in enumerate(spec.workloads):
        where: tuple[str | int, ...] = ("workloads", i)
        if wl.name in seen:
            problems.append(
                Problem(
                    (*where, "name"), f"duplicate workload name {wl.name!r} (also workloads[{seen[wl.name]}])"
                )
            )
        seen.setdefault(wl.name, i)
        sens = wl.data.sensitivity
        if sens is Sensitivity.PUBLIC and (regimes & {Regime.HIPAA, Regime.PCI_DSS}):
            problems.append(
                Problem(
                    (*where, "data", "sensitivity"),
                    "public data contradicts hipaa/pci-dss in compliance; use internal, confidential or restricted",
                )
            )
        for category in wl.data.categories:
            minimum, regime = CATEGORY_RULES[category]
            if sens.rank < minimum.rank:
                problems.append(
                    Problem(
                        (*where, "data", "sensitivity"),
                        f"{category.value} data needs sensitivity {minimum.value} or stricter, not {sens.value}",
                    )
                )
            if regime is not None and regime not in regimes:
                problems.append(
                    Problem(
                        (*where, "data", "categories"),
                        f"{category.value} data requires {regime.value} in compliance",
                    )
                )
        guarded = sorted(c.value for c in wl.data.categories if c in NONPROD_GUARDED)
        nonprod_people = wl.type in TYPES_WITH_PEOPLE and any(st is not Stage.PROD for st in wl.stages)
        if guarded and nonprod_people and wl.data.non_production is None:
            problems.append(
                Problem(
                    (*where, "data", "non_production"),
                    f"people read the datasets of {', '.join(st.value for st in wl.stages if st is not Stage.PROD)}: "
                    f"with {' and '.join(guarded)} data, state what those stages hold "
                    "(deidentified, tokenized or synthetic), or keep the workload to prod",
                )
            )
        problems.extend(_bedrock_problems(spec, wl, where))
        problems.extend(_macie_problems(wl, where))
        problems.extend(_notebook_problems(spec, wl, where))
        problems.extend(_images_problems(spec, wl, where))
        if Service.BEDROCK in wl.effective_services and not region.bedrock:
            problems.append(
                Problem(
                    (*where, "services"),
                    f"Amazon Bedrock (with Agents and Knowledge Bases) is not offered in {spec.aws.region}; "
                    f"choose one of {', '.join(r for r, info in REGIONS.items() if info.bedrock)}",
                )
            )
        longest_role = role_name(spec.name, wl.name, "x" * STAGE_MAX, "x" * PERSONA_MAX)
        if len(longest_role) > 64:
            problems.append(
                Problem(
                    (*where, "name"),
                    f"IAM role names would be {len(longest_role)} characters (limit 64): "
                    f"shorten the spec name or the workload name by {len(longest_role) - 64}",
                )
            )
        longest_bucket = bucket_name(
            spec.name, wl.name, "x" * STAGE_MAX, "x" * BUCKET_DOMAIN_MAX, spec.aws.account_id
        )
        if len(longest_bucket) > 63:
            problems.append(
                Problem(
                    (*where, "name"),
                    f"S3 bucket names would be {len(longest_bucket)} characters (limit 63): "
                    f"shorten the spec name or the workload name by {len(longest_bucket) - 63}",
                )
            )
    return problems


def _alert_problems(spec: Spec) -> list[Problem]:
    """A regulated landing's alarms must reach someone: its addresses, or the existing alert topic.
    The AWS AI Security Framework is guidance, not a regulation (and the default for rag and
    inference workloads): alone, it does not make a landing regulated."""
    regulated = [r for r in spec.compliance if r is not Regime.AI_SECURITY]
    if not regulated or spec.alerts.email or not spec.creates_foundation:
        return []  # foundation: existing sends them to foundation_refs.alert_topic_arn
    regimes = ", ".join(r.value for r in regulated)
    return [
        Problem(
            ("alerts", "email"),
            f"with compliance {regimes}, security alarms and findings need at least one destination: "
            "name one or more e-mail addresses (or use foundation: existing with its alert_topic_arn)",
        )
    ]


def _people_problems(spec: Spec) -> list[Problem]:
    """Who assumes the people's roles must be named; iam-mfa names principals, not permission sets."""
    problems: list[Problem] = []
    stages_with_people = {st for wl in spec.workloads if wl.type in TYPES_WITH_PEOPLE for st in wl.stages}
    if spec.access.human_access is HumanAccess.IAM_MFA:
        for stage, refs in spec.access.people.items():
            for i, ref in enumerate(refs):
                if not HUMAN_ARN_RE.fullmatch(ref):
                    problems.append(
                        Problem(
                            ("access", "people", stage.value, i),
                            f"{ref!r}: with human_access iam-mfa, name IAM role or user ARNs "
                            "(permission sets belong to IAM Identity Center, human_access sso)",
                        )
                    )
        for stage in sorted(stages_with_people - set(spec.access.people), key=list(Stage).index):
            problems.append(
                Problem(
                    ("access", "people"),
                    f"stage {stage.value} has roles for people: with human_access iam-mfa, list who may "
                    f"assume them (access.people.{stage.value}: [IAM role or user ARNs])",
                )
            )
    for stage in sorted(set(spec.access.people) - stages_with_people, key=list(Stage).index):
        problems.append(
            Problem(("access", "people", stage.value), f"no workload has people in stage {stage.value}")
        )
    return problems


# --------------------------------------------------------------------------- loading
MAX_EXPANDED_NODES = 100_000


def _check_expanded_size(data: Any, source: str) -> None:
    """Refuse documents whose aliases expand to more nodes than any real spec has (billion laughs)."""
    budget = MAX_EXPANDED_NODES
    stack = [data]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            raise SpecError(
                f"{source}: the document expands to more than {MAX_EXPANDED_NODES} values through "
                "YAML aliases; refusing a possible alias bomb"
            )
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


# libyaml's emitter when PyYAML has it: the same YAML as the pure-Python one, faster.
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML without duplicate keys and with a bound on aliases (alias bombs)."""

    max_aliases = 100

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > self.max_aliases:
                raise yaml.YAMLError(
                    f"more than {self.max_aliases} YAML aliases; refusing a possible alias bomb"
                )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        keys: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) and key in keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            keys.add(key)
        return super().construct_mapping(node, deep=deep)


def _allowed_keys(loc: tuple[str | int, ...]) -> list[str] | None:
    """The keys a mapping at ``loc`` (the parent of an unknown key) accepts, for the error message."""
    model: Any = Spec
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) or next(
            (f for f in model.model_fields.values() if f.alias == part), None
        )
        if field is None:
            return None
        model = _model_in(field.annotation)
        if model is None:
            return None
    return [f.alias or n for n, f in model.model_fields.items()]


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


MISSING = "required field is missing"


def _problems_from_validation(exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            msg = "unknown key" + (f"; allowed keys here: {', '.join(allowed)}" if allowed else "")
        elif err["type"] == "missing":
            msg = MISSING
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        problems.append(Problem(loc, msg))
    return problems


# What credentials look like. A spec never needs one; a value that matches is refused without
# being repeated anywhere (messages name only where it is).
SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("an AWS secret access key", re.compile(r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")),
    ("a private key", re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
)  # fmt: skip
SECRET_KEY_NAMES = re.compile(r"(secret|password|passwd|token|private_key|access_key)", re.I)


def secret_problems(data: Any, loc: tuple[str | int, ...] = ()) -> list[Problem]:
    """Places in raw spec data holding something that looks like a credential."""
    problems: list[Problem] = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = (*loc, str(key))
            if isinstance(key, str):
                problems += [
                    Problem(loc, f"a key looks like {kind}; remove it")
                    for kind, p in SECRET_PATTERNS
                    if p.search(key)
                ]
                if SECRET_KEY_NAMES.search(key) and isinstance(value, str) and value:
                    problems.append(Problem(where, "specs never hold credentials; remove this value"))
                    continue
            problems += secret_problems(value, where)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            problems += secret_problems(value, (*loc, i))
    elif isinstance(data, str):
        problems += [
            Problem(
                loc,
                f"this value looks like {kind}; remove it: aisec never needs credentials (the value is not shown)",
            )
            for kind, p in SECRET_PATTERNS
            if p.search(data)
        ]
    return problems


def parse_spec(data: Any, source: str = "<spec>", origin: dict[tuple[Any, ...], str] | None = None) -> Spec:
    """Validate already-parsed data into a coherent :class:`Spec` or raise :class:`SpecError`.

    ``origin`` (from :func:`load_spec_file` when the spec imports others) says which file gave
    each value, so a problem names the file to edit; without it every problem names ``source``."""
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise SpecError(
            f"{source}: the spec must be a YAML mapping with apiVersion: {API_VERSION}, got {kind}",
            file=source,
        )
    if "imports" in data:
        raise SpecError(
            f"{source}: imports: resolved only when a spec is read from a file (its paths are relative "
            "to that file); load it with load_spec",
            file=source,
        )

    def file_of(p: Problem) -> str:
        if origin is None or (p.loc not in origin and p.message == MISSING):
            return source  # a field missing: the spec is where to add it, not the defaults file
        return _origin_of(origin, p.loc, source)

    secrets = secret_problems(data)
    if secrets:
        raise SpecError(
            f"{source}: {len(secrets)} value(s) look like credentials; nothing was rendered",
            [p.render(file_of(p)) for p in secrets],
            file=source,
            problems=[p.record(file_of(p)) for p in secrets],
        )
    spec, problems = spec_problems(data)
    if spec is not None:
        return spec
    imported = origin is not None and any(file_of(p) != source for p in problems)
    raise SpecError(
        f"{source}: {len(problems)} problem(s) in the spec" + (" and its imports" if imported else ""),
        [p.render(file_of(p)) for p in problems],
        file=source,
        problems=[p.record(file_of(p)) for p in problems],
    )


def spec_problems(data: Any) -> tuple[Spec | None, list[Problem]]:
    """Every rule of the spec (fields, then cross-field) applied to parsed data: the spec when it is
    coherent, else the problems. The wizard checks partial answers with it."""
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        return None, _problems_from_validation(exc)
    problems = consistency_problems(spec)
    return (None, problems) if problems else (spec, [])


def load_yaml_text(text: str, source: str) -> Any:
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"{source}: not valid YAML{where}: {problem}", file=source) from None
    _check_expanded_size(data, source)
    return data


def _read_yaml_file(path: Path, source: str) -> Any:
    """One YAML file as data: bounded in size, UTF-8, safe YAML. Every failure is a SpecError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"{source}: no such file", file=source) from None
    except IsADirectoryError:
        raise SpecError(f"{source}: is a directory, expected a YAML spec file", file=source) from None
    except OSError as exc:
        raise SpecError(f"{source}: cannot read: {exc.strerror}", file=source) from None
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(
            f"{source}: {len(raw)} bytes is larger than the {MAX_SPEC_BYTES} bytes a spec may have"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    return load_yaml_text(text, source)


# --------------------------------------------------------------------------- imports
# A spec may import shared settings: `imports: [_defaults/base.yaml, ...]`, paths relative to the
# importing file. Imported files are merged in order (a later one overrides an earlier one), the
# importing file last: mappings merge key by key; a list or a scalar of the later file replaces
# the earlier value whole. An imported file may import others; cycles are refused, depth bounded.
# Paths are relative and stay inside the repository (the folder holding .git above the spec, else
# the working folder or the spec's folder): an absolute path or one reaching outside would make
# the render depend on the machine it runs on (CI and a laptop would render different landings)
# and would let a spec from a pull request read any file the runner can.
MAX_IMPORT_DEPTH = 8
MAX_IMPORTED_FILES = 64

Origin = dict[tuple[Any, ...], str]


@dataclass(frozen=True)
class LoadedSpec:
    """A spec read from a file: the validated spec and the files it imports (resolved, each once,
    in the order they were first read)."""

    spec: Spec
    imports: tuple[Path, ...]


def import_root(path: Path) -> Path:
    """The folder imports of the spec ``path`` must stay in: the repository holding it (the nearest
    folder above with .git), else the working folder when the spec is below it, else its folder."""
    folder = path.resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    cwd = Path.cwd().resolve()
    return cwd if folder.is_relative_to(cwd) else folder


def _origins(value: Any, loc: tuple[Any, ...], file: str, into: Origin) -> None:
    """Record ``file`` as the origin of ``value`` at ``loc`` and of everything in it."""
    into[loc] = file
    if isinstance(value, dict):
        for k, v in value.items():
            _origins(v, (*loc, k), file, into)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _origins(v, (*loc, i), file, into)


def _under(origin: Origin, loc: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    n = len(loc)
    return [o for o in origin if o[:n] == loc]


def _merge_into(
    target: dict[Any, Any], origin: Origin, top: dict[Any, Any], top_origin: Origin, loc: tuple[Any, ...]
) -> None:
    """Deep-merge ``top`` over ``target`` in place (mappings key by key, anything else replaced),
    keeping ``origin`` (which file each value comes from) in step."""
    for key, value in top.items():
        here = (*loc, key)
        old = target.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            target[key] = dict(old)
            origin[here] = top_origin[here]  # a mapping merged from several files: the importer's
            _merge_into(target[key], origin, value, top_origin, here)
            continue
        target[key] = value
        for stale in _under(origin, here) if isinstance(old, (dict, list)) else [here]:
            origin.pop(stale, None)
        if isinstance(value, (dict, list)):
            origin.update({o: top_origin[o] for o in _under(top_origin, here)})
        else:
            origin[here] = top_origin[here]


def _origin_of(origin: Origin, loc: tuple[Any, ...], default: str) -> str:
    """The file that gave the value at ``loc`` (or the nearest enclosing value)."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in origin:
            return origin[loc[:n]]
    return default


class _Importer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[Path, None] = {}  # every imported file, in the order first read

    def load(self, path: Path, shown: str, chain: tuple[Path, ...]) -> tuple[Any, Origin]:
        data = _read_yaml_file(path, shown)
        if len(chain) > 1:  # an imported file: a mapping of spec fields, each checked for secrets
            data = {} if data is None else data
            if not isinstance(data, dict):
                raise SpecError(
                    f"{shown}: an imported file must be a YAML mapping of spec fields, got "
                    f"{type(data).__name__}",
                    file=shown,
                )
            secrets = secret_problems(data)
            if secrets:
                raise SpecError(
                    f"{shown}: {len(secrets)} value(s) look like credentials; nothing was rendered",
                    [p.render(shown) for p in secrets],
                    file=shown,
                    problems=[p.record(shown) for p in secrets],
                )
        if not isinstance(data, dict) or "imports" not in data:
            origin: Origin = {}
            _origins(data, (), shown, origin)
            return data, origin
        data = dict(data)
        imports = data.pop("imports")
        own: Origin = {}
        _origins(data, (), shown, own)
        if imports is None:
            return data, own
        if not isinstance(imports, list) or not all(isinstance(i, str) and i.strip() for i in imports):
            raise SpecError(
                f"{shown}: imports: a list of paths of YAML files, relative to this file's folder "
                "(e.g. imports: [_defaults/base.yaml])",
                file=shown,
            )
        merged, origin = self.merge_imports(path, shown, imports, chain)
        _merge_into(merged, origin, data, own, ())
        origin[()] = shown
        return merged, origin

    def merge_imports(
        self, path: Path, shown: str, imports: list[str], chain: tuple[Path, ...]
    ) -> tuple[dict[Any, Any], Origin]:
        """The files ``imports`` (of the file ``path``, shown as ``shown``) names, merged in order."""
        if len(chain) > MAX_IMPORT_DEPTH:
            raise SpecError(
                f"{shown}: imports: more than {MAX_IMPORT_DEPTH} levels of imports "
                f"({' -> '.join(map(self.shown, chain))}); flatten the defaults",
                file=shown,
            )
        merged: dict[Any, Any] = {}
        origin: Origin = {(): shown}
        for i, rel in enumerate(imports):
            where = f"{shown}: imports[{i}]: {rel}"
            if Path(rel).is_absolute() or rel.startswith("~"):
                raise SpecError(
                    f"{where}: an absolute path; imports are relative to the importing file's folder, "
                    "so the landing renders the same in every checkout",
                    file=shown,
                )
            target = (path.parent / rel).resolve()
            if not target.is_relative_to(self.root):
                raise SpecError(
                    f"{where}: outside the repository ({self.root}); imports stay inside it, so "
                    "what a landing renders is all in its repository",
                    file=shown,
                )
            if target in chain:
                cycle = " -> ".join(self.shown(p) for p in (*chain[chain.index(target) :], target))
                raise SpecError(f"{where}: an import cycle: {cycle}", file=shown)
            if not target.is_file():
                what = "is a folder, expected a YAML file" if target.is_dir() else "not found"
                raise SpecError(f"{where} {what}", file=shown)
            self.files[target] = None
            if len(self.files) > MAX_IMPORTED_FILES:
                raise SpecError(f"{where}: more than {MAX_IMPORTED_FILES} imported files in all", file=shown)
            sub_shown = os.path.normpath(os.path.join(os.path.dirname(shown), rel))
            sub, sub_origin = self.load(target, sub_shown, (*chain, target))
            _merge_into(merged, origin, sub, sub_origin, ())
        return merged, origin

    def shown(self, path: Path) -> str:
        try:
            return path.relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return str(path)


def load_spec_file(path: str | Path) -> LoadedSpec:
    """Read a spec file and the files it imports, merge them, validate the result. Every failure
    is a :class:`SpecError` naming the file (and field) to fix."""
    p = Path(path)
    source = str(path)
    importer = _Importer(import_root(p))
    data, origin = importer.load(p, source, (p.resolve(),))
    spec = parse_spec(data, source, origin if importer.files else None)
    return LoadedSpec(spec, tuple(importer.files))


def load_spec(path: str | Path) -> Spec:
    """Read, parse and validate a spec file (with its imports). Every failure is a :class:`SpecError`."""
    return load_spec_file(path).spec


def _overlay(full: dict[Any, Any], base: dict[Any, Any]) -> dict[Any, Any]:
    """What a file importing ``base`` must hold so that the merge gives ``full``."""
    out: dict[Any, Any] = {}
    for key, value in full.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            inner = _overlay(value, base[key])
            if inner:
                out[key] = inner
        elif key not in base or base[key] != value:
            out[key] = value
    out.update({key: None for key in base if key not in full})
    return out


def spec_over_imports(spec: Spec, source: Path, target: Path) -> str | None:
    """The text of a spec file at ``target`` that keeps the ``imports:`` of the spec file
    ``source`` (paths rewritten relative to ``target``) and holds only the fields of ``spec`` that
    differ from what the imports give: what `aisec init --from` saves for a spec with imports, so
    the shared defaults stay shared. None when ``source`` imports nothing (or when no such file
    gives ``spec`` back, which the merge rules make unlikely: then the whole spec is saved)."""
    raw = _read_yaml_file(source, str(source))
    imports = raw.get("imports") if isinstance(raw, dict) else None
    if not imports:
        return None
    importer = _Importer(import_root(source))
    resolved = source.resolve()
    if not isinstance(imports, list) or not all(isinstance(i, str) for i in imports):
        return None
    base, _ = importer.merge_imports(source, str(source), imports, (resolved,))
    rewritten = [
        Path(os.path.relpath((source.parent / i).resolve(), target.resolve().parent)).as_posix()
        for i in imports
    ]
    overlay = _overlay(spec_to_data(spec), base)
    merged: dict[Any, Any] = {}
    origin: Origin = {}
    for layer in (base, overlay):
        _merge_into(merged, origin, layer, dict.fromkeys(_all_locs(layer), ""), ())
    again, _ = spec_problems(merged)
    if again is None or again != spec:
        return None
    text: str = yaml.dump(
        {"imports": rewritten, **overlay},
        Dumper=_DUMPER, sort_keys=False, default_flow_style=False, allow_unicode=True,
    )  # fmt: skip
    return text


def _all_locs(data: Any) -> list[tuple[Any, ...]]:
    found: Origin = {}
    _origins(data, (), "", found)
    return list(found)


def spec_to_data(spec: Spec) -> dict[str, Any]:
    """The spec as plain data, with aliases, as it is recorded in `.aisec/spec.yaml`."""
    data: dict[str, Any] = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    if data.get("layout") == "single":  # the default layout: the copies of older renders stay as they were
        del data["layout"]
    return data


def dump_spec(spec: Spec) -> str:
    return yaml.dump(
        spec_to_data(spec), Dumper=_DUMPER, sort_keys=False, default_flow_style=False, allow_unicode=True
    )


def json_schema() -> dict[str, Any]:
    schema: dict[str, Any] = Spec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://aisec.dev/schemas/aisec-v1.json"
    schema["title"] = "aisec spec (apiVersion aisec/v1)"
    # read by load_spec_file before validation (never a field of Spec): the shared defaults
    schema["properties"] = {
        "imports": {
            "title": "Imports",
            "description": "YAML files of shared settings, relative to this file (inside the "
            "repository), merged in order before this file: mappings merge key by key, a list or "
            "a value of a later file replaces the earlier one, this file wins.",
            "type": "array",
            "items": {"type": "string", "minLength": 1},
        },
        **schema["properties"],
    }
    return schema


# Why each question of the wizard matters, in words for an engineer who is not a security
# specialist. Keyed by "Model.field"; the wizard shows it next to the field's description.
WHY: dict[str, str] = {
    "Spec.name": "Every bucket, key, role and log group is named after it, so resources stay traceable.",
    "Aws.region": "Endpoints, keys and buckets are regional; Bedrock and FedRAMP are only in some regions.",
    "Aws.account_id": "Policies trust only this account; the AWS provider refuses to touch any other.",
    "Workload.name": "Names the workload's own keys, buckets and roles, isolated from other workloads.",
    "Workload.type": "Decides the personas (people, pipelines, serving) and the services to reach privately.",
    "Data.categories": "Regulated data decides the compliance regimes and what Macie looks for.",
    "Data.sensitivity": "Confidential and restricted data get scheduled Macie scans and data-event logging.",
    "Workload.services": "Each service gets a private endpoint, so traffic never crosses the internet.",
    "Workload.stages": "Each stage gets its own keys, buckets and roles: dev can never read prod data.",
    "Spec.compliance": "Each regime maps to controls and evidence, and may tighten retention and rotation.",
    "Network.vpc_id": "The workloads' VPC, where the private endpoints go.",
    "Network.vpc_cidr": "Only this range may reach the endpoints (HTTPS).",
    "Network.subnet_ids": "Endpoints in two or more availability zones survive the loss of one.",
    "Network.route_table_ids": "S3 is reached through a gateway endpoint added to these route tables.",
    "Spec.foundation": "The trail, Macie account and endpoints exist once per account; a central team may own them.",
    "LogArchive.account_id": "Logs kept in another account survive a compromise of this one (AWS SRA's log archive).",
    "LogArchive.break_glass": "Only these roles of the archive account may delete logs or change the archive's policy.",
    "Access.admin_principals": "These roles manage keys but can never decrypt data (separation of duties).",
    "Access.human_access": "People never hold long-lived keys: they come through SSO or with MFA.",
    "Alerts.email": "Security alarms and Macie findings are mailed here.",
    "Spec.detective": "Threat detection, configuration history and access analysis are what an auditor asks for first.",
}
