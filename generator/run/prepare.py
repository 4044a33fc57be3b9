"""A root module's working copy for Terraform: open it (real provider or the offline stand-in), init
it (with hints when that fails), and fingerprint the files and TF_VAR_ variables a plan is made from."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import WorkError
from generator.offline import workspace
from generator.run import gate
from generator.run.runner import (
    Diagnostic,
    Event,
    PythonTerraformRunner,
    check_version,
    find_binary,
    parse_text_diagnostics,
)
from generator.run.verify import plain_env, root_module, unserved_diagnostics

PLAN_DIR = workspace.PLAN_DIR  # ".aisec-plan": the saved plan and its record, 0700
PLAN_FILE = "tfplan"
RECORD_FILE = "plan-record.json"
ALLOW_OVERRIDE = "zz_aisec_allow_destroy_override.tf"
# What the fingerprint leaves out: Terraform's data, state, saved plans, aisec's own records, docs.
_SKIP_DIRS = {".terraform", ".git", PLAN_DIR, ".aisec"}
_SKIP_FILE_RE = re.compile(r"(^terraform\.tfstate(\.backup)?$|\.md$|^zz_aisec_)")
_MANIFEST = ".aisec/manifest.json"  # generator.render.MANIFEST (not imported: plan needs no renderer)
_RESOURCE_RE = re.compile(r'^resource\s+"([a-z0-9_]+)"\s+"([A-Za-z0-9_-]+)"', re.M)

OnEvent = Callable[[Event], None]


def _quiet(event: Event) -> None:
    return None


@dataclass
class Workspace:
    """Where Terraform runs for one root module, and how."""

    source: Path  # the user's folder
    work: Path  # where terraform runs: the folder itself, or the rehearsal copy
    env: dict[str, str]
    rehearsal: bool
    tf: PythonTerraformRunner
    notes: list[str] = field(default_factory=list)  # said once, with the outcome

    @property
    def plan_dir(self) -> Path:
        return self.work / PLAN_DIR

    @property
    def label(self) -> str:
        return f"offline rehearsal of {self.source}" if self.rehearsal else str(self.source)

    def diagnostics_error(self, what: str, diagnostics: list[Diagnostic]) -> WorkError:
        return WorkError(f"{self.source}: {what}", [d.render(str(self.source)) for d in diagnostics])


def open_workspace(directory: str | Path, offline: bool) -> Workspace:
    source = root_module(directory)
    env = plain_env()
    tf = PythonTerraformRunner(find_binary(env))
    check_version(tf.binary, source)
    if offline:
        env = workspace.prepare(tf.binary.platform).env(env)
        notes = []
        stale = workspace.replaced(source)
        if stale:  # the folder was deleted and made again: its old rehearsal must not carry over
            workspace.reset(source)
            held = sum(c["state_resources"] or 0 for c in stale if c["kind"] == "offline")
            notes.append(
                f"{source} was deleted and made again since its last rehearsal; that rehearsal "
                f"({held} resource(s) in its state) was reset, this one starts from nothing"
            )
        return Workspace(source, workspace.working_copy(source, "offline"), env, True, tf, notes)
    _remove_overrides(source)  # left by a run that was killed; they must never outlive it
    return Workspace(source, source, env, False, tf)


def init(ws: Workspace) -> None:
    args = ["-input=false", "-no-color", *(["-upgrade"] if ws.rehearsal else [])]
    result = ws.tf.run("init", *args, cwd=ws.work, env=ws.env)
    if not result.ok:
        diagnostics = [
            d for d in parse_text_diagnostics(result.stdout + result.stderr) if d.severity == "error"
        ]
        if not diagnostics:  # no diagnostic block: Terraform's last words as they are
            lines = (result.stderr or result.stdout).strip().splitlines()[-5:]
            diagnostics = [Diagnostic("error", line.strip()) for line in lines if line.strip()]
        if ws.rehearsal:  # a provider or version the offline stand-in does not serve: say which
            diagnostics += unserved_diagnostics(ws.tf, ws.work, ws.env, result.stdout + result.stderr)
        error = ws.diagnostics_error("terraform init failed", diagnostics)
        error.details += init_hints(ws, diagnostics)
        raise error


_UNREACHABLE_RE = re.compile(
    r"could not connect to|failed to request discovery|dial tcp|no such host|i/o timeout|connection refused"
    r"|TLS handshake timeout|Failed to query available provider packages|network is unreachable",
    re.I,
)
_CREDENTIALS_RE = re.compile(
    r"No valid credential sources|failed to refresh cached credentials|InvalidClientTokenId|ExpiredToken"
    r"|SignatureDoesNotMatch|AccessDenied|security token included in the request is (invalid|expired)",
    re.I,
)
_BACKEND_S3_RE = re.compile(r'backend\s+"s3"\s*\{(?P<body>[^}]*)\}', re.S)


def init_hints(ws: Workspace, diagnostics: list[Diagnostic]) -> list[str]:
    """What to do about the usual reasons init fails: no network to the registry, no credentials
    for the S3 backend. Terraform's own words stay above these lines."""
    text = " ".join(f"{d.summary} {d.detail}" for d in diagnostics)
    again = f"aisec plan {ws.source} --offline"
    hints = []
    backend = next(
        (
            m.group("body")
            for tf in sorted(ws.work.glob("*.tf"))
            for m in _BACKEND_S3_RE.finditer(tf.read_text())
        ),
        None,
    )
    if backend is not None and _CREDENTIALS_RE.search(text):
        bucket = re.search(r'bucket\s*=\s*"([^"]+)"', backend)
        region = re.search(r'region\s*=\s*"([^"]+)"', backend)
        where = f"s3://{bucket.group(1)}" if bucket else "the state bucket"
        where += f" in {region.group(1)}" if region else ""
        hints.append(
            f"hint: the S3 backend reads the state from {where} with AWS credentials, and found none that work. "
            "Sign in first (aws sso login --profile NAME, then export AWS_PROFILE=NAME) or export "
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN of a role that may read and "
            "write that bucket, use its KMS key and its lock; check with `aws sts get-caller-identity`. "
            f"To rehearse without AWS (local state, the offline stand-in): {again}"
        )
    elif _UNREACHABLE_RE.search(text) and not ws.rehearsal:  # offline: unserved_diagnostics says it
        hints.append(
            "hint: Terraform could not reach the provider registry (registry.terraform.io) to install "
            "the AWS provider: no network, or a proxy or firewall in the way (HTTPS_PROXY). To rehearse "
            f"without network or AWS: {again}; or give Terraform a provider mirror (a CLI configuration "
            "with a filesystem_mirror, in TF_CLI_CONFIG_FILE)."
        )
    return hints


# --- fingerprints ----------------------------------------------------------------------------


def _fingerprint_files(source: Path) -> dict[str, str]:
    found = _hashes(source, source)
    # A root of a landing split by stage takes its modules from the landing's ../modules: a saved
    # plan is stale when they change too.
    landing_modules = source.parent / "modules"
    if (source.parent / _MANIFEST).is_file() and landing_modules.is_dir():
        found.update(_hashes(landing_modules, source))
    return dict(sorted(found.items()))


def _hashes(top: Path, source: Path) -> dict[str, str]:
    found = {}
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in files:
            if _SKIP_FILE_RE.search(name):
                continue
            path = Path(folder, name)
            rel = Path(os.path.relpath(path, source)).as_posix()
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _variables(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in sorted(env.items()) if k.startswith("TF_VAR_")}


def _variables_digest(variables: dict[str, str], salt: bytes) -> str:
    """A slow salted hash: equal values are recognised, values are not recoverable by guessing fast."""
    text = "\0".join(f"{k}={v}" for k, v in variables.items()).encode()
    return hashlib.scrypt(text, salt=salt, n=2**14, r=8, p=1, dklen=32).hex()


@dataclass(frozen=True)
class Fingerprint:
    files: dict[str, str]
    variable_names: list[str]
    variables_salt: str
    variables_digest: str
    terraform: str

    @classmethod
    def of(cls, ws: Workspace, salt: bytes | None = None) -> Fingerprint:
        salt = salt or secrets.token_bytes(16)
        variables = _variables(ws.env)
        return cls(
            files=_fingerprint_files(ws.source),
            variable_names=[k.removeprefix("TF_VAR_") for k in variables],
            variables_salt=salt.hex(),
            variables_digest=_variables_digest(variables, salt),
            terraform=f"{ws.tf.binary.name} {ws.tf.binary.version_text}",
        )

    def differences(self, now: Fingerprint) -> list[str]:
        found = []
        for name in sorted(set(self.files) | set(now.files)):
            if name not in now.files:
                found.append(f"{name}: removed since the plan")
            elif name not in self.files:
                found.append(f"{name}: added since the plan")
            elif self.files[name] != now.files[name]:
                found.append(f"{name}: changed since the plan")
        if self.variable_names != now.variable_names:
            found.append(
                f"TF_VAR_ variables were {', '.join(self.variable_names) or 'none'}, "
                f"now {', '.join(now.variable_names) or 'none'}"
            )
        elif self.variables_digest != now.variables_digest:
            found.append("a TF_VAR_ variable has another value than when the plan was made")
        if self.terraform != now.terraform:
            found.append(f"the plan was made with {self.terraform}, this is {now.terraform}")
        return found


def _remove_overrides(root: Path) -> None:
    folders = {root.resolve()} | {folder.resolve() for _prefix, folder in gate._module_dirs(root)}
    for folder in folders:
        for path in folder.rglob(ALLOW_OVERRIDE) if folder.is_dir() else ():
            if ".terraform" not in path.parts:
                path.unlink()
