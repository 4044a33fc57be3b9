"""The wizard: real questionary prompts fed keystrokes in-process, and a person's keystrokes in a
real pseudo-terminal end to end."""

from __future__ import annotations

import os
import subprocess
import sys
import types
import typing
from pathlib import Path

import pexpect
import pytest
import yaml
from pydantic import BaseModel

from generator.render import render
from generator.spec import Stage, load_spec, parse_spec, spec_to_data, wizard
from tests.conftest import BLUEPRINTS, REPO, run_aisec

DOWN, UP, CLEAR = "\x1b[B", "\x1b[A", "\x15"  # arrows down and up; Ctrl-U clears the pre-filled default

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
    "\r",  # compliance: hipaa pre-checked from PHI, ai-security for the rag workload
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
    "\r",  # review: save these answers
]  # fmt: skip


def test_question_flow_builds_the_spec() -> None:
    p = wizard.Prompter(keys=list(ANSWERS))
    spec = wizard.run(p, wizard.STARTER, "answers")
    assert p.keys == []
    assert spec.name == "clinic" and spec.aws.account_id == "111122223333"
    assert sorted(r.value for r in spec.compliance) == ["ai-security", "hipaa"]
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
    assert (
        check("12345")
        == "'12345' is not an AWS account id (12 digits, quoted, or the console's 1234-5678-9012)"
    )
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
    keys = ["\r"] * 11 + ["n"] + ["\r"] * 17  # accept every default, then save at the review
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
CPR = "\x1b[6n"  # the application asks where the cursor is (Device Status Report 6)
ROWS, COLUMNS = 50, 120


class Terminal(pexpect.spawn):  # type: ignore[misc]
    """A pseudo-terminal that answers the cursor position requests, as a person's terminal does.

    prompt_toolkit asks at the start of each prompt (to know the rows below the cursor) and, when
    nobody answers, waits a second for the answer as each prompt ends: about 35 s of each test
    below that goes through a whole session. The answer says the cursor is on the last row, as in
    a terminal whose earlier output has scrolled (the wizard draws from there down, as it does
    when nobody answers)."""

    def __init__(self, *args: typing.Any, **kwargs: typing.Any) -> None:
        super().__init__(*args, **kwargs)
        self.delaybeforesend = None  # pexpect sleeps 50 ms before each send: see step()
        self._tail = ""

    def read_nonblocking(self, size: int = 1, timeout: float | None = -1) -> str:
        data: str = super().read_nonblocking(size, timeout)
        seen = self._tail + data  # a request split between two reads is still seen, once
        self._tail = seen[-(len(CPR) - 1) :]
        for _ in range(seen.count(CPR)):
            self.send(f"\x1b[{ROWS};1R")
        return data


def spawn(tmp_path: Path, *args: str) -> pexpect.spawn:
    env = {
        **os.environ,
        "COLUMNS": str(COLUMNS),
        "LINES": str(ROWS),
        "NO_COLOR": "1",
        "TERM": "xterm",
        "PYTHONPATH": str(REPO),
    }
    return Terminal(sys.executable, ["-m", "generator", "init", *args], cwd=str(tmp_path), env=env,
                    encoding="utf-8", timeout=30, dimensions=(ROWS, COLUMNS))  # fmt: skip


def step(child: pexpect.spawn, expect: str, send: str) -> None:
    """Types ``send`` once ``expect`` is on the screen. No pause is needed before the keys (neither
    pexpect's 50 ms, against typing before a program turns echo off, nor a sleep): each ``expect``
    is text that the prompt reading the keys draws itself, and prompt_toolkit puts the terminal in
    raw mode and listens to it before it draws, and reads no key before the drawing is done."""
    child.expect(expect)
    child.send(send)


def test_a_person_at_the_terminal(tmp_path: Path) -> None:
    child = spawn(tmp_path, "-o", "out/clinic", "--save-spec", "clinic.yaml")
    _to_compliance(child, "111122223333", refused="12345", purpose="Clinical notes")
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
    _access(child)
    step(child, "Addresses subscribed", CLEAR + "secops@example.com\r")
    step(child, "Save these answers", "\r")
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
    again = tmp_path / "out" / "again"  # as deep as out/clinic: the manifest records ../../clinic.yaml
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


# ----------------------------------------------------------------------------- contradictions, going back
COMPLIANCE = ANSWERS.index("n") + 1  # the prompt after "no more workloads"
LOG_ARCHIVE = ANSWERS.index("n", COMPLIANCE)


def test_a_contradiction_is_caught_at_the_question_that_causes_it(capsys: pytest.CaptureFixture[str]) -> None:
    keys = list(ANSWERS)
    keys[COMPLIANCE] = " \r"  # untick hipaa although the notes hold PHI: refused right there
    keys.insert(COMPLIANCE + 1, "y")  # answer again
    keys.insert(COMPLIANCE + 2, "\r")  # hipaa is pre-checked again
    spec = wizard.run(wizard.Prompter(keys=keys), wizard.STARTER, "answers")
    assert [r.value for r in spec.compliance] == ["hipaa", "ai-security"]  # ai-security: the rag workload
    err = capsys.readouterr().err
    problem = "workloads[0].data.categories: phi data requires hipaa in compliance"
    assert problem in err and err.index(problem) < err.index("Network:")  # before the next question


def test_text_answers_are_checked_against_the_earlier_answers() -> None:
    keys = list(ANSWERS)
    keys[2] = CLEAR + "1111-2222-3333\r"  # the console's form, stored as 12 digits
    keys[LOG_ARCHIVE] = "y"
    keys[LOG_ARCHIVE + 1 : LOG_ARCHIVE + 1] = [
        # the landing's own account is refused at the prompt; the dashed form of another is taken
        CLEAR + "111122223333\r" + CLEAR + "4444-5555-6666\r",
        CLEAR + "arn:aws:iam::444455556666:role/LogArchiveBreakGlass\r",
    ]
    keys[-2] = CLEAR + "\r" + CLEAR + "secops@example.com\r"  # hipaa needs an alert destination
    spec = wizard.run(wizard.Prompter(keys=keys), wizard.STARTER, "answers")
    assert spec.aws.account_id == "111122223333"
    assert spec.log_archive is not None and spec.log_archive.account_id == "444455556666"
    assert spec.alerts.email == ["secops@example.com"]
    w = wizard.Wizard(wizard.Prompter(keys=[]), wizard.STARTER)
    w.answer(("aws", "account_id"), "111122223333")
    assert w.problems_at(("log_archive", "account_id"), "1111-2222-3333") == (
        "log_archive.account_id: must be another account than aws.account_id"
    )
    assert w.problems_at(("log_archive", "account_id"), "444455556666") is None


def test_the_review_goes_back_to_an_answer(capsys: pytest.CaptureFixture[str]) -> None:
    keys = list(ANSWERS)
    keys[COMPLIANCE] = " \r"  # untick hipaa
    keys.insert(COMPLIANCE + 1, "n")  # keep it: fix it at the review
    keys[-1:] = [
        DOWN + DOWN + "\r",  # review (problem: no save; on "Change workload notes"): Change compliance
        "\r",  # hipaa pre-checked from the PHI
        DOWN + "\r",  # review: Change name, region, account
        CLEAR + "clinic2\r", "\r", "\r",
        "\r",  # review: save
    ]  # fmt: skip
    spec = wizard.run(wizard.Prompter(keys=keys), wizard.STARTER, "answers")
    # the answer kept (ai-security alone) comes first, hipaa added back at the review after it
    assert spec.name == "clinic2" and [r.value for r in spec.compliance] == ["ai-security", "hipaa"]
    assert [w.name for w in spec.workloads] == ["notes", "assistant"]  # nothing else asked again
    assert spec.access.break_glass == ["arn:aws:iam::111122223333:role/BreakGlass"]
    err = capsys.readouterr().err
    assert (
        "1 problem(s):\n  answers: workloads[0].data.categories: phi data requires hipaa in compliance" in err
    )


def test_init_never_replaces_a_spec_file_without_asking(tmp_path: Path) -> None:
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text("# my spec\n")
    args = ("init", "--defaults", "-o", str(tmp_path / "out"), "--save-spec", str(spec_file))
    proc = run_aisec(*args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{spec_file}: exists already with other content" in proc.stderr and "--force" in proc.stderr
    assert spec_file.read_text() == "# my spec\n" and not (tmp_path / "out").exists()
    proc = run_aisec(*args, "--force")
    assert proc.returncode == 0, proc.stderr
    assert load_spec(spec_file).name == "ai-landing"
    assert run_aisec(*args).returncode == 0  # the same content again is no replacement


def _to_compliance(child: pexpect.spawn, account: str, refused: str = "", purpose: str = "") -> None:
    """One PHI training workload in a real terminal, up to the compliance question: ``refused`` is an
    account id typed first (and refused), ``purpose`` the line about the data (default: kept)."""
    step(child, "Name of the landing", CLEAR + "clinic\r")
    step(child, "AWS region", "\r")
    if refused:
        step(child, "AWS account id", CLEAR + refused + "\r")
        step(child, "is not an AWS account id", CLEAR + account + "\r")  # refused, asked again
    else:
        step(child, "AWS account id", CLEAR + account + "\r")
    step(child, "Workload name", CLEAR + "notes\r")
    step(child, "What the workload does", "\r")
    step(child, "Regulated data", " \r")
    step(child, "most sensitive data", "\r")
    step(child, "AWS services", "\r")
    step(child, "Lifecycle stages", "\r")
    step(child, "One line about", (CLEAR + purpose if purpose else "") + "\r")
    step(child, "what do dev and test hold", "\r")
    step(child, "Add another workload", "n")


def _network_and_foundation(child: pexpect.spawn) -> None:
    for prompt in ("The VPC the endpoints", "CIDR", "Private subnets", "Route tables", "Network perimeter",
                   "Account-level trail"):  # fmt: skip
        step(child, prompt, "\r")


def _access(child: pexpect.spawn) -> None:
    step(child, "administer the keys", CLEAR + "arn:aws:iam::111122223333:role/PlatformAdmin\r")
    step(child, "How people reach", "\r")
    for stage in ("dev", "test", "prod"):
        step(child, f"roles in {stage}", "\r")
    step(child, "run terraform apply", "\r")
    step(child, "Break-glass roles", "\r")


def test_a_contradiction_is_refused_at_its_question_in_a_terminal(tmp_path: Path) -> None:
    child = spawn(tmp_path, "-o", "out/clinic", "--save-spec", "clinic.yaml")
    _to_compliance(child, "1111-2222-3333")  # as the console shows it
    step(child, "Compliance regimes", " \r")  # untick hipaa, pre-checked for the PHI
    step(child, r"workloads\[0\]\.data\.categories: phi data requires hipaa in compliance", "")
    step(child, "Answer this question again", "y")
    step(child, "Compliance regimes", "\r")
    _network_and_foundation(child)
    step(child, "log-archive account", "y")
    step(child, "log-archive account's 12-digit id", CLEAR + "111122223333\r")  # the landing's own
    step(
        child,
        "log_archive.account_id: must be another account than aws.account_id",
        CLEAR + "4444-5555-6666\r",
    )
    step(child, "Emergency roles", CLEAR + "arn:aws:iam::444455556666:role/LogArchiveBreakGlass\r")
    _access(child)
    step(child, "Addresses subscribed", CLEAR + "\r")  # none: refused under hipaa
    step(child, "alerts.email: with compliance hipaa", CLEAR + "secops@example.com\r")
    child.expect("name, region, account: clinic, us-east-1, 111122223333")
    child.expect("foundation: create, log archive in 444455556666")
    step(child, "Save these answers", "\r")
    step(child, "Save the spec to clinic.yaml", "n")
    child.expect("nothing was written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1 and sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_person_goes_back_to_an_answer_at_the_review(tmp_path: Path) -> None:
    (tmp_path / "clinic.yaml").write_text("# an earlier spec\n")
    child = spawn(tmp_path, "-o", "out/clinic", "--save-spec", "clinic.yaml")
    _to_compliance(child, "111122223333")
    step(child, "Compliance regimes", " \r")  # untick hipaa
    step(child, "phi data requires hipaa in compliance", "")
    step(child, "Answer this question again", "n")  # keep it: fix it at the review
    _network_and_foundation(child)
    step(child, "log-archive account", "n")
    _access(child)
    step(child, "Addresses subscribed", CLEAR + "secops@example.com\r")
    child.expect("compliance: none")
    child.expect(r"1 problem\(s\):")
    step(child, "Change workload notes", DOWN + "\r")  # no save offered; go to compliance
    step(child, "Compliance regimes", "\r")  # hipaa pre-checked again for the PHI
    child.expect("compliance: hipaa")
    step(child, "Save these answers", DOWN + "\r")  # and change the name too
    step(child, "Name of the landing", CLEAR + "clinic2\r")
    step(child, "AWS region", DOWN + "\r")  # us-east-2
    step(child, "AWS account id", "\r")
    child.expect("name, region, account: clinic2, us-east-2, 111122223333")
    step(child, "Save these answers", "\r")
    step(child, r"clinic.yaml exists with other content: replace it.*\(y/N\)", "y")
    child.expect("aisec render clinic.yaml -o out/clinic --check")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    spec = load_spec(tmp_path / "clinic.yaml")
    assert (spec.name, spec.aws.region, [r.value for r in spec.compliance]) == (
        "clinic2",
        "us-east-2",
        ["hipaa"],
    )
    assert spec.workloads[0].data.categories[0].value == "phi" and spec.alerts.email == ["secops@example.com"]


def test_cross_field_rules_are_the_specs_at_the_question_that_causes_them() -> None:
    w = wizard.Wizard(wizard.Prompter(keys=[]), wizard.STARTER)
    w.answer(("name",), "clinical-research")
    w.answer(("aws", "region"), "eu-north-1")  # neither Bedrock nor FedRAMP Moderate
    w.answer(("aws", "account_id"), "111122223333")
    assert w.problems_at(("compliance",), ["fedramp-moderate"]) == (
        "aws.region: fedramp-moderate needs a region inside the FedRAMP Moderate boundary "
        "(us-east-1, us-east-2, us-west-1, us-west-2), not eu-north-1"
    )
    w.data["workloads"] = [{}]
    w.fillers.append(dict(wizard.STARTER["workloads"][0]))
    assert "S3 bucket names would be 66 characters" in (
        w.problems_at(("workloads", 0, "name"), "x" * 20) or ""
    )
    w.answer(("workloads", 0, "name"), "assistant")
    assert w.problems_at(("workloads", 0, "type"), "rag") is None  # the services question decides
    w.answer(("workloads", 0, "type"), "rag")
    assert (w.problems_at(("workloads", 0, "services"), ["bedrock"]) or "").startswith(
        "workloads[0].services: Amazon Bedrock (with Agents and Knowledge Bases) is not offered in eu-north-1"
    )
    assert w.problems_at(("workloads", 0, "services"), ["sagemaker"]) is None
    # an answer still to come is not held against this one: alerts are asked after compliance
    assert w.problems_at(("compliance",), ["gdpr"]) is None
    w.answer(("compliance",), ["gdpr"])
    assert (w.problems_at(("alerts", "email"), []) or "").startswith("alerts.email: with compliance gdpr")


def test_the_review_adds_and_removes_workloads() -> None:
    keys = list(ANSWERS)
    keys[-1:] = [
        DOWN * 11 + "\r",  # review: Remove workload assistant
        # the spec's rule: no workload has people in test any more; the review's cursor is on Change access
        "\r", "\r", "\r", "\r", "\r", "\r", "\r",  # Change access: admins, sso, dev, prod, deployers, break-glass
        DOWN * 8 + "\r",  # review: Add a workload
        CLEAR + "scoring\r", DOWN * 3 + "\r", "\r",  # batch, no regulated data
        "\r", "y", DOWN + "\r",  # public is refused under hipaa at its question: internal
        "\r", "\r", "\r",  # services, stages, no description
        "\r",  # review: save
    ]  # fmt: skip
    spec = wizard.run(wizard.Prompter(keys=keys), wizard.STARTER, "answers")
    assert [(w.name, w.type.value) for w in spec.workloads] == [("notes", "training"), ("scoring", "batch")]
    assert spec.workloads[1].data.sensitivity.value == "internal"
    assert spec.access.people == {Stage.DEV: ["ClinicalDataScience"], Stage.PROD: ["clinic-prod"]}


def test_giving_up_at_the_review_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    keys = list(ANSWERS)
    keys[COMPLIANCE] = " \r"  # untick hipaa
    keys.insert(COMPLIANCE + 1, "n")  # keep it
    keys[-1:] = [UP * 2 + "\r"]  # review (cursor on Change workload notes, the 2nd): up to the last, Give up
    with pytest.raises(wizard.SpecError) as info:
        wizard.run(wizard.Prompter(keys=keys), wizard.STARTER, "answers")
    assert info.value.exit_code == 2
    assert info.value.details == [
        "answers: workloads[0].data.categories: phi data requires hipaa in compliance"
    ]
    with pytest.raises(SystemExit) as done:
        wizard.run(wizard.Prompter(keys=[*ANSWERS[:-1], UP + "\r"]), wizard.STARTER, "answers")  # from Save
    assert done.value.code == 1 and "nothing was written" in capsys.readouterr().err


# ----------------------------------------------------------------------------- editing keeps what is not asked
def rich_spec() -> dict:  # type: ignore[type-arg]
    """A spec setting every field the wizard does not ask about (a blueprint and more)."""
    data = spec_to_data(load_spec(BLUEPRINTS["multi-workload"]))
    account = data["aws"]["account_id"]
    data["network"]["image_accounts"] = ["123456789012"]
    data["log_archive"] = {
        "account_id": "444455556666",
        "bucket": "ml-platform-archive-444455556666",
        "region": "eu-central-1",
        "break_glass": ["arn:aws:iam::444455556666:role/ArchiveBreakGlass"],
        "kms_key_arn": "arn:aws:kms:eu-central-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "deployers": ["arn:aws:iam::444455556666:role/ArchiveDeployer"],
    }
    data["detective"] = {"guardduty": "check", "security_hub": "prerequisite", "config": "create",
                         "access_analyzer": "prerequisite", "flow_logs": "create"}  # fmt: skip
    data["module_source"] = {"mode": "git", "git_url": "https://git.example.com/platform/aisec.git"}
    data["state"] = {"backend": "s3", "bucket": "ml-platform-tfstate", "key": "landing/terraform.tfstate",
                     "region": "eu-west-1", "kms_key_id": "alias/ml-platform-state",
                     "users": [f"arn:aws:iam::{account}:role/ci-apply"]}  # fmt: skip
    data["cost"] = {**data["cost"], "data_gb": 1234, "log_gb": 77}
    data["layout"] = "stages"
    data["accounts"] = {
        "assume_role": "aisec-landing-deployer",
        "state_kms_key_arn": f"arn:aws:kms:eu-west-1:{account}:key/5e1f7a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
        "stages": {
            "test": {
                "account_id": "555566667777",
                "network": {**data["network"], "vpc_id": "vpc-0a1b2c3d4e5f60718"},
                "access": {"admin_principals": ["arn:aws:iam::555566667777:role/TestKeyAdmin"]},
            }
        },
    }
    train, serve, helpdesk, lab = data["workloads"]
    train["description"] = "Trains the recommender."
    train["macie"] = {"default_identifiers": False, "ignore_words": ["SYNTHETIC-ROW"],
                      "identifiers": [{"name": "member-id", "regex": "MBR-[0-9]{8}", "keywords": ["member"]}]}  # fmt: skip
    serve["services"] = ["sagemaker", "ecr", "s3"]
    # a pusher of each account holding one of its stages (test's is its own)
    pushers = [f"arn:aws:iam::{account}:role/image-build", "arn:aws:iam::555566667777:role/image-build"]
    serve["images"] = {"create": ["serve"], "pushers": pushers, "untagged_expiry_days": 30}
    helpdesk["bedrock"] = {
        "models": ["amazon.titan-embed-text-v2:0"],
        "guardrail": True,
        "vector_stores": {
            "dev": {"opensearch_serverless": f"arn:aws:aoss:eu-west-1:{account}:collection/helpdeskdev01"},
            "prod": {"opensearch_serverless": f"arn:aws:aoss:eu-west-1:{account}:collection/helpdeskprd01"},
        },
    }
    lab["compute"] = {"notebook": {"instance_type": "ml.t3.large", "volume_size_gb": 50, "stages": ["dev"]}}
    return spec_to_data(parse_spec(data))


def edit(start: dict, *changes: tuple[int, str]) -> dict:  # type: ignore[type-arg]
    """The wizard over ``start``: every default accepted but the answers ``changes`` (prompt number,
    keys), then saved at the review."""
    keys = ["\r"] * 80
    for at, typed in changes:
        keys[at] = typed
    p = wizard.Prompter(keys=keys)
    return spec_to_data(wizard.run(p, start, "answers"))


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_editing_a_blueprint_without_changes_gives_it_back(name: str) -> None:
    start = spec_to_data(load_spec(BLUEPRINTS[name]))
    assert edit(start) == start


def _walk(model: type, start: object, after: object, loc: str, seen: set[str]) -> None:
    """Every field of the spec model that ``start`` sets is in ``after``, equal."""
    assert isinstance(start, dict) and isinstance(after, dict), loc
    for name, info in model.model_fields.items():  # type: ignore[attr-defined]
        key = info.alias or name
        if key not in start:
            continue
        seen.add(f"{model.__name__}.{key}")
        assert key in after, f"{loc}.{key} was dropped"
        args = typing.get_args(info.annotation) if isinstance(info.annotation, types.UnionType) else ()
        sub = next(
            (a for a in (info.annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None
        )
        if key == "workloads":
            assert len(after[key]) == len(start[key]), loc
            for i, (a, b) in enumerate(zip(start[key], after[key], strict=True)):
                _walk(wizard.spec_mod.Workload, a, b, f"{loc}.workloads[{i}]", seen)
        elif sub is not None:
            _walk(sub, start[key], after[key], f"{loc}.{key}", seen)
        else:
            assert after[key] == start[key], f"{loc}.{key}"


def test_editing_keeps_every_field_of_the_spec() -> None:
    start = rich_spec()
    seen: set[str] = set()
    _walk(wizard.Spec, start, edit(start), "spec", seen)
    # the starting spec sets every field (a field added to the spec must be added to rich_spec),
    # but foundation_refs, the alternative to foundation: create (the existing-foundation blueprint)
    for model in (wizard.Spec, wizard.spec_mod.Workload):
        fields = {f"{model.__name__}.{f.alias or n}" for n, f in model.model_fields.items()}
        assert fields - seen == ({"Spec.foundation_refs"} if model is wizard.Spec else set())


def test_changing_one_answer_keeps_the_rest(capsys: pytest.CaptureFixture[str]) -> None:
    start = rich_spec()
    after = edit(
        start, (0, CLEAR + "ml-lab\r"), (3, CLEAR + "recsys-fit\r")
    )  # landing and 1st workload renamed
    assert (after["name"], after["workloads"][0]["name"]) == ("ml-lab", "recsys-fit")
    assert after["workloads"][0]["macie"] == start["workloads"][0]["macie"]
    start["name"], start["workloads"][0]["name"] = "ml-lab", "recsys-fit"
    assert after == start
    assert (
        "kept as they were (not asked here): detective; modules; module_source; state; layout; accounts; cost; tags; "
        "workload recsys-fit: macie; workload recsys-serve: images; workload helpdesk: bedrock; workload lab: compute"
    ) in capsys.readouterr().err


def test_a_person_edits_a_blueprint_and_keeps_what_is_not_asked(tmp_path: Path) -> None:
    child = spawn(tmp_path, "--from", "gdpr-rag-assistant", "-o", "out/rag", "--save-spec", "rag.yaml")
    for prompt in ("Name of the landing", "AWS region", "AWS account id", "Workload name", "What the workload does",
                   "Regulated data", "most sensitive data", "AWS services", "Lifecycle stages", "One line about",
                   "Add another workload", "Compliance regimes", "The VPC the endpoints", "CIDR", "Private subnets",
                   "Route tables", "Network perimeter", "Account-level trail", "log-archive account",
                   "administer the keys", "How people reach", "roles in dev", "roles in prod", "run terraform apply",
                   "Break-glass roles"):  # fmt: skip
        step(child, prompt, "\r")
    step(child, "Addresses subscribed", CLEAR + "privacy@example.eu\r")  # the one answer changed
    child.expect("kept as they were \\(not asked here\\): tags; workload assistant: bedrock")
    step(child, "Save these answers", "\r")
    step(child, "Save the spec to rag.yaml", "\r")
    child.expect("aisec render rag.yaml -o out/rag --check")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    expected = spec_to_data(load_spec(BLUEPRINTS["gdpr-rag-assistant"]))
    expected["alerts"]["email"] = ["privacy@example.eu"]
    assert spec_to_data(load_spec(tmp_path / "rag.yaml")) == expected
    assert (
        "collection/supportragdev01" in (tmp_path / "out/rag/workload-assistant.tf").read_text()
    )  # rendered


def test_kept_settings_are_checked_and_leave_with_their_workload(capsys: pytest.CaptureFixture[str]) -> None:
    start = rich_spec()
    p = wizard.Prompter(keys=["\r"] * 80)
    wizard.run(p, start, "answers")
    review = 80 - len(p.keys) - 1  # the prompt number of the review, every default accepted
    capsys.readouterr()
    keys = ["\r"] * 80
    keys[15] = DOWN + DOWN + " \r"  # recsys-serve's services: untick ecr, which its kept images need
    keys[16:16] = ["y", "\r"]  # refused at the question: answer again, ecr pre-checked
    keys[review + 2] = DOWN * 14 + "\r"  # review: Remove workload helpdesk (the 3rd)
    after = spec_to_data(wizard.run(wizard.Prompter(keys=keys), start, "answers"))
    err = capsys.readouterr().err
    assert "workloads[1].images: only for workloads using the ecr service (add it to services)" in err
    assert err.index("workloads[1].images") < err.index("Workload 3")  # at its question
    del start["workloads"][2]  # helpdesk leaves, and its bedrock settings with it
    assert after == start
