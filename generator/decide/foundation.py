"""The decisions about the account-level part of a landing: access, the foundation (trail, logs,
endpoints, landing key) and the log archive."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from generator.decide.plans import (
    MACIE_ROLE,
    ROOT_USER,
    SSO_ROLE_PATTERNS,
    AccessPlan,
    ArchivePlan,
    Condition,
    FoundationPlan,
    KeyPlan,
    Perimeter,
    ServiceUse,
    StagePlan,
)
from generator.decide.tables import DELETION_WINDOW_DAYS
from generator.spec import (
    Regime,
    Spec,
    Stage,
    Workload,
    ci_role_arn,
)


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


def access_log_prefix(spec: Spec, prefix: str) -> str:
    """Where a bucket's S3 server access logs go in its account's access-log bucket. With a log
    archive, under the account's id: that bucket replicates into the archive's server-logs bucket,
    which every account's replicas share, and each account's replication role writes only its own
    prefix there (replication keeps the source's keys)."""
    return f"{spec.aws.account_id}/{prefix}" if spec.log_archive is not None else prefix


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
    """layout: stages: each root is deployed by its own CI apply role (generator/ci/), so where
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
        replica_prefix=access_log_prefix(spec, ""),
        key_alias=alias,
        key_alias_arn=alias_arn,
        trail_key=a.kms_key_arn or alias_arn,
        break_glass=tuple(a.break_glass),
        deployers=tuple(a.deployers),
        root_user=ROOT_USER.format(account=a.account_id),
    )
