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
)
from generator.reports.addresses import (
    control_addresses as control_addresses,  # the evidence column, for callers
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
