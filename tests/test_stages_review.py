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
