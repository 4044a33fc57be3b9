"""Specs that import others (shared defaults of a repository of landings): the merge, where each
value came from, and the spec as its own file would write it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import SpecError
from generator.spec.load import (
    _DUMPER,
    Origin,
    _read_yaml_file,
    parse_spec,
    secret_problems,
    spec_problems,
)
from generator.spec.model import Spec
from generator.spec.schema import spec_to_data

# --------------------------------------------------------------------------- imports
# A spec may import shared settings: `imports: [_defaults/base.yaml, ...]`, paths relative to the
# importing file. Imported files are merged in order (a later one overrides an earlier one), the
# importing file last: mappings merge key by key; a list or a scalar of the later file replaces
# the earlier value whole. An imported file may import others; cycles are refused, depth bounded.
# Paths are relative and stay inside the repository (the folder holding .git above the spec, else
# the working folder or the spec's folder): an absolute path or one reaching outside would make
# the render depend on the machine it runs on (CI and a laptop would render different landings)
# and would let a spec from a pull request read any file the runner can.
MAX_IMPORT_DEPTH = 8
MAX_IMPORTED_FILES = 64


@dataclass(frozen=True)
class LoadedSpec:
    """A spec read from a file: the validated spec and the files it imports (resolved, each once,
    in the order they were first read)."""

    spec: Spec
    imports: tuple[Path, ...]


def import_root(path: Path) -> Path:
    """The folder imports of the spec ``path`` must stay in: the repository holding it (the nearest
    folder above with .git), else the working folder when the spec is below it, else its folder."""
    folder = path.resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    cwd = Path.cwd().resolve()
    return cwd if folder.is_relative_to(cwd) else folder


def _origins(value: Any, loc: tuple[Any, ...], file: str, into: Origin) -> None:
    """Record ``file`` as the origin of ``value`` at ``loc`` and of everything in it."""
    into[loc] = file
    if isinstance(value, dict):
        for k, v in value.items():
            _origins(v, (*loc, k), file, into)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _origins(v, (*loc, i), file, into)


def _under(origin: Origin, loc: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    n = len(loc)
    return [o for o in origin if o[:n] == loc]


def _merge_into(
    target: dict[Any, Any], origin: Origin, top: dict[Any, Any], top_origin: Origin, loc: tuple[Any, ...]
) -> None:
    """Deep-merge ``top`` over ``target`` in place (mappings key by key, anything else replaced),
    keeping ``origin`` (which file each value comes from) in step."""
    for key, value in top.items():
        here = (*loc, key)
        old = target.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            target[key] = dict(old)
            origin[here] = top_origin[here]  # a mapping merged from several files: the importer's
            _merge_into(target[key], origin, value, top_origin, here)
            continue
        target[key] = value
        for stale in _under(origin, here) if isinstance(old, (dict, list)) else [here]:
            origin.pop(stale, None)
        if isinstance(value, (dict, list)):
            origin.update({o: top_origin[o] for o in _under(top_origin, here)})
        else:
            origin[here] = top_origin[here]


def _all_locs(data: Any) -> list[tuple[Any, ...]]:
    found: Origin = {}
    _origins(data, (), "", found)
    return list(found)


class _Importer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[Path, None] = {}  # every imported file, in the order first read

    def load(self, path: Path, shown: str, chain: tuple[Path, ...]) -> tuple[Any, Origin]:
        data = _read_yaml_file(path, shown)
        if len(chain) > 1:  # an imported file: a mapping of spec fields, each checked for secrets
            data = {} if data is None else data
            if not isinstance(data, dict):
                raise SpecError(
                    f"{shown}: an imported file must be a YAML mapping of spec fields, got "
                    f"{type(data).__name__}",
                    file=shown,
                )
            secrets = secret_problems(data)
            if secrets:
                raise SpecError(
                    f"{shown}: {len(secrets)} value(s) look like credentials; nothing was rendered",
                    [p.render(shown) for p in secrets],
                    file=shown,
                    problems=[p.record(shown) for p in secrets],
                )
        if not isinstance(data, dict) or "imports" not in data:
            origin: Origin = {}
            _origins(data, (), shown, origin)
            return data, origin
        data = dict(data)
        imports = data.pop("imports")
        own: Origin = {}
        _origins(data, (), shown, own)
        if imports is None:
            return data, own
        if not isinstance(imports, list) or not all(isinstance(i, str) and i.strip() for i in imports):
            raise SpecError(
                f"{shown}: imports: a list of paths of YAML files, relative to this file's folder "
                "(e.g. imports: [_defaults/base.yaml])",
                file=shown,
            )
        merged, origin = self.merge_imports(path, shown, imports, chain)
        _merge_into(merged, origin, data, own, ())
        origin[()] = shown
        return merged, origin

    def merge_imports(
        self, path: Path, shown: str, imports: list[str], chain: tuple[Path, ...]
    ) -> tuple[dict[Any, Any], Origin]:
        """The files ``imports`` (of the file ``path``, shown as ``shown``) names, merged in order."""
        if len(chain) > MAX_IMPORT_DEPTH:
            raise SpecError(
                f"{shown}: imports: more than {MAX_IMPORT_DEPTH} levels of imports "
                f"({' -> '.join(map(self.shown, chain))}); flatten the defaults",
                file=shown,
            )
        merged: dict[Any, Any] = {}
        origin: Origin = {(): shown}
        for i, rel in enumerate(imports):
            where = f"{shown}: imports[{i}]: {rel}"
            if Path(rel).is_absolute() or rel.startswith("~"):
                raise SpecError(
                    f"{where}: an absolute path; imports are relative to the importing file's folder, "
                    "so the landing renders the same in every checkout",
                    file=shown,
                )
            target = (path.parent / rel).resolve()
            if not target.is_relative_to(self.root):
                raise SpecError(
                    f"{where}: outside the repository ({self.root}); imports stay inside it, so "
                    "what a landing renders is all in its repository",
                    file=shown,
                )
            if target in chain:
                cycle = " -> ".join(self.shown(p) for p in (*chain[chain.index(target) :], target))
                raise SpecError(f"{where}: an import cycle: {cycle}", file=shown)
            if not target.is_file():
                what = "is a folder, expected a YAML file" if target.is_dir() else "not found"
                raise SpecError(f"{where} {what}", file=shown)
            self.files[target] = None
            if len(self.files) > MAX_IMPORTED_FILES:
                raise SpecError(f"{where}: more than {MAX_IMPORTED_FILES} imported files in all", file=shown)
            sub_shown = os.path.normpath(os.path.join(os.path.dirname(shown), rel))
            sub, sub_origin = self.load(target, sub_shown, (*chain, target))
            _merge_into(merged, origin, sub, sub_origin, ())
        return merged, origin

    def shown(self, path: Path) -> str:
        try:
            return path.relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return str(path)


def load_spec_file(path: str | Path) -> LoadedSpec:
    """Read a spec file and the files it imports, merge them, validate the result. Every failure
    is a :class:`SpecError` naming the file (and field) to fix."""
    p = Path(path)
    source = str(path)
    importer = _Importer(import_root(p))
    data, origin = importer.load(p, source, (p.resolve(),))
    spec = parse_spec(data, source, origin if importer.files else None)
    return LoadedSpec(spec, tuple(importer.files))


def load_spec(path: str | Path) -> Spec:
    """Read, parse and validate a spec file (with its imports). Every failure is a :class:`SpecError`."""
    return load_spec_file(path).spec


def _overlay(full: dict[Any, Any], base: dict[Any, Any]) -> dict[Any, Any]:
    """What a file importing ``base`` must hold so that the merge gives ``full``."""
    out: dict[Any, Any] = {}
    for key, value in full.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            inner = _overlay(value, base[key])
            if inner:
                out[key] = inner
        elif key not in base or base[key] != value:
            out[key] = value
    out.update({key: None for key in base if key not in full})
    return out


def spec_over_imports(spec: Spec, source: Path, target: Path) -> str | None:
    """The text of a spec file at ``target`` that keeps the ``imports:`` of the spec file
    ``source`` (paths rewritten relative to ``target``) and holds only the fields of ``spec`` that
    differ from what the imports give: what `aisec init --from` saves for a spec with imports, so
    the shared defaults stay shared. None when ``source`` imports nothing (or when no such file
    gives ``spec`` back, which the merge rules make unlikely: then the whole spec is saved)."""
    raw = _read_yaml_file(source, str(source))
    imports = raw.get("imports") if isinstance(raw, dict) else None
    if not imports:
        return None
    importer = _Importer(import_root(source))
    resolved = source.resolve()
    if not isinstance(imports, list) or not all(isinstance(i, str) for i in imports):
        return None
    base, _ = importer.merge_imports(source, str(source), imports, (resolved,))
    rewritten = [
        Path(os.path.relpath((source.parent / i).resolve(), target.resolve().parent)).as_posix()
        for i in imports
    ]
    overlay = _overlay(spec_to_data(spec), base)
    merged: dict[Any, Any] = {}
    origin: Origin = {}
    for layer in (base, overlay):
        _merge_into(merged, origin, layer, dict.fromkeys(_all_locs(layer), ""), ())
    again, _ = spec_problems(merged)
    if again is None or again != spec:
        return None
    text: str = yaml.dump(
        {"imports": rewritten, **overlay},
        Dumper=_DUMPER, sort_keys=False, default_flow_style=False, allow_unicode=True,
    )  # fmt: skip
    return text
