"""The plan gate's cache of offline rehearsals: the rehearsal's plan (values read back after its
apply, written canonically by gate.py) stored under a key of everything the rehearsal reads, so a
configuration planned again unchanged is not planned and applied offline again.

The rehearsal is a function of what it reads: the files of its working copy (the root module, local
modules, tfvars, files read above the root: everything `workspace.working_copy` copies, by their
paths in the copy), the terraform binary's version, the offline mirror (its folder's name is a
digest of the served providers' versions and schemas), aisec's own code (the stand-in and the gate) and the environment
variables Terraform and the stand-in read (`TF_*`, `AISEC_*`, `HOME`). The key covers all of these.
The folder it runs for is part of the key only when the configuration can see it (`path.cwd`,
provider functions, the random, local and archive providers, which the stand-in seeds or resolves
with it): the AWS stand-in's ids are seeded by each resource's type and configuration, so two
copies of the same landing in different folders rehearse to the same bytes (tested).

Some configurations are not such a function, and are never cached: those that call `timestamp()`,
`plantimestamp()`, `uuid()`, `bcrypt()` or `abspath()`, read absolute or home paths, use the
`time` or `tls` providers (the clock; fresh RSA keys) or the `http`/`external` data sources;
those given `TF_VAR_` variables (their values must not reach a key on disk); those with a module
that is not a local folder (a registry or git module can change under the same source); and those
whose plan marks any value sensitive (it would be written into the cache). A damaged or foreign
entry is a miss. `AISEC_GATE_CACHE=0` turns it off with the checkov cache.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from generator.cache import atomic_write, cache_root
from generator.offline.workspace.places import KEEP as COPY_KEEPS
from generator.run.gatecache import enabled, prune

FORMAT = "rehearsal-cache-1"
_PACKAGE = Path(__file__).resolve().parent.parent  # aisec's code: the stand-in, the gate, the rest
# Terraform's working data and the rehearsal's own outputs in a working copy (what the copy keeps
# between runs, and the gate's plan file): not inputs
_NOT_INPUTS = {*COPY_KEEPS, "gate-plan.json"}
_VOLATILE_RE = re.compile(
    r"\b(?:timestamp|plantimestamp|uuid|bcrypt|abspath)\s*\("
    r"|\b(?:file\w*|templatefile)\s*\(\s*\"(?:/|~)"
    r"|\b(?:time_(?:offset|rotating|sleep|static)"
    r"|tls_(?:private_key|self_signed_cert|cert_request|locally_signed_cert|certificate|public_key))\b"
    r"|\bdata\s+\"(?:http|external)\""
    r"|\bpathexpand\s*\("
)
# What lets a configuration see the folder it runs for: `path.cwd`, provider functions, and the
# utility providers the stand-in seeds or resolves with it (random, local, archive). Only then is
# that folder part of the key; otherwise two copies of a configuration share their rehearsal.
_PLACE_RE = re.compile(
    r"\bpath\.cwd\b|provider::|\b(?:resource|data|ephemeral)\s+\"(?:random|local|archive)_"
    r"|hashicorp/(?:random|local|archive)\b|\"(?:random|local|archive)_[a-z_]+\"\s*:\s*\{"
)
_ENV_PREFIXES = ("TF_", "AISEC_")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _inputs(top: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_INPUTS)
        for name in sorted(files):
            if name not in _NOT_INPUTS:
                yield Path(folder, name)


@functools.cache  # once per process: `aisec plan --all` gates many roots with the same code
def _code_digest() -> str:
    h = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def key(source: Path, copy_root: Path, terraform: str, env: Mapping[str, str]) -> str | None:
    """The key of a rehearsal of ``source`` from its working copy (``copy_root``: the whole copy),
    or None when this configuration is not cached (see the module's docstring)."""
    if not enabled() or any(k.startswith("TF_VAR_") for k in env):
        return None
    files, placed = {}, False
    for path in _inputs(copy_root):
        data = path.read_bytes()
        if path.suffix in (".tf", ".json", ".hcl", ".tfvars"):
            text = data.decode("utf-8", errors="replace")
            if _VOLATILE_RE.search(text):
                return None
            placed = placed or bool(_PLACE_RE.search(text))
        files[path.relative_to(copy_root).as_posix()] = _sha(data)
    parts = {
        "format": FORMAT,
        "place": [str(source.resolve()), str(copy_root)] if placed else None,
        "files": files,
        "terraform": terraform,
        "python": [sys.executable, sys.version],
        "code": _code_digest(),
        "environment": {k: v for k, v in sorted(env.items()) if k.startswith(_ENV_PREFIXES) or k == "HOME"},
    }
    return _sha(json.dumps(parts, sort_keys=True).encode())


KEEP = 64  # rehearsals kept (a few MB each for a landing); the least recently used go first


def _entry(digest: str) -> Path:
    return cache_root("gate") / f"rehearsal-{digest}.json"


def load(digest: str) -> bytes | None:
    """The rehearsal's canonical plan stored under ``digest``; None when missing or damaged."""
    try:
        data = json.loads(_entry(digest).read_bytes())
    except (OSError, ValueError):
        return None
    if not (isinstance(data, dict) and data.get("format") == FORMAT and data.get("key") == digest):
        return None
    plan, sha = data.get("plan"), data.get("sha256")
    if not (isinstance(plan, str) and isinstance(sha, str)) or _sha(plan.encode()) != sha:
        return None
    try:
        parsed = json.loads(plan)
    except ValueError:
        return None
    if not (isinstance(parsed, dict) and "planned_values" in parsed):
        return None
    with contextlib.suppress(OSError):
        os.utime(_entry(digest))  # recently used: kept by prune
    return plan.encode()


def _marks_sensitive(value: Any, marks: bool = False) -> bool:
    """True anywhere under a `sensitive_values`/`*_sensitive` field, or a `"sensitive": true`."""
    if isinstance(value, dict):
        return any(
            (k == "sensitive" and v is True)
            or _marks_sensitive(v, marks or k in ("sensitive_values", "after_sensitive", "before_sensitive"))
            for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_marks_sensitive(v, marks) for v in value)
    return marks and value is True


def local_modules_only(work: Path) -> bool:
    """Every module call Terraform installed is a local folder (no registry, git or URL source)."""
    manifest = work / ".terraform" / "modules" / "modules.json"
    try:
        modules = json.loads(manifest.read_text()).get("Modules", []) if manifest.is_file() else []
    except (OSError, ValueError):
        return False
    return all(not m.get("Key") or str(m.get("Source", "")).startswith(("./", "../")) for m in modules)


def store(digest: str, plan: bytes, work: Path) -> None:
    """Keep the rehearsal's plan, unless it marks a value sensitive or uses a non-local module."""
    if not local_modules_only(work) or _marks_sensitive(json.loads(plan)):
        return
    text = plan.decode()
    entry = {"format": FORMAT, "key": digest, "sha256": _sha(plan), "plan": text}
    with contextlib.suppress(OSError):
        atomic_write(_entry(digest), json.dumps(entry).encode())
        prune("rehearsal", KEEP)
