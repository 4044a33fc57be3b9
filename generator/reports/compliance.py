"""Compliance evidence: each requirement of each selected regime -> the controls that serve it ->
the Terraform resource addresses that implement them, with coverage figures."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from generator.decide.policy import (
    CONTROLS_BY_ID,
    DETECTIVE,
    REQUIREMENTS,
    Controls,
    bedrock_invocation_log_group,
    log_group_key,
)
from generator.spec import HumanAccess, Regime, Sensitivity, Service


def _sensitive(c: Controls) -> bool:
    return any(w.workload.data.sensitivity.rank >= Sensitivity.CONFIDENTIAL.rank for w in c.workloads)


# What a requirement rests on besides the generated code: when the predicate holds for a landing,
# the requirement is only "partly addressed" and the text says what is missing (SECURITY-BAR.md:
# "addressed" only where the code enforces the requirement).
PREREQUISITES: dict[str, tuple[Callable[[Controls], bool], str]] = {
    "sso-mfa": (
        lambda c: (
            c.spec.access.human_access is HumanAccess.SSO and any(r.human for s in c.stages for r in s.roles)
        ),
        "prerequisite: MFA for people is enforced by IAM Identity Center's settings, outside the generated "
        "code; the generated roles trust only the named permission sets and require a source identity",
    ),
    "network-perimeter-off": (
        lambda c: _sensitive(c) and not c.spec.network.perimeter,
        "the network perimeter is off (network.perimeter: false): confidential and restricted data answers "
        "requests from anywhere with valid credentials",
    ),
    "log-archive": (
        lambda c: c.foundation is None or c.foundation.archive is None,
        "prerequisite: the audit logs stay in the workload account; delivering them to a separate log-archive "
        "account (AWS SRA) takes them out of reach of this account's administrators",
    ),
    "detective-prerequisites": (
        lambda c: c.detective is not None and any(m != "create" for m in c.detective.modes.values()),
        "prerequisite: account-level detective controls this root module does not create (see "
        '"Detection" in COMPLIANCE.md; `detective` in the spec)',
    ),
    "organization": (
        lambda c: True,
        "prerequisite: organization guardrails are AWS Organizations settings outside the generated code: "
        "SCPs and RCPs that keep principals and data inside the organization, and an SCP that keeps "
        "administrators from rewriting, recreating or passing the landing's roles (role/aisec/*), which the "
        "key and bucket Denies name; the generated key, bucket and endpoint policies enforce the perimeter "
        "for this landing's data",
    ),
}


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


# Checks of a service's resources apply to a landing only when a workload uses that service: a RAG
# landing runs no SageMaker job, so Prowler's SageMaker checks find nothing of it to judge.
APPLIES_WITH: dict[str, Service] = {
    "sagemaker": Service.SAGEMAKER,
    "bedrock": Service.BEDROCK,
    "ecr": Service.ECR,
}


def prowler_coverage(c: Controls, regime: Regime) -> dict[str, Any]:
    """Prowler's catalogue of a regime against this landing (generator/data/prowler/<regime>.yaml):
    requirements by classification; of the technical ones in reach, those covered here, partly
    covered, and not applicable. A requirement's checks on what the landing creates (the check
    table's controls and gaps) are judged by the static prediction, the same one predicted_checks
    reports (_predict): covered when each of them that applies is predicted to pass (a control this
    landing applies serves it and does not fall short: falls_short, access_log_bucket), partly when
    some are, not applicable when none applies (the landing uses none of the services they judge).
    A check predicted to fail or to depend on the existing foundation or account leaves it uncovered."""
    from generator.decide import prowler

    table = prowler.check_table()
    predictions = _predictions(c, {ck for r in prowler.in_reach(regime) for ck in r["checks"]}, table)
    counts = {"total": 0, "in_reach": 0, "covered": 0, "partly": 0, "not_applicable": 0, "account": 0,
              "procedural": 0, "not_created": 0, "also_outside": 0}  # fmt: skip
    uncovered: list[str] = []
    for r in prowler.requirements(regime):
        counts["total"] += 1
        if r["classification"] == "account":
            counts["account"] += 1
            continue
        if r["classification"] == "procedural":
            counts["procedural"] += 1
            continue
        if r.get("out_of_scope_reason"):
            counts["not_created"] += 1
            continue
        counts["in_reach"] += 1
        in_reach = [
            ck
            for ck in r["checks"]
            if prowler.where(ck, table)[0] in ("controls", "gap") and predictions[ck][0] != "not applicable"
        ]
        served = [ck for ck in in_reach if predictions[ck][0] == "pass"]
        if not in_reach:
            counts["not_applicable"] += 1
        elif len(served) == len(in_reach):
            counts["covered"] += 1
            if len(in_reach) < len(r["checks"]):
                counts["also_outside"] += 1
        else:
            uncovered.append(r["id"])
            if served:
                counts["partly"] += 1
    meta = prowler.catalogue(regime)["prowler"]
    return {**counts, "version": meta["version"], "file": meta["file"], "uncovered": uncovered}


# Controls that exist only with the resources their checks judge: absent, the checks find nothing.
_RESOURCE_CONTROLS: dict[str, str] = {
    "ML-4": "the landing creates no SageMaker notebook instance",
    "ML-6": "the landing creates no ECR repository",
}
# Checks named after a service that judge the IAM policies of the landing's roles, used or not.
_JUDGES_IAM = frozenset({"bedrock_full_access_policy_attached"})
PREDICTIONS = ("pass", "fail", "depends", "not applicable")


def _predict(c: Controls, check: str, table: dict[str, Any]) -> tuple[str, list[str], str]:
    """(prediction, controls, reason) of one Prowler check for this landing, from the check table."""
    from generator.decide import prowler

    kind, value = prowler.where(check, table)
    if kind == "outside":
        return "not applicable", [], f"judges {value}"
    if kind == "account":
        return "depends", [], str(value)
    used = {svc for w in c.workloads for svc in w.services}
    service = None if check in _JUDGES_IAM else APPLIES_WITH.get(check.split("_")[0])
    if service is not None and service not in used:
        return "not applicable", [], f"no workload uses {service.value}"
    if kind == "gap":
        return "fail", [], f"no control passes it: {value}"
    applied = {ctl.id for ctl in c.controls}
    if reason := next(
        (_RESOURCE_CONTROLS[i] for i in value if i in _RESOURCE_CONTROLS and i not in applied), None
    ):
        return "not applicable", [], reason
    present = [i for i in value if i in applied]
    if present:
        if check in table.get("falls_short", {}):
            return "fail", present, str(table["falls_short"][check])
        if check in table.get("access_log_bucket", {}) and c.foundation is not None:
            return "fail", present, "the access-log bucket: " + str(table["access_log_bucket"][check])
        return "pass", present, ""
    absent = ", ".join(value)
    if c.foundation is None and all(CONTROLS_BY_ID[i].scope != "workload" for i in value):
        return (
            "depends",
            [],
            f"the existing foundation and account (foundation: existing): {absent} not created here",
        )
    detective = {ctl: name for name, (ctl, _, _) in DETECTIVE.items()}
    if c.detective is not None and all(
        i in detective and c.detective.mode(detective[i]) != "create" for i in value
    ):
        return (
            "depends",
            [],
            f"the account's detective controls ({absent}), which the spec says exist already",
        )
    return "fail", [], f"the controls that pass it are not part of this landing: {absent}"


def _predictions(
    c: Controls, names: Iterable[str], table: dict[str, Any]
) -> dict[str, tuple[str, list[str], str]]:
    """The static prediction of each named check for this landing: predicted_checks' table rows and
    prowler_coverage's covered requirements both read it."""
    return {check: _predict(c, check, table) for check in sorted(set(names))}


def predicted_checks(c: Controls, regime: Regime) -> dict[str, Any]:
    """A static prediction, before any plan, of how Prowler will judge this landing once deployed: for
    each check of the regime's requirements in reach (technical, not out of scope: the checks
    reports.checks.by_regime counts), pass (a control of this landing serves it), fail (no control
    does, or ours fall short), depends (an account setting, the existing foundation) or not applicable
    (it judges a service the landing does not create). tests/test_verdicts.py proves each pass and
    fail against the verdicts judged on an offline apply."""
    from generator.decide import prowler

    table = prowler.check_table()
    in_reach = prowler.in_reach(regime)
    predictions = _predictions(c, (ck for r in in_reach for ck in r["checks"]), table)
    rows = [
        {"check": check, "prediction": prediction, "controls": controls, "reason": reason}
        for check, (prediction, controls, reason) in predictions.items()
    ]
    totals = {p: sum(1 for r in rows if r["prediction"] == p) for p in PREDICTIONS}
    return {"requirements_in_reach": len(in_reach), "checks": len(rows), "totals": totals, "table": rows}


def report(c: Controls) -> dict[str, Any]:
    """Per selected regime: requirements, their controls and resources, and coverage."""
    addresses = control_addresses(c)
    applied = {ctl.id for ctl in c.controls}
    regimes = []
    for regime in Regime:
        if regime not in c.spec.regimes:
            continue
        title, requirements = REQUIREMENTS[regime]
        rows = []
        for req in requirements:
            if req.controls:
                controls = [ctl for ctl in c.controls if ctl.id in req.controls]
            else:
                controls = [ctl for ctl in c.controls if ctl.family in req.families and ctl.id in applied]
            missing = [
                text for name in req.rests_on if (rule := PREREQUISITES[name])[0](c) for text in (rule[1],)
            ]
            if req.controls or req.gaps:
                missing += [f"no control passes {g}" for g in req.gaps]
                if req.account:
                    missing.append("rests on account settings outside the landing: " + "; ".join(req.account))
            used = {svc.value for w in c.workloads for svc in w.services} | {Service.S3.value}
            judged = [j for j in req.judges if APPLIES_WITH.get(j, Service.S3).value in used]
            if req.out_of_scope:
                status, reason = "out of scope", req.out_of_scope
            elif req.judges and not judged:
                status, reason = (
                    "out of scope",
                    "not applicable here: its checks judge "
                    + ", ".join(req.judges)
                    + ", which no workload uses",
                )
            elif req.gaps and not controls:
                status, reason = "not addressed", "; ".join(missing)
            elif controls and missing:
                status, reason = "partly addressed", "; ".join(missing)
            elif controls:
                status, reason = "addressed", ""
            elif req.controls:
                status, reason = (
                    "not addressed",
                    "the controls that serve it are not part of this landing: " + ", ".join(req.controls),
                )
            else:
                status, reason = (
                    "not addressed",
                    "its controls belong to the foundation, which is owned elsewhere",
                )
            rows.append({
                "id": req.id,
                "title": req.title,
                "status": status,
                "reason": reason,
                "controls": [{"id": ctl.id, "title": ctl.title, "resources": addresses.get(ctl.id, [])} for ctl in controls],
            })  # fmt: skip
        addressed = sum(1 for r in rows if r["status"] == "addressed")
        regimes.append({
            "regime": regime.value,
            "title": title,
            "coverage": {"addressed": addressed, "total": len(rows),
                         "partly": sum(1 for r in rows if r["status"] == "partly addressed"),
                         "out_of_scope": sum(1 for r in rows if r["status"] == "out of scope"),
                         "percent": round(100 * addressed / len(rows))},
            "requirements": rows,
            "prowler": prowler_coverage(c, regime),
            "predicted": predicted_checks(c, regime),
        })  # fmt: skip
    return {"name": c.spec.name, "regimes": regimes}


def coverage_line(rep: dict[str, Any]) -> str:
    if not rep["regimes"]:
        return "no compliance regime selected"
    return "; ".join(
        f"{r['regime']} {r['coverage']['addressed']}/{r['coverage']['total']} requirements addressed, "
        f"{r['coverage']['partly']} partly ({r['coverage']['out_of_scope']} out of scope)"
        for r in rep["regimes"]
    )


__all__ = [
    "CONTROLS_BY_ID",
    "control_addresses",
    "coverage_line",
    "predicted_checks",
    "prowler_coverage",
    "report",
]
