"""`aisec plan`, `apply`, `drift` and `destroy`: Terraform run the way a careful operator would.

- A plan is saved with a fingerprint of the files and the TF_VAR_ variables it was made from;
  `apply` applies that saved plan only, and refuses it when anything changed since.
- Deletions of protected resources (keys, trails, log groups, buckets, the Macie account) need
  the user to name them; the modules also carry ``prevent_destroy``, lifted for one plan by
  override files when the user names the kind.
- Variables reach Terraform through the environment only; a sensitive variable that is not
  ephemeral would be written into the saved plan, so such a plan is refused and deleted.
- Ctrl-C: Terraform gets one interrupt, finishes what is in flight and writes its state.
- The plan gate (policygate.py, gate.py) reviews every policy the plan creates or changes and
  checkov with the team's rules; high findings block `apply` unless accepted by id at plan time
  (`--accept`), recorded with the plan and a hash of the plan file.

Against AWS, Terraform works in the user's folder (its backend, its ``.terraform``); in an
offline rehearsal it works on a copy in aisec's cache with the stand-in provider and local state,
and the user's folder is never written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.cache import atomic_write
from generator.errors import UserInputError, WorkError
from generator.offline import workspace
from generator.run import gate, planreview, stageguard
from generator.run.planreview import Review
from generator.run.runner import (
    Diagnostic,
    Event,
    PythonTerraformRunner,
    Result,
    check_version,
    event_diagnostics,
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


# --- plans ------------------------------------------------------------------------------------


@dataclass
class PlanOutcome:
    workspace: Workspace
    review: Review
    destroy: bool
    allowed: list[str]
    plan_json: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> list[planreview.Finding]:
        return self.review.unaccepted(self.destroy)

    def as_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.workspace.source),
            "rehearsal": self.workspace.rehearsal,
            "destroy": self.destroy,
            "allowed_protected": self.allowed,
            "plan_file": str(self.workspace.plan_dir / PLAN_FILE) if self.review.has_changes else None,
            "plan_json": self.plan_json,
            "blocking": [f.id for f in self.blocking],
            "notes": self.notes,
            **self.review.as_dict(),
        }


class PlanBlocked(WorkError):
    """The plan deletes protected resources the user did not name."""


def _check_allowed(allowed: Iterable[str]) -> list[str]:
    names = sorted(set(allowed))
    for name in names:
        if name not in planreview.PROTECTED and not re.fullmatch(r"[A-Za-z0-9_.\[\]\"-]+", name):
            raise UserInputError(
                f"--allow-destroy-protected {name!r}: give a kind ({', '.join(planreview.PROTECTED)}) "
                "or a resource address"
            )
    return names


def _remove_overrides(root: Path) -> None:
    folders = {root.resolve()} | {folder.resolve() for _prefix, folder in gate._module_dirs(root)}
    for folder in folders:
        for path in folder.rglob(ALLOW_OVERRIDE) if folder.is_dir() else ():
            if ".terraform" not in path.parts:
                path.unlink()


@contextmanager
def _lifted_guards(ws: Workspace, allowed: list[str]) -> Iterator[None]:
    """``prevent_destroy = false`` for the resources of the named kinds, through Terraform override
    files next to them (the root module and local module folders), for the time of one plan. The
    saved plan carries its own copy of the configuration, so applying it needs no override."""
    types = {planreview.PROTECTED[k][0] for k in allowed if k in planreview.PROTECTED}
    types |= {t for a in allowed if a not in planreview.PROTECTED and (t := _address_type(a))}
    written = []
    # the root module's folder and every local module Terraform installed, also those above it
    # (a split landing's stage roots use ../modules/NAME)
    files = set(ws.work.rglob("*.tf"))
    for _prefix, folder in gate._module_dirs(ws.work):
        if folder.resolve().is_dir() and ".terraform" not in folder.resolve().parts:
            files.update(folder.resolve().glob("*.tf"))
    try:
        for tf in sorted({f.resolve() for f in files}):
            if ".terraform" in tf.parts or tf.name == ALLOW_OVERRIDE:
                continue
            blocks = [
                f'resource "{t}" "{n}" {{\n  lifecycle {{\n    prevent_destroy = false\n  }}\n}}\n'
                for t, n in _RESOURCE_RE.findall(tf.read_text(encoding="utf-8", errors="replace"))
                if t in types
            ]
            if blocks:
                override = tf.parent / ALLOW_OVERRIDE
                previous = override.read_text() if override.exists() else "# Written by aisec for one plan.\n"
                override.write_text(previous + "".join(blocks))
                written.append(override)
        yield
    finally:
        for path in written:
            path.unlink(missing_ok=True)


def _sensitive_variables_in_plan(plan: dict[str, Any]) -> list[str]:
    """Sensitive input variables whose values the saved plan holds (ephemeral ones it does not)."""
    declared = plan.get("configuration", {}).get("root_module", {}).get("variables", {})
    values = plan.get("variables", {})
    return sorted(
        name
        for name, decl in declared.items()
        if decl.get("sensitive")
        and not decl.get("ephemeral")
        and values.get(name, {}).get("value") not in (None, "")
    )


_FINDING_ID_RE = re.compile(r"[A-Za-z0-9_-]+@[A-Za-z0-9_.\[\]\"/:-]+")
_GUARDED_RE = re.compile(r"Resource (\S+) has lifecycle\.prevent_destroy set")
_ADDRESS_TYPE_RE = re.compile(r"(?:^|\.)([a-z][a-z0-9_]*)\.[A-Za-z_][A-Za-z0-9_-]*(?:\[[^\]]*\])?$")


def _address_type(address: str) -> str | None:
    m = _ADDRESS_TYPE_RE.search(address)
    return m.group(1) if m else None


def _protected_failure(diagnostics: list[Diagnostic]) -> list[str]:
    """Terraform's prevent_destroy refusals, as `address (kind)`."""
    found = []
    for d in diagnostics:
        m = _GUARDED_RE.search(d.detail) if d.summary == "Instance cannot be destroyed" else None
        if m:
            kind = planreview.PROTECTED_TYPES.get(_address_type(m.group(1)) or "", "prevent_destroy")
            found.append(f"{m.group(1)} ({kind})")
    return sorted(found)


def _blocked_in_full(ws: Workspace, args: list[str], allowed: list[str]) -> list[str]:
    """Every protected deletion of the plan, found with all guards lifted; nothing is kept."""
    with _lifted_guards(ws, list(planreview.PROTECTED)):
        result = ws.tf.stream("plan", *args, cwd=ws.work, env=ws.env, on_event=_quiet)
    if not result.ok:
        return []
    blocked = planreview.review(_show(ws, ws.plan_dir / PLAN_FILE)).blocked(allowed)
    return [f"{d['address']} ({d['kind']})" for d in blocked]


def _discard(ws: Workspace) -> None:
    shutil.rmtree(ws.plan_dir, ignore_errors=True)


def _show(ws: Workspace, plan_file: Path) -> dict[str, Any]:
    show = ws.tf.run("show", "-json", str(plan_file), cwd=ws.work, env=ws.env)
    if not show.ok:
        raise WorkError(f"{ws.source}: terraform show failed", [show.stderr.strip()[:500]])
    data: dict[str, Any] = json.loads(show.stdout)
    return data


def plan(
    directory: str | Path,
    offline: bool = False,
    destroy: bool = False,
    allow: Iterable[str] = (),
    on_event: OnEvent = _quiet,
    accept: Iterable[str] = (),
    rules: Iterable[str | Path] = (),
) -> PlanOutcome:
    """init, plan -out, show -json, the gate; the plan saved with its fingerprint unless refused."""
    allowed = _check_allowed(allow)
    for finding in accept:
        if not _FINDING_ID_RE.fullmatch(finding):
            raise UserInputError(
                f"--accept {finding!r}: give a finding id as `aisec plan` prints it, RULE@ADDRESS"
            )
    if destroy:  # a split landing's foundation is not destroyed under applied stages
        stageguard.refuse_foundation_destroy(root_module(directory), offline)
    ws = open_workspace(directory, offline)
    rule_dirs = gate.rules_dirs(ws.source, rules)
    gate.require_scanners()
    _discard(ws)
    init(ws)
    ws.plan_dir.mkdir(mode=0o700)
    plan_file = ws.plan_dir / PLAN_FILE
    fingerprint = Fingerprint.of(ws)  # before planning: a file changed meanwhile makes it stale
    args = ["-input=false", "-json", f"-out={plan_file}"] + (["-destroy"] if destroy else [])
    try:
        with _lifted_guards(ws, allowed):
            result = ws.tf.stream("plan", *args, cwd=ws.work, env=ws.env, on_event=on_event)
        if result.interrupted:
            raise Interrupted("terraform plan was interrupted; nothing was saved or changed")
        if not result.ok:
            diagnostics = event_diagnostics(result)
            guarded = _protected_failure(diagnostics)
            if guarded:
                # Terraform stops at the first refusals; list them all from a throwaway plan.
                listed = _blocked_in_full(ws, args, allowed) or guarded
                raise PlanBlocked(
                    f"{ws.source}: the plan deletes {len(listed)} protected resource(s) (prevent_destroy)",
                    [*listed, _allow_hint()],
                )
            raise ws.diagnostics_error("terraform plan failed", diagnostics)
        data = _show(ws, plan_file)
        leaked = _sensitive_variables_in_plan(data)
        if leaked:
            raise UserInputError(
                f"{ws.source}: sensitive variable(s) {', '.join(leaked)} would be written into the saved plan",
                ["declare them `ephemeral = true` (Terraform 1.10+) so their values stay out of plan files"],
            )
        review, notes = _gate_review(ws, data, destroy, rule_dirs)
        review.findings += stageguard.stage_findings(ws.source, data, ws.work)
        review.accepted = _check_accepted(ws, review, accept)
        blocked = review.blocked(allowed)
        if blocked:
            raise PlanBlocked(
                f"{ws.source}: the plan deletes {len(blocked)} protected resource(s)",
                [f"{d['address']} ({d['kind']})" for d in blocked] + [_allow_hint()],
            )
        if not review.has_changes:
            _discard(ws)
        else:
            record = {
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "rehearsal": ws.rehearsal,
                "destroy": destroy,
                "allowed_protected": allowed,
                "fingerprint": fingerprint.__dict__,
                "plan_sha256": hashlib.sha256(plan_file.read_bytes()).hexdigest(),
                "review": review.as_dict(),
            }
            atomic_write(ws.plan_dir / RECORD_FILE, json.dumps(record, indent=2).encode())
            os.chmod(plan_file, 0o600)
    except BaseException:
        _discard(ws)
        raise
    plan_json = None
    if ws.rehearsal:  # placeholders only; against AWS the plan's values stay in memory
        path = ws.work / "plan.json"
        path.write_text(json.dumps(data))
        plan_json = str(path)
    return PlanOutcome(ws, review, destroy, allowed, plan_json, ws.notes + notes)


def _gate_review(
    ws: Workspace, data: dict[str, Any], destroy: bool, rule_dirs: list[Path]
) -> tuple[Review, list[str]]:
    """The review with the gate: documents unknown in the plan read from an offline rehearsal, and
    checkov with the team's rules on that rehearsal's plan, limited to what this plan changes."""
    locations = gate.declarations(ws.work)
    changing = {
        rc["address"]
        for rc in data.get("resource_changes", [])
        if {"create", "update"} & set(rc.get("change", {}).get("actions", []))
    }
    if destroy or not changing:
        return planreview.review(data, locations), []
    notes: list[str] = []
    try:
        rehearsal = gate.rehearse(ws.source, ws.tf, ws.env)
    except gate.Unavailable as exc:
        if rule_dirs:
            raise WorkError(
                f"{ws.source}: the team's rules need the offline rehearsal; {exc.message}", exc.details
            ) from None
        notes.append(f"policy documents known only after apply were not reviewed: {exc.message}")
        return planreview.review(data, locations), notes
    review = planreview.review(data, locations, rehearsal.values)
    for failed in gate.scan(rehearsal.plan_file, rule_dirs):
        if failed.address not in changing:
            continue
        # checkov's own checks advise (aisec's rules above decide what blocks); a team's rule blocks
        # unless its metadata gives a lower severity
        severity = _SEVERITY.get((failed.severity or "HIGH").upper(), "high") if failed.team else "medium"
        review.findings.append(
            planreview.Finding(
                failed.address, severity, f"{failed.name} (checkov)", failed.check_id,
                locations.get(planreview.declared(failed.address)), "team" if failed.team else "checkov",
            )
        )  # fmt: skip
    return review, notes


def _check_accepted(ws: Workspace, review: Review, accept: Iterable[str]) -> list[str]:
    """--accept ids must name findings of this plan: a typo must not look like an acknowledgement."""
    ids = sorted(set(accept))
    known = {f.id for f in review.findings}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UserInputError(
            f"--accept: {', '.join(unknown)} is not a finding of this plan",
            [f"findings of this plan: {', '.join(sorted(known)) or 'none'}"],
        )
    return ids


_SEVERITY = {"CRITICAL": "high", "HIGH": "high", "MEDIUM": "medium", "LOW": "low", "INFO": "low"}


class GateBlocked(WorkError):
    """High findings of the gate that nobody accepted when the plan was made."""


def _gate_hint(source: Path, ids: list[str], rehearsal: bool) -> str:
    accept = " ".join(f"--accept '{i}'" for i in ids)
    return f"after review, accept them by name when planning: aisec plan {source}{' --offline' if rehearsal else ''} {accept}"


def _allow_hint() -> str:
    kinds = ", ".join(planreview.PROTECTED)
    return (
        f"to do this on purpose, run it again with --allow-destroy-protected KIND (one of {kinds}) or ADDRESS"
    )


class Interrupted(WorkError):
    exit_code = 130


class StalePlan(WorkError):
    pass


class NoSavedPlan(WorkError):
    """No plan saved for the root module (never planned, or its plan had no changes)."""


@dataclass
class SavedPlan:
    workspace: Workspace
    record: dict[str, Any]

    @property
    def review(self) -> dict[str, Any]:
        review: dict[str, Any] = self.record["review"]
        return review


def saved_plan(directory: str | Path, offline: bool = False) -> SavedPlan:
    """The saved plan of a root module, checked against the files and variables as they are now."""
    ws = open_workspace(directory, offline)
    record_path = ws.plan_dir / RECORD_FILE
    if not record_path.is_file() or not (ws.plan_dir / PLAN_FILE).is_file():
        raise NoSavedPlan(
            f"{ws.source}: no saved plan{' for an offline rehearsal' if offline else ''}; "
            f"run `aisec plan {directory}{' --offline' if offline else ''}` first"
        )
    record = json.loads(record_path.read_text())
    before = Fingerprint(**record["fingerprint"])
    now = Fingerprint.of(ws, bytes.fromhex(before.variables_salt))
    changed = before.differences(now)
    if changed:
        raise StalePlan(
            f"{ws.source}: the saved plan is stale; run `aisec plan` again and review it", changed
        )
    if hashlib.sha256((ws.plan_dir / PLAN_FILE).read_bytes()).hexdigest() != record.get("plan_sha256"):
        raise StalePlan(f"{ws.source}: the saved plan file is not the one reviewed; run `aisec plan` again")
    blocking = Review.from_dict(record["review"]).unaccepted(bool(record.get("destroy")))
    if blocking:
        ids = [f.id for f in blocking]
        raise GateBlocked(
            f"{ws.source}: the plan has {len(ids)} high finding(s) nobody accepted; apply refused",
            [*(f"{f.id}: {f.reason}" + (f" ({f.location})" if f.location else "") for f in blocking),
             _gate_hint(ws.source, ids, ws.rehearsal)],
        )  # fmt: skip
    return SavedPlan(ws, record)


@dataclass
class ApplyOutcome:
    directory: str
    rehearsal: bool
    applied: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    outputs: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def apply(saved: SavedPlan, on_event: OnEvent = _quiet) -> ApplyOutcome:
    """Apply the saved plan. It is used up either way: a second apply needs a new plan."""
    ws = saved.workspace
    outcome = ApplyOutcome(str(ws.source), ws.rehearsal)

    def counted(event: Event) -> None:
        _count(outcome, event)
        on_event(event)

    try:
        if not (ws.work / ".terraform").is_dir():
            init(ws)  # a fresh checkout (CI): the lock file the plan was made with decides the providers
        result: Result = ws.tf.stream(
            "apply", "-input=false", "-json", str(ws.plan_dir / PLAN_FILE), cwd=ws.work, env=ws.env,
            on_event=counted,
        )  # fmt: skip
    finally:
        _discard(ws)
    outcome.seconds = result.seconds
    if result.interrupted:
        state = "the state in your backend" if not ws.rehearsal else f"the rehearsal state in {ws.work}"
        raise Interrupted(
            f"{ws.source}: apply interrupted after {outcome.applied} change(s); Terraform finished "
            f"the operations in flight and recorded them in {state}",
            [
                f"run `aisec plan {saved.workspace.source}{' --offline' if ws.rehearsal else ''}` "
                "to see what is left, then `aisec apply` to finish",
            ],
        )
    if not result.ok:
        diagnostics = event_diagnostics(result)
        if any("Saved plan is stale" in d.summary for d in diagnostics):
            raise StalePlan(f"{ws.source}: the state changed since the plan; run `aisec plan` again")
        raise ws.diagnostics_error(
            f"terraform apply failed after {outcome.applied} change(s); state records what was done",
            diagnostics,
        )
    return outcome


def _count(outcome: ApplyOutcome, event: Event) -> None:
    kind = event.get("type")
    if kind == "apply_complete" and event.get("hook", {}).get("action") != "read":
        outcome.applied += 1
    elif kind == "apply_errored":
        outcome.failed.append(str(event.get("hook", {}).get("resource", {}).get("addr", "?")))
    elif kind == "outputs":
        outcome.outputs = {
            k: ("(sensitive)" if v.get("sensitive") else v.get("value"))
            for k, v in (event.get("outputs") or {}).items()
        }


@dataclass
class DriftOutcome:
    directory: str
    rehearsal: bool
    drifted: bool
    review: Review

    def as_dict(self) -> dict[str, Any]:
        return {"directory": self.directory, "rehearsal": self.rehearsal, "drifted": self.drifted,
                **self.review.as_dict()}  # fmt: skip


def drift(directory: str | Path, offline: bool = False, on_event: OnEvent = _quiet) -> DriftOutcome:
    """Plan without saving: does the infrastructure match the code? Nothing is changed."""
    ws = open_workspace(directory, offline)
    gate.require_scanners()
    init(ws)
    ws.plan_dir.mkdir(mode=0o700, exist_ok=True)
    probe = ws.plan_dir / "drift.tfplan"
    try:
        result = ws.tf.stream(
            "plan", "-input=false", "-json", "-detailed-exitcode", f"-out={probe}",
            cwd=ws.work, env=ws.env, on_event=on_event,
        )  # fmt: skip
        if result.interrupted:
            raise Interrupted("terraform plan was interrupted; nothing was changed")
        if result.returncode not in (0, 2):
            raise ws.diagnostics_error("terraform plan failed", event_diagnostics(result))
        review = planreview.review(_show(ws, probe))
    finally:
        probe.unlink(missing_ok=True)
        if ws.plan_dir.is_dir() and not any(ws.plan_dir.iterdir()):
            ws.plan_dir.rmdir()
    return DriftOutcome(str(ws.source), ws.rehearsal, result.returncode == 2 or bool(review.drift), review)
