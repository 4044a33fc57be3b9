"""The stand-in answers GetProviderSchema with the types a command can meet (schemascope.py): every
place a type name can come from is read, the whole schema is served whenever that picture may be
incomplete, the scoped answer is the full one restricted to those types, and real Terraform plans,
applies, removes and shows through it."""

from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path

import pytest
from tf.gen import tfplugin_pb2 as pb

from generator.offline import schema as schema_mod
from generator.offline import schemascope, server, workspace
from generator.run.runner import PythonTerraformRunner, find_binary
from generator.run.verify import plain_env
from tests.conftest import terraform_binary


def _scope(cwd: Path, *argv: str, **environ: str) -> frozenset[str] | None:
    """The types of a command Terraform started now, after the test made its files."""
    return schemascope.types_in_use(cwd, ["terraform", *argv], environ, time.time_ns())


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\nmodule "m" {\n  source = "../mod"\n}\n')
    return root


def test_every_place_a_type_comes_from_is_read(tmp_path: Path) -> None:
    root = _root(tmp_path)
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text('data "aws_iam_policy_document" "d" {}\n')
    data = root / ".terraform"
    (data / "modules").mkdir(parents=True)
    (data / "modules" / "modules.json").write_text(
        json.dumps({"Modules": [{"Key": "", "Dir": "."}, {"Key": "m", "Dir": "../mod"}]})
    )
    # a resource removed from the configuration, still in the local state
    (root / "terraform.tfstate").write_text(json.dumps({"resources": [{"type": "aws_iam_role"}]}))
    # a saved plan elsewhere, named on the command line: its members are compressed
    with zipfile.ZipFile(tmp_path / "saved.plan", "w", zipfile.ZIP_DEFLATED) as plan:
        plan.writestr("tfplan", b"\x00aws_sns_topic.t\x00" + os.urandom(64))
    # the installed providers are not read (a launcher may name anything)
    (data / "providers").mkdir()
    (data / "providers" / "launcher").write_text("aws_not_from_here")

    found = _scope(root, "-chdir=root", "apply", "../saved.plan")
    assert found is not None
    assert {"aws_s3_bucket", "aws_iam_policy_document", "aws_iam_role", "aws_sns_topic"} <= found
    assert "aws_not_from_here" not in found

    imported = _scope(root, "import", "aws_sqs_queue.q", "https://queue")
    assert imported is not None and "aws_sqs_queue" in imported
    targeted = _scope(root, "plan", TF_CLI_ARGS_plan="-target=aws_lambda_function.f")
    assert targeted is not None and "aws_lambda_function" in targeted

    # a local backend's state kept outside the folder
    (tmp_path / "elsewhere.tfstate").write_text('{"type": "aws_kms_key"}')
    (data / "terraform.tfstate").write_text(
        json.dumps({"backend": {"type": "local", "config": {"path": "../elsewhere.tfstate"}}})
    )
    kept = _scope(root, "plan")
    assert kept is not None and "aws_kms_key" in kept


def test_the_whole_schema_when_the_picture_may_be_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path)
    assert _scope(root, "plan") is not None
    assert _scope(root, "plan", AISEC_OFFLINE_SCHEMA="full") is None
    assert schemascope.types_in_use(root, None, {}, time.time_ns()) is None  # no parent command line
    assert schemascope.types_in_use(root, ["terraform", "plan"], {}, None) is None  # nor its start
    assert _scope(root, "plan", TF_CLI_ARGS_plan='-target="aws_s3_bucket.b') is None  # unbalanced
    for command in (("providers", "schema", "-json"), ("test",), ("init",), ()):
        assert _scope(root, *command) is None, command
    (root / ".terraform").mkdir()
    (root / ".terraform" / "terraform.tfstate").write_text(
        json.dumps({"backend": {"type": "s3", "config": {}}})
    )
    assert _scope(root, "plan") is None  # the state is not here to read
    (root / ".terraform" / "terraform.tfstate").unlink()
    (root / "broken.plan").write_bytes(b"PK\x03\x04 not an archive")
    assert _scope(root, "apply", "broken.plan") is None
    (root / "broken.plan").unlink()
    # a label written with an escape names a type the pattern cannot see
    (root / "escaped.tf").write_text('resource "aws\\u005fsqs_queue" "q" {}\n')
    assert _scope(root, "plan") is None
    (root / "escaped.tf").unlink()
    monkeypatch.setattr(schemascope, "READ_LIMIT", 10)
    assert _scope(root, "plan") is None


def test_the_scoped_answer_is_the_full_one_restricted(tmp_path: Path) -> None:
    lazy = schema_mod.LazySchema()
    cached = server.schema_bytes(tmp_path, lazy)
    full = pb.GetProviderSchema.Response.FromString(server.schema_reply(cached, lazy))
    names = frozenset({"aws_s3_bucket", "aws_iam_policy_document", "aws_region", "aws_not_a_type"})
    scoped = pb.GetProviderSchema.Response.FromString(server.schema_reply(cached, lazy, names))
    assert set(scoped.resource_schemas) == {"aws_s3_bucket"}
    # aws_s3_bucket is a data source too
    assert set(scoped.data_source_schemas) == {"aws_s3_bucket", "aws_iam_policy_document", "aws_region"}
    for name in scoped.resource_schemas:
        assert scoped.resource_schemas[name] == full.resource_schemas[name]
    for name in scoped.data_source_schemas:
        assert scoped.data_source_schemas[name] == full.data_source_schemas[name]
    assert scoped.provider == full.provider and scoped.provider.block.attributes
    assert scoped.server_capabilities == full.server_capabilities
    assert scoped.server_capabilities.get_provider_schema_optional
    assert scoped.functions == full.functions and scoped.functions
    assert len(full.resource_schemas) > 1000  # the whole schema otherwise


@pytest.mark.terraform
def test_terraform_plans_applies_removes_and_shows_through_the_scoped_answer(tmp_path: Path) -> None:
    terraform_binary()
    tf = PythonTerraformRunner(find_binary(plain_env()))
    log = tmp_path / "stand-in.log"
    env = {**workspace.prepare(tf.binary.platform).env(plain_env()), "AISEC_OFFLINE_LOG": str(log)}
    root = _root(tmp_path)
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text(
        'resource "aws_sns_topic" "t" {\n  name = "scoped"\n}\n'
        'output "topic" {\n  value = aws_sns_topic.t.arn\n}\n'
    )
    (root / "versions.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
        'provider "aws" {\n  region = "us-east-1"\n}\n'
    )

    def ok(*args: str) -> str:
        result = tf.run(args[0], *args[1:], "-no-color", cwd=root, env=env)
        assert result.ok, result.stdout[-2000:] + result.stderr[-2000:]
        return result.stdout

    ok("init", "-input=false")
    ok("validate")
    ok("plan", "-input=false", "-out=first.plan")
    ok("apply", "-input=false", "first.plan")
    (root / "first.plan").unlink()
    # the module's topic leaves the configuration: its type is then only in the state
    (tmp_path / "mod" / "main.tf").write_text("")
    plan = ok("plan", "-input=false", "-out=second.plan")
    assert "module.m.aws_sns_topic.t will be destroyed" in plan
    shown = json.loads(tf.run("show", "-json", "second.plan", cwd=root, env=env).stdout)
    assert [c["type"] for c in shown["resource_changes"] if c["change"]["actions"] == ["delete"]] == [
        "aws_sns_topic"
    ]
    answers = [line for line in log.read_text().splitlines() if "schema answered" in line]
    assert answers and all("scoped" in line for line in answers), answers
    assert "s of CPU" in log.read_text()  # each start's CPU, for whoever measures
    # `providers schema -json` prints the provider's whole schema, as the real provider would
    schema = json.loads(tf.run("providers", "schema", "-json", cwd=root, env=env).stdout)
    served = next(iter(schema["provider_schemas"].values()))
    assert len(served["resource_schemas"]) > 1000


def test_what_terraform_may_read_as_well(tmp_path: Path) -> None:
    """Workspaces kept through a symbolic link or named `.git`, quoted `TF_CLI_ARGS`, file names
    that are not UTF-8: each type is found (a reviewer's cases, each once missed)."""
    root = _root(tmp_path)
    elsewhere = tmp_path / "elsewhere" / "dev"
    elsewhere.mkdir(parents=True)
    (elsewhere / "terraform.tfstate").write_text('{"type": "aws_sns_topic"}')
    (root / "terraform.tfstate.d").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)  # followed once, not forever
    found = _scope(root, "plan")
    assert found is not None and "aws_sns_topic" in found

    (root / "terraform.tfstate.d").unlink()
    (root / "terraform.tfstate.d" / ".git").mkdir(parents=True)  # `terraform workspace new .git`
    (root / "terraform.tfstate.d" / ".git" / "terraform.tfstate").write_text('{"type": "aws_sqs_queue"}')
    found = _scope(root, "plan")
    assert found is not None and "aws_sqs_queue" in found

    (tmp_path / "other state.tfstate").write_text('{"type": "aws_kms_key"}')
    quoted = _scope(root, "plan", TF_CLI_ARGS_plan='-state="../other state.tfstate"')
    assert quoted is not None and "aws_kms_key" in quoted

    odd = os.fsdecode(b"../odd\xff.tfstate")
    (root / odd).write_text('{"type": "aws_ecr_repository"}')
    named = _scope(root, "show", "-json", odd)
    assert named is not None and "aws_ecr_repository" in named

    # what Terraform does not read is not read: a model file, a plan file nobody names
    (root / "model.bin").write_bytes(b"aws_not_read " * 1000)
    (root / "old.plan").write_bytes(b"PK\x03\x04 aws_not_read_either")
    found = _scope(root, "plan")
    assert found is not None and not {"aws_not_read", "aws_not_read_either"} & found


def test_a_folder_changed_while_terraform_runs_gets_the_whole_schema(tmp_path: Path) -> None:
    """A configuration saved, or a file removed, after Terraform started may have taken out a type
    Terraform still has: then the whole schema. Terraform's own lock file is not such a change."""
    root = _root(tmp_path)
    started = time.time_ns()
    time.sleep(0.01)
    assert schemascope.types_in_use(root, ["terraform", "plan"], {}, started) is not None
    (root / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n')  # saved again: the module call gone
    assert schemascope.types_in_use(root, ["terraform", "plan"], {}, started) is None

    started = time.time_ns()
    time.sleep(0.01)
    (root / ".terraform.tfstate.lock.info").write_text("{}")  # Terraform locks the state
    assert schemascope.types_in_use(root, ["terraform", "plan"], {}, started) is not None
    (root / "extra.tf").write_text("")
    (root / "extra.tf").unlink()  # a file removed after the lock: the folder changed again
    os.utime(root / ".terraform.tfstate.lock.info", ns=(started, started))
    assert schemascope.types_in_use(root, ["terraform", "plan"], {}, started) is None


def test_the_parents_start_is_read_from_the_kernel() -> None:
    here = schemascope.parent_started_ns()
    assert here is not None and here <= time.time_ns()
    import subprocess
    import sys

    script = "from generator.offline import schemascope as s; import time; print(time.time_ns() - s.parent_started_ns())"
    before = time.time_ns()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})  # fmt: skip
    # the child's parent is this process: it started before the test did
    assert int(out.stdout) >= time.time_ns() - before - 1
