"""aisec plan, apply, drift and destroy with the real terraform binary and the offline stand-in."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from generator import core
from generator.errors import UserInputError
from generator.offline import workspace
from generator.run import orchestrate
from generator.run.orchestrate import Fingerprint
from generator.run.runner import PythonTerraformRunner, find_binary
from generator.run.verify import plain_env
from tests.conftest import BLUEPRINTS, REPO, aisec_env, json_result, run_aisec

ALL_KINDS = ["kms", "cloudtrail", "log-groups", "buckets", "macie"]


@pytest.fixture()
def landing(tmp_path: Path) -> Path:
    """The batch-scoring blueprint rendered into a folder of its own, with the spec beside it."""
    spec = tmp_path / "churn.yaml"
    shutil.copy(BLUEPRINTS["batch-scoring"], spec)
    out = tmp_path / "churn"
    core.render_spec(spec, out)
    return out


def _ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def _allow(*kinds: str) -> list[str]:
    return [arg for k in kinds for arg in ("--allow-destroy-protected", k)]


def test_plan_apply_drift_then_changed_spec_drifts(landing: Path) -> None:
    before = {p: p.read_bytes() for p in landing.rglob("*") if p.is_file()}
    plan = json_result(_ok(run_aisec("plan", str(landing), "--offline", "--json")))
    assert plan["rehearsal"] and plan["add"] == len(plan["changes"]) > 100 and plan["destroy"] == 0
    assert Path(plan["plan_file"]).is_file() and not Path(plan["plan_file"]).is_relative_to(landing)
    record = json.loads((Path(plan["plan_file"]).parent / orchestrate.RECORD_FILE).read_text())
    assert "main.tf" in record["fingerprint"]["files"] and record["review"]["add"] == plan["add"]

    applied = _ok(run_aisec("apply", str(landing), "--offline", "--auto-approve"))
    assert f"applied {plan['add']} change(s)" in applied.stdout
    assert f"[{plan['add']}/{plan['add']}] create " in applied.stderr  # progress, one line per resource
    assert "Plan: " in applied.stderr  # the review is shown before applying
    again = run_aisec("apply", str(landing), "--offline", "--auto-approve")
    assert again.returncode == 1 and "no saved plan" in again.stderr  # a plan is applied once

    drift = run_aisec("drift", str(landing), "--offline")
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert "no drift" in drift.stdout
    assert {p: p.read_bytes() for p in landing.rglob("*") if p.is_file()} == before  # rehearsal: untouched

    spec = landing.parent / "churn.yaml"
    spec.write_text(spec.read_text() + "alerts:\n  email: [oncall@example.com]\n")
    core.render_spec(spec, landing)
    drift = run_aisec("drift", str(landing), "--offline", "--json")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    report = json_result(drift)
    assert report["drifted"] and report["add"] == 1
    assert [c["type"] for c in report["changes"]] == ["aws_sns_topic_subscription"]
    text = run_aisec("drift", str(landing), "--offline")
    assert text.returncode == 2 and "Plan: 1 to add" in text.stdout and ": drift" in text.stdout


def test_stale_plans_are_refused(landing: Path) -> None:
    _ok(run_aisec("plan", str(landing), "--offline"))
    extra = landing / "extra.custom.tf"
    extra.write_text('resource "aws_sns_topic" "extra" {\n  name = "extra"\n}\n')
    stale = run_aisec("apply", str(landing), "--offline", "--auto-approve")
    assert stale.returncode == 1 and "saved plan is stale" in stale.stderr
    assert "extra.custom.tf: added since the plan" in stale.stderr
    extra.unlink()
    # the same files, but a variable given differently
    env = aisec_env(TF_VAR_owner="someone")
    stale = run_aisec("apply", str(landing), "--offline", "--auto-approve", env=env)
    assert stale.returncode == 1 and "TF_VAR_ variables were none, now owner" in stale.stderr
    _ok(run_aisec("plan", str(landing), "--offline", env=env))
    stale = run_aisec(
        "apply", str(landing), "--offline", "--auto-approve", env=aisec_env(TF_VAR_owner="other")
    )
    assert stale.returncode == 1 and "another value than when the plan was made" in stale.stderr
    _ok(run_aisec("apply", str(landing), "--offline", "--auto-approve", env=env))


def _answer_at_terminal(landing: Path, reply: str, expected: str) -> int:
    """`aisec apply` in a real pseudo-terminal, answering its question with ``reply``."""
    child = pexpect.spawn(
        sys.executable, ["-m", "generator", "apply", str(landing), "--offline"],
        cwd=str(REPO), env=aisec_env(), encoding="utf-8", timeout=120,
    )  # fmt: skip
    child.expect("Only 'yes' is accepted: ")
    child.sendline(reply)
    child.expect(expected)
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus)


def test_apply_asks_for_confirmation(landing: Path) -> None:
    _ok(run_aisec("plan", str(landing), "--offline"))
    proc = run_aisec("apply", str(landing), "--offline")
    assert proc.returncode == 2 and "--auto-approve" in proc.stderr  # no terminal: never a silent yes
    assert _answer_at_terminal(landing, "y", "Cancelled; nothing was changed") == 1
    assert _answer_at_terminal(landing, "yes", r"applied \d+ change\(s\)") == 0


def test_protected_destroy_refused_then_allowed(landing: Path) -> None:
    _ok(run_aisec("plan", str(landing), "--offline"))
    _ok(run_aisec("apply", str(landing), "--offline", "--auto-approve"))
    refused = run_aisec("destroy", str(landing), "--offline", "--auto-approve")
    assert refused.returncode == 1
    # 9 keys, 8 buckets (with AWS Config's), 6 log groups (with the VPC flow logs'), the trail and Macie
    assert "25 protected resource(s) (prevent_destroy)" in refused.stderr
    assert "--allow-destroy-protected" in refused.stderr
    for needle in ('aws_kms_key.this["datasets"] (kms)', "aws_cloudtrail.this[0] (cloudtrail)",
                   "aws_macie2_account.this[0] (macie)", 'aws_s3_bucket.this["trail"] (buckets)'):  # fmt: skip
        assert needle in refused.stderr
    # naming some kinds is not enough; the others are still refused, by name
    partly = run_aisec("destroy", str(landing), "--offline", "--auto-approve", *_allow("kms", "buckets"))
    assert partly.returncode == 1 and "(cloudtrail)" in partly.stderr and "(kms)" not in partly.stderr
    assert not list(landing.rglob(orchestrate.ALLOW_OVERRIDE))
    drift = run_aisec("drift", str(landing), "--offline")
    assert drift.returncode == 0, drift.stdout + drift.stderr  # nothing was destroyed
    done = _ok(run_aisec("destroy", str(landing), "--offline", "--auto-approve", *_allow(*ALL_KINDS)))
    assert re.search(r"destroyed \d+ resource\(s\)", done.stdout)
    plan = json_result(_ok(run_aisec("plan", str(landing), "--offline", "--json")))
    assert plan["destroy"] == 0 and plan["add"] > 100  # everything is gone from the rehearsal state


def test_protected_deletions_are_refused_by_aisec_itself(landing: Path) -> None:
    """The modules' prevent_destroy is one guard; aisec's own review of the plan is the other, and
    holds when a module lost its lifecycle block (an edited or a third-party module)."""
    _ok(run_aisec("plan", str(landing), "--offline"))
    _ok(run_aisec("apply", str(landing), "--offline", "--auto-approve"))
    for main in (landing / "modules").glob("*/main.tf"):
        main.write_text(main.read_text().replace("prevent_destroy = true", "prevent_destroy = false"))
    refused = run_aisec("destroy", str(landing), "--offline", "--auto-approve")
    assert refused.returncode == 1 and "protected resource(s)" in refused.stderr, refused.stderr
    assert "(prevent_destroy)" not in refused.stderr  # Terraform did not stop it; aisec did
    assert 'aws_kms_key.this["datasets"] (kms)' in refused.stderr
    drift = run_aisec("drift", str(landing), "--offline")
    assert drift.returncode == 0, drift.stdout + drift.stderr  # nothing was destroyed


def test_removed_workload_deletions_need_naming(landing: Path, tmp_path: Path) -> None:
    """A spec that drops a stage deletes its keys and buckets: aisec refuses the plan unless named."""
    _ok(run_aisec("plan", str(landing), "--offline"))
    _ok(run_aisec("apply", str(landing), "--offline", "--auto-approve"))
    spec = landing.parent / "churn.yaml"
    spec.write_text(spec.read_text().replace("stages: [dev, prod]", "stages: [prod]"))
    core.render_spec(spec, landing)
    refused = run_aisec("plan", str(landing), "--offline")
    assert refused.returncode == 1 and "protected resource(s)" in refused.stderr
    assert 'module.weekly_scores_dev_kms.aws_kms_key.this["datasets"] (kms)' in refused.stderr
    allowed = run_aisec("plan", str(landing), "--offline", "--json", *_allow("kms", "buckets", "log-groups"))
    data = json_result(_ok(allowed))
    assert data["destroy"] > 0 and {d["kind"] for d in data["protected_deletions"]} == {
        "kms",
        "buckets",
        "log-groups",
    }
    reasons = {f["reason"] for f in data["findings"]}
    assert "S3 bucket deleted" in reasons and any(r.startswith("KMS key deleted") for r in reasons)


def test_terraform_errors_name_file_and_line(landing: Path) -> None:
    (landing / "broken.custom.tf").write_text('resource "aws_sns_topic" "x" {\n  name = \n}\n')
    proc = run_aisec("plan", str(landing), "--offline")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{landing}/broken.custom.tf:2: error:" in proc.stderr
    (landing / "broken.custom.tf").write_text('resource "aws_sns_topic" "x" {\n  nmae = "x"\n}\n')
    proc = run_aisec("plan", str(landing), "--offline")
    assert proc.returncode == 1
    assert (
        f'{landing}/broken.custom.tf:2: error: Unsupported argument (An argument named "nmae"' in proc.stderr
    )


def test_ctrl_c_during_apply_keeps_state_consistent(landing: Path) -> None:
    _ok(run_aisec("plan", str(landing), "--offline"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "apply", str(landing), "--offline", "--auto-approve"],
        cwd=REPO, env=aisec_env(AISEC_OFFLINE_APPLY_SECONDS="0.5"), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("  [5/"):
            proc.send_signal(signal.SIGINT)
            break
    stdout, rest = proc.communicate(timeout=120)
    stderr = "".join(seen) + rest
    assert proc.returncode == 130, stdout + stderr
    assert "Interrupt: Terraform finishes the operations in flight" in stderr
    assert "apply interrupted after" in stderr and "to see what is left" in stderr
    done = int(re.search(r"apply interrupted after (\d+) change", stderr).group(1))  # type: ignore[union-attr]
    plan = json_result(_ok(run_aisec("plan", str(landing), "--offline", "--json")))
    # what was created is in the state; the new plan creates exactly the rest
    assert 5 <= done < plan["add"] + done and plan["change"] == plan["destroy"] == 0
    _ok(run_aisec("apply", str(landing), "--offline", "--auto-approve"))
    assert run_aisec("drift", str(landing), "--offline").returncode == 0


def test_no_secret_reaches_the_disk(landing: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    secret = "s3cr3t-" + os.urandom(8).hex()
    env = aisec_env(
        XDG_CACHE_HOME=str(cache),
        AWS_ACCESS_KEY_ID="AKIA" + os.urandom(8).hex().upper(),
        AWS_SECRET_ACCESS_KEY=secret + "-aws",
        TF_VAR_api_token=secret,
    )
    (landing / "token.custom.tf").write_text(
        'variable "api_token" {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\n'
    )
    _ok(run_aisec("plan", str(landing), "--offline", env=env))
    _ok(run_aisec("apply", str(landing), "--offline", "--auto-approve", env=env))
    assert _ok(run_aisec("drift", str(landing), "--offline", env=env))
    files = [p for base in (landing, cache) for p in base.rglob("*") if p.is_file() and not p.is_symlink()]
    assert len(files) > 50
    leaks = [
        p
        for p in files
        if secret.encode() in p.read_bytes() or env["AWS_ACCESS_KEY_ID"].encode() in p.read_bytes()
    ]
    assert leaks == []
    # a sensitive variable that is not ephemeral would be written into the plan file: refused
    (landing / "token.custom.tf").write_text(
        'variable "api_token" {\n  type      = string\n  sensitive = true\n}\n'
    )
    proc = run_aisec("plan", str(landing), "--offline", env=env)
    assert proc.returncode == 2 and "ephemeral = true" in proc.stderr and secret not in proc.stderr
    leaks = [
        p
        for base in (landing, cache)
        for p in base.rglob("*")
        if p.is_file() and secret.encode() in p.read_bytes()
    ]
    assert leaks == []


def test_version_requirements_are_checked(landing: Path) -> None:
    (landing / ".terraform-version").write_text("1.0.0\n")
    proc = run_aisec("plan", str(landing), "--offline")
    assert proc.returncode == 2 and ".terraform-version: pins terraform 1.0.0" in proc.stderr
    (landing / ".terraform-version").unlink()
    versions = landing / "versions.tf"
    versions.write_text(
        versions.read_text().replace('required_version = ">= 1.5"', 'required_version = "< 1.0"')
    )
    proc = run_aisec("plan", str(landing), "--offline")
    assert proc.returncode == 2 and "required_version '< 1.0' is not met by terraform" in proc.stderr


def test_fingerprint_names_what_changed(landing: Path) -> None:
    ws = orchestrate.open_workspace(landing, offline=True)
    first = Fingerprint.of(ws)
    (landing / "main.tf").write_text((landing / "main.tf").read_text() + "\n")
    (landing / "README.md").write_text("docs do not make a plan stale\n")
    again = Fingerprint.of(ws, bytes.fromhex(first.variables_salt))
    assert first.differences(again) == ["main.tf: changed since the plan"]
    assert first.variables_digest == again.variables_digest
    # the vendored catalog modules are part of what was planned
    module_main = next((landing / "modules").glob("*/main.tf"))
    module_main.write_text(module_main.read_text() + "\n")
    third = Fingerprint.of(ws, bytes.fromhex(first.variables_salt))
    rel = module_main.relative_to(landing).as_posix()
    assert first.differences(third) == ["main.tf: changed since the plan", f"{rel}: changed since the plan"]


def test_adapter_keeps_variables_off_disk_and_out_of_saved_plans(tmp_path: Path) -> None:
    tf = PythonTerraformRunner(find_binary(plain_env()))
    with pytest.raises(ValueError, match="TF_VAR_"):
        tf.run("plan", cwd=tmp_path, env=plain_env(), var={"a": "b"})
    with pytest.raises(ValueError, match="saved plan carries its variables"):
        tf.run("apply", "tfplan", cwd=tmp_path, env=plain_env(), var_file="x.tfvars")


def test_an_empty_plan_is_not_saved(landing: Path) -> None:
    _ok(run_aisec("plan", str(landing), "--offline"))
    _ok(run_aisec("apply", str(landing), "--offline", "--auto-approve"))
    data = json_result(_ok(run_aisec("plan", str(landing), "--offline", "--json")))
    assert data["changes"] == [] and data["plan_file"] is None
    nothing = run_aisec("apply", str(landing), "--offline", "--auto-approve")
    assert nothing.returncode == 1 and "no saved plan" in nothing.stderr


def test_with_a_provider_mirror_terraform_works_in_the_folder(landing: Path) -> None:
    """Without --offline, Terraform runs in the user's folder, as against AWS. A CLI configuration
    with a filesystem mirror (here: the stand-in's) is how such a machine installs the provider."""
    tf = PythonTerraformRunner(find_binary(plain_env()))
    mirror = workspace.prepare(tf.binary.platform).cli_config
    env = aisec_env(TF_CLI_CONFIG_FILE=str(mirror))
    plan = json_result(_ok(run_aisec("plan", str(landing), "--json", env=env)))
    assert not plan["rehearsal"] and plan["plan_json"] is None  # the plan's values stay in memory
    saved = landing / ".aisec-plan"
    assert Path(plan["plan_file"]) == saved / "tfplan"
    assert (saved.stat().st_mode & 0o777, (saved / "tfplan").stat().st_mode & 0o777) == (0o700, 0o600)
    assert sorted(p.name for p in saved.iterdir()) == ["plan-record.json", "tfplan"]
    assert ".aisec-plan/" in (landing / ".gitignore").read_text()
    _ok(run_aisec("apply", str(landing), "--auto-approve", env=env))
    assert (landing / "terraform.tfstate").is_file() and not saved.exists()
    assert run_aisec("drift", str(landing), env=env).returncode == 0
    # a rehearsal plan is not this folder's plan, and the other way round
    _ok(run_aisec("plan", str(landing), "--offline"))
    proc = run_aisec("apply", str(landing), "--auto-approve", env=env)
    assert proc.returncode == 1 and "no saved plan" in proc.stderr


def test_plan_shows_progress_at_a_terminal(landing: Path) -> None:
    child = pexpect.spawn(
        sys.executable, ["-m", "generator", "plan", str(landing), "--offline"],
        cwd=str(REPO), env=aisec_env(), encoding="utf-8", timeout=120,
    )  # fmt: skip
    child.expect("terraform plan: ")  # the spinner line, naming what Terraform works on
    child.expect(r"Plan: \d+ to add")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    quiet = _ok(run_aisec("plan", str(landing), "--offline"))  # not a terminal: no spinner in logs
    assert "terraform plan: " not in quiet.stderr + quiet.stdout


def _print(
    files: dict[str, str], names: list[str], digest: str = "d0", terraform: str = "terraform 1.11.4"
) -> Fingerprint:
    return Fingerprint(
        files=files, variable_names=names, variables_salt="00", variables_digest=digest, terraform=terraform
    )


def test_a_plan_is_stale_for_every_kind_of_change() -> None:
    """What `apply` compares with the saved plan's fingerprint, and the reason it prints for each change."""
    planned = _print({"a.tf": "1", "b.tf": "2", "c.tf": "3"}, ["owner"])
    assert planned.differences(_print({"a.tf": "1", "b.tf": "2", "c.tf": "3"}, ["owner"])) == []
    now = _print({"a.tf": "1", "c.tf": "9", "d.tf": "4"}, ["owner"])
    assert planned.differences(now) == [
        "b.tf: removed since the plan",
        "c.tf: changed since the plan",
        "d.tf: added since the plan",
    ]
    assert planned.differences(_print(planned.files, ["owner"], digest="d1")) == [
        "a TF_VAR_ variable has another value than when the plan was made"
    ]
    assert planned.differences(_print(planned.files, ["owner", "team"], digest="d1")) == [
        "TF_VAR_ variables were owner, now owner, team"
    ]
    assert _print({}, []).differences(_print({}, ["owner"])) == ["TF_VAR_ variables were none, now owner"]
    assert planned.differences(_print(planned.files, [])) == ["TF_VAR_ variables were owner, now none"]
    assert planned.differences(_print(planned.files, ["owner"], terraform="terraform 1.12.0")) == [
        "the plan was made with terraform 1.11.4, this is terraform 1.12.0"
    ]


def test_the_fingerprint_covers_what_terraform_reads_and_only_that(tmp_path: Path) -> None:
    import hashlib

    planned = {"main.tf": "a", "zz_custom.tf": "b", "terraform.tfvars": "c", "modules/kms/main.tf": "d",
               "terraform.tfstate.d/x": "e", ".terraform.lock.hcl": "f"}  # fmt: skip
    left_out = ["README.md", "modules/kms/README.md", "terraform.tfstate", "terraform.tfstate.backup",
                orchestrate.ALLOW_OVERRIDE, "modules/kms/" + orchestrate.ALLOW_OVERRIDE, ".terraform/providers/p",
                ".git/HEAD", f"{orchestrate.PLAN_DIR}/tfplan", ".aisec/cache"]  # fmt: skip
    for rel, text in {**planned, **dict.fromkeys(left_out, "x")}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    files = orchestrate._fingerprint_files(tmp_path)
    assert list(files) == sorted(planned)
    assert files == {rel: hashlib.sha256(text.encode()).hexdigest() for rel, text in planned.items()}


def test_variables_are_compared_by_a_salted_digest_of_their_values() -> None:
    env = {"TF_VAR_team": "ml", "TF_VAR_owner": "me", "PATH": "/bin", "tf_var_lower": "x", "XTF_VAR_a": "y"}
    variables = orchestrate._variables(env)
    assert list(variables.items()) == [("TF_VAR_owner", "me"), ("TF_VAR_team", "ml")]
    salt = bytes(16)
    digest = orchestrate._variables_digest(variables, salt)
    assert len(digest) == 64 and digest == orchestrate._variables_digest(dict(variables), salt)
    assert digest != orchestrate._variables_digest({**variables, "TF_VAR_team": "ops"}, salt)
    assert digest != orchestrate._variables_digest(variables, bytes(15) + b"\1")
    assert "me" not in digest and "ml" not in digest


def test_allow_destroy_protected_takes_kinds_and_addresses_only() -> None:
    address = 'module.churn_dev_kms.aws_kms_key.this["datasets"]'
    assert orchestrate._check_allowed(["kms", "buckets", "kms", address]) == sorted(
        {"kms", "buckets", address}
    )
    assert orchestrate._check_allowed(['aws_s3_bucket.Archive["Q1"]']) == ['aws_s3_bucket.Archive["Q1"]']
    for bad in ("kms; rm -rf /", "all keys", "*", ""):
        with pytest.raises(
            UserInputError, match="give a kind \\(kms, cloudtrail, log-groups, buckets, macie\\)"
        ):
            orchestrate._check_allowed(["kms", bad])


def test_terraforms_prevent_destroy_refusals_are_named_by_kind() -> None:
    from generator.run.runner import Diagnostic

    def refusal(address: str, summary: str = "Instance cannot be destroyed") -> Diagnostic:
        detail = (f"Resource {address} has lifecycle.prevent_destroy set, but the plan calls for this resource "
                  "to be destroyed.")  # fmt: skip
        return Diagnostic("error", summary, detail)

    found = orchestrate._protected_failure([
        refusal('module.churn_dev_kms.aws_kms_key.this["datasets"]'),
        refusal("module.audit.aws_cloudtrail.this[0]"),
        refusal("aws_sns_topic.alerts"),
        refusal("aws_s3_bucket.other", summary="Another error"),
        Diagnostic("error", "Instance cannot be destroyed", "something else"),
    ])  # fmt: skip
    assert found == [
        "aws_sns_topic.alerts (prevent_destroy)",
        "module.audit.aws_cloudtrail.this[0] (cloudtrail)",
        'module.churn_dev_kms.aws_kms_key.this["datasets"] (kms)',
    ]
    assert orchestrate._address_type('module.a.module.b.aws_s3_bucket.this["trail"]') == "aws_s3_bucket"
    assert orchestrate._address_type("aws_macie2_account.this[0]") == "aws_macie2_account"
    assert orchestrate._address_type("kms") is None


def test_a_plan_holding_a_sensitive_value_is_recognised() -> None:
    plan = {
        "configuration": {"root_module": {"variables": {
            "token": {"sensitive": True}, "ephemeral_token": {"sensitive": True, "ephemeral": True},
            "name": {}, "empty": {"sensitive": True}, "unset": {"sensitive": True}, "key": {"sensitive": True},
        }}},
        "variables": {"token": {"value": "s3cret"}, "ephemeral_token": {"value": "s3cret"}, "name": {"value": "n"},
                      "empty": {"value": ""}, "key": {"value": {"k": 1}}},
    }  # fmt: skip
    assert orchestrate._sensitive_variables_in_plan(plan) == ["key", "token"]
    assert orchestrate._sensitive_variables_in_plan({}) == []
    del plan["variables"]  # a plan that gave no variable values holds none
    assert orchestrate._sensitive_variables_in_plan(plan) == []


def test_the_fingerprint_records_the_variables_and_the_terraform_it_was_made_with(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("# x\n")
    tf = PythonTerraformRunner(find_binary(plain_env()))
    env = {**plain_env(), "TF_VAR_owner": "me", "TF_VAR_team": "ml"}
    ws = orchestrate.Workspace(tmp_path, tmp_path, env, False, tf)
    first, second = Fingerprint.of(ws), Fingerprint.of(ws)
    assert first.variable_names == ["owner", "team"] and list(first.files) == ["main.tf"]
    assert first.terraform == f"terraform {tf.binary.version_text}" and tf.binary.version_text[0].isdigit()
    assert len(bytes.fromhex(first.variables_salt)) == 16 and first.variables_salt != second.variables_salt
    salt = bytes.fromhex(first.variables_salt)
    assert first.variables_digest == orchestrate._variables_digest(
        {"TF_VAR_owner": "me", "TF_VAR_team": "ml"}, salt
    )
    assert Fingerprint.of(ws, salt) == first
