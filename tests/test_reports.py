"""Compliance evidence, cost estimate and diagram."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.policy import REQUIREMENTS, decide
from generator.reports.compliance import control_addresses, report
from generator.reports.cost import estimate, price_table
from generator.reports.diagram import build, mermaid
from generator.spec import Regime, load_spec, parse_spec
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
