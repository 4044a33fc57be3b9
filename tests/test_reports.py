"""Compliance evidence, cost estimate and diagram."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.decide.policy import REQUIREMENTS, decide
from generator.reports.compliance import control_addresses, coverage_line, report
from generator.reports.cost import estimate, estimate_line, price_table
from generator.reports.diagram import build, mermaid
from generator.spec import Regime, Service, load_spec, parse_spec
from tests.conftest import BLUEPRINTS, json_result, run_aisec


def test_every_regime_lists_addressed_and_out_of_scope_requirements() -> None:
    families = {
        "encryption-at-rest",
        "key-management",
        "private-paths",
        "least-privilege",
        "audit-logging",
        "data-discovery",
        "detection",
    }
    for regime in Regime:
        title, reqs = REQUIREMENTS[regime]
        assert title and reqs
        assert any(r.out_of_scope for r in reqs), regime  # nothing silently dropped
        for r in reqs:
            assert r.title
            # addressed, or out of scope with a reason, or (Prowler's catalogue) in reach and naming the
            # checks no control passes
            assert bool(r.families) != bool(r.out_of_scope) or (r.gaps and not r.out_of_scope), r.id
            assert set(r.families) <= families
        covered = {f for r in reqs for f in r.families}
        assert covered == families, regime


@pytest.mark.terraform
@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_every_named_resource_exists_in_the_offline_plan(
    name: str, applied: dict[str, dict[str, Any]]
) -> None:
    planned = {rc["address"] for rc in applied[name]["plan"]["resource_changes"]}
    addresses = control_addresses(decide(load_spec(BLUEPRINTS[name])))
    assert all(addresses.values()), [k for k, v in addresses.items() if not v]
    missing = sorted(a for found in addresses.values() for a in found if a not in planned)
    assert not missing, missing


def test_compliance_report_and_command() -> None:
    rep = report(decide(load_spec(BLUEPRINTS["healthcare-training"])))
    (hipaa,) = rep["regimes"]
    # MFA rests on IAM Identity Center, audit-log integrity on a log-archive account, access control
    # on organization guardrails, outside the generated code: partly addressed, never "addressed".
    assert hipaa["coverage"] == {"addressed": 4, "partly": 4, "total": 12, "out_of_scope": 4, "percent": 33}
    status = {q["id"]: (q["status"], q["reason"]) for q in hipaa["requirements"]}
    assert status["164.312(d)"][0] == "partly addressed" and "IAM Identity Center" in status["164.312(d)"][1]
    assert status["164.312(e)(1)"] == ("addressed", "")
    enc = next(q for q in hipaa["requirements"] if q["id"] == "164.312(a)(2)(iv)")
    assert {c["id"] for c in enc["controls"]} >= {"KMS-1", "S3-1"} and enc["controls"][0]["resources"]
    data = json_result(run_aisec("compliance", str(BLUEPRINTS["multi-workload"]), "--json"))
    assert [r["regime"] for r in data["regimes"]] == ["gdpr", "soc2"]
    text = run_aisec("compliance", str(BLUEPRINTS["fedramp-moderate"])).stdout
    assert "FedRAMP Moderate baseline" in text and "SC-28(1)" in text


def test_what_rests_on_the_spec_changes_the_status() -> None:
    data = yaml.safe_load(BLUEPRINTS["healthcare-training"].read_text())
    data["access"] = {**data["access"], "human_access": "iam-mfa",
                      "people": {s: ["arn:aws:iam::111122223333:role/Clinicians"] for s in ("dev", "test", "prod")}}  # fmt: skip
    data["network"] = {**data["network"], "perimeter": False}
    (hipaa,) = report(decide(parse_spec(data)))["regimes"]
    status = {q["id"]: (q["status"], q["reason"]) for q in hipaa["requirements"]}
    assert status["164.312(d)"] == ("addressed", "")  # the trust policies require MFA themselves
    assert (
        status["164.312(e)(1)"][0] == "partly addressed"
        and "network.perimeter: false" in status["164.312(e)(1)"][1]
    )


def test_existing_foundation_does_not_claim_foundation_controls() -> None:
    rep = report(decide(load_spec(BLUEPRINTS["existing-foundation"])))
    statuses = {q["id"]: q["status"] for q in rep["regimes"][0]["requirements"]}
    assert statuses["164.312(b)"] == "partly addressed"  # workload log groups count; the trail is elsewhere
    assert all(
        c["id"] not in ("TRL-1", "NET-1", "MAC-1")
        for q in rep["regimes"][0]["requirements"]
        for c in q["controls"]
    )


def test_rendered_compliance_names_the_resources(rendered_files: dict[str, dict[str, str]]) -> None:
    text = rendered_files["fraud-inference"]["COMPLIANCE.md"]
    assert "Coverage: **11 of 16** requirements addressed (69%), 2 partly addressed" in text
    assert "12.x Information security policies" in text and "log-archive account" in text
    assert '`module.privatelink.aws_vpc_endpoint.interface["kms"]`' in text


def test_shared_costs_do_not_grow_with_workloads() -> None:
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    one = estimate(decide(parse_spec(data)))
    many = copy.deepcopy(data)
    many["workloads"] = [dict(data["workloads"][0], name=f"job-{i}") for i in range(10)]
    ten = estimate(decide(parse_spec(many)))
    assert one["shared_monthly"] == ten["shared_monthly"] > 0
    assert ten["workloads_monthly"] == pytest.approx(10 * one["workloads_monthly"], rel=0.01)
    assert one["prices_as_of"] == price_table()["as_of"]
    keys = next(line for line in one["lines"] if line["item"] == "KMS customer-managed keys")
    assert keys["quantity"] == 6 and keys["unit_price"] == 1.0  # us-west-2 is priced as us-east-1


def test_cost_assumptions_come_from_the_spec_and_region() -> None:
    data = yaml.safe_load(BLUEPRINTS["healthcare-training"].read_text())
    base = estimate(decide(parse_spec(data)))
    data["cost"] = {"data_gb": 10_000}
    bigger = estimate(decide(parse_spec(data)))
    storage = lambda e: next(x for x in e["lines"] if x["item"].startswith("S3 storage (datasets"))["monthly"]  # noqa: E731
    assert storage(bigger) > 50 * storage(base)
    data["aws"]["region"] = "eu-central-1"
    data["compliance"] = ["hipaa"]
    assert estimate(decide(parse_spec(data)))["region_factor"] > 1
    text = run_aisec("cost", str(BLUEPRINTS["multi-workload"])).stdout
    assert "shared by all workloads" in text and "Interface endpoints (12 services x 3 AZs)" in text


def test_cloudtrail_insights_are_priced_with_the_trail_the_landing_creates() -> None:
    """Both Insights types analyse the management events (write ones twice): at most 2 analyses per
    management event, at $0.35 per 100,000 (us-east-1), with the trail; none without it."""
    data = yaml.safe_load(BLUEPRINTS["healthcare-training"].read_text())
    data["cost"] = {"management_events": 3_000_000}
    lines = estimate(decide(parse_spec(data)))["lines"]
    [insights] = [x for x in lines if x["item"].startswith("CloudTrail Insights")]
    assert (
        insights["quantity"] == 60
        and insights["unit_price"] == price_table()["prices"]["cloudtrail_insights_per_100k"]
    )
    assert insights["monthly"] == pytest.approx(60 * 0.35) and insights["scope"] == "shared"
    existing = estimate(decide(load_spec(BLUEPRINTS["existing-foundation"])))["lines"]
    assert not [x for x in existing if x["item"].startswith("CloudTrail Insights")]


def test_mermaid_in_the_readme(rendered_files: dict[str, dict[str, str]]) -> None:
    readme = rendered_files["multi-workload"]["README.md"]
    assert "```mermaid\nflowchart LR\n" in readme
    diagram = mermaid(build(decide(load_spec(BLUEPRINTS["multi-workload"]))))
    assert diagram in readme
    for needed in (
        'subgraph vpc["VPC vpc-',
        "trail -->|data events|",
        "macie -->|weekly scan|",
        "topic --> email",
    ):
        assert needed in diagram


def test_diagram_images(tmp_path: Path) -> None:
    for suffix, magic in ((".svg", b"<svg"), (".png", b"\x89PNG"), (".dot", b"digraph aisec")):
        target = tmp_path / f"arch{suffix}"
        proc = run_aisec("diagram", str(BLUEPRINTS["healthcare-training"]), "-o", str(target))
        assert proc.returncode == 0, proc.stderr
        assert magic in target.read_bytes()[:400]
    assert (
        run_aisec("diagram", str(BLUEPRINTS["healthcare-training"]), "-o", str(tmp_path / "x.gif")).returncode
        == 2
    )


def _cost_spec(name: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BLUEPRINTS[name].read_text())
    for dotted, value in changes.items():
        *path, last = dotted.split("__")
        target = data
        for key in path:
            target = target.setdefault(key, {})
        target[last] = value
    return data


def _lines(e: dict[str, Any]) -> list[tuple[str, float, str, float, str]]:
    return [(x["item"], x["quantity"], x["unit"], x["unit_price"], x["scope"]) for x in e["lines"]]


def _totals_add_up(e: dict[str, Any]) -> None:
    for x in e["lines"]:
        assert x["monthly"] == pytest.approx(x["quantity"] * x["unit_price"], abs=0.006), x
    shared = sum(x["monthly"] for x in e["lines"] if x["scope"] == "shared")
    per_workload = sum(x["monthly"] for x in e["lines"] if x["scope"] == "per workload")
    assert len(e["lines"]) == sum(1 for x in e["lines"] if x["scope"] in ("shared", "per workload"))
    assert e["shared_monthly"] == pytest.approx(shared, abs=0.006)
    assert e["workloads_monthly"] == pytest.approx(per_workload, abs=0.006)
    assert e["total_monthly"] == pytest.approx(shared + per_workload, abs=0.006)


# Each assumption a different number, so that each line shows which one it was computed from.
ASSUMED = {"data_gb": 101, "artifact_gb": 19, "s3_requests": 1_300_000, "image_gb": 7, "kms_requests": 170_000,
           "endpoint_gb": 23, "log_gb": 11, "access_log_gb": 3, "data_events": 2_900_000, "macie_scanned_gb": 13,
           "management_events": 1_700_000, "flow_log_gb": 29, "config_items": 3100, "config_evaluations": 4300,
           "security_checks": 5900, "iam_principals": 37}  # fmt: skip


def test_every_cost_line_is_a_listed_price_times_what_the_landing_creates() -> None:
    """The estimate of a landing with everything a bill can have: three stages of 3 keys and 2 buckets
    each, the foundation (3 keys, 3 audit buckets, 7 endpoints in 2 AZs, 17 alarms), a log archive in
    another Region, detective controls; us-west-1 prices are us-east-1's times 1.12, and three-year
    retention keeps 12 months of logs in CloudWatch."""
    data = _cost_spec(
        "fedramp-moderate", aws__region="us-west-1", log_archive__region="us-east-1", cost=ASSUMED
    )
    e = estimate(decide(parse_spec(data)))
    assert (e["region"], e["region_factor"], e["currency"], e["workloads"]) == ("us-west-1", 1.12, "USD", 1)
    assert e["assumptions"] == ASSUMED and e["name"] == "agency-docs"
    per, shared = "per workload", "shared"
    assert _lines(e) == [
        ("KMS customer-managed keys", 9, "keys", 1.12, per),
        ("KMS customer-managed keys (audit, alerts, service logs)", 3, "keys", 1.12, shared),
        ("KMS requests", 51.0, "10k requests", 0.0336, per),  # 170k x 3 stages
        ("S3 storage (datasets, artifacts)", 360, "GB-month", 0.02576, per),  # (101 + 19) x 3
        ("S3 requests", 3900.0, "1k requests", 0.000448, per),
        ("Macie buckets monitored", 6, "buckets", 0.112, per),
        ("Macie sensitive data discovery", 39, "GB scanned", 1.12, per),  # restricted data: every stage
        ("CloudWatch Logs ingestion", 11, "GB", 0.56, shared),
        ("CloudWatch Logs storage (steady state after 12 months)", 132, "GB-month", 0.0336, shared),
        ("Interface endpoints (7 services x 2 AZs)", 10220.0, "endpoint-AZ-hours", 0.0112, shared),  # x 730 h
        ("Interface endpoint data processed", 23, "GB", 0.0112, shared),
        ("CloudTrail S3 data events", 29.0, "100k events", 0.112, shared),
        # two Insights types, each analysing every management event (an upper bound)
        (
            "CloudTrail Insights (API call and error rates; at most 2 analyses per management event)",
            34.0,
            "100k events analysed",
            0.392,
            shared,
        ),
        ("CloudWatch alarms", 17, "alarms", 0.112, shared),
        ("CloudWatch metrics from metric filters", 17, "metrics", 0.336, shared),
        ("Macie buckets monitored (audit buckets)", 3, "buckets", 0.112, shared),
        ("KMS key of the log archive (account 666677779999)", 1, "keys", 1.12, shared),
        ("S3 storage (trail in the log archive, findings, access logs)", 132, "GB-month", 0.02576, shared),
        (
            "S3 storage of the access logs replicated to the log archive (account 666677779999)",
            36,
            "GB-month",
            0.02576,
            shared,
        ),
        ("S3 replication transfer us-west-1 -> us-east-1", 3, "GB", 0.0224, shared),
        ("GuardDuty management event analysis", 1.7, "1M events", 4.48, shared),
        ("GuardDuty S3 protection (data events)", 2.9, "1M events", 0.896, shared),
        ("GuardDuty VPC flow log analysis", 29, "GB", 1.12, shared),
        ("Security Hub security checks (3 standards)", 5900, "checks", 0.00112, shared),
        ("AWS Config configuration items", 3100, "items", 0.00336, shared),
        ("AWS Config conformance pack evaluations (1 pack(s))", 4300, "evaluations", 0.00112, shared),
        ("IAM Access Analyzer unused access", 37, "roles and users", 0.224, shared),
        ("VPC flow logs ingestion (CloudWatch Logs, vended)", 29, "GB", 0.56, shared),
        ("VPC flow logs storage (steady state after 12 months)", 348, "GB-month", 0.0336, shared),
    ]
    _totals_add_up(e)
    assert estimate_line(
        {**e, "total_monthly": 1234.5, "shared_monthly": 1000, "workloads_monthly": 234.5}
    ) == (
        f"about $1,234.50/month ({price_table()['as_of']} us-west-1 list prices): $1,000.00 shared by all workloads, "
        "$234.50 for 1 workload(s)"
    )
    # the archive in the landing's Region: no transfer; without an archive the trail's bucket is here
    same = estimate(
        decide(parse_spec(_cost_spec("fedramp-moderate", log_archive__region="us-west-2", cost=ASSUMED)))
    )
    assert not any("replication transfer" in x[0] for x in _lines(same))
    assert any(x[0] == "S3 storage of the access logs replicated to the log archive (account 666677779999)"
               for x in _lines(same))  # fmt: skip
    alone = _cost_spec("fedramp-moderate", cost=ASSUMED)
    del alone["log_archive"]
    alone["compliance"] = []
    items = [x[0] for x in _lines(estimate(decide(parse_spec(alone))))]
    assert "S3 storage (trail, findings, access logs)" in items
    assert not any("log archive" in item for item in items)


def test_notebooks_and_images_are_priced_per_stage_and_unknown_types_say_so() -> None:
    data = _cost_spec("soc2-notebooks", cost=ASSUMED)
    data["workloads"][0]["compute"]["notebook"]["instance_type"] = "ml.t3.large"
    e = estimate(decide(parse_spec(data)))
    notebooks = [x for x in _lines(e) if "notebook" in x[0]]
    assert notebooks == [
        ("SageMaker notebook instance research-notebooks-dev-notebook (ml.t3.large, running all month)",
         730.0, "instance-hours", 0.1, "per workload"),
        ("SageMaker notebook ML storage (research-notebooks-dev-notebook)", 20, "GB-month",
         price_table()["notebook_volume_gb_month"], "per workload"),
    ]  # fmt: skip
    _totals_add_up(e)
    data["workloads"][0]["compute"]["notebook"]["instance_type"] = "ml.p4d.24xlarge"
    (unknown,) = [x for x in _lines(estimate(decide(parse_spec(data)))) if "notebook instance" in x[0]]
    assert "not in the price table: not estimated" in unknown[0] and unknown[3] == 0
    images = estimate(decide(parse_spec(_cost_spec("fraud-inference", cost=ASSUMED))))
    (ecr,) = [x for x in _lines(images) if x[0].startswith("ECR storage")]
    stages = len(yaml.safe_load(BLUEPRINTS["fraud-inference"].read_text())["workloads"][0]["stages"])
    assert ecr == (
        "ECR storage (repositories the landing creates)",
        7 * stages,
        "GB-month",
        0.1,
        "per workload",
    )


def test_detective_controls_cost_only_where_the_landing_creates_them() -> None:
    modes = {"guardduty": "check", "security_hub": "prerequisite", "config": "prerequisite",
             "access_analyzer": "create", "flow_logs": "prerequisite"}  # fmt: skip
    e = estimate(decide(parse_spec(_cost_spec("multi-workload", detective=modes, cost=ASSUMED))))
    items = [x[0] for x in _lines(e)]
    assert "IAM Access Analyzer unused access" in items
    assert not any(i.startswith(("GuardDuty", "Security Hub", "AWS Config", "VPC flow logs")) for i in items)
    for mode in ("guardduty", "security_hub", "config", "flow_logs"):
        only = dict.fromkeys(modes, "prerequisite") | {mode: "create"}
        lines = _lines(
            estimate(decide(parse_spec(_cost_spec("multi-workload", detective=only, cost=ASSUMED))))
        )
        prefix = {"guardduty": "GuardDuty", "security_hub": "Security Hub", "config": "AWS Config",
                  "flow_logs": "VPC flow logs"}[mode]  # fmt: skip
        assert any(x[0].startswith(prefix) for x in lines), mode
        assert not any(x[0].startswith("IAM Access Analyzer") for x in lines)
    # the existing foundation: no trail, endpoints, alarms or detective controls are billed here
    existing = estimate(decide(load_spec(BLUEPRINTS["existing-foundation"])))
    assert {x["scope"] for x in existing["lines"]} == {"per workload", "shared"}
    shared = [x["item"] for x in existing["lines"] if x["scope"] == "shared"]
    assert shared == ["CloudWatch Logs ingestion", shared[1]] and shared[1].startswith(
        "CloudWatch Logs storage"
    )
    for name in BLUEPRINTS:
        _totals_add_up(estimate(decide(load_spec(BLUEPRINTS[name]))))


def _check_report_figures(c: Any, rep: dict[str, Any]) -> None:
    """What COMPLIANCE.md and `aisec compliance` show must agree with itself and with the landing."""
    from generator.decide.policy import CONTROLS_BY_ID

    applied = {ctl.id for ctl in c.controls}
    addresses = control_addresses(c)
    assert [r["regime"] for r in rep["regimes"]] == [r.value for r in Regime if r in c.spec.regimes]
    for regime in rep["regimes"]:
        rows = regime["requirements"]
        count = {
            s: sum(1 for q in rows if q["status"] == s)
            for s in ("addressed", "partly addressed", "out of scope")
        }
        assert regime["coverage"] == {
            "addressed": count["addressed"],
            "total": len(rows),
            "partly": count["partly addressed"],
            "out_of_scope": count["out of scope"],
            "percent": round(100 * count["addressed"] / len(rows)),
        }
        title, requirements = REQUIREMENTS[Regime(regime["regime"])]
        assert regime["title"] == title and [q["id"] for q in rows] == [r.id for r in requirements]
        for q in rows:
            assert q["status"] in ("addressed", "partly addressed", "out of scope", "not addressed"), q
            # "addressed" only with controls of this landing and nothing missing; otherwise a reason
            assert (q["status"] == "addressed") == (q["reason"] == ""), q
            if q["status"] in ("addressed", "partly addressed"):
                assert q["controls"], q
            for ctl in q["controls"]:
                assert ctl["id"] in applied and ctl["title"] == CONTROLS_BY_ID[ctl["id"]].title
                assert ctl["resources"] == addresses[ctl["id"]]


def test_statuses_follow_what_the_landing_applies_and_the_figures_count_them() -> None:
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    data["compliance"] = ["ai-security"]
    c = decide(parse_spec(data))
    rep = report(c)
    _check_report_figures(c, rep)
    rows = {q["id"]: q for q in rep["regimes"][0]["requirements"]}
    assert (rows["AISF-ML-04"]["status"], rows["AISF-ML-04"]["controls"]) == ("not addressed", [])
    assert rows["AISF-ML-04"]["reason"].startswith("no control passes sagemaker_models_registry_in_use: ")
    assert (rows["AISF-INFRA-01"]["status"], rows["AISF-INFRA-01"]["reason"]) == (
        "out of scope",
        "not applicable here: its checks judge bedrock, which no workload uses",
    )
    assert rows["AISF-INFRA-06"]["status"] == "addressed"
    assert [x["id"] for x in rows["AISF-INFRA-06"]["controls"]] == ["S3-2", "ML-1"]
    assert rows["AISF-INFRA-08"]["status"] == "partly addressed"
    assert rows["AISF-INFRA-08"]["reason"].startswith("no control passes vpc_endpoint_for_ec2_enabled: ")
    assert (rows["AISF-IAM-04"]["status"], rows["AISF-IAM-04"]["reason"]) == (
        "partly addressed",
        "rests on account settings outside the landing: the root user",
    )
    assert coverage_line(rep) == (
        f"ai-security {rep['regimes'][0]['coverage']['addressed']}/63 requirements addressed, "
        f"{rep['regimes'][0]['coverage']['partly']} partly ({rep['regimes'][0]['coverage']['out_of_scope']} out of scope)"
    )
    for name in BLUEPRINTS:
        c = decide(load_spec(BLUEPRINTS[name]))
        _check_report_figures(c, report(c))
    multi = report(decide(load_spec(BLUEPRINTS["multi-workload"])))
    assert coverage_line(multi) == (
        "gdpr 5/9 requirements addressed, 0 partly (4 out of scope); "
        "soc2 8/10 requirements addressed, 0 partly (2 out of scope)"
    )
    assert (
        coverage_line(report(decide(load_spec(BLUEPRINTS["batch-scoring"]))))
        == "no compliance regime selected"
    )


def test_every_applied_control_names_resources_the_generated_code_declares() -> None:
    """COMPLIANCE.md's evidence, without a plan: each control the landing applies names resources, and
    each is a resource its root module declares (a module it calls, a resource block of that module,
    instance keys of the form Terraform prints). test_every_named_resource_exists_in_the_offline_plan
    proves the same against the plan itself, too slowly to run for every mutant."""
    import re

    from generator.render import render

    address_re = re.compile(r'^module\.([a-z0-9_]+)\.(aws_[a-z0-9_]+)\.([a-z0-9_]+)(\[(\d+|"[^"\[\]]+")\])?$')
    for name in BLUEPRINTS:
        spec = load_spec(BLUEPRINTS[name])
        files = render(spec)
        calls = dict(re.findall(r'module "(\w+)" \{\n  source = "\./modules/(\w+)"', files["main.tf"]))
        calls |= {k: v for f, t in files.items() if f.endswith(".tf") and "/" not in f
                  for k, v in re.findall(r'module "(\w+)" \{\n  source = "\./modules/(\w+)"', t)}  # fmt: skip
        declared = {(folder.split("/")[1], t, n) for folder, text in files.items()
                    if folder.startswith("modules/") and folder.endswith(".tf")
                    for t, n in re.findall(r'^resource "(\w+)" "(\w+)"', text, re.M)}  # fmt: skip
        c = decide(spec)
        addresses = control_addresses(c)
        assert set(addresses) == {ctl.id for ctl in c.controls}, name
        for control, found in addresses.items():
            assert found, f"{name}: {control} names no resource"
            for address in found:
                m = address_re.match(address)
                assert m, f"{name}: {control}: {address!r}"
                assert m.group(1) in calls, f"{name}: {control}: {address} (no module {m.group(1)})"
                assert (calls[m.group(1)], m.group(2), m.group(3)) in declared, (
                    f"{name}: {control}: {address}"
                )


# What each control's evidence consists of, by resource type (where the control applies).
EVIDENCE_TYPES = {
    "ML-4": {"aws_sagemaker_notebook_instance", "aws_kms_key"},
    "ML-6": {"aws_ecr_repository", "aws_ecr_lifecycle_policy", "aws_ecr_repository_policy", "aws_kms_key"},
    "DET-3": {
        "aws_config_configuration_recorder",
        "aws_config_delivery_channel",
        "aws_config_configuration_recorder_status",
        "aws_config_conformance_pack",
        "aws_s3_bucket_policy",  # the config bucket's, with foundation: create
    },
    "TRL-1": {"aws_cloudtrail", "aws_cloudwatch_log_group", "aws_iam_role"},
    "KMS-5": {"aws_kms_key"},
    "S3-3": {"aws_s3_bucket_versioning", "aws_s3_bucket_logging"},
}


def test_each_controls_evidence_names_every_kind_of_resource_it_consists_of() -> None:
    seen = set()
    mixed = yaml.safe_load(BLUEPRINTS["gdpr-rag-assistant"].read_text())  # a batch workload, then Bedrock
    mixed["workloads"].insert(0, yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())["workloads"][0])
    images = yaml.safe_load(BLUEPRINTS["fraud-inference"].read_text())  # a batch workload, then images
    images["workloads"].insert(0, yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())["workloads"][0])
    variants = [("mixed", parse_spec(mixed)), ("images", parse_spec(images))]
    for name, spec in [*((n, load_spec(p)) for n, p in BLUEPRINTS.items()), *variants]:
        c = decide(spec)
        for s in c.stages:  # the boundary of every stage that pulls images (ML-5)
            if s.images is not None:
                assert f"module.{s.ident}_iam.aws_iam_policy.boundary[0]" in control_addresses(c)["ML-5"], (
                    name
                )
        addresses = control_addresses(c)
        for control, types in EVIDENCE_TYPES.items():
            if control in addresses:
                seen.add(control)
                assert {a.split(".")[-2] for a in addresses[control]} == types, (name, control)
        for w in c.workloads:  # the model allow-list of every stage of a Bedrock workload (AI-1)
            if Service.BEDROCK in w.services:
                for s in w.stages:
                    assert f"module.{s.ident}_iam.aws_iam_policy.boundary[0]" in addresses["AI-1"], (
                        name,
                        s.ident,
                    )
    assert seen == set(EVIDENCE_TYPES)


def test_predictions_follow_the_resources_the_landing_creates_and_its_access_log_bucket() -> None:
    """Two rules of COMPLIANCE.md's predicted Prowler results, without an apply (tests/test_verdicts.py
    proves every prediction against the applied state): a check of notebook instances is not
    applicable where the landing creates none and passes where it does; the access-log bucket fails
    two S3 checks where the landing creates it (foundation: create), not where the foundation exists."""
    from generator.reports.compliance import predicted_checks

    def rows(name: str, regimes: list[str] | None = None) -> dict[str, dict[str, Any]]:
        data = yaml.safe_load(BLUEPRINTS[name].read_text())
        data["compliance"] = regimes or data["compliance"]
        c = decide(parse_spec(data))
        return {r["check"]: r for regime in c.spec.regimes for r in predicted_checks(c, regime)["table"]}

    notebook = "sagemaker_notebook_instance_encryption_enabled"
    without, with_notebooks = rows("batch-scoring", ["ai-security"]), rows("soc2-notebooks", ["ai-security"])
    assert (without[notebook]["prediction"], without[notebook]["reason"]) == (
        "not applicable",
        "the landing creates no SageMaker notebook instance",
    )
    assert with_notebooks[notebook]["prediction"] == "pass" and "ML-4" in with_notebooks[notebook]["controls"]
    for check in ("s3_bucket_kms_encryption", "s3_bucket_server_access_logging_enabled"):
        assert without[check]["prediction"] == "fail" and without[check]["reason"].startswith(
            "the access-log bucket: "
        )
    existing = rows("existing-foundation")["s3_bucket_server_access_logging_enabled"]
    assert existing["prediction"] == "pass" and existing["reason"] == ""
    # detective controls the spec says exist already: Prowler's verdict depends on the account
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    data["compliance"] = ["ai-security"]
    data["detective"] = dict.fromkeys(
        ("guardduty", "security_hub", "config", "access_analyzer", "flow_logs"), "prerequisite"
    )
    c = decide(parse_spec(data))
    (guardduty,) = [
        r for r in predicted_checks(c, Regime.AI_SECURITY)["table"] if r["check"] == "guardduty_is_enabled"
    ]
    assert (guardduty["prediction"], guardduty["reason"]) == (
        "depends",
        "the account's detective controls (DET-1), which the spec says exist already",
    )
    assert without["guardduty_is_enabled"]["prediction"] == "pass"
