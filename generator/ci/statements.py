"""The CI roles' statements: plan (read only), deploy, keys, network, IAM, guardrails, detection
and the ceiling (the permissions boundary)."""

from __future__ import annotations

import re
from typing import Any

from generator.ci.access import (
    ACCOUNT_WRITES,
    BLINDING_ACTIONS,
    DATA_KEY_ACTIONS,
    DATA_OBJECT_ACTIONS,
    DEPLOYER_DENY,
    GRANT_SERVICES,
    NAMED_WRITES,
    PASS_TO_SERVICES,
    SCOPED_READS,
    SERVICE_LINKED_ROLES,
    TAGGED_CREATES,
    TAGGED_WRITES,
    UNSCOPED_READS,
    Condition,
    Statement,
    _noun,
    _tag,
    landing_arns,
    landing_resources,
)
from generator.render import LANDING_TAG
from generator.render.hcl import Hcl
from generator.spec import Spec


def plan_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """Read-only: the landing's configuration, the state, and the state's lock file."""
    scoped = landing_resources(spec)
    found = [
        Statement(
            "ReadUnscopable", "Describe/List calls AWS cannot scope to a resource", UNSCOPED_READS, ("*",)
        ),
        *(
            Statement(f"Read{_noun(svc)}", f"{svc} configuration of the landing", actions, scoped[svc])
            for svc, actions in SCOPED_READS.items()
        ),
    ]
    if state:
        found += [
            Statement("ListStateBucket", "find the state object", ("s3:ListBucket",), (state["bucket_arn"],)),
            Statement("ReadState", "the state, and no other object", ("s3:GetObject",), (state["object_arn"],)),
            Statement("StateLock", "S3 native locking: the lock file only",
                      ("s3:DeleteObject", "s3:GetObject", "s3:PutObject"), (state["lock_arn"],)),
            Statement("StateKey", "the only key either role may decrypt with",
                      ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"), (state["key_arn"],)),
        ]  # fmt: skip
    return found


class _Landing:
    """The values the statements are built from, computed once per spec."""

    def __init__(self, spec: Spec, state: dict[str, Any] | None) -> None:
        a, r = spec.aws.account_id, spec.aws.region
        self.spec, self.state = spec, state
        self.arns, self.scoped = landing_arns(spec), landing_resources(spec)
        self.keys, self.alias = f"arn:aws:kms:{r}:{a}:key/*", f"arn:aws:kms:{r}:{a}:alias/aisec/{spec.name}/*"
        self.ec2 = f"arn:aws:ec2:{r}:{a}:"
        self.vpc_arn = f"{self.ec2}vpc/{spec.network.vpc_id}"
        self.endpoints = f"{self.ec2}vpc-endpoint/*"
        self.groups, self.rules = f"{self.ec2}security-group/*", f"{self.ec2}security-group-rule/*"
        self.vpc: Condition = ("ArnEquals", "ec2:Vpc", (self.vpc_arn,))
        self.boundary: Condition = ("ArnLike", "iam:PermissionsBoundary", (self.arns["boundaries"],))
        self.requested, self.tagged = _tag("Request", spec), _tag("Resource", spec)
        self.flow_logs = f"{self.ec2}vpc-flow-log/*"


# Writes AWS cannot scope to a resource (the Service Authorization Reference lists none for them).
UNSCOPABLE_WRITES = (
    Statement("AccountSettings", "AWS cannot scope these: each sets the one configuration a service keeps per "
              "account and region (Macie session, AWS Config recorder and channel, Bedrock invocation logging)",
              ACCOUNT_WRITES, ("*",)),
    Statement("AlertUnsubscribe", "AWS cannot scope sns:Unsubscribe (it names a subscription, not a topic)",
              ("sns:Unsubscribe",), ("*",)),
)  # fmt: skip


def deploy_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """What applying changes in services whose ARNs carry the landing's names, the writes AWS cannot
    scope, and the state."""
    x = _Landing(spec, state)
    found = [
        *(
            Statement(f"Manage{_noun(svc)}", f"{svc}: the landing's own names only", actions, x.scoped[svc])
            for svc, actions in NAMED_WRITES.items()
        ),
        *(
            [Statement("AlertSubscriptions", "alerts reach the spec's addresses only", ("sns:Subscribe",),
                       x.scoped["sns"], (("StringEquals", "sns:Protocol", ("email",)),
                                         ("StringEquals", "sns:Endpoint", tuple(spec.alerts.email))))]
            if spec.alerts.email else []
        ),
        *UNSCOPABLE_WRITES,
    ]  # fmt: skip
    if state:
        found.append(
            Statement(
                "WriteState", "the state object, and no other", ("s3:PutObject",), (state["object_arn"],)
            )
        )
    return found


def key_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """KMS keys, Macie jobs, and the tagged types of RESOURCE_ACCESS (guardrails, detectors): their
    ids are random, so the landing tag scopes them; aliases carry the landing's name."""
    x = _Landing(spec, state)
    return [
        Statement("CreateLandingKeys", "CreateKey has no resource; the new key must carry the landing tag",
                  ("kms:CreateKey",), ("*",), (x.requested,)),
        Statement("CreateTagged", "these creates name no resource in AWS's reference; the new one must carry "
                  "the landing tag", TAGGED_CREATES, ("*",), (x.requested,)),
        *(
            Statement(f"ChangeLanding{_noun(svc)}", f"{svc}: resources that carry the landing tag", actions,
                      x.scoped[svc], (x.tagged,))
            for svc, actions in TAGGED_WRITES.items()
        ),
        Statement("ManageLandingKeys", "keys that carry the landing tag",
                  ("kms:CreateAlias", "kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:TagResource",
                   "kms:UpdateAlias", "kms:UpdateKeyDescription"), (x.keys,), (x.tagged,)),
        Statement("GrantsForLandingResources", "SageMaker and ECR create the grant of the volume or repository "
                  "they encrypt with the caller's credentials", ("kms:CreateGrant",), (x.keys,),
                  (x.tagged, ("Bool", "kms:GrantIsForAWSResource", ("true",)),
                   ("StringEquals", "kms:ViaService",
                    tuple(f"{svc}.{spec.aws.region}.amazonaws.com" for svc in GRANT_SERVICES)))),
        Statement("LandingAliases", "aliases under alias/aisec/<name>/",
                  ("kms:CreateAlias", "kms:UpdateAlias"), (x.alias,)),
        Statement("CreateLandingMacieJobs", "new classification jobs, custom data identifiers and archive "
                  "rules carry the landing tag", ("macie2:CreateClassificationJob", "macie2:CreateCustomDataIdentifier",
                  "macie2:CreateFindingsFilter"), x.scoped["macie2"], (x.requested,)),
    ]  # fmt: skip


def network_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """EC2: the spec's VPC, and endpoints and security groups that carry the landing tag."""
    x = _Landing(spec, state)
    return [
        Statement("EndpointsInLandingVpc", "endpoints and groups go into the spec's VPC only",
                  ("ec2:CreateSecurityGroup", "ec2:CreateVpcEndpoint"), (x.vpc_arn,)),
        Statement("EndpointNetworkInLandingVpc", "subnets, route tables and groups an endpoint uses: the spec's VPC",
                  ("ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint"),
                  (f"{x.ec2}subnet/*", f"{x.ec2}route-table/*", x.groups), (x.vpc,)),
        *(
            Statement(f"CreateTagged{kind}", f"new {noun} carry the landing tag", actions, (arn,), (x.requested,))
            for kind, noun, actions, arn in (
                ("Endpoints", "endpoints", ("ec2:CreateVpcEndpoint",), x.endpoints),
                ("Groups", "security groups", ("ec2:CreateSecurityGroup",), x.groups),
                ("GroupRules", "security group rules",
                 ("ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress"), x.rules),
                ("FlowLogs", "flow logs", ("ec2:CreateFlowLogs",), x.flow_logs),
            )
        ),
        Statement("FlowLogsOfLandingVpc", "flow logs of the spec's VPC only", ("ec2:CreateFlowLogs",), (x.vpc_arn,)),
        Statement("TagOnCreate", "tags written by the calls that create the landing's network",
                  ("ec2:CreateTags",), (x.endpoints, x.groups, x.rules, x.flow_logs),
                  (("StringEquals", "ec2:CreateAction",
                    ("AuthorizeSecurityGroupEgress", "AuthorizeSecurityGroupIngress", "CreateFlowLogs",
                     "CreateSecurityGroup", "CreateVpcEndpoint")),)),
        Statement("ChangeLandingEndpoints", "endpoints that carry the landing tag",
                  ("ec2:CreateTags", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint"), (x.endpoints,),
                  (x.tagged,)),
        Statement("ChangeLandingGroups", "groups that carry the landing tag, in the spec's VPC",
                  ("ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateTags",
                   "ec2:DeleteSecurityGroup",
                   "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress"), (x.groups,),
                  (x.tagged, x.vpc)),
    ]  # fmt: skip


def iam_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """IAM for the apply role: roles and policies under the landing's path, always under a landing
    boundary, tagged, and passed only to the services that use them."""
    x = _Landing(spec, state)
    keep_tag: Condition = ("ForAllValues:StringNotEquals", "aws:TagKeys", (LANDING_TAG,))
    policy_arn: Condition = ("ArnLike", "iam:PolicyARN", (x.arns["policies"],))
    roles, policies = (x.arns["roles"],), (x.arns["policies"],)
    return [
        Statement("CreateLandingRoles", "new roles carry a landing boundary and the landing tag",
                  ("iam:CreateRole",), roles, (x.boundary, x.requested)),
        Statement("ChangeLandingRolePolicies", "inline policies and boundaries only under a landing boundary",
                  ("iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"), roles,
                  (x.boundary,)),
        Statement("AttachLandingPolicies", "only the landing's own managed policies, under a landing boundary",
                  ("iam:AttachRolePolicy", "iam:DetachRolePolicy"), roles, (x.boundary, policy_arn)),
        Statement("UpdateLandingRoles", "trust, description and tags of the landing's tagged roles",
                  ("iam:TagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription"),
                  roles, (x.tagged,)),
        Statement("UntagLandingRoles", "tags may go, the landing tag stays", ("iam:UntagRole",), roles,
                  (x.tagged, keep_tag)),
        Statement("CreateLandingPolicies", "boundaries and policies under the landing's path, tagged",
                  ("iam:CreatePolicy",), policies, (x.requested,)),
        Statement("ChangeLandingPolicies", "new versions of the landing's tagged policies",
                  ("iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:TagPolicy"), policies, (x.tagged,)),
        Statement("PassLandingRoles", "the landing's roles, to the services that use them", ("iam:PassRole",),
                  roles, (("StringEquals", "iam:PassedToService", PASS_TO_SERVICES),)),
        Statement("ServiceLinkedRoles", "enabling the landing's services creates their service-linked roles",
                  ("iam:CreateServiceLinkedRole",), (x.arns["service_roles"],),
                  (("StringEquals", "iam:AWSServiceName", tuple(SERVICE_LINKED_ROLES)),)),
        Statement("TagServiceLinkedRoles", "the landing's tags on the roles it creates (AWS Config's)",
                  ("iam:TagRole",), (x.arns["service_roles"],), (x.requested,)),
        Statement("PassConfigRole", "AWS Config's service-linked role, to the recorder", ("iam:PassRole",),
                  (x.arns["config_role"],), (("StringEquals", "iam:PassedToService", ("config.amazonaws.com",)),)),
    ]  # fmt: skip


def guardrail_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """Explicit denies on both CI roles, in a policy of their own and in their boundary: they hold
    whatever an Allow grants, now or after a later edit."""
    x = _Landing(spec, state)
    # Bucket and key policies are the deployer's to write, so a deployer could grant itself the data
    # in them; these denies beat any resource policy: no object but the state, no key but its key.
    own_objects = (state["object_arn"], state["lock_arn"]) if state else ()
    found = [
        Statement("DenyChangingTheDeployer", "the CI roles, their policies and boundary are an administrator's",
                  DEPLOYER_DENY, (x.arns["deployer_roles"], x.arns["deployer_policies"]),
                  effect="Deny"),
        Statement("DenyRolesWithoutLandingBoundary", "no role gets or keeps rights outside a landing boundary",
                  ("iam:AttachRolePolicy", "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"),
                  ("*",), (("ArnNotLike", "iam:PermissionsBoundary", (x.arns["boundaries"],)),), effect="Deny"),
        Statement("DenyOtherManagedPolicies", "AdministratorAccess and every policy but the landing's own",
                  ("iam:AttachRolePolicy",), ("*",), (("ArnNotLike", "iam:PolicyARN", (x.arns["policies"],)),),
                  effect="Deny"),
        Statement("DenyAssumingRoles", "a trust policy naming a CI role must not hand it another role's rights",
                  ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"), ("*",), effect="Deny"),
        Statement("DenyBoundaryRemoval", "a boundary, once set, stays", ("iam:DeleteRolePermissionsBoundary",),
                  ("*",), effect="Deny"),
        Statement("DenyKeyPolicyLockoutBypass", "key policies keep AWS's lockout safety check",
                  ("kms:CreateKey", "kms:PutKeyPolicy"), ("*",),
                  (("Bool", "kms:BypassPolicyLockoutSafetyCheck", ("true",)),), effect="Deny"),
        Statement("DenyDataObjects", "no object but the state and its lock file, whatever a bucket policy says",
                  DATA_OBJECT_ACTIONS, ("*",), effect="Deny", not_resources=own_objects),
        Statement("DenyDataKeys", "no key material but the state key's, whatever a key policy says",
                  DATA_KEY_ACTIONS, ("*",), effect="Deny", not_resources=(state["key_arn"],) if state else ()),
        Statement("DenyGrantsNotForAwsResources", "a grant only for a resource an AWS service creates",
                  ("kms:CreateGrant",), ("*",), (("BoolIfExists", "kms:GrantIsForAWSResource", ("false",)),),
                  effect="Deny", not_resources=(state["key_arn"],) if state else ()),
    ]  # fmt: skip
    if state:
        found += [
            Statement("DenyStateBucketChanges", "the state bucket is bootstrap-state's, not the landing's",
                      ("s3:DeleteBucket*", "s3:PutBucket*", "s3:PutEncryptionConfiguration",
                       "s3:PutLifecycleConfiguration"), (state["bucket_arn"],), effect="Deny"),
            Statement("DenyStateKeyChanges", "the state key is bootstrap-state's, not the landing's",
                      ("kms:CreateAlias", "kms:DisableKey", "kms:DisableKeyRotation", "kms:PutKeyPolicy",
                       "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias",
                       "kms:UpdateKeyDescription"), (state["key_arn"],), effect="Deny"),
        ]  # fmt: skip
    return found


def _glob(pattern: str, value: str) -> bool:
    """An IAM ARN pattern (* and ?) matches a value."""
    return (
        re.fullmatch(".*".join(".".join(map(re.escape, p.split("?"))) for p in pattern.split("*")), value)
        is not None
    )


def detection_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """An explicit deny on both CI roles: what detects and records stays on. A policy of its own,
    outside the boundary, which AWS's size limit leaves no room for (an explicit Deny binds wherever
    it is attached)."""
    return [
        Statement("DenyBlindingDetection", "turning off or deleting detective controls and logs is an "
                  "administrator's", BLINDING_ACTIONS, ("*",), effect="Deny"),
    ]  # fmt: skip


CEILING_ACTIONS = {
    "ecr": ("ecr:*Lifecycle*", "ecr:*Repositor*", "ecr:*Tag*", "ecr:PutImageScanningConfiguration")
}


def ceiling_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """The Allow half of the CI roles' boundary: whole services, but only on the landing's resources
    (and the state), so the boundary fits AWS's 6,144-character limit on a managed policy. The
    roles' own policies grant far less; the guardrails complete the boundary."""
    x = _Landing(spec, state)
    # the state object and its lock file (<key>.tflock) in one pattern; the bucket unless a landing
    # pattern names it already
    state_arns = (state["bucket_arn"], f"{state['object_arn']}*") if state else ()
    s3 = (*x.scoped["s3"], *(a for a in state_arns if not any(_glob(p, a) for p in x.scoped["s3"])))
    ec2 = (
        x.vpc_arn,
        f"{x.ec2}subnet/*",
        f"{x.ec2}route-table/*",
        x.groups,
        x.rules,
        x.endpoints,
        x.flow_logs,
    )
    # Macie ids are random (jobs, identifiers, archive rules are the landing's by tag): the account's
    # Macie resources, in one pattern for the size limit.
    macie = (f"arn:aws:macie2:{spec.aws.region}:{spec.aws.account_id}:*",)
    # the state key when it is another account's (accounts: a stage account's roles, generator.ci.accounts)
    key_arn = str(state["key_arn"]) if state and not isinstance(state["key_arn"], Hcl) else ""
    foreign_key = (
        (key_arn,) if key_arn.startswith("arn:") and key_arn.split(":")[4] != spec.aws.account_id else ()
    )
    resources = {**x.scoped, "ec2": ec2, "kms": (x.keys, x.alias, *foreign_key), "s3": s3, "macie2": macie}
    # ecr:* would hold ecr:GetAuthorizationToken (credentials, on "*" only): the repository calls
    # by name instead.
    actions = tuple(a for svc in sorted(resources) for a in CEILING_ACTIONS.get(svc, (f"{svc}:*",)))
    return [
        Statement("CeilingUnscopable", "what AWS cannot scope to a resource: Describe/List calls, the "
                  "account-wide settings of UNSCOPABLE_WRITES", (*UNSCOPED_READS, *ACCOUNT_WRITES, "sns:Unsubscribe"),
                  ("*",)),
        Statement("CeilingLandingResources", "whole services, on the landing's own resources only",
                  actions, tuple(r for svc in sorted(resources) for r in resources[svc])),
        Statement("CeilingCreateTagged", "creates with no resource; the new one must carry the landing tag",
                  ("kms:CreateKey", *TAGGED_CREATES), ("*",), (x.requested,)),
    ]  # fmt: skip


# layout: stages: services whose resources carry the stage in their names (keys: in their Name tag,
# the alias). A root's apply role writes them only under its own stage's names.
