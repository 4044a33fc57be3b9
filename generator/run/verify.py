"""`aisec validate`: the real terraform binary on a root module, with the real AWS provider when
it can be installed and the offline stand-in otherwise. (Plans and applies: orchestrate.py.)

Terraform always works on a copy in aisec's cache folder, so the user's directory (and its
`.terraform.lock.hcl`) is never modified.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.cache import atomic_write, cache_root
from generator.errors import UserInputError
from generator.offline import workspace
from generator.offline.schema import SERVED_VERSIONS
from generator.run.runner import (
    MIN_VERSION,
    Binary,
    Diagnostic,
    PythonTerraformRunner,
    Result,
    find_binary,
    parse_text_diagnostics,
    parse_validate_json,
)

# Terraform's words when it cannot reach a registry or mirror for a provider.
_INSTALL_FAILURES = (
    "Failed to query available provider packages",
    "Failed to install provider",
    "could not connect to registry",
    "Failed to resolve provider packages",
)


@dataclass
class ValidateReport:
    directory: str
    offline: bool
    provider: str
    note: str = ""
    unformatted: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def valid(self) -> bool:
        return not self.unformatted and not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "directory": self.directory,
            "valid": self.valid,
            "offline": self.offline,
            "provider": self.provider,
            "note": self.note,
            "unformatted": self.unformatted,
            "diagnostics": [d.__dict__ for d in self.diagnostics],
        }


def root_module(directory: str | Path) -> Path:
    path = Path(directory)
    if not path.exists():
        raise UserInputError(f"{directory}: no such directory")
    if not path.is_dir():
        raise UserInputError(f"{directory}: not a directory")
    if not any(path.glob("*.tf")) and not any(path.glob("*.tf.json")):
        raise UserInputError(f"{directory}: no Terraform files (*.tf) in it")
    return path


def plain_env() -> dict[str, str]:
    """The user's environment, with a CLI configuration that exists (these machines point at none)."""
    env = dict(os.environ)
    cfg = env.get("TF_CLI_CONFIG_FILE")
    if cfg and not Path(cfg).is_file():
        empty = cache_root("offline") / "empty.terraformrc"
        if not empty.is_file():
            empty.write_text("")
        env["TF_CLI_CONFIG_FILE"] = str(empty)
    env.update(TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    return env


def _tool() -> tuple[Binary, PythonTerraformRunner]:
    binary = _known_binary(plain_env())
    return binary, PythonTerraformRunner(binary)


def _known_binary(env: dict[str, str]) -> Binary:
    """:func:`find_binary`'s answer, remembered in the cache for the file it names (its path, size
    and modification time): the same binary is not asked for its version again (`terraform
    version -json` is a process of its own). Another binary on PATH, or the same one replaced,
    is asked."""
    path = next(
        (p for p in (shutil.which(n, path=env.get("PATH")) for n in ("terraform", "tofu")) if p), None
    )
    record = cache_root("offline") / "binary.json"
    key = ""
    if path is not None:
        try:
            st = os.stat(path)
            key = f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}"
            known = json.loads(record.read_text(encoding="utf-8"))
            if known.get("key") == key:
                version = tuple(int(v) for v in known["version"])
                if len(version) == 3 and version >= MIN_VERSION:
                    return Binary(
                        path, str(known["name"]), (version[0], version[1], version[2]), str(known["platform"])
                    )
        except (OSError, ValueError, KeyError, TypeError):
            pass
    binary = find_binary(env)
    if key and binary.path == path:
        entry = {
            "key": key,
            "name": binary.name,
            "version": list(binary.version),
            "platform": binary.platform,
        }
        atomic_write(record, json.dumps(entry).encode())
    return binary


_LOCKED_AWS_RE = re.compile(
    r'^provider "registry\.terraform\.io/hashicorp/aws" \{\s*version\s*=\s*"([^"]+)"', re.M
)


def _offline_provider_label(work: Path | None = None) -> str:
    """Which served version Terraform chose (the working copy's lock file says), else all of them."""
    try:
        lock = (work / ".terraform.lock.hcl").read_text(encoding="utf-8") if work else ""
    except OSError:
        lock = ""
    m = _LOCKED_AWS_RE.search(lock)
    if m:
        return f"offline stand-in serving the hashicorp/aws {m.group(1)} schema"
    return f"offline stand-in serving the hashicorp/aws schema ({', '.join(SERVED_VERSIONS)})"


# Where Terraform names a provider it could not find among the mirror's: "...versions for provider
# hashicorp/random: ..." or "provider registry.terraform.io/hashicorp/random was not found".
_UNSERVED_RE = re.compile(
    r"versions\s+for\s+provider\s+([\w.-]+(?:/[\w.-]+){1,2}):|provider\s+([\w.-]+/[\w.-]+/[\w.-]+)\s+was\s+not\s+found"
)
_REQUIRED_RE = re.compile(r"provider\[([^\]]+)\]\s*(.*?)\s*$", re.M)


def _asked_versions(tf: PythonTerraformRunner, work: Path, env: dict[str, str]) -> dict[str, list[str]]:
    """Each provider address and the version constraints the configuration puts on it, from
    `terraform providers` (which reads the configuration, modules included, without init)."""
    result = tf.run("providers", "-no-color", cwd=work, env=env)
    asked: dict[str, list[str]] = {}
    for m in _REQUIRED_RE.finditer(result.stdout):
        found = asked.setdefault(m.group(1), [])
        if m.group(2) and m.group(2) not in found:
            found.append(m.group(2))
    return asked


def unserved_diagnostics(
    tf: PythonTerraformRunner, work: Path, env: dict[str, str], text: str
) -> list[Diagnostic]:
    """For an offline init that failed on a provider the mirror does not offer: which provider, the
    versions the configuration asks for and what the mirror serves. Empty for other failures."""
    names = list(dict.fromkeys(a or b for a, b in _UNSERVED_RE.findall(text)))
    if not names:
        return []
    asked = _asked_versions(tf, work, env)
    served: dict[str, list[str]] = {}
    for p in workspace.served_providers():
        served.setdefault(p.label, []).append(p.version)
    offered = "; ".join(f"{label} {', '.join(versions)}" for label, versions in served.items())
    found = []
    for name in names:
        address = name if name.count("/") == 2 else f"registry.terraform.io/{name}"
        label = address.removeprefix("registry.terraform.io/")
        wanted = " and ".join(asked.get(address, [])) or "any version"
        if label in served:
            summary = f"the offline stand-in serves no {label} version matching {wanted}"
        else:
            summary = f"the offline stand-in does not serve {label} (asked for: {wanted})"
        found.append(Diagnostic("error", summary, f"it serves {offered}"))
    return found


def _init_offline(tf: PythonTerraformRunner, source: Path) -> tuple[Path, dict[str, str], Result]:
    env = workspace.prepare(tf.binary.platform).env(plain_env())
    work = workspace.working_copy(source, "offline")
    return work, env, _init(tf, work, env)


def _init(tf: PythonTerraformRunner, work: Path, env: dict[str, str]) -> Result:
    """`terraform init -upgrade` in the working copy, unless the last successful one there saw
    exactly the files, binary, CLI configuration and mirror this one would see and its results
    (lock file, installed modules and providers) are untouched: then it would do the same again."""
    binary = Path(tf.binary.path)
    try:
        stamp = binary.stat()
    except OSError:
        return tf.run("init", "-input=false", "-no-color", "-upgrade", cwd=work, env=env)
    key = f"{binary} {tf.binary.version_text} {stamp.st_size} {stamp.st_mtime_ns}"
    if workspace.init_is_current(work, workspace.init_key(work, key, env)):
        return Result(["init", "-upgrade"], 0, "(the last init in this working copy still holds)", "", 0.0)
    workspace.forget_init(work)
    result = tf.run("init", "-input=false", "-no-color", "-upgrade", cwd=work, env=env)
    if result.ok:
        workspace.record_init(work, workspace.init_key(work, key, env))
    return result


def validate(directory: str | Path, offline: bool = False) -> ValidateReport:
    source = root_module(directory)
    _, tf = _tool()
    # `fmt -check` reads the user's folder only: it runs while the copy is made, initialised and
    # validated (its result is reported first, as before).
    with ThreadPoolExecutor(max_workers=1) as pool:
        fmt_run = pool.submit(tf.run, "fmt", "-check", "-recursive", "-no-color", cwd=source, env=plain_env())
        report = ValidateReport(str(directory), offline, "")
        _validate(tf, source, report)
        fmt = fmt_run.result()
    report.unformatted = [line.strip() for line in fmt.stdout.splitlines() if line.strip()]
    return report


def _validate(tf: PythonTerraformRunner, source: Path, report: ValidateReport) -> None:
    if not report.offline:
        work = workspace.working_copy(source, "provider")
        init = tf.run(
            "init", "-input=false", "-no-color", "-backend=false", cwd=work, env=plain_env(), timeout=300
        )
        text = init.stdout + init.stderr
        if init.ok:
            report.provider = "hashicorp/aws from its registry or your mirror"
            _validate_in(tf, work, plain_env(), report)
            return
        if not any(marker in text for marker in _INSTALL_FAILURES):
            report.provider = "hashicorp/aws (not reached: terraform init failed)"
            report.diagnostics = parse_text_diagnostics(text)
            return
        first = next(
            (ln for ln in text.splitlines() if ln.startswith("Error:")), "provider installation failed"
        )
        report.note = f"the AWS provider could not be installed ({first.removeprefix('Error: ').strip()}); used the offline stand-in"
        report.offline = True

    work, env, init = _init_offline(tf, source)
    report.provider = _offline_provider_label(work if init.ok else None)
    if not init.ok:
        text = init.stdout + init.stderr
        report.diagnostics = parse_text_diagnostics(text) + unserved_diagnostics(tf, work, env, text)
        return
    _validate_in(tf, work, env, report)


def _validate_in(tf: PythonTerraformRunner, work: Path, env: dict[str, str], report: ValidateReport) -> None:
    result = tf.run("validate", "-json", "-no-color", cwd=work, env=env)
    parsed = parse_validate_json(result.stdout)
    report.diagnostics = parsed.diagnostics
    if not result.ok and not parsed.errors:
        report.diagnostics.append(
            Diagnostic("error", "terraform validate failed", result.stderr.strip()[:500])
        )
