"""The module arguments of a workload stage, built as Python data: references to other modules as
:class:`~generator.render.hcl.Hcl` expressions, everything else as plain values that
:func:`generator.render.hcl.encode` escapes."""

from __future__ import annotations

from typing import Any

from generator.decide.policy import (
    SESSION_TAG_KEYS,
    ArchivePlan,
    Controls,
    KeyPlan,
    Perimeter,
    StagePlan,
)
from generator.render.hcl import Hcl, ident, string
from generator.spec import Spec


def _ref(module: str, output: str, key: str | None = None) -> Hcl:
    expr = f"module.{ident(module)}.{ident(output)}"
    return Hcl(expr + (f"[{string(key)}]" if key is not None else ""))


def _perimeter_args(
    p: Perimeter, key: bool, prefix_readers: tuple[tuple[str, str], ...] = ()
) -> dict[str, Any]:
    """The storage and kms modules' `perimeter` input: the key one also names managers."""
    args: dict[str, Any] = {}
    if p.principals is not None:
        args["principals"] = list(p.principals)
    args["managers"] = list(p.managers)
    if key:
        args["lifecycle"] = list(p.lifecycle)
    if p.vpc_ids:
        args.update(vpc_ids=list(p.vpc_ids), network_exempt=list(p.network_exempt))
    if prefix_readers:
        args["prefix_readers"] = dict(prefix_readers)
    if key and p.grantors:
        args.update(grantors=list(p.grantors), grant_services=list(p.grant_services))
    return args


def _key_args(key: KeyPlan, stage: StagePlan | None, controls: Controls) -> dict[str, Any]:
    args: dict[str, Any] = {
        "alias": key.alias,
        "description": key.description,
        "rotation_period_in_days": key.rotation_days,
        "deletion_window_in_days": key.deletion_window_days,
        "administrators": list(controls.spec.access.admin_principals),
    }
    if stage is not None and key.user_personas:
        args["users"] = [_ref(f"{stage.ident}_iam", "role_arns", p) for p in key.user_personas]
    if key.macie_reads:
        args["readers"] = [_ref("macie", "service_role_arn")]
    if key.via_services:
        args["via_services"] = list(key.via_services)
    if key.perimeter is not None:
        args["perimeter"] = _perimeter_args(key.perimeter, key=True)
    if key.service_uses:
        args["service_users"] = [
            {
                "sid": use.sid,
                "principal": use.principal,
                "actions": list(use.actions),
                "conditions": [
                    {"test": c.test, "variable": c.variable, "values": list(c.values)} for c in use.conditions
                ],
            }
            for use in key.service_uses
        ]
    return args


def _log_group_arn(spec: Spec, name: str) -> str:
    return f"arn:aws:logs:{spec.aws.region}:{spec.aws.account_id}:log-group:{name}"


def _stage_args(stage: StagePlan, controls: Controls) -> dict[str, Any]:
    spec = controls.spec
    bucket_arn = {b.domain: f"arn:aws:s3:::{b.name}" for b in stage.buckets}
    # The stage's own groups for everyone; the account-wide SageMaker groups only for the roles
    # whose jobs write there (people read their stage's groups, not every stage's job logs).
    own_groups = [_log_group_arn(spec, g) for g in (stage.log_group, *stage.service_log_groups)]
    shared_groups = [_log_group_arn(spec, g) for g in stage.shared_log_groups]
    kms_ref = f"{stage.ident}_kms"
    return {
        "keys": {k.domain: _key_args(k, stage, controls) for k in stage.keys},
        "buckets": {
            b.domain: {
                "name": b.name,
                "kms_key_arn": _ref(kms_ref, "key_arns", b.domain),
                "access_log_bucket": _ref("foundation_storage", "bucket_names", "access_logs")
                if controls.foundation is not None
                else controls.access_log_bucket,
                "access_log_prefix": b.log_prefix,
                **(
                    {"perimeter": _perimeter_args(b.perimeter, key=False, prefix_readers=b.prefix_readers)}
                    if b.perimeter is not None
                    else {}
                ),
            }
            for b in stage.buckets
        },
        "roles": {
            r.persona: {
                "description": r.description,
                "human": r.human,
                **({"service": r.service} if r.service else {}),
                "read_bucket_arns": [bucket_arn[d] for d in r.reads],
                "write_bucket_arns": [bucket_arn[d] for d in r.writes],
                "log_group_arns": own_groups,
                # Account-wide groups every stage's jobs share: write only, never read (LOG-2).
                **({"write_log_group_arns": shared_groups} if shared_groups and not r.human else {}),
                **({"pass_roles": list(r.pass_roles)} if r.pass_roles else {}),
                **({"bedrock_invoke": True} if r.bedrock else {}),
                **({"ecr_pull": True} if r.ecr else {}),
                **({"read_prefix": r.read_prefix} if r.read_prefix else {}),
                **({"trusted_principals": list(r.trusted)} if r.trusted else {}),
                **({"source_arns": list(r.source_arns)} if r.source_arns else {}),
                **({"aoss_collection_arns": list(r.aoss_collections)} if r.aoss_collections else {}),
                **(
                    {"rds_data": {"cluster_arn": r.rds_data[0], "secret_arn": r.rds_data[1]}}
                    if r.rds_data
                    else {}
                ),
            }
            for r in stage.roles
        },
        # The logs key goes to nobody: CloudWatch Logs uses it as itself (bar 24).
        "role_keys": {
            r.persona: [_ref(kms_ref, "key_arns", d) for d in r.keys] for r in stage.roles if r.keys
        },
        "via_services": list(next(k.via_services for k in stage.keys if k.via_services)),
        "session_tag_keys": list(SESSION_TAG_KEYS) if any(r.human for r in stage.roles) else [],
        "key_aliases": [k.alias for k in stage.keys],
        "notebook_instances": _notebook_args(stage, controls),
        **_images_args(stage, controls),
        **({"sagemaker": _sagemaker_args(stage, controls)} if stage.sagemaker is not None else {}),
        **(
            {
                "sagemaker_keys": {
                    "volume": [_ref(kms_ref, "key_arns", "datasets"), _ref(kms_ref, "key_arns", "artifacts")],
                    "output": [_ref(kms_ref, "key_arns", "artifacts")],
                }
            }
            if stage.sagemaker is not None
            else {}
        ),
    }


def _images_args(stage: StagePlan, controls: Controls) -> dict[str, Any]:
    """The iam module's `ecr_repository_arns` and the storage module's `repositories` (ML-5, ML-6)."""
    images = stage.images
    if images is None:
        return {}
    spec = controls.spec
    args: dict[str, Any] = {
        "ecr_repository_arns": list(images.repository_arns(spec.aws.region, spec.aws.account_id))
    }
    if images.repositories:
        key = _ref(f"{stage.ident}_kms", "key_arns", "images")
        args["repositories"] = {
            name: {
                "name": name,
                "kms_key_arn": key,
                "pull_principals": list(images.pullers),
                **({"push_principals": list(images.pushers)} if images.pushers else {}),
                "managers": list(images.managers),
                "untagged_expiry_days": images.untagged_expiry_days,
            }
            for name in images.repositories
        }
    return args


def _sagemaker_args(stage: StagePlan, controls: Controls) -> dict[str, Any]:
    """The iam module's `sagemaker` input: launchers, the spec's subnets, the compute security group
    (the stage's keys go apart, in `sagemaker_kms_key_arns`: volumes on the datasets or artifacts
    key, outputs on the artifacts key)."""
    assert stage.sagemaker is not None
    net = controls.spec.network
    return {
        "launchers": {persona: list(kinds) for persona, kinds in stage.sagemaker.launchers},
        "execution_role": stage.sagemaker.execution_role,
        "vpc_id": net.vpc_id,
        "subnet_ids": list(net.subnet_ids),
        "security_group_ids": [_ref("privatelink", "compute_security_group_id")],
    }


def _replicated_to_archive(archive: ArchivePlan | None) -> dict[str, Any]:
    """The access-log bucket's replication into the log archive (S3 delivers access logs only in
    the source's own account and region): every new version, never a delete."""
    if archive is None:
        return {}
    return {
        "replication": {
            "destination_bucket_arn": f"arn:aws:s3:::{archive.server_logs_bucket}",
            "destination_account_id": archive.account,
            "role_name": archive.replication_role,
            "prefix": archive.replica_prefix,
        }
    }


def _notebook_args(stage: StagePlan, controls: Controls) -> dict[str, Any] | None:
    """The compute module's `notebook_instances` input of a stage (ML-4), or None."""
    nb = stage.notebook
    if nb is None:
        return None
    return {
        nb.name: {
            "instance_type": nb.instance_type,
            "volume_size_gb": nb.volume_size_gb,
            "platform_identifier": nb.platform,
            "role_arn": _ref(f"{stage.ident}_iam", "role_arns", nb.execution_role),
            "kms_key_arn": _ref(f"{stage.ident}_kms", "key_arns", nb.volume_key),
            "subnet_id": controls.spec.network.subnet_ids[0],
            "security_group_ids": [_ref("privatelink", "compute_security_group_id")],
        }
    }


def _macie_args(controls: Controls) -> dict[str, Any]:
    """The macie module's jobs, custom data identifiers (bar 34) and archive rules for the stages
    holding synthetic data."""
    jobs: dict[str, Any] = {}
    archive: dict[str, Any] = {}
    for s in controls.stages:
        job = s.macie_job
        if job is None:
            continue
        names = [
            _ref(f"{s.ident}_storage", "bucket_names", b.domain) for b in s.buckets if b.domain in job.domains
        ]
        jobs[job.key] = {"bucket_names": names, "schedule": job.schedule}
        if job.identifiers:
            jobs[job.key]["custom_data_identifiers"] = list(job.identifiers)
        if job.archive_findings:
            archive[job.key] = {
                "description": f"Synthetic data in {s.prefix}: findings archived, no alert",
                "bucket_names": names,
            }
    identifiers = {
        i.key: {
            "regex": i.regex,
            "keywords": list(i.keywords),
            "ignore_words": list(i.ignore_words),
            "maximum_match_distance": i.maximum_match_distance,
            "description": i.description,
        }
        for w in controls.workloads
        if any(s.macie_job for s in w.stages)
        for i in w.macie_identifiers
    }
    return {"jobs": jobs, "custom_data_identifiers": identifiers, "archive_rules": archive}
