"""A working copy: the user's root module copied into the cache (with the folders its module
sources and file reads reach above it), refreshed on each run, keeping Terraform's data and the
rehearsal's state; and where Terraform starts for a run in one."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from pathlib import Path

from generator.offline.folderid import folder_id
from generator.offline.workspace.places import (
    EXCLUDE_NAMES,
    EXCLUDE_SUFFIXES,
    KEEP,
    OVERRIDE_FILE,
    RECORD_SUFFIX,
    REHEARSAL_KINDS,
    copy_name,
    work_root,
    write_if_changed,
)

_OVERRIDE = """# Written by aisec for offline runs only: a local backend inside this working copy.
terraform {
  backend "local" {
    path = "terraform.tfstate"
  }
}
"""

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
    return any(part in EXCLUDE_NAMES or part.endswith(EXCLUDE_SUFFIXES) for part in path.parts)


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
    base = work_root() / copy_name(source, kind)
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
    write_if_changed(base.with_name(base.name + RECORD_SUFFIX), record + "\n", 0o600)
    return work


def launch(cwd: Path) -> tuple[Path, list[str]]:
    """Where to start Terraform for a run in ``cwd``, and the global options that go before its
    subcommand. For a working copy: in the user's folder it copies, with ``-chdir`` to the copy,
    so that ``path.cwd`` is the user's folder, as in a run of their own (Terraform changes into
    the copy before it reads or writes anything, so the user's folder stays untouched)."""
    try:
        root = work_root().resolve()
    except OSError:  # no cache folder to be had: then no working copy either
        return cwd, []
    cwd = cwd.resolve()
    if not cwd.is_relative_to(root) or cwd == root:
        return cwd, []
    base = root / cwd.relative_to(root).parts[0]
    try:
        record = json.loads(base.with_name(base.name + RECORD_SUFFIX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return cwd, []
    source = Path(str(record.get("source") or ""))
    if Path(str(record.get("work"))).resolve() != cwd or not source.is_absolute() or not source.is_dir():
        return cwd, []
    return source, [f"-chdir={cwd}"]


def _plan_copy(wanted: dict[Path, Path | str], folders: set[Path], target: Path, source: Path) -> None:
    """The files and folders of ``source`` as they go into ``target`` (symbolic links followed),
    without Terraform's data, lock file or state."""
    folders.add(target)
    for folder, dirs, files in os.walk(source, followlinks=True):
        here = Path(folder)
        into = target / here.relative_to(source)
        dirs[:] = [d for d in dirs if d not in EXCLUDE_NAMES and not d.endswith(EXCLUDE_SUFFIXES)]
        folders.update(into / d for d in dirs)
        for name in files:
            skipped = name in EXCLUDE_NAMES or name.endswith(EXCLUDE_SUFFIXES)
            # a broken link or a socket is not copied, as before
            if not skipped and (here / name).is_file():
                wanted[into / name] = here / name


def _sync(base: Path, keep_under: Path, wanted: dict[Path, Path | str], folders: set[Path]) -> None:
    """Make ``base`` hold exactly ``wanted`` (and ``folders``), keeping Terraform's data and state in
    ``keep_under``. A file whose bytes are already right is left alone: a second run with nothing
    changed writes nothing (the copy's bytes, not its times, are what Terraform reads)."""
    kept = {keep_under / name for name in KEEP}
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
