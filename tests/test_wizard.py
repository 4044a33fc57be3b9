"""The wizard: real questionary prompts fed keystrokes in-process, and a person's keystrokes in a
real pseudo-terminal end to end."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import yaml

from generator import wizard
from generator.render import render
from generator.spec import Stage, load_spec, parse_spec, spec_to_data
from tests.conftest import BLUEPRINTS, REPO, run_aisec

DOWN, CLEAR = "\x1b[B", "\x15"  # arrow down; Ctrl-U clears the pre-filled default

# One answer per prompt, in the order the wizard asks (STARTER defaults pre-filled).
ANSWERS = [
    CLEAR + "clinic\r",  # name
    "\r",  # region: us-east-1
    CLEAR + "111122223333\r",  # account
    CLEAR + "notes\r",  # workload name
    "\r",  # type: training
    " \r",  # categories: phi
    "\r",  # sensitivity: restricted (the only choice left for PHI)
    "\r",  # services: defaults for training
    DOWN + " \r",  # stages: untick test
    CLEAR + "Clinical notes\r",  # description
    DOWN + "\r",  # dev holds tokenized notes (PHI outside prod)
    "y",  # another workload
    CLEAR + "assistant\r",
    DOWN + DOWN + "\r",  # type: rag
    "\r",  # no categories
    DOWN + "\r",  # sensitivity: internal
    "\r",  # services: bedrock by default for rag
    "\r",  # stages: all
    "\r",  # no description
    "n",  # no more workloads
    "\r",  # compliance: hipaa pre-checked from PHI
    "\r", "\r", "\r", "\r",  # network: starter defaults
    "\r",  # network perimeter: on
    "\r",  # foundation: create
    "n",  # no log-archive account
    CLEAR + "arn:aws:iam::111122223333:role/PlatformAdmin\r",
    "\r",  # sso
    CLEAR + "ClinicalDataScience\r",  # who may assume the people's roles in dev
    "\r", "\r",  # test and prod: the default permission sets clinic-test, clinic-prod
    "\r",  # deployers: the aisec ci apply role
    CLEAR + "arn:aws:iam::111122223333:role/BreakGlass\r",
    CLEAR + "secops@example.com\r",
]  # fmt: skip


def test_question_flow_builds_the_spec() -> None:
    p = wizard.Prompter(keys=list(ANSWERS))
    spec = wizard.run(p, wizard.STARTER, "answers")
    assert p.keys == []
    assert spec.name == "clinic" and spec.aws.account_id == "111122223333"
    assert [r.value for r in spec.compliance] == ["hipaa"]
    notes, assistant = spec.workloads
    assert notes.data.categories[0].value == "phi" and notes.data.sensitivity.value == "restricted"
    assert notes.stages == [Stage.DEV, Stage.PROD] and notes.description == "Clinical notes"
    assert assistant.type.value == "rag" and [s.value for s in assistant.effective_services] == [
        "bedrock",
        "s3",
    ]
    assert assistant.data.sensitivity.value == "internal"
    assert spec.alerts.email == ["secops@example.com"]
    assert notes.data.non_production == "tokenized" and spec.network.perimeter
    assert spec.access.people == {
        Stage.DEV: ["ClinicalDataScience"],
        Stage.TEST: ["clinic-test"],
        Stage.PROD: ["clinic-prod"],
    }
    assert (
        spec.access.break_glass == ["arn:aws:iam::111122223333:role/BreakGlass"]
        and spec.access.deployers == []
    )


def test_people_and_break_glass_are_checked_at_their_prompt() -> None:
    keys = list(ANSWERS)
    at = keys.index(CLEAR + "ClinicalDataScience\r")
    keys[at] = CLEAR + "Data Science!\r" + CLEAR + "ClinicalDataScience\r"  # refused, then corrected
    keys[at + 4] = CLEAR + "arn:aws:iam::1:role/x\r" + CLEAR + "arn:aws:iam::111122223333:role/BreakGlass\r"
    spec = wizard.run(wizard.Prompter(keys=keys), wizard.STARTER, "answers")
    assert spec.access.people[Stage.DEV] == ["ClinicalDataScience"]
    check = wizard._people_check(iam_mfa=True)
    assert check(["ClinicalDataScience"]) == "with human_access iam-mfa, name IAM role or user ARNs"
    assert "permission set name" in (wizard._people_check(iam_mfa=False)(["a b"]) or "")
    assert "IAM role ARN" in (
        wizard.field_check(wizard.spec_mod.Access, "break_glass")(["arn:aws:iam::1:role/x"]) or ""
    )


def test_a_bad_answer_is_refused_with_the_yaml_message() -> None:
    check = wizard.field_check(wizard.spec_mod.Aws, "account_id")
    assert check("12345") == "'12345' is not an AWS account id (12 digits, quoted)"
    keys = list(ANSWERS)
    keys[2] = CLEAR + "12345\r" + CLEAR + "111122223333\r"  # refused, then corrected, within one prompt
    spec = wizard.run(wizard.Prompter(keys=keys), wizard.STARTER, "answers")
    assert spec.aws.account_id == "111122223333"
    subnets = wizard.field_check(wizard.spec_mod.Network, "subnet_ids")
    assert (
        subnets(["subnet-0a1b2c3d4e5f60718"]) == "List should have at least 2 items after validation, not 1"
    )


def test_starting_from_a_blueprint_keeps_its_answers() -> None:
    start = yaml.safe_load(BLUEPRINTS["fraud-inference"].read_text())
    keys = ["\r"] * 11 + ["n"] + ["\r"] * 16  # accept every default
    spec = wizard.run(wizard.Prompter(keys=keys), start, "answers")

    def canonical(data: dict) -> dict:  # type: ignore[type-arg]
        for w in data["workloads"]:
            w["data"]["categories"] = sorted(w["data"]["categories"])
        return data

    assert canonical(spec_to_data(spec)) == canonical(spec_to_data(load_spec(BLUEPRINTS["fraud-inference"])))


def test_without_a_terminal_init_exits_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "generator", "init"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, cwd=REPO, timeout=60)  # fmt: skip
    assert proc.returncode == 2
    assert "aisec render SPEC" in proc.stderr and "Traceback" not in proc.stderr


def test_defaults_and_from(tmp_path: Path) -> None:
    proc = run_aisec(
        "init", "--defaults", "-o", str(tmp_path / "out"), "--save-spec", str(tmp_path / "s.yaml")
    )
    assert proc.returncode == 0, proc.stderr
    assert "placeholders" in proc.stderr and load_spec(tmp_path / "s.yaml").name == "ai-landing"
    proc = run_aisec("init", "--defaults", "--from", "gdpr-rag-assistant", "-o", str(tmp_path / "rag"),
                     "--save-spec", str(tmp_path / "rag.yaml"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert load_spec(tmp_path / "rag.yaml") == load_spec(BLUEPRINTS["gdpr-rag-assistant"])
    assert (tmp_path / "rag" / "main.tf").read_text() == render(load_spec(BLUEPRINTS["gdpr-rag-assistant"]))[
        "main.tf"
    ]


# ----------------------------------------------------------------------------- a real terminal
def spawn(tmp_path: Path, *args: str) -> pexpect.spawn:
    env = {
        **os.environ,
        "COLUMNS": "120",
        "LINES": "50",
        "NO_COLOR": "1",
        "TERM": "xterm",
        "PYTHONPATH": str(REPO),
    }
    return pexpect.spawn(sys.executable, ["-m", "generator", "init", *args], cwd=str(tmp_path), env=env,
                         encoding="utf-8", timeout=30, dimensions=(50, 120))  # fmt: skip


def step(child: pexpect.spawn, expect: str, send: str) -> None:
    child.expect(expect)
    time.sleep(0.2)  # let the prompt finish drawing, as a person would
    child.send(send)


def test_a_person_at_the_terminal(tmp_path: Path) -> None:
    child = spawn(tmp_path, "-o", "out/clinic", "--save-spec", "clinic.yaml")
    step(child, "Name of the landing", CLEAR + "clinic\r")
    step(child, "AWS region", "\r")
    step(child, "AWS account id", CLEAR + "12345\r")
    step(child, "is not an AWS account id", CLEAR + "111122223333\r")  # refused, asked again
    step(child, "Workload name", CLEAR + "notes\r")
    step(child, "What the workload does", "\r")
    step(child, "Regulated data", " \r")
    step(child, "most sensitive data", "\r")
    step(child, "AWS services", "\r")
    step(child, "Lifecycle stages", "\r")
    step(child, "One line about", CLEAR + "Clinical notes\r")
    step(child, "what do dev and test hold", "\r")
    step(child, "Add another workload", "n")
    step(child, "Compliance regimes", "\r")
    for prompt in (
        "The VPC the endpoints",
        "CIDR",
        "Private subnets",
        "Route tables",
        "Network perimeter",
        "Account-level trail",
        "log-archive account",
    ):
        step(child, prompt, "\r")
    step(child, "administer the keys", CLEAR + "arn:aws:iam::111122223333:role/PlatformAdmin\r")
    step(child, "How people reach", "\r")
    for stage in ("dev", "test", "prod"):
        step(child, f"roles in {stage}", "\r")
    step(child, "run terraform apply", "\r")
    step(child, "Break-glass roles", "\r")
    step(child, "Addresses subscribed", CLEAR + "secops@example.com\r")
    step(child, "12 KMS keys, 10 buckets, 6 workload roles, 3 Macie jobs, 17 alarms", "")
    step(child, "compliance: hipaa 4/12 requirements addressed, 4 partly", "")
    step(child, r"cost: about \$", "")
    step(child, "Save the spec", "\r")
    child.expect("aisec render clinic.yaml -o out/clinic --check")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    spec = load_spec(tmp_path / "clinic.yaml")
    assert spec == parse_spec(yaml.safe_load((tmp_path / "clinic.yaml").read_text()))
    assert spec.name == "clinic" and spec.workloads[0].data.categories[0].value == "phi"
    again = tmp_path / "again"
    assert run_aisec("render", str(tmp_path / "clinic.yaml"), "-o", str(again)).returncode == 0
    produced = {
        p.relative_to(tmp_path / "out/clinic"): p.read_bytes()
        for p in (tmp_path / "out/clinic").rglob("*")
        if p.is_file()
    }
    rendered = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert produced == rendered


def test_ctrl_c_leaves_nothing(tmp_path: Path) -> None:
    child = spawn(tmp_path, "-o", "out/x", "--save-spec", "x.yaml")
    step(child, "Name of the landing", CLEAR + "x\r")
    step(child, "AWS region", "\x03")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == []
