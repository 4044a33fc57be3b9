"""Helpers for tests that run the real terraform binary against the offline stand-in."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from generator.cache import cache_root
from generator.offline import workspace
from generator.run.runner import PythonTerraformRunner, Result, find_binary
from generator.run.verify import plain_env


@dataclass
class Rehearsal:
    """A root module's working copy with the stand-in: run terraform there."""

    work: Path
    env: dict[str, str]
    tf: PythonTerraformRunner

    @classmethod
    def of(cls, source: Path) -> Rehearsal:
        """A fresh working copy of ``source`` (rehearsal state kept), initialised. Under a file lock:
        tests on two pytest-xdist workers may make a copy of the same folder (a `rendered` one)."""
        tf = PythonTerraformRunner(find_binary(plain_env()))
        env = workspace.prepare(tf.binary.platform).env(plain_env())
        with FileLock(_lock_for(source)):
            rehearsal = cls(workspace.working_copy(source, "offline"), env, tf)
            rehearsal.ok("init", "-input=false")
        return rehearsal

    @classmethod
    def at(cls, work: Path) -> Rehearsal:
        """The working copy ``work`` that Rehearsal.of made and initialised (in this or another worker)."""
        tf = PythonTerraformRunner(find_binary(plain_env()))
        return cls(work, workspace.prepare(tf.binary.platform).env(plain_env()), tf)

    def run(self, *args: str) -> Result:
        return self.tf.run(args[0], *args[1:], "-no-color", cwd=self.work, env=self.env)

    def ok(self, *args: str) -> Result:
        result = self.run(*args)
        assert result.ok, (
            f"terraform {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
        return result

    def show_json(self, *args: str) -> dict[str, Any]:
        result = self.tf.run("show", "-json", *args, cwd=self.work, env=self.env)
        assert result.ok, result.stderr
        return json.loads(result.stdout)  # type: ignore[no-any-return]


def _lock_for(source: Path) -> Path:
    """The lock of the working copies of ``source`` (beside the copies in aisec's cache)."""
    return cache_root("offline", "test-locks") / (
        hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:16] + ".lock"
    )


def all_resources(module: dict[str, Any]) -> list[dict[str, Any]]:
    """Every resource of a plan's or state's module tree, children included."""
    found = list(module.get("resources", []))
    for child in module.get("child_modules", []):
        found += all_resources(child)
    return found


def ci_role(state: dict[str, Any], key: str) -> dict[str, Any]:
    """A CI role of an applied CI-roles root (``state``: its resources by address, with their
    values): its ARN, trust policy, attached policy documents and permission boundary."""
    docs = {v["arn"]: v["policy"] for k, v in state.items() if k.startswith("aws_iam_policy.")}
    role = state[f'aws_iam_role.ci["{key}"]']
    attached = [
        docs[v["policy_arn"]]
        for k, v in state.items()
        if k.startswith("aws_iam_role_policy_attachment.ci[") and v["role"] == role["name"]
    ]
    return {
        "arn": role["arn"],
        "trust": json.loads(role["assume_role_policy"]),
        "policies": attached,
        "boundary": docs[role["permissions_boundary"]],
    }
