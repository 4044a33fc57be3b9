"""The plan gate's cache of checkov's verdicts: the failed checks of one scan, stored under a key of
everything the scan reads, so the same plan under the same rules is scanned once.

The key (SHA-256) covers:

- the exact bytes checkov is given (the rehearsal's plan, written canonically by gate.py: without
  Terraform's `timestamp` and with `relevant_attributes` in a fixed order, the two fields that
  differ between two rehearsals of the same configuration; checkov reads neither);
- checkov's arguments (framework, output, flags), the bytes of the reviewed skip list, of any
  `.checkov.yaml`/`.checkov.yml` checkov would also read from its working directory or the home
  folder, and of every file of the team's rules folders (path and content);
- the name and version of every Python distribution installed beside checkov (checkov's version and
  those of the libraries it parses and evaluates with), the interpreter's version, and the
  environment variables checkov reads (`CKV_*`, `CHECKOV_*`, `BC_*`, `PRISMA_*`, hashed);
- aisec's own gate code (this module and gate.py, which write the plan and read checkov's report).

A hit is therefore a scan of identical input by identical code: what the scan would return again.
What is stored is check ids, names, severities and resource addresses: no values of the plan. A
damaged, foreign or missing entry is a miss. `AISEC_GATE_CACHE=0` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from generator.cache import atomic_write, cache_root

SWITCH = "AISEC_GATE_CACHE"  # 0, off, no or false: every scan runs checkov
FORMAT = "gate-cache-1"
_ENV_PREFIXES = ("CKV_", "CHECKOV_", "BC_", "PRISMA_")
_CONFIG_NAMES = (".checkov.yaml", ".checkov.yml")
_GATE_CODE = ("gatecache.py", "gate.py")
_HERE = Path(__file__).resolve().parent

Raw = dict[str, Any]  # one failed check as checkov reports it: check_id, check_name, resource, severity
_FIELDS = ("check_id", "check_name", "resource", "severity")


def enabled() -> bool:
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "off", "no", "false")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _folder_digest(folder: Path) -> list[str]:
    """Every file below ``folder``: its path relative to it and the digest of its bytes."""
    return [
        f"{path.relative_to(folder).as_posix()} {_sha(path.read_bytes())}"
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]


def _distributions() -> list[str]:
    found = {f"{(d.metadata['Name'] or '').lower()}=={d.version}" for d in importlib.metadata.distributions()}
    return sorted(found)


def _file_or_none(path: Path) -> str:
    return _sha(path.read_bytes()) if path.is_file() else "-"


def key(plan_bytes: bytes, flags: Sequence[str], config: Path, rules: Sequence[Path], cwd: Path) -> str:
    """The digest of everything a checkov scan of ``plan_bytes`` reads (see the module's docstring).
    Paths are not part of it (checkov's verdicts do not depend on where a file is): the contents of
    the files at those paths are."""
    parts: dict[str, Any] = {
        "format": FORMAT,
        "plan": _sha(plan_bytes),
        "flags": list(flags),
        "config": _file_or_none(config),
        "other_configs": {
            f"{where}/{name}": _file_or_none(folder / name)
            for where, folder in (("cwd", cwd), ("home", Path.home()))
            for name in _CONFIG_NAMES
        },
        "rules": [_folder_digest(folder) for folder in rules],
        "python": [sys.executable, sys.version],
        "distributions": _distributions(),
        "environment": _sha(
            "\0".join(
                f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith(_ENV_PREFIXES)
            ).encode()
        ),
        "code": [_sha((_HERE / name).read_bytes()) for name in _GATE_CODE],
    }
    return _sha(json.dumps(parts, sort_keys=True).encode())


def _entry(digest: str) -> Path:
    return cache_root("gate") / f"checkov-{digest}.json"


def _valid(data: Any, digest: str) -> list[Raw] | None:
    if not (isinstance(data, dict) and data.get("format") == FORMAT and data.get("key") == digest):
        return None
    failed = data.get("failed")
    if not isinstance(failed, list):
        return None
    for item in failed:
        if not (
            isinstance(item, dict)
            and set(item) == set(_FIELDS)
            and all(isinstance(item[f], str) for f in _FIELDS[:3])
            and (item["severity"] is None or isinstance(item["severity"], str))
        ):
            return None
    return failed


KEEP = 512  # checkov verdicts kept (a few KB each); the least recently used go first


def prune(kind: str, keep: int) -> None:
    """Keep the ``keep`` most recently used ``kind`` entries of the gate's cache (checkov's verdicts,
    the rehearsals' plans): a hit marks its entry used."""
    entries = []
    for path in cache_root("gate").glob(f"{kind}-*.json"):
        with contextlib.suppress(OSError):
            entries.append((path.stat().st_mtime, path))
    for _, path in sorted(entries, reverse=True)[keep:]:
        path.unlink(missing_ok=True)


def load(digest: str) -> list[Raw] | None:
    """The failed checks stored under ``digest``; None when missing or damaged (a miss)."""
    try:
        data = json.loads(_entry(digest).read_bytes())
    except (OSError, ValueError):
        return None
    found = _valid(data, digest)
    if found is not None:
        with contextlib.suppress(OSError):
            os.utime(_entry(digest))  # recently used: kept by prune
    return found


def store(digest: str, failed: list[Raw]) -> None:
    entry = {
        "format": FORMAT,
        "key": digest,
        "failed": [{f: item.get(f) for f in _FIELDS} for item in failed],
    }
    with contextlib.suppress(OSError):  # a cache that cannot be written costs the next scan its time
        atomic_write(_entry(digest), json.dumps(entry).encode())
        prune("checkov", KEEP)


def cached(
    plan_file: Path, flags: Sequence[str], config: Path, rules: Sequence[Path], run: Callable[[], list[Raw]]
) -> list[Raw]:
    """``run()`` (checkov's failed checks on ``plan_file``, run in its folder), or what it returned for
    the same input before."""
    if not enabled():
        return run()
    digest = key(plan_file.read_bytes(), flags, config, rules, plan_file.parent)
    hit = load(digest)
    if hit is not None:
        return hit
    failed = [{f: item.get(f) for f in _FIELDS} for item in run()]
    store(digest, failed)
    return failed
