"""The plan gate end to end: a hostile `*.custom.tf` set blocks `aisec apply --offline` until each
high finding is accepted by name at plan time; the blueprints pass; checkov on their plans (values
known after an offline apply) fails nothing under the one reviewed skip list, `.checkov.yaml`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.run import gate, planreview
from tests.conftest import BLUEPRINTS, REPO, aisec_env, json_result, run_aisec
from tests.offline import Rehearsal

HOSTILE = REPO / "tests" / "fixtures" / "gate" / "hostile.custom.tf"
# what each hostile resource must raise (rule, resource declared in the hostile file)
EXPECTED = {
    ("AISEC-POL-001", "aws_iam_policy.admin"),
    ("AISEC-POL-004", "aws_iam_policy.admin"),
    ("AISEC-POL-005", "aws_iam_role.open"),
    ("AISEC-POL-005", "aws_s3_bucket_policy.leak"),
    ("AISEC-POL-010", "aws_s3_bucket_public_access_block.leak"),
    ("AISEC-POL-012", "aws_s3_bucket.leak"),
    ("AISEC-POL-011", "aws_vpc_security_group_ingress_rule.ssh"),
    ("ACME_AWS_1", "aws_vpc_security_group_ingress_rule.ssh"),  # the README's example team rule
}


def _declared_line(address: str) -> str:
    """hostile.custom.tf:N, N read from the file itself."""
    rtype, name = address.split(".")
    lines = HOSTILE.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith(f'resource "{rtype}" "{name}"'))
    return f"hostile.custom.tf:{number}"


def _readme_rule(folder: Path) -> Path:
    """The example rule of the README, written where a team would keep it."""
    text = (REPO / "README.md").read_text()
    block = re.search(r"<!-- example-rule -->\n```yaml\n(.*?)```\n<!-- /example-rule -->", text, re.S)
    assert block, "README: the example rule between <!-- example-rule --> markers is missing"
    folder.mkdir()
    (folder / "ingress-description.yaml").write_text(block.group(1))
    return folder


def _plan(landing: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    proc = run_aisec("plan", str(landing), "--offline", "--json", *args, env=env)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    return json_result(proc)  # type: ignore[no-any-return]


def _apply(landing: Path) -> subprocess.CompletedProcess[str]:
    return run_aisec("apply", str(landing), "--offline", "--auto-approve")


@pytest.fixture()
def hostile(tmp_path: Path) -> Path:
    """batch-scoring rendered, with the hostile custom file beside the generated code."""
    out = tmp_path / "churn"
    proc = run_aisec("render", str(BLUEPRINTS["batch-scoring"]), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    shutil.copy(HOSTILE, out / HOSTILE.name)
    return out


def test_hostile_custom_files_block_apply_until_accepted_at_plan_time(hostile: Path, tmp_path: Path) -> None:
    rules = _readme_rule(tmp_path / "policies")
    # the gate's caches off for this first plan: its findings come from a rehearsal and a checkov
    # scan made now (the plans below may read both from the cache: same files, same rules)
    data = _plan(hostile, "--rules", str(rules), env=aisec_env(AISEC_GATE_CACHE="0"))
    found = {(f["rule"], f["address"]): f for f in data["findings"]}
    assert set(found) >= EXPECTED, sorted(set(found))
    for rule, address in EXPECTED:
        assert found[rule, address]["location"] == _declared_line(address)
        assert found[rule, address]["severity"] == "high"
    assert found["ACME_AWS_1", "aws_vpc_security_group_ingress_rule.ssh"]["source"] == "team"
    # the generated code around it raises nothing high: every blocking finding is in the hostile file
    high = {f["id"] for f in data["findings"] if f["severity"] == "high"}
    assert set(data["blocking"]) == high
    assert all(found[f["rule"], f["address"]]["location"].startswith("hostile.custom.tf:")
               for f in data["findings"] if f["severity"] == "high")  # fmt: skip
    # policy documents known only after apply were read from the rehearsal, none left unknown
    sources = {p["source"] for p in data["policies"]}
    assert sources == {"plan", "rehearsal"}
    bucket_policy = next(p for p in data["policies"] if p["address"] == "aws_s3_bucket_policy.leak")
    assert (
        bucket_policy["source"] == "rehearsal"
        and bucket_policy["document"]["Statement"][0]["Principal"] == "*"
    )

    refused = _apply(hostile)
    assert refused.returncode == 1 and "apply refused" in refused.stderr, refused.stderr
    for finding_id in high:
        assert finding_id in refused.stderr
    assert "--accept" in refused.stderr
    # an acknowledgement cannot be added to a plan that exists: apply has no such option
    late = run_aisec("apply", str(hostile), "--offline", "--auto-approve", "--accept", sorted(high)[0])
    assert late.returncode == 2 and "Traceback" not in late.stderr

    # accepting all but one is not enough, and the one left is named
    left = "AISEC-POL-011@aws_vpc_security_group_ingress_rule.ssh"
    partly = [arg for i in sorted(high - {left}) for arg in ("--accept", i)]
    data = _plan(hostile, "--rules", str(rules), *partly)
    assert data["blocking"] == [left] and sorted(data["accepted"]) == sorted(high - {left})
    refused = _apply(hostile)
    assert refused.returncode == 1 and "1 high finding(s) nobody accepted" in refused.stderr
    assert left in refused.stderr and "AISEC-POL-001@aws_iam_policy.admin" not in refused.stderr

    # a typo is not an acknowledgement
    typo = run_aisec("plan", str(hostile), "--offline", "--accept", "AISEC-POL-999@aws_iam_policy.admin")
    assert typo.returncode == 2 and "is not a finding of this plan" in typo.stderr

    # all accepted at plan time: the plan is applied
    everything = [arg for i in sorted(high) for arg in ("--accept", i)]
    text = run_aisec("plan", str(hostile), "--offline", "--rules", str(rules), *everything)
    assert text.returncode == 0, text.stderr
    assert "AISEC-POL-005@aws_s3_bucket_policy.leak (hostile.custom.tf:" in text.stdout
    assert "accepted" in text.stdout and "apply will refuse" not in text.stdout
    done = _apply(hostile)
    assert done.returncode == 0, done.stderr
    assert re.search(r"applied \d+ change\(s\)", done.stdout)


def test_clean_blueprints_raise_no_high_finding(
    applied: dict[str, dict[str, Any]], rendered: dict[str, Path]
) -> None:
    """Every blueprint's plan, its unknown documents read back from the offline apply. Locations
    come from a freshly initialised working copy: the session's one is shared with other tests."""
    for name, run in applied.items():
        locations = gate.declarations(Rehearsal.of(rendered[name]).work)
        review = planreview.review(run["plan"], locations, gate.state_values(run["state"]))
        high = [f.id for f in review.findings if f.severity == "high"]
        assert high == [], (name, high)
        assert review.policies and all(p["source"] in ("plan", "rehearsal") for p in review.policies), name
        unplaced = [
            (p["address"], p["location"])
            for p in review.policies
            if not (p["location"] and re.fullmatch(r"modules/\w+/\w+\.tf:\d+", p["location"]))
        ]
        assert not unplaced, (name, unplaced)
        kinds = {p["kind"] for p in review.policies}
        expected = {"identity", "trust", "resource"} | ({"endpoint"} if "existing" not in name else set())
        assert kinds == expected, (name, kinds)


def _skips() -> dict[str, list[str]]:
    """check id -> its scope, from the `# scope: ... | reason: ...` comment of each entry."""
    text = (REPO / gate.CHECKOV_CONFIG).read_text()
    listed = yaml.safe_load(text)["skip-check"]
    scopes = dict(
        re.findall(r"^\s*-\s*([A-Z0-9_]+)\s*#\s*scope:\s*([^|]+?)\s*\|\s*reason:\s*\S.{40,}$", text, re.M)
    )
    assert sorted(scopes) == sorted(listed), "every skip needs `# scope: ... | reason: ...` (40+ characters)"
    return {check: [s.strip() for s in scope.split(",")] for check, scope in scopes.items()}


def _in_scope(address: str, scope: list[str]) -> bool:
    rtype = re.sub(r"\[[^\]]*\]", "", address).split(".")[-2]
    return any(address.endswith(s) or rtype == s for s in scope)


@pytest.mark.checkov
def test_checkov_on_plans_after_an_offline_apply(
    applied: dict[str, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the skip list, a listed check fails only within its scope and every entry is needed;
    with it (the gate's own call), nothing fails. checkov itself runs (no cached verdicts)."""
    monkeypatch.setenv("AISEC_GATE_CACHE", "0")
    skips = _skips()
    empty = tmp_path / "no-skips.yaml"
    empty.write_text("compact: true\n")
    used: set[str] = set()
    for name, run in applied.items():
        plan_file = tmp_path / f"{name}.json"
        plan_file.write_text(json.dumps(gate.resolved_plan(run["plan"], run["state"])))
        failed = gate.scan(plan_file, [], config=empty)
        outside = [(f.check_id, f.address) for f in failed if f.check_id not in skips]
        assert outside == [], (name, outside)
        stray = [(f.check_id, f.address) for f in failed if not _in_scope(f.address, skips[f.check_id])]
        assert stray == [], (name, "skipped checks failing outside their scope", stray)
        used |= {f.check_id for f in failed}
    assert used == set(skips), f"no longer needed in .checkov.yaml: {sorted(set(skips) - used)}"
    # the gate's call, with the list, on the largest blueprint
    biggest = tmp_path / "multi-workload.json"
    assert gate.scan(biggest, []) == []
