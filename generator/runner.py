"""Terraform orchestration behind a small interface.

:class:`Terraform` is what the rest of aisec calls; :class:`PythonTerraformRunner` is its
adapter over python-terraform. The library builds the command lines (its flag conventions);
the adapter runs the process itself because python-terraform can neither pass a per-call
environment nor keep variables off disk (it writes map variables to temporary var files).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import python_terraform

from generator.errors import UserInputError, WorkError

MIN_VERSION = (1, 5, 0)


@dataclass(frozen=True)
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    summary: str
    detail: str = ""
    filename: str | None = None
    line: int | None = None

    def render(self, base: str | None = None) -> str:
        where = ""
        if self.filename:
            path = f"{base.rstrip('/')}/{self.filename}" if base else self.filename
            where = f"{path}:{self.line}: " if self.line else f"{path}: "
        detail = f" ({self.detail})" if self.detail else ""
        return f"{where}{self.severity}: {self.summary}{detail}"


@dataclass(frozen=True)
class Binary:
    path: str
    name: str  # terraform or tofu
    version: tuple[int, int, int]
    platform: str

    @property
    def version_text(self) -> str:
        return ".".join(str(p) for p in self.version)


class Terraform(Protocol):
    binary: Binary

    def run(self, command: str, *args: str, cwd: Path, env: dict[str, str], timeout: float = 1800,
            **options: Any) -> Result: ...  # fmt: skip


def _parse_version(text: str) -> tuple[int, int, int]:
    m = re.match(r"v?(\d+)\.(\d+)\.(\d+)", text)
    if not m:
        raise WorkError(f"cannot read a version from {text!r}")
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def find_binary(env: dict[str, str]) -> Binary:
    """terraform, or OpenTofu's tofu, from PATH, with its version checked."""
    for name in ("terraform", "tofu"):
        path = shutil.which(name, path=env.get("PATH"))
        if path is None:
            continue
        proc = subprocess.run([path, "version", "-json"], capture_output=True, text=True, env=env, timeout=60)
        try:
            info = json.loads(proc.stdout)
        except ValueError:
            raise WorkError(f"{path} version -json did not answer: {proc.stderr.strip()[:200]}") from None
        version = _parse_version(str(info.get("terraform_version", "")))
        if version < MIN_VERSION:
            raise UserInputError(f"{path} is {name} {'.'.join(map(str, version))}; aisec needs 1.5 or newer")
        return Binary(path, name, version, str(info.get("platform", "linux_amd64")))
    raise UserInputError("neither terraform nor tofu is on PATH; install Terraform 1.5 or newer")


class PythonTerraformRunner:
    """The python-terraform adapter."""

    def __init__(self, binary: Binary) -> None:
        self.binary = binary
        self._tf = python_terraform.Terraform(terraform_bin_path=binary.path, is_env_vars_included=False)

    def run(self, command: str, *args: str, cwd: Path, env: dict[str, str], timeout: float = 1800,
            **options: Any) -> Result:  # fmt: skip
        if any(isinstance(v, dict) for v in options.values()):
            raise ValueError("pass variables through TF_VAR_ environment entries, never as files")
        cmd = [str(c) for c in self._tf.generate_cmd_string(command, *args, **options)]
        started = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise WorkError(f"`{' '.join(cmd[1:3])}` did not finish within {int(timeout)} s") from None
        return Result(cmd, proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - started)


@dataclass
class DiagnosticsReport:
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def parse_validate_json(stdout: str) -> DiagnosticsReport:
    """Diagnostics of `terraform validate -json`."""
    report = DiagnosticsReport()
    try:
        data = json.loads(stdout)
    except ValueError:
        return report
    for d in data.get("diagnostics", []):
        rng = d.get("range") or {}
        report.diagnostics.append(
            Diagnostic(
                severity=d.get("severity", "error"),
                summary=d.get("summary", ""),
                detail=" ".join(str(d.get("detail", "")).split()),
                filename=rng.get("filename"),
                line=(rng.get("start") or {}).get("line"),
            )
        )
    return report


_TEXT_DIAG_RE = re.compile(r"^(Error|Warning): (.+?)\n\n\s*on (\S+) line (\d+)", re.M)


def parse_text_diagnostics(text: str) -> list[Diagnostic]:
    """Error and warning blocks of Terraform's human-readable output (with -no-color)."""
    found = [
        Diagnostic(m.group(1).lower(), m.group(2).strip(), filename=m.group(3), line=int(m.group(4)))
        for m in _TEXT_DIAG_RE.finditer(text)
    ]
    if not found:
        found = [
            Diagnostic("error", line[len("Error: ") :].strip())
            for line in text.splitlines()
            if line.startswith("Error: ")
        ]
    return found
