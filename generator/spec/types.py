"""The spec's vocabularies (regimes, workload types, stages, data categories ...) and its checked
scalar types: every value that can reach HCL is held to a safe alphabet here."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
)

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
class LazyPattern:
    """A regular expression compiled when first used: a run meets a few of the spec's checked
    types (most specs no Git URL, registry or KMS key reference), and compiling all of them when
    the models are defined took 1% of a whole `aisec render`."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def fullmatch(self, string: str) -> re.Match[str] | None:
        return self.compiled.fullmatch(string)

    def match(self, string: str) -> re.Match[str] | None:
        return self.compiled.match(string)

    def search(self, string: str) -> re.Match[str] | None:
        return self.compiled.search(string)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"


SLUG_RE = LazyPattern(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$")
ACCOUNT_RE = LazyPattern(r"^\d{12}$")
ROLE_ARN_RE = LazyPattern(r"^arn:aws:iam::(\d{12}):role/(?:[A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$")
HUMAN_ARN_RE = LazyPattern(
    r"^arn:aws:iam::(\d{12}):(?:role|user)/(?:[A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$"
)
PERMISSION_SET_RE = LazyPattern(r"^[A-Za-z0-9+=,.@_-]{1,32}$")
SNS_ARN_RE = LazyPattern(r"^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")
EMAIL_RE = LazyPattern(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
BUCKET_RE = LazyPattern(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
TAG_KEY_RE = LazyPattern(r"^[\w .:/=+@-]{1,128}$")
TAG_VALUE_RE = LazyPattern(r"^[\w .:/=+@-]{0,256}$")
VPC_RE = LazyPattern(r"^vpc-[0-9a-f]{8,17}$")
SUBNET_RE = LazyPattern(r"^subnet-[0-9a-f]{8,17}$")
RTB_RE = LazyPattern(r"^rtb-[0-9a-f]{8,17}$")
STATE_KEY_RE = LazyPattern(r"^[A-Za-z0-9!_.*'()/-]{1,1024}$")
KMS_KEY_ARN_RE = LazyPattern(r"^arn:aws:kms:[a-z0-9-]+:(\d{12}):key/[0-9a-f-]{36}$")
KMS_KEY_REF_RE = LazyPattern(
    r"^(arn:aws:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+|alias/[A-Za-z0-9/_-]+)$"
)
GIT_URL_RE = LazyPattern(
    r"^(https://[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~-]+)+|ssh://git@[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~-]+)+"
    r"|file:///[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*)$"
)
REGISTRY_RE = LazyPattern(r"^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?/[A-Za-z0-9_-]{1,64}$")
CONSTRAINT_RE = LazyPattern(r"^\s*(~>|>=|<=|!=|=|>|<)?\s*\d+(\.\d+){0,2}\s*$")


def _regex(pattern: LazyPattern, what: str) -> AfterValidator:
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
DASHED_ACCOUNT_RE = LazyPattern(r"^(\d{4})-(\d{4})-(\d{4})$")


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
KmsKeyArn = Annotated[str, _regex(KMS_KEY_ARN_RE, "a KMS key ARN such as arn:aws:kms:REGION:ACCOUNT:key/ID")]
PersonRef = Annotated[
    str,
    _regex(
        LazyPattern(f"{PERMISSION_SET_RE.pattern}|{HUMAN_ARN_RE.pattern}"),
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


def empty_list() -> list[Any]:
    return []


def empty_dict() -> dict[Any, Any]:
    return {}


# The spec's default factories are these functions (and lambdas), not `list`, `dict` or a model
# class: pydantic reads each factory's signature (does it take the validated data?), and a builtin's
# is parsed from its text by Python's tokenizer, a model's built from its fields (about 2% of a
# whole `aisec render` for the 23 factories); a Python function's is read from its code.


# pydantic looks for plugins (the entry points of every installed distribution: tens of
# milliseconds in a large environment) when it builds its first validator. The spec's models use
# none: they are built with plugins off, as typer builds its validators, and the setting is put
# back after the last model.
_PLUGINS_SETTING = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"


class Strict(BaseModel):
    """Base of every spec model: unknown keys are errors, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, use_enum_values=False)
