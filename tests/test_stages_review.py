"""An auditor's review of `layout: stages` (issue #17 item 1): what a stage root reads from the
foundation must be the foundation's own resource, not a same-named one someone else made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator import core
from tests.conftest import BLUEPRINTS
from tests.offline import Rehearsal, all_resources

pytestmark = pytest.mark.terraform


def _planned(root: Path) -> dict[str, Any]:
    """The root's plan as Terraform makes it offline (data sources read, resources planned)."""
    r = Rehearsal.of(root)
    r.ok("plan", "-input=false", "-out=tfplan")
    return r.show_json("tfplan")


def test_a_stage_uses_only_the_foundations_compute_security_group(tmp_path: Path) -> None:
    # Security groups are named per VPC, not owned per landing: a group named
    # "<landing>-compute" that someone else made in the VPC (before the foundation is applied, or
    # after it was replaced) must fail the stage's plan, not receive SageMaker's network interfaces.
    spec = tmp_path / "fraud.yaml"
    spec.write_text(BLUEPRINTS["fraud-inference"].read_text().rstrip("\n") + "\nlayout: stages\n")
    out = tmp_path / "landing"
    core.render_spec(spec, out)

    foundation = _planned(out / "foundation")
    group = next(
        r["values"]
        for r in all_resources(foundation["planned_values"]["root_module"])
        if r["type"] == "aws_security_group" and r["values"]["name"] == "payments-ml-compute"
    )
    dev = _planned(out / "dev")
    lookup = next(
        r["values"]
        for r in all_resources(dev["prior_state"]["values"]["root_module"])
        if r["address"] == "data.aws_security_group.compute"
    )
    assert lookup["name"] == group["name"] and lookup["vpc_id"] == group["vpc_id"]
    # The lookup demands the landing's tag, which the foundation's group carries (default_tags)
    # and the CI roles may not remove or set on other resources.
    demanded = lookup["tags"] or {}
    assert demanded == {"aisec-landing": "payments-ml"}, demanded
    assert demanded.items() <= group["tags_all"].items()


def _applied_roots(out: Path) -> dict[str, list[dict[str, Any]]]:
    """Every root of the landing applied offline, foundation first: its resources as applied."""
    from generator import fleet

    found = {}
    for root in fleet.landing_roots(out):
        r = Rehearsal.of(root.path)
        r.ok("plan", "-input=false", "-out=tfplan")
        r.ok("apply", "-input=false", "tfplan")
        found[root.name] = all_resources(r.show_json()["values"]["root_module"])
    return found


def _managed(resources: list[dict[str, Any]], rtype: str) -> list[dict[str, Any]]:
    return [r["values"] for r in resources if r["type"] == rtype and r["mode"] == "managed"]


def test_split_fraud_landing_holds_the_bar_and_keeps_stages_apart(tmp_path: Path) -> None:
    from generator.checks.policy_eval import Request, evaluate
    from tests.test_stages import _security_bar_holds

    spec = tmp_path / "fraud.yaml"
    spec.write_text(BLUEPRINTS["fraud-inference"].read_text().rstrip("\n") + "\nlayout: stages\n")
    out = tmp_path / "landing"
    core.render_spec(spec, out)
    roots = _applied_roots(out)
    assert list(roots) == ["foundation", "dev", "test", "prod"]
    # The bar's checks on the roots' applied states taken together, Macie's custom data
    # identifiers (item 34, each stage root's own copies) included.
    _security_bar_holds(out, "fraud-inference")

    # Item 9 across roots: the foundation's trail logs data events on every stage's buckets.
    trail = _managed(roots["foundation"], "aws_cloudtrail")[0]
    logged = {
        a.rstrip("/")
        for s in trail["advanced_event_selector"]
        for f in s["field_selector"]
        if f["field"] == "resources.ARN"
        for a in f["starts_with"] or f["equals"] or []
    }
    stage_buckets = {
        f"arn:aws:s3:::{b['bucket']}"
        for st in ("dev", "test", "prod")
        for b in _managed(roots[st], "aws_s3_bucket")
    }
    assert len(stage_buckets) == 6 and stage_buckets <= logged, stage_buckets - logged

    # No dev role reaches a key or bucket of another root (prod, test, the foundation), whatever it
    # asks and through whichever service; its own are reachable (the check can see an Allow).
    account, vpc = "222233334444", "vpc-1a2b3c4d5e6f70819"
    dev = roots["dev"]
    boundaries = {v["arn"]: v["policy"] for v in _managed(dev, "aws_iam_policy")}
    inline: dict[str, list[str]] = {}
    for v in _managed(dev, "aws_iam_role_policy"):
        inline.setdefault(v["role"], []).append(v["policy"])
    keys = {root: _managed(res, "aws_kms_key") for root, res in roots.items()}
    buckets = {root: _managed(res, "aws_s3_bucket_policy") for root, res in roots.items()}
    context = {"aws:SourceVpc": vpc, "aws:ResourceAccount": account, "kms:CallerAccount": account,
               "kms:ViaService": "s3.us-east-2.amazonaws.com", "aws:ViaAWSService": True}  # fmt: skip
    reached: dict[str, set[str]] = {}
    for role in _managed(dev, "aws_iam_role"):
        identity = {
            "identity_policies": inline.get(role["name"], []),
            "boundary": boundaries[role["permissions_boundary"]],
        }
        for root in roots:
            for k in keys[root]:
                for action in ("kms:Decrypt", "kms:GenerateDataKey"):
                    request = Request(role["arn"], action, k["arn"], context)
                    if (
                        evaluate(
                            request, resource_policy=k["policy"], resource_must_allow=True, **identity
                        ).outcome
                        == "allow"
                    ):
                        reached.setdefault(root, set()).add(k["tags"]["Name"])
            for b in buckets[root]:
                for action in ("s3:GetObject", "s3:PutObject"):
                    request = Request(role["arn"], action, f"arn:aws:s3:::{b['bucket']}/data/x", context)
                    if evaluate(request, resource_policy=b["policy"], **identity).outcome == "allow":
                        reached.setdefault(root, set()).add(b["bucket"])
    assert set(reached) == {"dev"} and len(reached["dev"]) >= 4, reached
