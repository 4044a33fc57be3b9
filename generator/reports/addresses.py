"""Which Terraform resource addresses implement each control of a landing (the evidence column of
the compliance map), as the rendered root names them."""

from __future__ import annotations

from generator.decide.policy import (
    DETECTIVE,
    Controls,
    bedrock_invocation_log_group,
    log_group_key,
)
from generator.spec import Service


def _q(key: str) -> str:
    return f'["{key}"]'


def control_addresses(c: Controls) -> dict[str, list[str]]:
    """The resource instances (plan addresses) each applied control consists of."""
    out: dict[str, list[str]] = {ctl.id: [] for ctl in c.controls}

    def add(control: str, *addresses: str) -> None:
        if control in out:
            out[control].extend(addresses)

    f = c.foundation
    keys = [f"module.{s.ident}_kms.aws_kms_key.this{_q(k.domain)}" for s in c.stages for k in s.keys]
    buckets: list[tuple[str, str]] = [
        (f"module.{s.ident}_storage", b.domain) for s in c.stages for b in s.buckets
    ]
    if f is not None:
        keys[:0] = [f"module.foundation_kms.aws_kms_key.this{_q(k.domain)}" for k in f.keys]
        buckets = [("module.foundation_storage", d) for d in f.bucket_domains] + buckets
    for control in ("KMS-1", "KMS-2", "KMS-3", "KMS-4", "KMS-5"):
        add(control, *keys)
    add("S3-1", *(f"{m}.aws_s3_bucket_server_side_encryption_configuration.this{_q(d)}" for m, d in buckets))
    for m, d in buckets:
        add("S3-2", f"{m}.aws_s3_bucket_public_access_block.this{_q(d)}", f"{m}.aws_s3_bucket_policy.this{_q(d)}",
            f"{m}.aws_s3_bucket_ownership_controls.this{_q(d)}")  # fmt: skip
        add("S3-3", f"{m}.aws_s3_bucket_versioning.this{_q(d)}")
        if d != "access_logs":
            add("S3-3", f"{m}.aws_s3_bucket_logging.this{_q(d)}")
    stage_keys = [f"module.{s.ident}_kms.aws_kms_key.this{_q(k.domain)}" for s in c.stages for k in s.keys]
    stage_policies = [
        f"module.{s.ident}_storage.aws_s3_bucket_policy.this{_q(b.domain)}"
        for s in c.stages
        for b in s.buckets
    ]
    add("DP-1", *stage_keys, *stage_policies)
    add("DP-2", *keys)
    add("DP-3", *(a for s in c.stages if s.buckets[0].perimeter and s.buckets[0].perimeter.vpc_ids
                  for a in (*(f"module.{s.ident}_kms.aws_kms_key.this{_q(k.domain)}" for k in s.keys),
                            *(f"module.{s.ident}_storage.aws_s3_bucket_policy.this{_q(b.domain)}" for b in s.buckets))))  # fmt: skip
    add(
        "DP-4",
        *stage_keys,
        *(
            f"module.{s.ident}_iam.aws_iam_role_policy.access{_q(r.persona)}"
            for s in c.stages
            for r in s.roles
        ),
    )
    add("DP-6", *stage_policies)
    add(
        "IAM-6",
        *(f"module.{s.ident}_iam.aws_iam_role.this{_q(r.persona)}" for s in c.stages for r in s.roles),
    )
    for s in c.stages:
        iam = f"module.{s.ident}_iam"
        for r in s.roles:
            role, policy = (
                f"{iam}.aws_iam_role.this{_q(r.persona)}",
                f"{iam}.aws_iam_role_policy.access{_q(r.persona)}",
            )
            add("IAM-1", role, policy)
            add("IAM-4", role)
            if r.human:
                add("IAM-3", role)
                if s.stage.value == "prod":
                    add("IAM-5", policy)
        add("IAM-2", f"{iam}.aws_iam_policy.boundary[0]")
        if s.sagemaker is not None:
            launchers = [p for p, _ in s.sagemaker.launchers]
            add("ML-1", *(f"{iam}.aws_iam_role_policy.sagemaker{_q(p)}" for p in launchers))
            add("ML-3", *(f"{iam}.aws_iam_role_policy.sagemaker{_q(p)}"
                          for p in dict.fromkeys((*launchers, s.sagemaker.execution_role))))  # fmt: skip
            add("ML-2", f"{iam}.aws_iam_role_policy.sagemaker{_q(s.sagemaker.execution_role)}")
        if s.notebook is not None:
            add("ML-4", f"module.{s.ident}_compute.aws_sagemaker_notebook_instance.this{_q(s.notebook.name)}",
                f"module.{s.ident}_kms.aws_kms_key.this{_q(s.notebook.volume_key)}")  # fmt: skip
        add("LOG-1", f"module.audit.aws_cloudwatch_log_group.workload{_q(s.ident)}")
        for name in s.service_log_groups:
            add("LOG-2", f"module.audit.aws_cloudwatch_log_group.workload{_q(log_group_key(s, name))}")
        if s.macie_job is not None:
            add("MAC-2", f"module.macie.aws_macie2_classification_job.this{_q(s.macie_job.key)}")
            if s.macie_job.identifiers:
                add("MAC-4", f"module.macie.aws_macie2_classification_job.this{_q(s.macie_job.key)}",
                    *(f"module.macie.aws_macie2_custom_data_identifier.this{_q(k)}" for k in s.macie_job.identifiers))  # fmt: skip
            if s.macie_job.archive_findings:
                add("MAC-5", f"module.macie.aws_macie2_findings_filter.archive{_q(s.macie_job.key)}")
    # Bedrock (bar 33): the roles' model allow-list, the stages' guardrails, the account's invocation log.
    for w in c.workloads:
        if Service.BEDROCK not in w.services:
            continue
        for s in w.stages:
            iam = f"module.{s.ident}_iam"
            add("AI-1", *(f"{iam}.aws_iam_role_policy.access{_q(r.persona)}" for r in s.roles if r.bedrock),
                f"{iam}.aws_iam_policy.boundary[0]")  # fmt: skip
            add("AI-4", *(f"{iam}.aws_iam_role_policy.vector_store{_q(r.persona)}"
                          for r in s.roles if r.aoss_collections or r.rds_data))  # fmt: skip
            if w.workload.bedrock_guardrail:
                add("AI-2", f"{iam}.aws_bedrock_guardrail.this[0]",
                    *(f"{iam}.aws_iam_role_policy.access{_q(r.persona)}" for r in s.roles if r.bedrock))  # fmt: skip
    # Container images: the pulling roles' policies and boundary (ML-5), the created repositories (ML-6).
    for s in c.stages:
        if s.images is None:
            continue
        iam, storage = f"module.{s.ident}_iam", f"module.{s.ident}_storage"
        add("ML-5", *(f"{iam}.aws_iam_role_policy.access{_q(r.persona)}" for r in s.roles if r.ecr),
            f"{iam}.aws_iam_policy.boundary[0]")  # fmt: skip
        for name in s.images.repositories:
            add("ML-6", *(f"{storage}.{t}.this{_q(name)}" for t in
                          ("aws_ecr_repository", "aws_ecr_lifecycle_policy", "aws_ecr_repository_policy")))  # fmt: skip
        if s.images.repositories:
            add("ML-6", f"module.{s.ident}_kms.aws_kms_key.this{_q('images')}")
    if f is not None and bedrock_invocation_log_group(c.spec) in f.shared_log_groups:
        add("AI-3", "module.audit.aws_bedrock_model_invocation_logging_configuration.this[0]",
            "module.audit.aws_iam_role.bedrock_to_logs[0]",
            f"module.audit.aws_cloudwatch_log_group.workload{_q(log_group_key(None, bedrock_invocation_log_group(c.spec)))}")  # fmt: skip
    if f is not None:
        add("TRL-1", "module.audit.aws_cloudtrail.this[0]", "module.audit.aws_cloudwatch_log_group.trail[0]",
            "module.audit.aws_iam_role.trail_to_logs[0]")  # fmt: skip
        add("TRL-2", "module.audit.aws_cloudtrail.this[0]")
        add("TRL-3", "module.audit.aws_cloudwatch_log_group.trail[0]")
        add("TRL-4", *(f"module.foundation_storage.aws_s3_bucket_object_lock_configuration.this{_q(d)}"
                       for d in ("trail", "findings") if d in f.bucket_domains),
            *(f"module.foundation_storage.{t}.this{_q(d)}" for d in f.bucket_domains
              for t in ("aws_s3_bucket_policy", "aws_s3_bucket_lifecycle_configuration")))  # fmt: skip
        add("MON-1", *(f"module.audit.aws_cloudwatch_metric_alarm.this{_q(a.key)}" for a in c.alarms if a.cis),
            "module.audit.aws_sns_topic.alerts[0]")  # fmt: skip
        add(
            "MON-2",
            *(f"module.audit.aws_cloudwatch_metric_alarm.this{_q(a.key)}" for a in c.alarms if not a.cis),
        )
        add("MON-3", "module.foundation_kms.aws_kms_key.this[\"alerts\"]",
            "module.audit.aws_cloudwatch_event_rule.key_switch_off[0]",
            "module.audit.aws_cloudwatch_event_target.key_switch_off[0]",
            "module.audit.aws_sns_topic_policy.alerts[0]")  # fmt: skip
        for name in f.shared_log_groups:
            add("LOG-2", f"module.audit.aws_cloudwatch_log_group.workload{_q(log_group_key(None, name))}")
        add("MAC-1", "module.macie.aws_macie2_account.this[0]")
        add("MAC-3", "module.macie.aws_macie2_classification_export_configuration.this[0]",
            "module.macie.aws_cloudwatch_event_rule.findings[0]", "module.macie.aws_cloudwatch_event_target.findings[0]")  # fmt: skip
        add(
            "NET-1", *(f"module.privatelink.aws_vpc_endpoint.interface{_q(e)}" for e in c.interface_endpoints)
        )
        add("NET-2", "module.privatelink.aws_vpc_endpoint.s3[0]")
        add("DP-5", *(f"module.privatelink.aws_vpc_endpoint.interface{_q(e)}" for e in c.interface_endpoints),
            "module.privatelink.aws_vpc_endpoint.s3[0]")  # fmt: skip
        if any(s.sagemaker is not None for s in c.stages):
            add("ML-2", "module.privatelink.aws_security_group.compute[0]",
                "module.privatelink.aws_vpc_security_group_egress_rule.compute_to_endpoints[0]",
                "module.privatelink.aws_vpc_security_group_egress_rule.compute_to_s3[0]")  # fmt: skip
        add("NET-3", "module.privatelink.aws_security_group.endpoints[0]",
            "module.privatelink.aws_vpc_security_group_ingress_rule.https_from_vpc[0]")  # fmt: skip
    det = c.detective
    m = "module.detective"
    if det is not None:
        add("DET-1", f"{m}.aws_guardduty_detector.this[0]", f"{m}.aws_guardduty_detector_feature.s3[0]")
        add("DET-2", f"{m}.aws_securityhub_account.this[0]",
            *(f"{m}.aws_securityhub_standards_subscription.this{_q(s)}" for s in det.standards))  # fmt: skip
        add("DET-3", f"{m}.aws_config_configuration_recorder.this[0]", f"{m}.aws_config_delivery_channel.this[0]",
            f"{m}.aws_config_configuration_recorder_status.this[0]",
            *(f"{m}.aws_config_conformance_pack.this{_q(p)}" for p in det.conformance_packs))  # fmt: skip
        if f is not None and f.config_bucket is not None:
            add("DET-3", 'module.foundation_storage.aws_s3_bucket_policy.this["config"]')
        add(
            "DET-4",
            f"{m}.aws_accessanalyzer_analyzer.external[0]",
            f"{m}.aws_accessanalyzer_analyzer.unused[0]",
        )
        add(
            "DET-5",
            f"{m}.aws_flow_log.this[0]",
            f"{m}.aws_cloudwatch_log_group.flow_logs[0]",
            f"{m}.aws_iam_role.flow_logs[0]",
        )
        for name, (control, _, _) in DETECTIVE.items():
            if det.mode(name) != "prerequisite" and name in ("guardduty", "security_hub"):
                rule = "guardduty" if name == "guardduty" else "securityhub"
                add(
                    control,
                    f"{m}.aws_cloudwatch_event_rule.{rule}[0]",
                    f"{m}.aws_cloudwatch_event_target.{rule}[0]",
                )
    return out
