"""Where offline runs happen: a provider mirror, a CLI configuration and a working copy, all in
aisec's cache folder, never in the user's directory (whose `.terraform.lock.hcl` stays as it is).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.cache import atomic_write, cache_root
from generator.offline import schema as aws_schema
from generator.offline.folderid import folder_id, same_folder

# Files of a user's root module that a working copy never takes: Terraform's own working data,
# the lock file (it pins the real provider's hashes) and real state or plans.
PLAN_DIR = ".aisec-plan"  # a saved plan and its record (orchestrate.py); never copied between folders
_EXCLUDE_NAMES = {
    PLAN_DIR,
    ".terraform",
    ".terraform.lock.hcl",
    "terraform.tfstate",
    "terraform.tfstate.backup",
    ".git",
}
_EXCLUDE_SUFFIXES = (".tfplan",)
# What a working copy keeps between runs: Terraform's data, the rehearsal's state and saved plan, and
# its own lock file (a saved plan must meet the lock it was made with; init -upgrade records it anew).
_KEEP = {
    ".terraform",
    ".terraform.lock.hcl",
    "terraform.tfstate",
    "terraform.tfstate.backup",
    "tfplan",
    "plan.json",
    PLAN_DIR,
}
OVERRIDE_FILE = "zz_aisec_offline_override.tf"
# Working copies that run against the stand-in with a local state of their own: `offline`
# (aisec plan/apply --offline) and `gate` (the plan gate's throwaway rehearsal, see gate.py).
REHEARSAL_KINDS = ("offline", "gate")
_OVERRIDE = """# Written by aisec for offline runs only: a local backend inside this working copy.
terraform {
  backend "local" {
    path = "terraform.tfstate"
  }
}
"""


@dataclass(frozen=True)
class OfflineEnv:
    folder: Path
    cli_config: Path

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(base if base is not None else os.environ)
        for name in ("TF_PLUGIN_CACHE_DIR", "TF_DATA_DIR", "TF_WORKSPACE"):
            env.pop(name, None)
        env.update(TF_CLI_CONFIG_FILE=str(self.cli_config), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
        return env


def _write_if_changed(path: Path, text: str, mode: int = 0o644) -> None:
    if not (path.is_file() and path.read_text() == text):
        atomic_write(path, text.encode(), mode)


@dataclass(frozen=True)
class ServedProvider:
    """One provider version the offline mirror offers: its address, its version, what its launcher
    runs (``python -m`` and these arguments) and a key of what it serves (the environment's name
    changes with it, so a new schema or new serving code is never hidden by an old mirror)."""

    address: str  # registry.terraform.io/NAMESPACE/TYPE
    version: str
    module_args: tuple[str, ...]
    digest: str

    @property
    def name(self) -> str:
        return self.address.rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        return self.address.removeprefix("registry.terraform.io/")


def served_providers() -> list[ServedProvider]:
    """Every (address, version, launcher) the mirror offers; Terraform picks among them: the AWS
    versions, then the utility providers (generator/offline/utility)."""
    from generator.offline import utility

    aws = [
        ServedProvider(
            aws_schema.PROVIDER_ADDRESS,
            version,
            ("generator.offline.server", "aws", "--provider-version", version),
            aws_schema.digest(version),
        )
        for version in aws_schema.SERVED_VERSIONS
    ]
    return aws + [
        ServedProvider(
            u.address, u.provider_version, ("generator.offline.server", name), utility.load(name).digest
        )
        for name, u in utility.UTILITIES.items()
    ]


def prepare(platform: str) -> OfflineEnv:
    """The mirror with a launcher for each served provider version, and a CLI configuration that
    uses it."""
    served = served_providers()
    package_root = str(Path(__file__).resolve().parents[2])
    # One mirror per interpreter and per checkout: the launcher names the checkout, so two checkouts
    # sharing a cache (worktrees, CI runners) would rewrite each other's launcher, and a working
    # copy's lock file would no longer match the provider package.
    key = hashlib.sha256(
        "\0".join(
            [sys.executable, package_root, *(f"{p.address} {p.version} {p.digest}" for p in served)]
        ).encode()
    ).hexdigest()[:16]
    folder = cache_root("offline") / f"env-{key}"
    for p in served:
        plugin_dir = folder / "mirror" / p.address / p.version / platform
        script = (
            "#!/bin/sh\n"
            f"# aisec offline stand-in for {p.label} {p.version} (never reaches the real service)\n"
            f"PYTHONPATH={shlex.quote(package_root)}${{PYTHONPATH:+:$PYTHONPATH}} "
            f"exec {shlex.quote(sys.executable)} -m {' '.join(shlex.quote(a) for a in p.module_args)}"
            ' "$@"\n'
        )
        _write_if_changed(plugin_dir / f"terraform-provider-{p.name}_v{p.version}", script, 0o755)
    addresses = ", ".join(f'"{a}"' for a in sorted({p.address for p in served}))
    cli_config = folder / "terraformrc"
    _write_if_changed(
        cli_config,
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{folder / "mirror"}"\n'
        f"    include = [{addresses}]\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = [{addresses}]\n"
        "  }\n"
        "}\n",
    )
    return OfflineEnv(folder, cli_config)


_PARENT_SOURCE_RE = re.compile(r'^\s*source\s*=\s*"(\.\.(?:/\.\.)*)(?:/[^"]*)?"', re.M)
# A path literal that climbs above its folder, as file(), templatefile(), fileset() and the like take
# it: `"../policies/x.json"`, `"${path.module}/../templates/${var.name}.tpl"`.
_PARENT_PATH_RE = re.compile(r'"(\$\{path\.(?:module|root|cwd)\}/)?((?:\.\./)+[^"\n]*|\.\.)"')


def _parent_depth(source: Path) -> int:
    """How many folders above ``source`` its local module sources reach (`../..` is 2)."""
    depth = 0
    for tf in source.glob("*.tf"):
        for m in _PARENT_SOURCE_RE.finditer(tf.read_text(encoding="utf-8", errors="replace")):
            depth = max(depth, m.group(1).count(".."))
    return depth


def _skip(path: Path) -> bool:
    return any(part in _EXCLUDE_NAMES or part.endswith(_EXCLUDE_SUFFIXES) for part in path.parts)


def _reads_above(source: Path, tree: Path) -> list[Path]:
    """Files and folders outside ``tree`` that the configuration's .tf files (under ``tree``) name
    with a path climbing above their folder: what file()/templatefile()/fileset() would read. A
    path with an interpolation counts up to its last static folder (`../policies/${var.x}.json`
    is the folder `../policies`)."""
    found: set[Path] = set()
    for tf in tree.rglob("*.tf"):
        if _skip(tf.relative_to(tree)):
            continue
        text = tf.read_text(encoding="utf-8", errors="replace")
        for m in _PARENT_PATH_RE.finditer(text):
            # Relative paths in Terraform functions are relative to the directory Terraform runs
            # in (the root module), as are ${path.root} and ${path.cwd}; ${path.module} is the
            # module's own folder. Outside the root folder plain paths are not taken: a plain
            # `../` in a folder the root does not use (an example calling the module above it)
            # would name folders far above.
            if m.group(1) is None and tf.parent != source:
                continue
            base = tf.parent if m.group(1) == "${path.module}/" else source
            literal = m.group(2)
            if "${" in literal:
                literal = literal[: literal.index("${")].rpartition("/")[0] or "."
            target = Path(os.path.normpath(base / literal))
            if target.exists() and not target.is_relative_to(tree) and target != Path(target.anchor):
                found.add(target)
    return sorted(found)


def working_copy(source: Path, kind: str) -> Path:
    """A copy of ``source`` in the cache, refreshed from it, keeping Terraform's data and rehearsal
    state. When local module sources reach above ``source`` (`../modules/x`), the copy holds the
    ancestor folder they need; files and folders the configuration reads above it
    (`file("../policies/x.json")`) are copied to the same places relative to it. The returned path
    is ``source``'s place inside the copy. Terraform then runs with the user's folder as its
    working directory and ``-chdir`` to the copy (see :func:`launch`), so ``path.cwd`` is the
    user's folder."""
    source = source.resolve()
    depth = _parent_depth(source)
    tree = source.parents[depth - 1] if depth else source
    extras = _reads_above(source, tree)
    # A folder read above the root that holds the root (`fileset("${path.module}/..", ...)`) is
    # copied whole, as a module source reaching that far would be.
    while any(tree.is_relative_to(e) for e in extras):
        tree = min((e for e in extras if tree.is_relative_to(e)), key=lambda e: len(e.parts))
        extras = _reads_above(source, tree)
    top = Path(os.path.commonpath([tree, *extras])) if extras else tree
    base = _work_root() / _copy_name(source, kind)
    work = base / source.relative_to(top)
    wanted: dict[Path, Path | str] = {}  # each file of the copy: the file it copies, or its text
    folders: set[Path] = {base, work}
    _plan_copy(wanted, folders, base / tree.relative_to(top), tree)
    for extra in extras:
        target = base / extra.relative_to(top)
        if extra.is_dir():
            _plan_copy(wanted, folders, target, extra)
        elif not _skip(extra):
            folders.update(target.parents)
            wanted[target] = extra
    if kind in REHEARSAL_KINDS:
        wanted[work / OVERRIDE_FILE] = _OVERRIDE
    _sync(base, work, wanted, {f for f in folders if f.is_relative_to(base)})
    record = json.dumps(
        {"source": str(source), "kind": kind, "work": str(work), "folder_id": folder_id(source)},
        sort_keys=True,
    )
    _write_if_changed(base.with_name(base.name + _RECORD_SUFFIX), record + "\n", 0o600)
    return work


def launch(cwd: Path) -> tuple[Path, list[str]]:
    """Where to start Terraform for a run in ``cwd``, and the global options that go before its
    subcommand. For a working copy: in the user's folder it copies, with ``-chdir`` to the copy,
    so that ``path.cwd`` is the user's folder, as in a run of their own (Terraform changes into
    the copy before it reads or writes anything, so the user's folder stays untouched)."""
    try:
        root = _work_root().resolve()
    except OSError:  # no cache folder to be had: then no working copy either
        return cwd, []
    cwd = cwd.resolve()
    if not cwd.is_relative_to(root) or cwd == root:
        return cwd, []
    base = root / cwd.relative_to(root).parts[0]
    try:
        record = json.loads(base.with_name(base.name + _RECORD_SUFFIX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return cwd, []
    source = Path(str(record.get("source") or ""))
    if Path(str(record.get("work"))).resolve() != cwd or not source.is_absolute() or not source.is_dir():
        return cwd, []
    return source, [f"-chdir={cwd}"]


# --- the working copies, listed and reset (`aisec rehearsal list|reset`) -------------------------

_RECORD_SUFFIX = ".source.json"  # beside each copy: the folder it copies, for `aisec rehearsal list`
COPY_KINDS = (*REHEARSAL_KINDS, "provider")  # provider: `aisec validate`'s copy, no state


def _work_root() -> Path:
    return cache_root("offline", "work")


def _copy_name(source: Path, kind: str) -> str:
    key = hashlib.sha256(str(source).encode()).hexdigest()[:16]
    return f"{source.name}-{key}-{kind}"


def replaced(source: Path) -> list[dict[str, Any]]:
    """The working copies of ``source`` made from an earlier folder at the same path (deleted and
    made again since): their rehearsal state describes resources of a folder that no longer exists."""
    source = source.resolve()
    now = folder_id(source)
    stale = []
    for kind in COPY_KINDS:
        base = _work_root() / _copy_name(source, kind)
        try:
            record = json.loads(base.with_name(base.name + _RECORD_SUFFIX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if base.is_dir() and not same_folder(record.get("folder_id"), now):
            stale.append(kind)
    return [c for c in working_copies() if c["kind"] in stale and c["source"] == str(source)]


def rehearsal_state(source: Path) -> Path | None:
    """The local state of ``source``'s offline rehearsal (`aisec plan/apply --offline`), when one was
    made from this very folder (not from an earlier one deleted and made again at its path). Read
    only: no working copy is made."""
    source = source.resolve()
    base = _work_root() / _copy_name(source, "offline")
    try:
        record = json.loads(base.with_name(base.name + _RECORD_SUFFIX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not base.is_dir() or not same_folder(record.get("folder_id"), folder_id(source)):
        return None
    state = Path(str(record.get("work") or base)) / "terraform.tfstate"
    return state if state.is_file() else None


def managed_resources(state: Path) -> list[dict[str, Any]]:
    """The managed resources of a local state file (OSError or ValueError when it cannot be read)."""
    data = json.loads(state.read_text(encoding="utf-8"))
    return [r for r in data.get("resources", []) if r.get("mode") == "managed"]


def _state_resources(state: Path) -> int | None:
    """Resource instances in a rehearsal's local state; None when there is no state."""
    try:
        return sum(len(r.get("instances", [])) for r in managed_resources(state))
    except (OSError, ValueError):
        return None


def _size(folder: Path) -> int:
    return sum((Path(d) / f).lstat().st_size for d, _, files in os.walk(folder) for f in files)


def working_copies() -> list[dict[str, Any]]:
    """Every working copy in the cache: the folder it copies (and whether that folder still exists),
    its kind, the resources in its rehearsal state, whether it holds a saved plan, its size."""
    found = []
    for base in sorted(p for p in _work_root().iterdir() if p.is_dir()):
        kind = base.name.rsplit("-", 1)[-1]
        try:
            record = json.loads(base.with_name(base.name + _RECORD_SUFFIX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {}
        source = record.get("source")
        work = Path(record.get("work") or base)
        status = "unknown" if source is None else "present" if Path(source).is_dir() else "gone"
        found.append(
            {
                "source": source,
                "status": status,  # present, gone (the folder was deleted or moved) or unknown (no record)
                "kind": kind,
                "copy": str(base),
                "state_resources": _state_resources(work / "terraform.tfstate"),
                "saved_plan": (work / PLAN_DIR / "tfplan").is_file(),
                "bytes": _size(base),
            }
        )
    return found


def reset(source: Path | None = None, gone: bool = False, everything: bool = False) -> list[dict[str, Any]]:
    """Delete working copies and their rehearsal state: those of ``source`` (which need not exist
    any more), those whose folder is gone (or unknown), or all. Returns what was deleted."""
    if source is not None:
        names = {_copy_name(source.resolve(), kind) for kind in COPY_KINDS}
        chosen = [c for c in working_copies() if Path(c["copy"]).name in names]
    elif gone:
        chosen = [c for c in working_copies() if c["status"] != "present"]
    elif everything:
        chosen = working_copies()
    else:
        raise ValueError("name a folder, or ask for the gone copies or all of them")
    for c in chosen:
        base = Path(c["copy"])
        shutil.rmtree(base)
        base.with_name(base.name + _RECORD_SUFFIX).unlink(missing_ok=True)
    return chosen


def _plan_copy(wanted: dict[Path, Path | str], folders: set[Path], target: Path, source: Path) -> None:
    """The files and folders of ``source`` as they go into ``target`` (symbolic links followed),
    without Terraform's data, lock file or state."""
    folders.add(target)
    for folder, dirs, files in os.walk(source, followlinks=True):
        here = Path(folder)
        into = target / here.relative_to(source)
        dirs[:] = [d for d in dirs if d not in _EXCLUDE_NAMES and not d.endswith(_EXCLUDE_SUFFIXES)]
        folders.update(into / d for d in dirs)
        for name in files:
            skipped = name in _EXCLUDE_NAMES or name.endswith(_EXCLUDE_SUFFIXES)
            # a broken link or a socket is not copied, as before
            if not skipped and (here / name).is_file():
                wanted[into / name] = here / name


def _sync(base: Path, keep_under: Path, wanted: dict[Path, Path | str], folders: set[Path]) -> None:
    """Make ``base`` hold exactly ``wanted`` (and ``folders``), keeping Terraform's data and state in
    ``keep_under``. A file whose bytes are already right is left alone: a second run with nothing
    changed writes nothing (the copy's bytes, not its times, are what Terraform reads)."""
    kept = {keep_under / name for name in _KEEP}
    for folder, dirs, files in os.walk(base, topdown=True):
        here = Path(folder)
        for name in list(dirs):
            path = here / name
            if path in kept:
                dirs.remove(name)
            elif path not in folders and not any(k.is_relative_to(path) for k in kept):
                if path.is_symlink():
                    path.unlink()
                else:
                    shutil.rmtree(path)
                dirs.remove(name)
        for name in files:
            path = here / name
            if path not in kept and path not in wanted:
                path.unlink()
    for made in sorted(folders, key=lambda f: len(f.parts)):
        if made.is_symlink() or (made.exists() and not made.is_dir()):
            made.unlink()
        made.mkdir(parents=True, exist_ok=True)
    for target, origin in wanted.items():
        data = origin.encode() if isinstance(origin, str) else origin.read_bytes()
        mode = None if isinstance(origin, str) else stat.S_IMODE(origin.stat().st_mode)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.is_symlink():
            target.unlink()
        else:
            try:
                held = target.stat()
                if held.st_size == len(data) and target.read_bytes() == data:
                    if mode is not None and stat.S_IMODE(held.st_mode) != mode:
                        os.chmod(target, mode)
                    continue
            except FileNotFoundError:
                pass
        target.write_bytes(data)
        if isinstance(origin, Path):
            shutil.copystat(origin, target)


# --- skipping a repeated `terraform init` ---------------------------------------------------------

INIT_RECORD = "aisec-init.sha256"  # in the copy's .terraform: what the last successful init saw


def _copy_base(work: Path) -> Path:
    """The top folder of the working copy that holds ``work``."""
    root = _work_root().resolve()
    work = work.resolve()
    return root / work.relative_to(root).parts[0]


def _hash_tree(h: Any, folder: Path, skip: set[Path]) -> None:
    for here, dirs, files in os.walk(folder):
        dirs.sort()
        dirs[:] = [d for d in dirs if Path(here, d) not in skip]
        for name in sorted(files):
            path = Path(here, name)
            if path in skip:
                continue
            h.update(b"\0f\0" + str(path.relative_to(folder)).encode() + b"\0")
            h.update(os.readlink(path).encode() if path.is_symlink() else path.read_bytes())


def init_key(work: Path, binary: str, env: dict[str, str]) -> str | None:
    """What a `terraform init -upgrade` in ``work`` depends on and leaves behind: every file of the
    working copy (configuration, local modules, files they read), Terraform's data and lock file
    as the last init left them, the CLI configuration (it names the mirror, whose folder name is
    the digest of what it serves), the binary and the TF_* variables. None when an init cannot be
    skipped: no earlier init, or module sources that are not local folders (init -upgrade would
    fetch them again)."""
    data = work / ".terraform"
    try:
        modules = json.loads((data / "modules" / "modules.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        modules = {"Modules": []}  # a configuration without module calls
    except (OSError, ValueError):
        return None
    for m in modules.get("Modules") or []:
        source = m.get("Source") if isinstance(m, dict) else None
        if not isinstance(source, str) or (source and not source.startswith(("./", "../"))):
            return None
    if not (work / ".terraform.lock.hcl").is_file() or not data.is_dir():
        return None
    h = hashlib.sha256()
    h.update(binary.encode())
    for name in sorted(env):
        if name.startswith("TF_"):
            h.update(f"\0e\0{name}={env[name]}".encode())
    cli_config = env.get("TF_CLI_CONFIG_FILE")
    if cli_config:
        try:
            h.update(b"\0c\0" + Path(cli_config).read_bytes())
        except OSError:
            return None
    base = _copy_base(work)
    record = data / INIT_RECORD
    # Terraform's data counts as it stands, the rehearsal's state and plans do not (init does not
    # read them), nor does this record.
    skip = {record, *(work / n for n in _KEEP if n not in (".terraform", ".terraform.lock.hcl"))}
    _hash_tree(h, base, skip)
    return h.hexdigest()


def init_is_current(work: Path, key: str | None) -> bool:
    """Whether the last successful init in ``work`` saw exactly ``key`` (see :func:`init_key`)."""
    if key is None:
        return False
    try:
        return (work / ".terraform" / INIT_RECORD).read_text(encoding="utf-8").strip() == key
    except OSError:
        return False


def forget_init(work: Path) -> None:
    (work / ".terraform" / INIT_RECORD).unlink(missing_ok=True)


def record_init(work: Path, key: str | None) -> None:
    if key is not None and (work / ".terraform").is_dir():
        atomic_write(work / ".terraform" / INIT_RECORD, (key + "\n").encode())
