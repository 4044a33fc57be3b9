"""The plan gate's caches (generator/run/gatecache.py, rehearsalcache.py), with real checkov and the
real terraform binary: a scan or a rehearsal of the same input is not run again; any change to what
it reads runs it again; a damaged entry is a miss; AISEC_GATE_CACHE=0 turns both off."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.cache import cache_root
from generator.run import gate, gatecache, rehearsalcache
from generator.run.runner import PythonTerraformRunner, find_binary
from generator.run.verify import plain_env

pytestmark = [pytest.mark.terraform, pytest.mark.checkov]

TINY = """terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

resource "aws_s3_bucket" "data" {
  bucket = "gatecache-test-data"
}

resource "aws_security_group" "open" {
  name = "open"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
RULE = """metadata:
  id: ACME_GC_1
  name: Every security group has a team tag
  category: GENERAL_SECURITY
  severity: HIGH
definition:
  cond_type: attribute
  resource_types: [aws_security_group]
  attribute: tags.team
  operator: {operator}
"""


def _landing(folder: Path, text: str = TINY) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.tf").write_text(text)
    return folder


def _runner() -> tuple[PythonTerraformRunner, dict[str, str]]:
    env = plain_env()
    return PythonTerraformRunner(find_binary(env)), env


@pytest.fixture()
def gate_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The caches' entries in a folder of this test's own, the caches on."""
    folder = tmp_path / "gate-cache"

    def root(*parts: str) -> Path:
        if parts == ("gate",):
            folder.mkdir(mode=0o700, exist_ok=True)
            return folder
        return cache_root(*parts)

    monkeypatch.setattr(gatecache, "cache_root", root)
    monkeypatch.setattr(rehearsalcache, "cache_root", root)
    monkeypatch.delenv(gatecache.SWITCH, raising=False)
    return folder


@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The rehearsal's plan of TINY, made by terraform (caches off)."""
    tf, env = _runner()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(gatecache.SWITCH, "0")
        rehearsal = gate.rehearse(_landing(tmp_path_factory.mktemp("tiny")), tf, env)
    return rehearsal.plan_file.read_bytes()


def _checkov_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real = subprocess.run

    def run(args: Any, *a: Any, **k: Any) -> Any:
        if "checkov.main" in list(args):
            calls.append(list(args))
        return real(args, *a, **k)

    monkeypatch.setattr(subprocess, "run", run)
    return calls


def _plan_file(folder: Path, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gate-plan.json").write_bytes(data)
    return folder / "gate-plan.json"


def _ids(failed: list[gate.Failed]) -> set[str]:
    return {f"{f.check_id}@{f.address}" for f in failed}


def test_a_plan_is_scanned_once_until_what_the_scan_reads_changes(
    gate_cache: Path, tiny_plan: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _checkov_calls(monkeypatch)
    plan = _plan_file(tmp_path / "a", tiny_plan)
    first = gate.scan(plan, [])
    assert len(calls) == 1 and "CKV_AWS_21@aws_s3_bucket.data" in _ids(first), _ids(first)
    # the same bytes elsewhere: no checkov, the same verdicts
    assert gate.scan(_plan_file(tmp_path / "b", tiny_plan), []) == first and len(calls) == 1
    entries = list(gate_cache.glob("checkov-*.json"))
    assert len(entries) == 1 and entries[0].stat().st_mode & 0o777 == 0o600

    # the plan: one value changed
    renamed = tiny_plan.replace(b'"gatecache-test-data"', b'"gatecache-test-other"')
    assert renamed != tiny_plan
    assert gate.scan(_plan_file(tmp_path / "c", renamed), []) == first and len(calls) == 2

    # the team's rules: added, then one changed
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "team.yaml").write_text(RULE.format(operator="exists"))
    team = gate.scan(plan, [rules])
    assert len(calls) == 3 and "ACME_GC_1@aws_security_group.open" in _ids(team)
    assert all(f.team == (f.check_id == "ACME_GC_1") for f in team)
    assert gate.scan(plan, [rules]) == team and len(calls) == 3
    (rules / "team.yaml").write_text(RULE.format(operator="not_exists"))
    assert "ACME_GC_1@aws_security_group.open" not in _ids(gate.scan(plan, [rules]))
    assert len(calls) == 4

    # the skip list
    config = tmp_path / "skips.yaml"
    config.write_text(gate.checkov_config().read_text())
    config.write_text(config.read_text().replace("skip-check:", "skip-check:\n  - CKV_AWS_21", 1))
    skipped = gate.scan(plan, [], config=config)
    assert len(calls) == 5 and _ids(skipped) == _ids(first) - {"CKV_AWS_21@aws_s3_bucket.data"}

    # checkov's version
    real = gatecache._distributions
    monkeypatch.setattr(
        gatecache,
        "_distributions",
        lambda: [d if not d.startswith("checkov==") else "checkov==0.0.1" for d in real()],
    )
    assert gate.scan(plan, []) == first and len(calls) == 6


def test_a_damaged_entry_is_a_miss_and_the_switch_turns_the_cache_off(
    gate_cache: Path, tiny_plan: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _checkov_calls(monkeypatch)
    plan = _plan_file(tmp_path / "a", tiny_plan)
    first = gate.scan(plan, [])
    (entry,) = gate_cache.glob("checkov-*.json")
    good = entry.read_bytes()
    wrong = {**json.loads(good), "failed": "CKV_AWS_21"}
    partial = {**json.loads(good), "failed": [{"check_id": "CKV_AWS_21"}]}
    for damaged in (b"", good[: len(good) // 2], json.dumps(wrong).encode(), json.dumps(partial).encode()):
        entry.write_bytes(damaged)
        before = len(calls)
        assert gate.scan(plan, []) == first and len(calls) == before + 1, damaged
        assert entry.read_bytes() == good  # written again
    # an entry of another key under this one's name
    other = json.loads(good)
    other["key"] = "0" * 64
    entry.write_text(json.dumps(other))
    assert gate.scan(plan, []) == first and len(calls) == 6

    monkeypatch.setenv(gatecache.SWITCH, "0")
    entry.unlink()
    assert gate.scan(plan, []) == first and gate.scan(plan, []) == first and len(calls) == 8
    assert not list(gate_cache.iterdir())


@pytest.fixture()
def terraform_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[PythonTerraformRunner, dict[str, str], list[str]]]:
    tf, env = _runner()
    runs: list[str] = []
    real = tf.run

    def run(command: str, *args: str, **kwargs: Any) -> Any:
        runs.append(command)
        return real(command, *args, **kwargs)

    monkeypatch.setattr(tf, "run", run)
    yield tf, env, runs


def test_a_configuration_rehearsed_again_is_read_back_the_same(
    gate_cache: Path,
    terraform_runs: tuple[PythonTerraformRunner, dict[str, str], list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tf, env, runs = terraform_runs
    a = _landing(tmp_path / "a")
    first = gate.rehearse(a, tf, env)
    assert runs == ["init", "plan", "show", "apply", "show"]
    made = first.plan_file.read_bytes()
    again = gate.rehearse(a, tf, env)
    assert len(runs) == 5 and again.plan_file.read_bytes() == made and again.values == first.values

    # the same configuration in another folder: read back, and what a fresh rehearsal there makes
    b = tmp_path / "b"
    shutil.copytree(a, b)
    hit = gate.rehearse(b, tf, env)
    assert len(runs) == 5 and hit.plan_file.read_bytes() == made and hit.values == first.values
    monkeypatch.setenv(gatecache.SWITCH, "0")
    fresh = gate.rehearse(b, tf, env)
    assert len(runs) == 10 and fresh.plan_file.read_bytes() == made and fresh.values == first.values
    monkeypatch.delenv(gatecache.SWITCH)

    # a change to the configuration: rehearsed again
    (b / "main.tf").write_text(TINY.replace('name = "open"', 'name = "open2"'))
    changed = gate.rehearse(b, tf, env)
    assert len(runs) == 15 and changed.values["aws_security_group.open"]["name"] == "open2"
    # a damaged entry: rehearsed again
    (b / "main.tf").write_text(TINY)
    for entry in gate_cache.glob("rehearsal-*.json"):
        entry.write_text(entry.read_text()[:-200])
    assert gate.rehearse(b, tf, env).plan_file.read_bytes() == made and len(runs) == 20
    assert gate.rehearse(b, tf, env).plan_file.read_bytes() == made and len(runs) == 20


def test_what_is_not_cached_or_keyed_by_its_folder(tmp_path: Path, gate_cache: Path) -> None:
    """The key alone (no terraform): configurations that are not a function of their files, and the
    folder in the key only when the configuration can see it."""
    env = {"HOME": "/home/x", "TF_CLI_CONFIG_FILE": "/c/terraformrc"}

    def key(folder: Path, text: str, environ: dict[str, str] = env) -> str | None:
        return rehearsalcache.key(folder, _landing(folder, text), "terraform 1.11.4", environ)

    plain = key(tmp_path / "p1", TINY)
    assert plain is not None and plain == key(tmp_path / "p2", TINY)
    assert plain != key(tmp_path / "p3", TINY, {**env, "AISEC_OFFLINE_ACCOUNT_ID": "111122223333"})
    assert key(tmp_path / "v", TINY, {**env, "TF_VAR_token": "x"}) is None
    for volatile in (
        "tags = { at = timestamp() }",
        "tags = { id = uuid() }",
        'resource "time_static" "now" {}',
        'resource "tls_private_key" "k" {\n  algorithm = "RSA"\n}',
        'tags = { k = file("/etc/hostname") }',
        'data "http" "x" {\n  url = "https://example.com"\n}',
    ):
        assert key(tmp_path / "t", TINY + volatile + "\n") is None, volatile
    placed = TINY + 'resource "random_id" "x" {\n  byte_length = 4\n}\n'
    assert key(tmp_path / "r1", placed) != key(tmp_path / "r2", placed)
    cwd = TINY + 'output "where" {\n  value = path.cwd\n}\n'
    assert key(tmp_path / "c1", cwd) != key(tmp_path / "c2", cwd)

    # what store keeps: a plan marking nothing sensitive, from local modules only
    plan = json.dumps(
        {"planned_values": {"root_module": {"resources": [{"sensitive_values": {"tags": {}}}]}}}
    )
    rehearsalcache.store("a" * 64, plan.encode(), tmp_path / "p1")
    assert rehearsalcache.load("a" * 64) == plan.encode()
    secret = plan.replace('{"tags": {}}', '{"password": true}')
    rehearsalcache.store("b" * 64, secret.encode(), tmp_path / "p1")
    assert rehearsalcache.load("b" * 64) is None and not list(gate_cache.glob(f"*{'b' * 64}*"))
    modules = tmp_path / "p1" / ".terraform" / "modules"
    modules.mkdir(parents=True)
    (modules / "modules.json").write_text(
        json.dumps(
            {
                "Modules": [
                    {"Key": "", "Dir": "."},
                    {"Key": "x", "Source": "git::https://example.com/x.git", "Dir": ".terraform/modules/x"},
                ]
            }
        )
    )
    rehearsalcache.store("c" * 64, plan.encode(), tmp_path / "p1")
    assert rehearsalcache.load("c" * 64) is None
