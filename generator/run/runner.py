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
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import python_terraform

from generator.errors import UserInputError, WorkError
from generator.offline import workspace

MIN_VERSION = (1, 5, 0)


@dataclass(frozen=True)
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    interrupted: bool = False  # the user pressed Ctrl-C; Terraform was asked to stop gracefully

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.interrupted


Event = dict[str, Any]  # one line of Terraform's machine-readable UI (`-json`)


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

    def stream(self, command: str, *args: str, cwd: Path, env: dict[str, str],
               on_event: Callable[[Event], None], **options: Any) -> Result: ...  # fmt: skip


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


_REQUIRED_VERSION_RE = re.compile(r'^\s*required_version\s*=\s*"([^"]*)"', re.M)


def check_version(binary: Binary, directory: Path) -> None:
    """The binary against the root module's ``required_version`` and a ``.terraform-version`` file
    (tfenv's, looked up from the folder upwards; only exact versions are compared)."""
    from generator.catalog import satisfies  # the catalog's constraint grammar is Terraform's

    for tf in sorted(directory.glob("*.tf")):
        for m in _REQUIRED_VERSION_RE.finditer(tf.read_text(encoding="utf-8", errors="replace")):
            try:
                ok = satisfies(binary.version, m.group(1))
            except ValueError:
                raise UserInputError(
                    f"{tf}: required_version {m.group(1)!r} is not a version constraint"
                ) from None
            if not ok:
                raise UserInputError(
                    f"{tf}: required_version {m.group(1)!r} is not met by {binary.name} "
                    f"{binary.version_text} ({binary.path}); install a matching version"
                )
    for folder in (directory.resolve(), *directory.resolve().parents):
        pinned = folder / ".terraform-version"
        if pinned.is_file():
            wanted = pinned.read_text(encoding="utf-8", errors="replace").strip()
            if re.fullmatch(r"\d+\.\d+\.\d+", wanted) and wanted != binary.version_text:
                raise UserInputError(
                    f"{pinned}: pins terraform {wanted}, but {binary.path} is {binary.version_text}; "
                    "install that version (tfenv install) or update the file"
                )
            return


class PythonTerraformRunner:
    """The python-terraform adapter."""

    def __init__(self, binary: Binary) -> None:
        self.binary = binary
        self._tf = python_terraform.Terraform(terraform_bin_path=binary.path, is_env_vars_included=False)

    def _command(self, command: str, args: tuple[str, ...], options: dict[str, Any]) -> list[str]:
        # python-terraform writes dict options (variables) to temporary var files: never on disk.
        if any(isinstance(v, dict) for v in options.values()):
            raise ValueError("pass variables through TF_VAR_ environment entries, never as files")
        # Applying a saved plan: Terraform refuses -var and -var-file (the values are in the plan;
        # ephemeral ones come from TF_VAR_ in the environment), which python-terraform would add.
        saved_plan = command == "apply" and any(not a.startswith("-") for a in args)
        if saved_plan and any(k in ("var", "var_file") for k in options):
            raise ValueError("a saved plan carries its variables; do not pass var or var_file")
        return [str(c) for c in self._tf.generate_cmd_string(command, *args, **options)]

    @staticmethod
    def _launch(cmd: list[str], cwd: Path) -> tuple[list[str], Path]:
        """A run in an offline working copy starts in the user's folder with ``-chdir`` to the copy
        (``path.cwd`` is then the user's folder); other runs start in ``cwd``."""
        start, options = workspace.launch(cwd)
        return [cmd[0], *options, *cmd[1:]], start

    def run(self, command: str, *args: str, cwd: Path, env: dict[str, str], timeout: float = 1800,
            **options: Any) -> Result:  # fmt: skip
        cmd, cwd = self._launch(self._command(command, args, options), cwd)
        started = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            shown = [c for c in cmd[1:] if not c.startswith("-chdir=")][:2]
            raise WorkError(f"`{' '.join(shown)}` did not finish within {int(timeout)} s") from None
        return Result(cmd, proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - started)

    def stream(self, command: str, *args: str, cwd: Path, env: dict[str, str],
               on_event: Callable[[Event], None], **options: Any) -> Result:  # fmt: skip
        """Run a ``-json`` command, calling ``on_event`` for each UI event as Terraform emits it.

        Terraform runs in its own session, so a Ctrl-C at the terminal reaches aisec only: aisec
        passes exactly one interrupt on (Terraform then finishes the operations in flight, writes
        its state and exits) and absorbs any further ones, which would make Terraform exit
        immediately and lose track of what it was doing.
        """
        cmd, cwd = self._launch(self._command(command, args, options), cwd)
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True, bufsize=1,
        )  # fmt: skip
        errors: list[str] = []
        drain = threading.Thread(target=lambda: errors.extend(proc.stderr or []), daemon=True)
        drain.start()
        lines: list[str] = []
        interrupted = False
        assert proc.stdout is not None
        stdout = iter(proc.stdout)
        while True:
            try:
                line = next(stdout, None)
                if line is None:
                    break
                lines.append(line)
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    on_event(event)
            except KeyboardInterrupt:
                on_event({"type": "aisec_interrupt", "repeat": interrupted})
                if not interrupted:
                    interrupted = True
                    proc.send_signal(signal.SIGINT)
        while True:
            try:
                proc.wait()
                break
            except KeyboardInterrupt:
                on_event({"type": "aisec_interrupt", "repeat": True})
        drain.join(timeout=10)
        return Result(
            cmd, proc.returncode, "".join(lines), "".join(errors), time.perf_counter() - started, interrupted
        )


@dataclass
class DiagnosticsReport:
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def diagnostic(d: dict[str, Any]) -> Diagnostic:
    """One diagnostic object of Terraform's JSON output (validate -json, or a UI event's)."""
    rng = d.get("range") or {}
    return Diagnostic(
        severity=d.get("severity", "error"),
        summary=d.get("summary", ""),
        detail=" ".join(str(d.get("detail", "")).split()),
        filename=rng.get("filename"),
        line=(rng.get("start") or {}).get("line"),
    )


def parse_validate_json(stdout: str) -> DiagnosticsReport:
    """Diagnostics of `terraform validate -json`."""
    report = DiagnosticsReport()
    try:
        data = json.loads(stdout)
    except ValueError:
        return report
    report.diagnostics = [diagnostic(d) for d in data.get("diagnostics", [])]
    return report


def event_diagnostics(result: Result) -> list[Diagnostic]:
    """Diagnostics of a streamed ``-json`` run; Terraform's plain stderr when it printed none."""
    found = []
    for line in result.stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("type") == "diagnostic":
            found.append(diagnostic(event.get("diagnostic") or {}))
    if not any(d.severity == "error" for d in found) and not result.ok:
        found += parse_text_diagnostics(result.stderr) or [
            Diagnostic("error", line.strip()) for line in result.stderr.splitlines()[:5] if line.strip()
        ]
    return found


_TEXT_DIAG_HEAD_RE = re.compile(r"^(Error|Warning): (.+)$", re.M)
_TEXT_DIAG_WHERE_RE = re.compile(r"^\s*on (\S+) line (\d+)[^\n]*\n(?:\s*\d+:[^\n]*\n|\s*\n?)*")
_BOX_RE = re.compile(r"^[│╷╵] ?", re.M)


def parse_text_diagnostics(text: str) -> list[Diagnostic]:
    """Error and warning blocks of Terraform's human-readable output (with -no-color): the summary,
    the file and line when there is one, and the detail (Terraform's explanation, kept whole)."""
    text = _BOX_RE.sub("", text)
    heads = list(_TEXT_DIAG_HEAD_RE.finditer(text))
    found = []
    for i, head in enumerate(heads):
        body = text[head.end() : heads[i + 1].start() if i + 1 < len(heads) else len(text)]
        summary = head.group(2).strip()
        if body.startswith("\n") and not body.startswith("\n\n"):  # a summary Terraform wrapped
            rest, _, body = body[1:].partition("\n\n")
            summary = " ".join(f"{summary} {rest}".split())
        body = body.lstrip("\n")
        filename, line = None, None
        where = _TEXT_DIAG_WHERE_RE.match(body)
        if where:
            filename, line = where.group(1), int(where.group(2))
            body = body[where.end() :]
        detail = " ".join(body.split())
        found.append(Diagnostic(head.group(1).lower(), summary, detail, filename, line))
    return found
