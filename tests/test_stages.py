"""layout: stages: a root module and a state for the foundation and for each stage (issue #17 item 1)."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator import core, fleet
from generator.decide.policy import decide
from generator.errors import SpecError, UserInputError
from generator.offline import workspace
from generator.render import MANIFEST, stages
from generator.spec import load_spec
from tests.conftest import BLUEPRINTS, json_result, run_aisec
from tests.landings import copy_landing

# A dev-only workload: adding it changes dev (and the foundation's trail), never prod.
DEV_ONLY = """  - name: scratch
    type: batch
    data:
      sensitivity: internal
    stages: [dev]
"""


def _split_spec(tmp_path: Path, blueprint: str = "batch-scoring", extra: str = "") -> Path:
    text = BLUEPRINTS[blueprint].read_text()
    spec = tmp_path / f"{blueprint}.yaml"
    spec.write_text(text.rstrip("\n") + "\nlayout: stages\n" + extra)
    return spec


def _rendered(tmp_path: Path, blueprint: str = "batch-scoring") -> Path:
    spec = _split_spec(tmp_path, blueprint)
    out = tmp_path / "landing"
    core.render_spec(spec, out)
    return out


def test_split_landing_has_a_root_per_stage_and_the_manifest_lists_them(tmp_path: Path) -> None:
    out = _rendered(tmp_path, "multi-workload")
    roots = fleet.landing_roots(out)
    assert [(r.name, r.path, r.needs) for r in roots] == [
        ("foundation", out / "foundation", ()),
        ("dev", out / "dev", ("foundation",)),
        ("test", out / "test", ("foundation",)),
        ("prod", out / "prod", ("foundation",)),
    ]
    for r in roots:
        for name in ("versions.tf", "providers.tf", "backend.tf", "main.tf", "outputs.tf", "README.md"):
            assert (r.path / name).is_file(), (r.name, name)
    assert not (out / "main.tf").exists() and (out / "modules" / "kms" / "main.tf").is_file()
    assert not (out / "dev" / "modules").exists()  # vendored once, at the landing level
    # Every stage's modules are in its own root and nowhere else.
    calls = {r.name: set(re.findall(r'^module "(\w+)"', _tf(r.path), re.M)) for r in roots}
    assert calls["foundation"] == {
        "foundation_kms",
        "foundation_storage",
        "audit",
        "macie",
        "privatelink",
        "detective",
    }
    for stage in ("dev", "test", "prod"):
        own = {c for c in calls[stage] if c not in ("audit", "macie")}
        assert own and all(
            c.endswith(("_kms", "_storage", "_iam", "_compute")) and f"_{stage}_" in c for c in own
        )
        text = _tf(out / stage)
        # reads the foundation by name, never by reference to its modules or its state
        assert not re.search(r"module\.(foundation_\w+|privatelink|detective)\b", text)
        assert "terraform_remote_state" not in text
        assert 'data "aws_s3_bucket" "access_logs"' in text
    assert not re.search(r"module\.\w+_(dev|test|prod)_", _tf(out / "foundation"))
    # the stages' buckets reach the trail's data events by ARN
    assert '"arn:aws:s3:::ml-platform-recsys-train-prod-datasets-777788889999"' in _tf(out / "foundation")


def _tf(folder: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(folder.glob("*.tf")))


def test_each_root_has_its_own_state_key(tmp_path: Path) -> None:
    spec = _split_spec(
        tmp_path,
        extra="state:\n  backend: s3\n  bucket: churn-tfstate-444455556666\n  key: landings/churn/terraform.tfstate\n",
    )
    out = tmp_path / "landing"
    core.render_spec(spec, out)
    keys = {
        r.name: re.search(r'key\s+= "([^"]+)"', (r.path / "backend.tf").read_text()).group(1)  # type: ignore[union-attr]
        for r in fleet.landing_roots(out)
    }
    assert keys == {
        "foundation": "landings/churn/foundation.tfstate",
        "dev": "landings/churn/dev.tfstate",
        "prod": "landings/churn/prod.tfstate",
    }
    assert stages.state_key(load_spec(spec), "dev") == "landings/churn/dev.tfstate"


def test_single_is_the_default_and_stages_needs_a_foundation(tmp_path: Path) -> None:
    assert load_spec(BLUEPRINTS["batch-scoring"]).layout == "single"
    assert "layout" not in (_rendered_single(tmp_path) / ".aisec" / "spec.yaml").read_text()
    spec = _split_spec(tmp_path, "existing-foundation")
    with pytest.raises(SpecError) as exc:
        load_spec(spec)
    assert f"{spec}: layout: stages needs foundation: create" in "\n".join(exc.value.lines())
    proc = run_aisec("render", str(spec), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "layout: stages needs" in proc.stderr


def _rendered_single(tmp_path: Path) -> Path:
    out = tmp_path / "single"
    core.render_spec(BLUEPRINTS["batch-scoring"], out)
    return out


def test_stage_is_required_on_a_split_landing_and_refused_on_a_single_one(tmp_path: Path) -> None:
    out = _rendered(tmp_path)
    proc = run_aisec("plan", str(out), "--offline")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "name its root with --stage: foundation, dev, prod" in proc.stderr
    proc = run_aisec("drift", str(out), "--offline", "--stage", "qa")
    assert (
        proc.returncode == 2
        and "--stage qa: no such root; the roots are foundation, dev, prod" in proc.stderr
    )
    single = _rendered_single(tmp_path)
    proc = run_aisec("apply", str(single), "--offline", "--stage", "dev")
    assert proc.returncode == 2 and "this landing is one root module (layout: single)" in proc.stderr
    assert stages.root_for(single, None) == single and stages.root_for(out, "dev") == out / "dev"
    with pytest.raises(UserInputError):
        stages.root_for(out, None)


def test_every_root_validates_offline(tmp_path: Path) -> None:
    out = _rendered(tmp_path, "multi-workload")
    for r in fleet.landing_roots(out):
        proc = run_aisec("validate", str(out), "--stage", r.name, "--offline")
        assert proc.returncode == 0, (r.name, proc.stdout + proc.stderr)
        assert f"{r.path}: valid" in proc.stdout
    proc = run_aisec("validate", str(out), "--offline")
    assert proc.returncode == 2 and "name its root with --stage: foundation, dev, test, prod" in proc.stderr


def test_render_check_sees_the_split_landing_up_to_date(tmp_path: Path) -> None:
    spec = _split_spec(tmp_path)
    out = tmp_path / "landing"
    core.render_spec(spec, out)
    assert core.check_render(spec, out)["up_to_date"]
    (out / "dev" / "main.tf").write_text((out / "dev" / "main.tf").read_text() + "\n# edit\n")
    report = core.check_render(spec, out)
    assert not report["up_to_date"] and [d["path"] for d in report["differences"]] == ["dev/main.tf"]


def _state(root: Path) -> Path:
    """The offline rehearsal's state of a root (the copy aisec plans and applies in)."""
    return workspace.working_copy(root.resolve(), "offline") / "terraform.tfstate"


def _plan_apply(out: Path, stage: str, *accept: str) -> dict[str, object]:
    plan = run_aisec("plan", str(out), "--offline", "--stage", stage, "--json", *accept)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    result: dict[str, object] = json_result(plan)
    applied = run_aisec("apply", str(out), "--offline", "--stage", stage, "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    return result


def _security_bar_holds(out: Path, blueprint: str) -> None:
    """tests/test_security_bar.py's checks of one landing, run on the split landing's roots'
    applied states taken together (the same expectations as for the blueprint's single root)."""
    from tests import test_security_bar as bar
    from tests.offline import Rehearsal, all_resources

    resources = []
    for r in fleet.landing_roots(out):
        state = Rehearsal.at(workspace.working_copy(r.path.resolve(), "offline")).show_json()
        resources += all_resources(state["values"]["root_module"])
    landing = bar.Applied(decide(load_spec(out / ".aisec" / "spec.yaml")), resources)
    ran = []
    for name, check in sorted(vars(bar).items()):
        if name.startswith("test_") and list(inspect.signature(check).parameters) == ["name", "landings"]:
            check(blueprint, {blueprint: landing})
            ran.append(name)
    assert len(ran) == 17, ran


def test_a_change_to_dev_cannot_plan_against_prod(tmp_path: Path, split_landing: dict[str, Any]) -> None:
    # A stage before its foundation: the foundation's plan has changes, so the stage's is refused.
    (tmp_path / "fresh").mkdir()
    fresh = _rendered(tmp_path / "fresh")
    first = run_aisec("plan", str(fresh), "--offline", "--stage", "dev")
    assert first.returncode == 2 and "the foundation root has changes not yet applied" in first.stderr
    assert f"aisec apply {fresh} --stage foundation --offline" in first.stderr
    # The foundation, then dev, planned and applied (once per run, tests/landings.py), then prod
    # in this test's copy of that landing.
    assert tuple(split_landing["plans"]) == ("foundation", "dev")
    foundation, dev = split_landing["plans"]["foundation"], split_landing["plans"]["dev"]
    spec = _split_spec(tmp_path)
    assert spec.read_text() == split_landing["spec"]  # the landing this test would have rendered
    out = copy_landing(split_landing, tmp_path / "landing")
    prod = _plan_apply(out, "prod")
    assert foundation["add"] and dev["add"] and prod["add"]
    assert not any("_prod_" in c["address"] for c in dev["changes"])
    _security_bar_holds(out, "batch-scoring")
    prod_state = _state(out / "prod").read_bytes()
    prod_files = {p: p.read_bytes() for p in (out / "prod").rglob("*") if p.is_file()}
    assert b"weekly_scores_prod_kms" in prod_state and b"weekly_scores_dev" not in prod_state

    spec.write_text(spec.read_text().replace("workloads:\n", "workloads:\n" + DEV_ONLY, 1))
    core.render_spec(spec, out)
    assert {p: p.read_bytes() for p in (out / "prod").rglob("*") if p.is_file()} == prod_files
    # The trail's data events name the new bucket: the foundation first, then dev.
    refused = run_aisec("plan", str(out), "--offline", "--stage", "dev")
    assert (
        refused.returncode == 2
        and "the foundation root has changes not yet applied (0 to add, 1 to change" in refused.stderr
    )
    # ... which the plan gate reviews (a high finding, accepted by name) like any trail change.
    trail = _plan_apply(out, "foundation", "--accept", "AISEC-CHG-015@module.audit.aws_cloudtrail.this[0]")
    assert [c["address"] for c in trail["changes"]] == ["module.audit.aws_cloudtrail.this[0]"]  # type: ignore[attr-defined]
    changed = _plan_apply(out, "dev")
    addresses = [c["address"] for c in changed["changes"]]  # type: ignore[attr-defined]
    assert addresses and all(a.startswith(("module.scratch_dev_", "module.audit.")) for a in addresses), (
        addresses
    )
    assert changed["destroy"] == 0
    assert _state(out / "prod").read_bytes() == prod_state  # byte for byte
    drift = run_aisec("drift", str(out), "--offline", "--stage", "prod")
    assert drift.returncode == 0 and "no drift" in drift.stdout, drift.stdout + drift.stderr
    state = json.loads(_state(out / "dev").read_text())
    assert not any("_prod_" in r.get("module", "") for r in state["resources"])


def test_manifest_roots_are_what_fleet_reads(tmp_path: Path) -> None:
    out = _rendered(tmp_path)
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["roots"] == [
        {"name": "foundation", "path": "foundation", "needs": []},
        {"name": "dev", "path": "dev", "needs": ["foundation"]},
        {"name": "prod", "path": "prod", "needs": ["foundation"]},
    ]


def test_switching_an_output_between_layouts_needs_force(tmp_path: Path) -> None:
    out = _rendered_single(tmp_path)
    spec = _split_spec(tmp_path)
    proc = run_aisec("render", str(spec), "-o", str(out))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "rendered with layout: single, the spec now says layout: stages" in proc.stderr
    assert f"`aisec migrate {out}` moves an applied landing's state" in " ".join(proc.stderr.split())
    assert not (out / "foundation").exists() and (out / "main.tf").is_file()
    core.render_spec(spec, out, force=True)
    assert (out / "foundation" / "main.tf").is_file() and not (out / "main.tf").exists()
    assert [r.name for r in fleet.landing_roots(out)] == ["foundation", "dev", "prod"]


@pytest.mark.checkov
def test_checkov_finds_nothing_in_the_split_roots(tmp_path: Path) -> None:
    from tests.test_checkov import run_checkov

    out = _rendered(tmp_path, "fraud-inference")
    report = run_checkov(out)
    failed = report["results"]["failed_checks"]
    assert not failed, [(f["check_id"], f["resource"], f["file_path"]) for f in failed]
    assert report["summary"]["passed"] > 500 and report["summary"]["resource_count"] > 150, report["summary"]


def test_the_ci_roles_reach_every_root_state_of_the_landing_and_no_other(tmp_path: Path) -> None:
    from generator import ci
    from tests.iam_eval import wildcard_match

    state = "state:\n  backend: s3\n  bucket: churn-tfstate-444455556666\n  key: landings/churn/terraform.tfstate\n"
    spec = load_spec(_split_spec(tmp_path, extra=state))
    granted = {
        st.sid: [str(r) for r in st.resources]
        for part in ("read", "deploy")
        for st in ci.POLICIES[part](spec, ci._state(spec))
        if st.sid in ("ReadState", "WriteState", "StateLock")
    }
    assert set(granted) == {"ReadState", "WriteState", "StateLock"}
    bucket = "arn:aws:s3:::churn-tfstate-444455556666"
    for root in ("foundation", "dev", "prod"):
        for sid in ("ReadState", "WriteState"):
            assert any(wildcard_match(r, f"{bucket}/landings/churn/{root}.tfstate") for r in granted[sid])
        assert any(
            wildcard_match(r, f"{bucket}/landings/churn/{root}.tfstate.tflock") for r in granted["StateLock"]
        )
    # (the landing's own prefix is granted whole: its old single-root key included)
    for other in ("landings/fraud/dev.tfstate", "landings/churnx/dev.tfstate", "landings/churn/dev.json"):
        assert not any(wildcard_match(r, f"{bucket}/{other}") for r in granted["WriteState"]), other


def test_a_saved_plan_of_a_stage_is_stale_when_the_landings_modules_change(tmp_path: Path) -> None:
    from generator.run.orchestrate import _fingerprint_files

    out = _rendered(tmp_path)
    before = _fingerprint_files(out / "dev")
    assert "main.tf" in before and "../modules/kms/main.tf" in before
    assert not any(p.startswith(("../foundation/", "../prod/")) for p in before)
    (out / "modules" / "kms" / "main.tf").write_text("# changed\n")
    assert _fingerprint_files(out / "dev") != before
