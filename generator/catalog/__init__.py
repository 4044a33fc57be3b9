"""The module catalog: what modules exist, at which version, with which content.

Modules live in ``modules/<name>/`` with a ``module.yaml``: the latest version, which a platform
team edits. Every released version is also stored whole in ``modules/.releases/<name>/<version>.json``
(its files but the changelog), written by ``aisec catalog release``; a stored version is only used
when its content hash equals the one ``modules/catalog.lock.json`` recorded at release, so a
released version cannot change under a consumer's feet. In a source checkout that is the
repository's own folder; in an installed wheel the same files are bundled in the package.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from generator.cache import atomic_write, cache_root
from generator.errors import SpecError, WorkError

PACKAGE_DIR = Path(__file__).resolve().parent.parent
_REPO_DIR = PACKAGE_DIR.parent
_BUNDLED_DIR = PACKAGE_DIR / "_bundled"
VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def data_dir(name: str) -> Path:
    """``modules`` or ``blueprints``: the checkout's folder when present, else the bundled copy."""
    for base in (_REPO_DIR, _BUNDLED_DIR):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise WorkError(f"aisec is installed without its {name}/ folder; reinstall it")


def parse_version(text: str) -> tuple[int, int, int]:
    m = VERSION_RE.match(text)
    if not m:
        raise ValueError(f"not a semantic version: {text!r}")
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def satisfies(version: tuple[int, int, int], constraint: str) -> bool:
    """Terraform-style constraints: ``~> 1.2``, ``>= 1.0, < 2.0``, ``= 1.0.0`` or a bare version."""
    for part in constraint.split(","):
        m = re.match(r"^\s*(~>|>=|<=|!=|=|>|<)?\s*(\d+(?:\.\d+){0,2})\s*$", part)
        if not m:
            raise ValueError(f"not a version constraint: {constraint!r}")
        op = m.group(1) or "="
        nums = [int(x) for x in m.group(2).split(".")]
        bound = tuple(nums + [0] * (3 - len(nums)))
        if op == "~>":
            # ~> 1.2 allows >= 1.2.0, < 2.0.0; ~> 1.2.3 allows >= 1.2.3, < 1.3.0
            head = nums[:-1] if len(nums) > 1 else nums[:]
            head[-1] += 1
            upper_t = tuple(head + [0] * (3 - len(head)))
            ok = bound <= version < upper_t
        else:
            ok = {
                "=": version == bound,
                "!=": version != bound,
                ">": version > bound,
                ">=": version >= bound,
                "<": version < bound,
                "<=": version <= bound,
            }[op]
        if not ok:
            return False
    return True


@dataclass(frozen=True)
class Module:
    name: str
    version: str
    summary: str
    terraform: str
    providers: dict[str, str]
    controls: tuple[str, ...]
    path: Path  # the module's folder, or the release archive of a stored version
    archived: tuple[tuple[str, bytes], ...] = ()  # a stored version's files
    # resources this version renamed: {"from": "aws_kms_key.this", "to": "aws_kms_key.key"}
    moved: tuple[tuple[str, str], ...] = ()

    def files(self) -> Iterator[tuple[str, bytes]]:
        """Every file of the module, by relative POSIX path, sorted: what gets vendored and hashed."""
        return iter(self.archived or self._read)

    @cached_property
    def _read(self) -> tuple[tuple[str, bytes], ...]:
        """The module folder's files, read once per Module: a catalog, once loaded, is what a process
        renders with (the catalog commands that change a module load it afresh)."""
        found = []
        base = str(self.path)
        for folder, dirs, names in os.walk(base):  # pathlib's rglob: a third of the time, in objects
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            prefix = os.path.relpath(folder, base).replace(os.sep, "/") + "/"
            for name in names:
                path = os.path.join(folder, name)
                if not name.startswith(".") and os.path.isfile(path):
                    with open(path, "rb") as fh:
                        found.append(((prefix + name).removeprefix("./"), fh.read()))
        return tuple(sorted(found, key=lambda item: item[0].split("/")))  # in the order of their parts

    def text(self, rel: str) -> str:
        for name, data in self.files():
            if name == rel:
                return data.decode("utf-8")
        raise WorkError(f"{self.name} {self.version} has no file {rel}")

    @cached_property
    def digests(self) -> dict[str, str]:
        """The sha256 of each file, by relative path: hashed once (the manifest of a root module
        that vendors the module lists them too)."""
        return {rel: hashlib.sha256(data).hexdigest() for rel, data in self.files()}

    def content_hash(self, exclude: tuple[str, ...] = ()) -> str:
        h = hashlib.sha256()
        for rel, digest in self.digests.items():
            if rel not in exclude:
                h.update(rel.encode() + b"\0" + digest.encode() + b"\n")
        return h.hexdigest()

    @property
    def sha256(self) -> str:
        """Hash of every file: what an output's manifest pins."""
        return self.content_hash()

    @property
    def release_sha256(self) -> str:
        """Hash of what a release freezes: everything but the changelog, which grows with later releases."""
        return self.content_hash(exclude=("CHANGELOG.md",))


@dataclass(frozen=True)
class Catalog:
    modules: dict[str, tuple[Module, ...]]  # name -> versions, newest first

    def verified(self) -> Catalog:
        """The catalog with every stored version read and checked against the lock now (a WorkError
        names the first that differs), not when first used."""
        for versions in self.modules.values():
            for module in versions:
                if isinstance(module, _StoredModule):
                    module.load()
        return self

    def resolve(self, name: str, constraint: str | None, source: str = "spec") -> Module:
        versions = self.modules.get(name)
        if not versions:
            raise WorkError(f"the catalog has no module named {name!r}")
        if constraint is None:
            return versions[0]
        try:
            for module in versions:
                if satisfies(parse_version(module.version), constraint):
                    return module
        except ValueError as exc:
            raise SpecError(f"{source}: modules.{name}: {exc}") from None
        available = ", ".join(m.version for m in versions)
        raise SpecError(
            f"{source}: modules.{name}: no released version satisfies {constraint!r}; available: {available}"
        )


# libyaml's parser when PyYAML was built with it (ten times the pure-Python one), for the files we
# ship; users' specs go through spec.py's strict loader instead.
_TRUSTED_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """YAML we ship (data tables, module metadata): safe, fast, not for user input.

    Parsed once per content: the result is kept in aisec's cache under the digest of the text (in
    a folder named by the parser and its version), so an edited file has another name and can never
    meet the result of its old text. Reading it back is twenty times parsing it again."""
    folder = _parsed_yaml_folder()
    entry = None if folder is None else folder / hashlib.sha256(text.encode("utf-8")).hexdigest()
    if entry is not None:
        try:
            return marshal.loads(entry.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):  # not there yet, or unreadable: parse
            pass
    data = yaml.load(text, Loader=_TRUSTED_LOADER)
    if entry is not None:
        with contextlib.suppress(OSError, ValueError):  # ValueError: a value marshal cannot hold (a date)
            atomic_write(entry, marshal.dumps(data))
    return data


def _parsed_yaml_folder() -> Path | None:
    try:
        return cache_root(f"yaml-{yaml.__version__}-{_TRUSTED_LOADER.__name__}-marshal{marshal.version}")
    except OSError:  # no writable cache: parse every time
        return None


RELEASES_DIR = ".releases"
LOCK_FILE = "catalog.lock.json"


def _module(meta_text: str, path: Path, archived: tuple[tuple[str, bytes], ...] = ()) -> Module:
    meta: dict[str, Any] = load_yaml(meta_text)
    parse_version(str(meta["version"]))
    return Module(
        name=str(meta["name"]),
        version=str(meta["version"]),
        summary=str(meta["summary"]),
        terraform=str(meta["terraform"]),
        providers={str(k): str(v) for k, v in meta.get("providers", {}).items()},
        controls=tuple(meta.get("controls", [])),
        path=path,
        archived=archived,
        moved=tuple((str(m["from"]), str(m["to"])) for m in meta.get("moved", [])),
    )


def _load_module(path: Path) -> Module:
    return _module((path / "module.yaml").read_text(encoding="utf-8"), path)


def archive_text(module: Module) -> str:
    """A released version stored whole: its files but the changelog (which keeps growing)."""
    files = {rel: data.decode("utf-8") for rel, data in module.files() if rel != "CHANGELOG.md"}
    return (
        json.dumps({"name": module.name, "version": module.version, "files": files}, indent=1, sort_keys=True)
        + "\n"
    )


def archive_path(base: Path, name: str, version: str) -> Path:
    return base / RELEASES_DIR / name / f"{version}.json"


def read_lock(base: Path) -> dict[str, dict[str, str]]:
    """The released versions' content hashes recorded in ``base/catalog.lock.json``, by module."""
    path = base / LOCK_FILE
    if not path.is_file():
        return {}
    data: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))["modules"]
    return data


def _load_archive(path: Path, locked: dict[str, dict[str, str]]) -> Module:
    data = json.loads(path.read_text(encoding="utf-8"))
    files = tuple(sorted((str(rel), str(text).encode("utf-8")) for rel, text in data["files"].items()))
    module = _module(dict(files)["module.yaml"].decode("utf-8"), path, files)
    recorded = locked.get(module.name, {}).get(module.version)
    if recorded != module.release_sha256:
        raise WorkError(
            f"{path}: {module.name} {module.version} does not match the hash catalog.lock.json recorded "
            "at its release; a released version must never change (restore it from version control)"
        )
    return module


class _StoredModule(Module):
    """A released version whose archive is read (and checked against the lock) when first used.

    Its name and version are its archive's path (``.releases/NAME/VERSION.json``); reading any other
    field loads the archive once, which must then hold that very release (the hash the lock recorded
    for NAME VERSION) or it is refused as :func:`_load_archive` refuses it. A render uses the
    versions in the module folders: reading and hashing every stored version (900 kB of JSON) took
    a twentieth of an `aisec render`."""

    def __init__(self, path: Path, locked: dict[str, dict[str, str]]) -> None:
        self.__dict__.update(name=path.parent.name, version=path.stem, path=path, _locked=locked)

    def __getattribute__(self, attr: str) -> Any:
        if attr in _ARCHIVE_FIELDS and attr not in object.__getattribute__(self, "__dict__"):
            object.__getattribute__(self, "load")()
        return object.__getattribute__(self, attr)

    def load(self) -> None:
        """Read the archive (a WorkError when it is not the release the lock recorded)."""
        if "archived" in self.__dict__:
            return
        loaded = _load_archive(self.path, self.__dict__["_locked"])
        if (loaded.name, loaded.version) != (self.name, self.version):  # the lock's hash of another release
            raise WorkError(
                f"{self.path}: holds {loaded.name} {loaded.version}, not the release its path names"
            )
        self.__dict__.update((name, getattr(loaded, name)) for name in _ARCHIVE_FIELDS)


_ARCHIVE_FIELDS = frozenset(f.name for f in fields(Module)) - {"name", "version", "path"}


@cache
def load_catalog(root: Path | None = None) -> Catalog:
    base = root or data_dir("modules")
    found: dict[str, list[Module]] = {}
    for meta in sorted(base.glob("*/module.yaml")):
        module = _load_module(meta.parent)
        found.setdefault(module.name, []).append(module)
    locked = read_lock(base)
    for path in sorted(base.glob(f"{RELEASES_DIR}/*/*.json")):
        live = found.get(path.parent.name, [])
        if any(m.version == path.stem for m in live):
            continue  # the folder holds this version: it is the latest
        module = _StoredModule(path, locked) if VERSION_RE.match(path.stem) else _load_archive(path, locked)
        found.setdefault(module.name, []).append(module)
    return Catalog(
        {
            n: tuple(sorted(ms, key=lambda m: parse_version(m.version), reverse=True))
            for n, ms in found.items()
        }
    )
