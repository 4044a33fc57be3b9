"""Move an applied single-root landing to `layout: stages` (`aisec migrate OUT`): every object of the
old state goes into the state of the root that now owns it, nothing is destroyed or created again.

How (the multi-state move of tfmigrate's ``multi_state mv``, with real Terraform throughout):

1. The spec (now ``layout: stages``) is rendered into a scratch folder; each new root is planned
   there with the offline stand-in from an empty state (``-refresh=false``): the resource instances
   each root declares. Nothing here reads AWS, whatever the backend.
2. The old state is pulled (``terraform state pull`` through its backend: the offline rehearsal's
   local state, the local backend's file, or the S3 key).
3. The mapping: an old instance goes to the one root declaring the same address; failing that to
   the instance of the same type whose identifying attributes (name, bucket, ...) are the same, or
   whose key is the old key with the root's stage appended (the stages' own copies of Macie custom
   data identifiers, ``pan`` -> ``pan-dev``). What maps nowhere is listed.
4. The moves run on local copies: ``terraform state mv -state=OLD -state-out=ROOT`` (whole modules
   or resources where they move unchanged, instances otherwise); then each root is planned against
   its moved state (offline, ``-refresh=false``): what it would replace, destroy, change or create.
   A data holder (bucket, key, log group, table, ...) that would be replaced or destroyed, or left
   behind, refuses the migration (exit 2) before anything is written.
5. Unless ``--dry-run``: every state is backed up (aisec's cache folder, ``migrate/``), the new
   roots are written into the landing folder, each new root's state is pushed into its backend
   (``terraform state push``: its lock, lineage and serial checks), then the emptied old state. A
   failure restores every state pushed so far (``state push -force`` of its backup) and the
   landing's files.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.cache import atomic_write, cache_root
from generator.core.moves import (
    Migration,
    Values,
    _changes,
    _declared,
    instances,
    map_instances,
    refusals,
    state_mv_steps,
)
from generator.errors import UserInputError, WorkError
from generator.landing import landing_roots
from generator.offline import workspace
from generator.render import MANIFEST
from generator.render.stages import is_split, render_landing
from generator.run.runner import PythonTerraformRunner, find_binary
from generator.run.verify import plain_env
from generator.spec import Spec, load_spec_file

_OFFLINE_BACKEND = 'terraform {\n  backend "local" {\n    path = "terraform.tfstate"\n  }\n}\n'
_OVERRIDE = "zz_aisec_migrate_override.tf"


# --------------------------------------------------------------------------- terraform
class _Terraform:
    def __init__(self) -> None:
        self.env = plain_env()
        self.tf = PythonTerraformRunner(find_binary(self.env))
        self.offline_env = workspace.prepare(self.tf.binary.platform).env(self.env)

    def run(self, where: Path, *args: str, offline: bool = False) -> str:
        result = self.tf.run(args[0], *args[1:], cwd=where, env=self.offline_env if offline else self.env)
        if not result.ok:
            lines = (result.stderr or result.stdout).strip().splitlines()[-20:]
            raise WorkError(f"{where}: terraform {' '.join(args[:2])} failed", lines)
        return result.stdout


@dataclass(frozen=True)
class Backend:
    """Where one root's state lives, reached from a scratch folder holding only a backend block:
    a local file (the offline rehearsal's or the local backend's) or the S3 key of a backend.tf."""

    label: str
    local: Path | None = None
    backend_tf: str | None = None

    @contextmanager
    def folder(self, tf: _Terraform) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="aisec-migrate-") as tmp:
            where = Path(tmp)
            if self.local is not None:
                text = f'terraform {{\n  backend "local" {{\n    path = {json.dumps(str(self.local))}\n  }}\n}}\n'
            else:
                text = self.backend_tf or ""
            (where / "backend.tf").write_text(text)
            # init installs the providers the state names: the offline mirror serves them (no
            # registry); state pull and push never run a provider.
            tf.run(where, "init", "-input=false", "-no-color", offline=True)
            yield where

    def pull(self, tf: _Terraform) -> Values | None:
        if self.local is not None and not self.local.is_file():
            return None
        with self.folder(tf) as where:
            text = tf.run(where, "state", "pull", offline=True).strip()
        return json.loads(text) if text else None

    def push(self, tf: _Terraform, state_file: Path, force: bool = False) -> None:
        with self.folder(tf) as where:
            tf.run(where, "state", "push", *(["-force"] if force else []), str(state_file), offline=True)


def _backend_kind(spec: Spec, offline: bool) -> str:
    return "offline rehearsal" if offline else spec.state.backend


def _old_backend(landing: Path, spec: Spec, offline: bool) -> Backend:
    if offline:
        state = workspace.rehearsal_state(landing)
        if state is None:
            raise UserInputError(
                f"{landing}: no offline rehearsal state to move (apply it with `aisec apply {landing} "
                "--offline` first, or migrate the real state without --offline)"
            )
        return Backend("(single root)", local=state)
    if spec.state.backend == "s3":
        return Backend("(single root)", backend_tf=(landing / "backend.tf").read_text(encoding="utf-8"))
    return Backend("(single root)", local=(landing / "terraform.tfstate").resolve())


def _new_backend(landing: Path, root: str, spec: Spec, offline: bool) -> Backend:
    folder = landing / root
    if offline:
        work = workspace.working_copy(folder, "offline")
        return Backend(root, local=work / "terraform.tfstate")
    if spec.state.backend == "s3":
        return Backend(root, backend_tf=(folder / "backend.tf").read_text(encoding="utf-8"))
    return Backend(root, local=(folder / "terraform.tfstate").resolve())


def _plan_root(tf: _Terraform, folder: Path, state: Path | None) -> Values:
    """`terraform show -json` of an offline plan of ``folder`` (-refresh=false), from ``state``
    (a local file) or an empty one."""
    (folder / _OVERRIDE).write_text(_OFFLINE_BACKEND)
    target = folder / "terraform.tfstate"
    target.unlink(missing_ok=True)
    if state is not None:
        shutil.copyfile(state, target)
    if not (folder / ".terraform").is_dir():
        tf.run(folder, "init", "-input=false", "-no-color", offline=True)
    tf.run(
        folder,
        "plan",
        "-input=false",
        "-no-color",
        "-refresh=false",
        "-lock=false",
        "-out=tfplan",
        offline=True,
    )
    return dict(json.loads(tf.run(folder, "show", "-json", "tfplan", offline=True)))


def _load(landing: Path, spec_path: Path | None) -> tuple[Path, Spec]:
    manifest_file = landing / MANIFEST
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UserInputError(f"{landing}: not a rendered landing (no readable {MANIFEST})") from None
    if manifest.get("roots"):
        raise UserInputError(
            f"{landing}: already split by stage (layout: stages; its manifest lists roots); nothing to migrate"
        )
    if spec_path is None:
        source = (manifest.get("source") or {}).get("spec")
        if not source:
            raise UserInputError(f"{landing}: its manifest names no spec; give it with --spec")
        spec_path = (landing / source).resolve()
    spec = load_spec_file(spec_path).spec
    if not is_split(spec):
        raise UserInputError(
            f"{spec_path}: layout: {spec.layout}; set layout: stages in the spec to migrate {landing} to it "
            "(single | stages)",
            file=str(spec_path),
        )
    if spec.accounts is not None:
        # the old state's objects live in aws.account_id; a stage in another account cannot take them
        raise UserInputError(
            f"{spec_path}: accounts: migrate moves state within one account; migrate to layout: stages "
            "without accounts first (moving an applied stage into another account is not supported)",
            file=str(spec_path),
        )
    return spec_path, spec


def migrate(
    landing: Path, spec_path: Path | None = None, offline: bool = False, dry_run: bool = False
) -> Migration:
    """Plan (and unless ``dry_run`` carry out) the move of ``landing``'s state into its split roots."""
    from generator import core

    spec_path, spec = _load(landing, spec_path)
    tf = _Terraform()
    old_backend = _old_backend(landing, spec, offline)
    old_state = old_backend.pull(tf)
    if old_state is None or not instances(old_state):
        raise UserInputError(
            f"{landing}: its state holds no resources; nothing to move (render it with --force)"
        )
    old = instances(old_state)
    with tempfile.TemporaryDirectory(prefix="aisec-migrate-") as tmp:
        scratch = Path(tmp)
        files = render_landing(spec)
        for rel, text in files.items():
            (scratch / "landing" / rel).parent.mkdir(parents=True, exist_ok=True)
            (scratch / "landing" / rel).write_text(text)
        roots = [r.name for r in landing_roots(scratch / "landing")]
        mig = Migration(landing, _backend_kind(spec, offline), roots)
        declared = {r: _declared(_plan_root(tf, scratch / "landing" / r, None)) for r in roots}
        mig.moves, mig.unmapped = map_instances(old, declared)
        # The moves, on local copies.
        old_copy = scratch / "old.tfstate"
        old_copy.write_text(json.dumps(old_state))
        steps = state_mv_steps(mig.moves, old)
        for root, src, dst in steps:
            out = scratch / f"{root}.tfstate"
            tf.run(scratch, "state", "mv", "-lock=false", f"-state={old_copy}", f"-state-out={out}", src, dst)
            mig.steps.append(f"terraform state mv -state=OLD -state-out={root}.tfstate {src} {dst}")
        left = instances(json.loads(old_copy.read_text()))
        if set(left) != {u["address"] for u in mig.unmapped}:
            raise WorkError(f"{landing}: the moves left {sorted(set(left))[:5]} in the old state")
        for root in roots:
            moved = scratch / f"{root}.tfstate"
            try:
                plan = _plan_root(tf, scratch / "landing" / root, moved if moved.is_file() else None)
            except WorkError as exc:
                text = " ".join(" ".join(exc.details).split())
                if "prevent_destroy" not in text:
                    raise
                # Terraform refuses to plan destroying what the modules protect: a refusal too.
                found = re.findall(r"Resource (\S+) has lifecycle\.prevent_destroy", text) or ["a resource"]
                mig.refusals += [f"{root}: {a} would be destroyed (prevent_destroy)" for a in found]
                mig.changes[root] = {"create": [], "update": [], "replace": [], "destroy": []}
                continue
            mig.changes[root] = _changes(plan)
            mig.types[root] = {rc["address"]: rc["type"] for rc in plan.get("resource_changes", [])}
        mig.refusals = mig.refusals + refusals(mig)
        if mig.refusals or dry_run:
            return mig
        _carry_out(mig, tf, spec, spec_path, offline, old_backend, old_state, scratch, core)
    return mig


def _carry_out(
    mig: Migration,
    tf: _Terraform,
    spec: Spec,
    spec_path: Path,
    offline: bool,
    old_backend: Backend,
    old_state: Values,
    scratch: Path,
    core: Any,
) -> None:
    landing = mig.landing
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    backups = cache_root("migrate") / f"{spec.name}-{stamp}"
    backups.mkdir(mode=0o700, parents=True, exist_ok=False)
    mig.backups = str(backups)
    atomic_write(backups / "single.tfstate", json.dumps(old_state).encode())
    # The landing's files as they were (without Terraform's data and state), to put back on failure.
    kept: dict[str, bytes] = {}
    for path in landing.rglob("*"):
        rel = path.relative_to(landing)
        if path.is_file() and not _skip(rel):
            kept[rel.as_posix()] = path.read_bytes()
    pushed: list[tuple[Backend, Values | None]] = []
    try:
        _, written = core.render_parsed(spec, landing, source=spec_path, layout_change=True)
        if written.needs_attention:  # generated files edited by hand: put back first
            raise written.attention_error()
        targets = {root: _new_backend(landing, root, spec, offline) for root in mig.roots}
        before = {root: b.pull(tf) for root, b in targets.items()}
        for root, state in before.items():
            if state is not None:
                atomic_write(backups / f"{root}.tfstate", json.dumps(state).encode())
                if instances(state):
                    raise UserInputError(
                        f"{landing / root}: its state already holds {len(instances(state))} resource(s); "
                        "a migration moves into empty roots only"
                    )
        for root, backend in targets.items():
            moved = scratch / f"{root}.tfstate"
            if moved.is_file():
                held = before[root]
                if held is not None:  # an empty state there already: continue its lineage
                    doc = json.loads(moved.read_text())
                    doc.update(lineage=held["lineage"], serial=int(held.get("serial", 0)) + 1)
                    moved.write_text(json.dumps(doc))
                pushed.append((backend, held))
                push(backend, tf, moved)
        pushed.append((old_backend, old_state))
        push(old_backend, tf, scratch / "old.tfstate")
    except BaseException:
        _restore(tf, pushed, scratch, landing, kept)
        raise
    mig.applied = True


def push(backend: Backend, tf: _Terraform, state_file: Path) -> None:
    """`terraform state push` of ``state_file`` into ``backend`` (a function of its own: a test
    makes one fail half-way)."""
    backend.push(tf, state_file)


def _restore(
    tf: _Terraform,
    pushed: list[tuple[Backend, Values | None]],
    scratch: Path,
    landing: Path,
    kept: dict[str, bytes],
) -> None:
    for backend, before in reversed(pushed):
        now = backend.pull(tf)
        if before is None:  # the root had no state: an empty one in its place
            if now is None:
                continue
            before = {**now, "resources": [], "outputs": {}, "serial": int(now.get("serial", 0)) + 1}
        restore = scratch / "restore.tfstate"
        restore.write_text(json.dumps(before))
        backend.push(tf, restore, force=True)
    written = {p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file()}
    for rel in written - set(kept):
        path = landing / rel
        if not _skip(Path(rel)):
            path.unlink()
    for rel, data in kept.items():
        (landing / rel).parent.mkdir(parents=True, exist_ok=True)
        (landing / rel).write_bytes(data)
    for folder in sorted((p for p in landing.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(folder.iterdir()):
            folder.rmdir()


def _skip(rel: Path) -> bool:
    """Terraform's data and state in a landing folder: neither backed up with its files nor removed."""
    return any(part in (".terraform", ".terraform.lock.hcl") or ".tfstate" in part for part in rel.parts)
