"""Offline runs see the user's files where they are: files read above the root module and
`path.cwd` are the user's, and the user's folder stays byte for byte as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.offline import workspace
from tests.conftest import json_result, run_aisec

pytestmark = pytest.mark.terraform

_MAIN = """\
variable "team" {
  type    = string
  default = "ml"
}

resource "aws_iam_policy" "read" {
  name   = "read"
  policy = file("../policies/read.json")
}

resource "aws_sns_topic" "t" {
  name = "alerts"
  tags = {
    greeting = templatefile("${path.module}/../templates/${var.team}.tpl", { team = var.team })
    files    = join(",", sort(fileset("${path.root}/../policies", "*.json")))
  }
}

output "cwd" {
  value = path.cwd
}

output "root" {
  value = abspath(path.root) == path.cwd
}

output "policy" {
  value = jsondecode(aws_iam_policy.read.policy).Statement[0].Effect
}

output "greeting" {
  value = aws_sns_topic.t.tags["greeting"]
}
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "read.json").write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
            }
        )
    )
    (tmp_path / "policies" / "other.json").write_text("{}")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "ml.tpl").write_text("hello ${team}")
    (tmp_path / "unrelated").mkdir()
    (tmp_path / "unrelated" / "big.bin").write_bytes(b"x" * 1000)
    root = tmp_path / "live"
    root.mkdir()
    (root / "main.tf").write_text(_MAIN)
    return root


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in folder.rglob("*")}


def test_files_above_the_root_and_path_cwd(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = _snapshot(tmp_path)
    proc = run_aisec("validate", str(root), "--offline", "--json")
    assert json_result(proc)["diagnostics"] == [] and proc.returncode == 0, proc.stdout
    plan = json_result(run_aisec("plan", str(root), "--offline", "--json"))
    assert plan["add"] == 2, plan
    proc = run_aisec("apply", str(root), "--offline", "--auto-approve", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _snapshot(tmp_path) == before  # nothing written, nothing changed, no .terraform
    state = json.loads((workspace.working_copy(root, "offline") / "terraform.tfstate").read_text())
    outputs = {k: v["value"] for k, v in state["outputs"].items()}
    assert outputs == {"cwd": str(root.resolve()), "root": False, "policy": "Allow", "greeting": "hello ml"}
    sns = next(r for r in state["resources"] if r["type"] == "aws_sns_topic")
    assert sns["instances"][0]["attributes"]["tags"]["files"] == "other.json,read.json"


def test_working_copy_takes_only_what_is_read(tmp_path: Path) -> None:
    root = _project(tmp_path)
    # An example below the root that calls the root as a module names the root with ../..: that
    # is no file read above the root, and takes nothing more into the copy.
    example = root / "examples" / "basic"
    example.mkdir(parents=True)
    (example / "main.tf").write_text(
        'module "live" {\n  source = "../../"\n}\n\nlocals {\n  x = "../unrelated"\n}\n'
    )
    work = workspace.working_copy(root, "provider")
    top = work.parent
    assert work.name == "live" and top.parent == workspace.work_root()  # the copy's top is the project
    assert (top / "policies" / "read.json").is_file() and (top / "templates" / "ml.tpl").is_file()
    assert not (top / "unrelated").exists()
    start, options = workspace.launch(work)
    assert start == root.resolve() and options == [f"-chdir={work.resolve()}"]
    assert workspace.launch(root) == (root.resolve(), [])
