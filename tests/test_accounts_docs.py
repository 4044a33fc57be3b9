"""An AWS account per stage (issue #17): the landing's README.md and COMPLIANCE.md, `aisec compliance`
and `aisec cost` describe the landing as deployed, account by account; and `images.pushers` may be
roles of each account holding one of the workload's stages, each account's repositories admitting
its own. The applied checks (addresses in each root's state, repository policies) are in
tests/test_accounts.py, on its applied landing."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from generator import core
from generator.decide.policy import decide
from generator.render import accounts
from generator.render.accounts import landing_accounts
from generator.render.accounts_docs import rooted_addresses
from generator.reports.cost import estimate
from generator.spec import load_spec
from tests.conftest import run_aisec
from tests.test_accounts import ARCHIVE, MAIN, MAIN_PUSHER, PROD, PROD_PUSHER, _write_spec, with_images


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("docs")
    spec = with_images(_write_spec(tmp), MAIN_PUSHER, PROD_PUSHER)
    out = tmp / "landing"
    core.render_spec(spec, out)
    return spec, out


def _money(value: float) -> str:
    return f"${value:,.2f}"


def test_the_readme_costs_the_sum_of_each_accounts_estimate(rendered: tuple[Path, Path]) -> None:
    spec_path, out = rendered
    spec = load_spec(spec_path)
    # each account's estimate on its own, from the spec as that account sees it
    own = {
        derived.aws.account_id: (root, stages, estimate(decide(derived))["total_monthly"])
        for root, stages, derived in accounts.account_specs(spec)
    }
    assert set(own) == {MAIN, PROD}
    total = round(sum(t for _r, _s, t in own.values()), 2)
    readme = (out / "README.md").read_text()
    line = next(x for x in readme.splitlines() if x.startswith("Estimated cost: "))
    assert line.startswith(f"Estimated cost: about {_money(total)}/month"), line
    assert f"{_money(own[MAIN][2])} in account {MAIN} (foundation/, dev/)" in line, line
    assert f"{_money(own[PROD][2])} in account {PROD} (foundation-prod/, prod/)" in line, line
    # the same figures as `aisec cost`
    assert core.cost(spec_path)["total_monthly"] == pytest.approx(total)
    assert f"for the accounts `{MAIN}` (foundation/, dev/), `{PROD}` (foundation-prod/, prod/)" in readme
    # the order to apply names prod's own foundation
    assert "| prod | `prod/` | foundation-prod |" in readme
    assert "aisec plan . --stage foundation-prod && aisec apply . --stage foundation-prod" in readme


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## ", text, flags=re.M)
    return {p.split("\n", 1)[0]: p for p in parts[1:]}


def test_compliance_md_shows_each_accounts_evidence_in_its_roots(rendered: tuple[Path, Path]) -> None:
    _spec, out = rendered
    text = (out / "COMPLIANCE.md").read_text()
    sections = _sections(text)
    main, prod = (
        sections[f"Account {MAIN}: `foundation/`, `dev/`"],
        sections[f"Account {PROD}: `foundation-prod/`, `prod/`"],
    )
    table = sections["Accounts"]
    for account, found, stage in ((MAIN, "foundation", "dev"), (PROD, "foundation-prod", "prod")):
        assert (
            f"| `{account}` | `{found}/` | `{stage}/` | `arn:aws:iam::{account}:role/OrganizationAccountAccessRole` |"
            in table
        )
    # each account's evidence is in its own roots, named by root
    evidence = re.compile(r"`((?:foundation(?:-prod)?|dev|prod|test)/module\.[^`]+)`")
    for section, roots in ((main, ("foundation", "dev")), (prod, ("foundation-prod", "prod"))):
        found = evidence.findall(section)
        assert found
        assert {a.split("/", 1)[0] for a in found} == set(roots), section[:80]
    assert '`prod/module.doc_classifier_prod_kms.aws_kms_key.this["datasets"]`' in prod
    assert "`foundation-prod/module.audit.aws_cloudtrail.this[0]`" in prod
    assert '`prod/module.macie.aws_macie2_classification_job.this["doc-classifier-prod"]`' in prod
    assert "doc_classifier_dev" not in prod and "doc_classifier_prod" not in main
    # where each account's logs go: its own trail and replication role
    assert f"arn:aws:cloudtrail:us-west-2:{PROD}:trail/agency-docs-trail" in prod
    assert f"arn:aws:iam::{PROD}:role/aisec/agency-docs-access-logs-to-archive" in prod
    assert f"administrators of this workload account ({PROD})" in prod
    assert f"log-archive account\n`{ARCHIVE}`" in table
    # the separation: what is enforced, and what rests outside the generated code, named
    separation = table[table.index("### What the account separation provides") :]
    enforced, outside = separation.split("Resting on settings outside the generated code")
    assert "allowed_account_ids" in enforced and "SCP" not in enforced
    assert "service control policies" in outside and "aisec creates no SCPs" in outside
    assert "OrganizationAccountAccessRole" in outside and "aisec does not create it" in outside
    assert "agency-docs-tfstate-666677778888" in outside


def test_aisec_compliance_and_cost_give_the_same_per_account_picture(rendered: tuple[Path, Path]) -> None:
    spec_path, out = rendered
    proc = run_aisec("compliance", str(spec_path), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)["result"]
    assert [(a["account_id"], a["roots"]) for a in report["accounts"]] == [
        (MAIN, ["foundation", "dev"]),
        (PROD, ["foundation-prod", "prod"]),
    ]
    spec = load_spec(spec_path)
    for a, part in zip(landing_accounts(spec), report["accounts"], strict=True):
        addresses = rooted_addresses(a)
        for regime in part["regimes"]:
            for q in regime["requirements"]:
                for ctl in q["controls"]:
                    assert ctl["resources"] == addresses[ctl["id"]]
                    assert all(r.split("/", 1)[0] in a.roots for r in ctl["resources"]), ctl
    # the landing's status of a requirement is its weakest in any account; COMPLIANCE.md says the same
    rank = ["out of scope", "addressed", "partly addressed", "not addressed"]
    text = (out / "COMPLIANCE.md").read_text()
    for i, regime in enumerate(report["regimes"]):
        for j, q in enumerate(regime["requirements"]):
            statuses = [a["regimes"][i]["requirements"][j]["status"] for a in report["accounts"]]
            assert q["status"] == max(statuses, key=rank.index)
        cov = regime["coverage"]
        assert (
            f"**{regime['title']}**: {cov['addressed']} of {cov['total']} requirements addressed in every account"
            in text
        )
    proc = run_aisec("cost", str(spec_path), "--json")
    cost = json.loads(proc.stdout)["result"]
    assert {v["account_id"]: v["roots"] for v in cost["account_roots"].values()} == {
        MAIN: ["foundation", "dev"],
        PROD: ["foundation-prod", "prod"],
    }
    assert sum(cost["accounts"].values()) == pytest.approx(cost["total_monthly"])
    text_cost = run_aisec("cost", str(spec_path)).stdout
    assert (
        f"account {PROD} (foundation-prod/, prod/): {_money(cost['accounts']['foundation-prod'])}/month"
        in text_cost
    )


# --------------------------------------------------------------------------- images.pushers
def test_each_accounts_repositories_admit_its_own_pushers(rendered: tuple[Path, Path]) -> None:
    _spec, out = rendered
    dev, prod = ((out / s / "workload-doc-classifier.tf").read_text() for s in ("dev", "prod"))
    assert f'push_principals = ["{MAIN_PUSHER}"]' in dev and PROD_PUSHER not in dev
    assert f'push_principals = ["{PROD_PUSHER}"]' in prod and MAIN_PUSHER not in prod


@pytest.mark.parametrize(
    ("pushers", "field", "says"),
    [
        (
            (MAIN_PUSHER, PROD_PUSHER, f"arn:aws:iam::{ARCHIVE}:role/Builder"),
            "workloads[0].images.pushers[2]",
            f"must be a role of an account holding one of this workload's stages: {MAIN} (dev), {PROD} (prod)",
        ),
        (
            (MAIN_PUSHER,),
            "workloads[0].images.pushers",
            f"none is a role of account {PROD}, which holds this workload's prod stage",
        ),
        (
            (PROD_PUSHER,),
            "workloads[0].images.pushers",
            f"none is a role of account {MAIN}, which holds this workload's dev stage",
        ),
    ],
    ids=["foreign-account", "none-for-prod", "none-for-dev"],
)
def test_pushers_are_checked_per_account(
    tmp_path: Path, pushers: tuple[str, ...], field: str, says: str
) -> None:
    spec = with_images(_write_spec(tmp_path), *pushers)
    out = tmp_path / "out"
    proc = run_aisec("render", str(spec), "-o", str(out))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{spec}: {field}: {says}" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()


def test_without_accounts_pushers_stay_roles_of_the_account(tmp_path: Path) -> None:
    spec = with_images(_write_spec(tmp_path, "layout: stages\n"), MAIN_PUSHER, PROD_PUSHER)
    proc = run_aisec("check-spec", str(spec))
    assert proc.returncode == 2
    assert f"{spec}: workloads[0].images.pushers[1]: must be a role of this account {MAIN}" in proc.stderr
    (tmp_path / "one").mkdir()
    spec = with_images(_write_spec(tmp_path / "one", "layout: stages\n"), MAIN_PUSHER)
    assert run_aisec("check-spec", str(spec)).returncode == 0


def test_a_requirement_weaker_in_one_account_is_weaker_for_the_landing(tmp_path: Path) -> None:
    """prod's account without the network perimeter: SC-7 stays addressed in the main account and is
    partly addressed in prod's, so for the landing; the reason names prod's account."""
    spec = _write_spec(tmp_path)
    text = spec.read_text()
    rtb = "        route_table_ids: [rtb-0a1b2c3d4e5f60718]\n"
    spec.write_text(text.replace(rtb, rtb + "        perimeter: false\n"))
    report = core.compliance(spec)
    main, prod = (
        next(q for q in a["regimes"][0]["requirements"] if q["id"] == "SC-7") for a in report["accounts"]
    )
    landing = next(q for q in report["regimes"][0]["requirements"] if q["id"] == "SC-7")
    assert (main["status"], prod["status"], landing["status"]) == (
        "addressed",
        "partly addressed",
        "partly addressed",
    )
    assert landing["reason"].startswith(f"account {PROD}: the network perimeter is off"), landing["reason"]
    out = tmp_path / "landing"
    core.render_spec(spec, out)
    compliance = (out / "COMPLIANCE.md").read_text()
    assert (
        f"  - SC-7 Boundary protection: partly addressed: account {PROD}: the network perimeter is off"
        in compliance
    )


def test_two_stages_of_one_account_each_show_their_own_copy_of_a_custom_identifier(tmp_path: Path) -> None:
    """Each stage root creates its own copy of the workload's custom data identifiers (KEY-STAGE):
    dev and test, both in the main account, each name theirs, present in their root."""
    spec = _write_spec(tmp_path, stages="[dev, test, prod]")
    macie = "    macie:\n      identifiers: [{name: member-id, regex: 'MBR-[0-9]{8}', keywords: [member]}]\n"
    spec.write_text(
        spec.read_text().replace("    stages: [dev, test, prod]\n", "    stages: [dev, test, prod]\n" + macie)
    )
    out = tmp_path / "landing"
    core.render_spec(spec, out)
    main = landing_accounts(load_spec(spec))[0]
    copies = [x for x in rooted_addresses(main)["MAC-4"] if "custom_data_identifier" in x]
    assert copies == [
        f'{s}/module.macie.aws_macie2_custom_data_identifier.this["doc-classifier-member-id-{s}"]'
        for s in ("dev", "test")
    ]
    for s in ("dev", "test"):
        assert f'"doc-classifier-member-id-{s}"' in (out / s / "main.tf").read_text()


def test_the_manifest_records_every_file_of_the_landing_as_written(tmp_path: Path) -> None:
    """The manifest holds each generated file's digest, so the next render can tell an edited file
    from one it wrote. A multi-account render once recorded the digests of the whole spec's split
    render instead (none of foundation-prod/, the wrong README): after any spec change, the next
    `aisec render` refused its own README as "edited since the last render"."""
    spec = _write_spec(tmp_path)
    out = tmp_path / "landing"
    first = run_aisec("render", str(spec), "-o", str(out))
    assert first.returncode == 0, first.stderr
    recorded = json.loads((out / ".aisec" / "manifest.json").read_text())["files"]
    written = {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in out.rglob("*")
        if p.is_file() and p.relative_to(out).as_posix() != ".aisec/manifest.json"
    }
    assert recorded == written
    assert any(p.startswith("foundation-prod/") for p in recorded)
    text = spec.read_text()
    old = "Trains a classifier that routes incoming agency correspondence."
    assert old in text
    spec.write_text(text.replace(old, "Trains a classifier for agency mail."))
    again = run_aisec("render", str(spec), "-o", str(out))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "edited" not in again.stderr and "left as they are" not in again.stdout
    assert "Trains a classifier for agency mail." in (out / "README.md").read_text()


def test_the_diagram_draws_each_account_with_its_own_vpc(rendered: tuple[Path, Path], tmp_path: Path) -> None:
    """The landing README's architecture and `aisec diagram` draw the landing as deployed: each
    account in its own box, with its own VPC, trail and Macie, and only its own stages."""
    spec_path, out = rendered
    readme = (out / "README.md").read_text()
    (block,) = re.findall(r"```mermaid\n(.*?)```", readme, re.S)
    boxes = re.split(r"^  subgraph ", block, flags=re.M)[1:]
    assert [b.split("[", 1)[0] for b in boxes] == ["account1", "account2"]
    main_box, prod_box = boxes
    assert f"Account {MAIN} (foundation/, dev/)" in main_box and "vpc-5e6f7081920a1b2c3" in main_box
    assert f"Account {PROD} (foundation-prod/, prod/)" in prod_box and "vpc-0a1b2c3d4e5f60718" in prod_box
    assert "vpc-0a1b2c3d4e5f60718" not in main_box and "vpc-5e6f7081920a1b2c3" not in prod_box
    assert '["dev"]' in main_box and '["prod"]' not in main_box
    assert '["prod"]' in prod_box and '["dev"]' not in prod_box
    for box in boxes:
        assert "CloudTrail" in box and "Amazon Macie" in box
    ids = re.findall(r"^\s*([A-Za-z0-9_]+)\[", block, re.M)
    assert len(ids) == len(set(ids))  # no node drawn twice under one name
    dot_file = tmp_path / "landing.dot"
    proc = run_aisec("diagram", str(spec_path), "-o", str(dot_file))
    assert proc.returncode == 0, proc.stderr
    dot = dot_file.read_text()
    assert "cluster_account1" in dot and "cluster_account2" in dot
    assert "vpc-0a1b2c3d4e5f60718" in dot and "vpc-5e6f7081920a1b2c3" in dot
