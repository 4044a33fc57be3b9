"""The module arguments of the account-level part of a landing: the foundation (trail, logs,
endpoints, landing key, alarms) and the detective controls."""

from __future__ import annotations

from typing import Any

from generator.decide.policy import (
    OBJECT_LOCK_MODE,
    UNUSED_ACCESS_DAYS,
    Controls,
    access_log_prefix,
    bedrock_invocation_log_group,
    log_group_key,
)
from generator.render.args import _key_args, _macie_args, _ref, _replicated_to_archive


def _foundation_args(controls: Controls) -> dict[str, Any]:
    spec = controls.spec
    stages = controls.stages
    log_groups = {
        log_group_key(s, name): {
            "name": name,
            "kms_key_arn": _ref(f"{s.ident}_kms", "key_arns", "logs"),
            "retention_in_days": controls.retention_days,
        }
        for s in stages
        for name in (s.log_group, *s.service_log_groups)
    }
    args: dict[str, Any] = {"log_groups": log_groups, **_macie_args(controls)}
    f = controls.foundation
    if f is None:
        assert spec.foundation_refs is not None
        args["alert_topic_arn"] = spec.foundation_refs.alert_topic_arn
        return args
    audit_key = _ref("foundation_kms", "key_arns", "audit")
    # Audit evidence: old versions kept as long as the logs, deletion and weakening denied (TRL-4).
    evidence = {"noncurrent_version_expiration_days": f.object_lock_days, "protect_logs": True}
    locked = {"object_lock": {"mode": OBJECT_LOCK_MODE, "days": f.object_lock_days}}
    for name in f.shared_log_groups:
        log_groups[log_group_key(None, name)] = {
            "name": name,
            "kms_key_arn": _ref("foundation_kms", "key_arns", "service-logs"),
            "retention_in_days": controls.retention_days,
        }
    bedrock_logs = bedrock_invocation_log_group(spec)
    if bedrock_logs in f.shared_log_groups:
        args["bedrock_invocation_logging"] = {"log_group": log_group_key(None, bedrock_logs)}
    args.update(
        audit_keys={k.domain: _key_args(k, None, controls) for k in f.keys},
        buckets={
            "access_logs": {
                "name": f.access_log_bucket,
                "access_log_target": True,
                "access_log_source_arns": [f"arn:aws:s3:::{spec.name}-*"],
                **evidence,
                **_replicated_to_archive(f.archive),
            },
            **(
                {}
                if f.archive is not None
                else {
                    "trail": {
                        "name": f.trail_bucket,
                        "kms_key_arn": audit_key,
                        "access_log_bucket": f.access_log_bucket,
                        "access_log_prefix": "trail/",
                        "cloudtrail_trail_arns": [f.trail_arn],
                        **evidence,
                        **locked,
                    }
                }
            ),
            "findings": {
                "name": f.findings_bucket,
                "kms_key_arn": audit_key,
                "access_log_bucket": f.access_log_bucket,
                "access_log_prefix": access_log_prefix(spec, "findings/"),
                "macie_export": True,
                **evidence,
                **locked,
            },
        },
        # Deleting evidence, and changing the audit buckets' policy, lifecycle, versioning or lock:
        # break-glass alone (bar 28). The storage module puts the policy after the settings it
        # protects, so the first apply sets them all; later changes are applied as break-glass (S3
        # always lets the account's root user replace a bucket policy, the way back without one).
        deployer_principals=[],
        break_glass_principals=list(controls.access.break_glass),
        # With a log archive the trail writes to that account's bucket with that account's key (named
        # by alias ARN, which CloudTrail resolves); its CloudWatch Logs copy keeps this account's key.
        trail={
            "bucket_name": f.archive.bucket
            if f.archive
            else _ref("foundation_storage", "bucket_names", "trail"),
            "kms_key_arn": f.archive.trail_key if f.archive else audit_key,
            **({"log_group_kms_key_arn": audit_key} if f.archive else {}),
            "log_retention_days": controls.retention_days,
            "data_event_bucket_arns": [
                _ref(f"{s.ident}_storage", "bucket_arns", b.domain) for s in stages for b in s.buckets
            ],
        },
        alerts={
            "kms_key_arn": _ref("foundation_kms", "key_arns", "alerts"),
            "emails": list(spec.alerts.email),
            "admin_principals": list(f.alert_topic_admins),
        },
        export={
            "bucket_name": _ref("foundation_storage", "bucket_names", "findings"),
            "kms_key_arn": audit_key,
        },
        privatelink={
            "vpc_id": spec.network.vpc_id,
            "vpc_cidr": spec.network.vpc_cidr,
            "subnet_ids": list(spec.network.subnet_ids),
            "route_table_ids": list(spec.network.route_table_ids),
            "interface_services": list(controls.interface_endpoints),
            "image_accounts": list(controls.access.image_accounts),
            "compute_security_group": any(s.sagemaker is not None for s in stages),
        },
    )
    if f.config_bucket is not None:
        # AWS Config refuses Object Lock buckets: deletion is denied by the policy instead (TRL-4).
        args["buckets"]["config"] = {
            "name": f.config_bucket,
            "kms_key_arn": audit_key,
            "access_log_bucket": f.access_log_bucket,
            "access_log_prefix": access_log_prefix(spec, "config/"),
            "config_delivery": True,
            **evidence,
        }
    return args


def _detective_args(controls: Controls) -> dict[str, Any] | None:
    """The detective module's inputs (DET-1..5), or None when every control is a prerequisite."""
    d, spec, f = controls.detective, controls.spec, controls.foundation
    if d is None or not d.module_needed:
        return None

    def mode(name: str) -> str:
        return "none" if d.mode(name) == "prerequisite" else d.mode(name)

    args: dict[str, Any] = {
        "guardduty": mode("guardduty"),
        "security_hub": {"mode": mode("security_hub"), "standards": list(d.standards)},
    }
    if d.mode("config") == "create" and f is not None:
        args["config"] = {
            "bucket_name": _ref("foundation_storage", "bucket_names", "config"),
            "kms_key_arn": _ref("foundation_kms", "key_arns", "audit"),
            "conformance_packs": {
                pack: {rule: {"description": text, **({"parameters": dict(params)} if params else {})}
                       for rule, text, params in rules}
                for pack, rules in d.conformance_packs.items()
            },
        }  # fmt: skip
    if d.mode("access_analyzer") == "create":
        args["access_analyzer"] = {"unused_access_age": UNUSED_ACCESS_DAYS}
    if d.mode("flow_logs") == "create" and f is not None:
        args["flow_logs"] = {
            "vpc_id": spec.network.vpc_id,
            "kms_key_arn": _ref("foundation_kms", "key_arns", "audit"),
            "retention_in_days": d.flow_log_retention_days,
        }
    if d.mode("guardduty") != "prerequisite" or d.mode("security_hub") != "prerequisite":
        args["alerts"] = {
            "topic_arn": _ref("audit", "alert_topic_arn")
            if f is not None
            else (spec.foundation_refs.alert_topic_arn if spec.foundation_refs else None)
        }
    return args


# The oldest version of each module whose interface takes what this generator renders: older ones
# lack inputs the templates pass (the data perimeter: kms perimeter/via_services, storage perimeter,
# iam trusted_principals/kms_via_services, privatelink image_accounts; tamper-proof audit: storage
# object_lock/protect_logs, audit alert keys and filters; log archive: storage
# cloudtrail_source_accounts and the policy after the settings it protects, audit log_group_kms_key_arn;
# SageMaker guardrails: iam sagemaker, privatelink compute_security_group; Bedrock: iam
# bedrock_model_ids/bedrock_guardrail, audit bedrock_invocation_logging; generated notebooks: kms
# perimeter grantors, privatelink sagemaker.notebook, the compute module; container images: iam
# ecr_repository_arns, storage repositories; log archive replication and knowledge-base stores:
# storage replication, iam vector stores). Terraform would refuse the
# unknown arguments, or worse, drop unknown object attributes and the protection with them.
# audit 1.4.0 and 1.5.0 take no new input the render passes: the Organizations-changes filter
# watches the three events CIS 4.15 leaves out and Prowler requires, and the trail records
# CloudTrail Insights (its default); COMPLIANCE.md predicts both checks to pass on them.
