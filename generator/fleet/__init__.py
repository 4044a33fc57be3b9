"""Folders of landings: render or check every landing of a specs folder, and find the landings a
change affects (`aisec affected`), for a platform team that keeps tens of landings in one repository.

A *landing* is a spec file of the folder: every ``*.yaml``/``*.yml`` below it, except files whose
path (below the folder) has a part starting with ``_`` or ``.``: ``specs/_defaults/base.yaml`` and
``specs/_shared.yaml`` are only imported, never rendered (nor is anything inside a rendered
output folder, which holds the vendored modules' YAML). A landing renders into the output
folder at the same relative path without the suffix: ``specs/team-a/fraud.yaml`` ->
``infra/team-a/fraud/``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import AisecError, UserInputError
from generator.landing import Root as Root  # the shared interface: a landing's roots
from generator.landing import landing_roots as landing_roots
from generator.landing import read_json
from generator.render import MANIFEST, resolve_modules
from generator.spec import load_spec_file

SPEC_SUFFIXES = (".yaml", ".yml")


def is_landing(rel: Path) -> bool:
    """Whether the spec file at ``rel`` (relative to a specs folder) is a landing, not a defaults file."""
    return rel.suffix in SPEC_SUFFIXES and not any(p.startswith(("_", ".")) for p in rel.parts)


def landing_specs(folder: Path) -> list[Path]:
    """The landings of a specs folder, sorted; a folder without any is a user error."""
    if not folder.is_dir():
        raise UserInputError(f"{folder}: not a folder")
    outputs = [m.parent.parent for m in folder.rglob(MANIFEST)]  # rendered folders hold module.yaml files
    found = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and is_landing(p.relative_to(folder)) and not any(p.is_relative_to(o) for o in outputs)
    )
    if not found:
        raise UserInputError(
            f"{folder}: no landing specs (*.yaml files; a file or folder named with a leading _ "
            "holds defaults, only imported)"
        )
    return found


def landing_name(folder: Path, spec: Path) -> str:
    """A landing's name: its spec's path below the specs folder, without the suffix."""
    return spec.relative_to(folder).with_suffix("").as_posix()


def expand_specs(paths: Sequence[Path]) -> list[Path]:
    """Spec arguments with every folder replaced by its landings."""
    out: list[Path] = []
    for p in paths:
        out.extend(landing_specs(p) if p.is_dir() else [p])
    return out


def name_clashes(specs: Sequence[Path]) -> dict[Path, UserInputError]:
    """Landings sharing a spec name in one account, each with its error: their IAM roles, KMS
    aliases and buckets are named after it, so they would be the same resources. Specs that do not
    load are left to the caller (their own errors say why)."""
    seen: dict[tuple[str, str], list[Path]] = {}
    for path in specs:
        try:
            spec = load_spec_file(path).spec
        except AisecError:
            continue
        seen.setdefault((spec.name, spec.aws.account_id), []).append(path)
    clashes: dict[Path, UserInputError] = {}
    for (name, account), paths in seen.items():
        for path in paths if len(paths) > 1 else ():
            others = ", ".join(str(o) for o in paths if o != path)
            clashes[path] = UserInputError(
                f"{path}: name: {name} is also the name of {others} in account {account}; the "
                "landings of one account need distinct names (roles, keys and buckets are named after it)",
                file=str(path),
            )
    return clashes


# --------------------------------------------------------------------------- render a folder
@dataclass
class LandingOutcome:
    landing: str
    spec: str
    output: str
    status: str  # rendered | needs-attention | failed | up-to-date | differs
    counts: dict[str, int] = field(default_factory=dict)
    error: AisecError | None = None
    differences: int = 0

    def record(self) -> dict[str, Any]:
        return {
            "landing": self.landing,
            "spec": self.spec,
            "output": self.output,
            "status": self.status,
            "counts": self.counts,
            "differences": self.differences,
            "error": None if self.error is None else self.error.lines(),
        }


def render_folder(
    specs: Path, out: Path, force: bool = False, adopt: bool = False, check: bool = False
) -> list[LandingOutcome]:
    """Render (or, with ``check``, compare) every landing of ``specs`` into ``out/<landing>``.

    Each landing is all-or-nothing: one whose spec (or an import) is wrong writes nothing and is
    reported; the others are rendered all the same."""
    from generator import core
    from generator.render.writer import file_counts

    outcomes = []
    landings = landing_specs(specs)
    clashes = name_clashes(landings)
    for spec in landings:
        name = landing_name(specs, spec)
        target = out / name
        outcome = LandingOutcome(name, spec.as_posix(), target.as_posix(), "failed")
        try:
            if spec in clashes:
                raise clashes[spec]
            if check:
                report = core.check_render(spec, target)
                outcome.differences = len(report["differences"])
                outcome.status = "up-to-date" if report["up_to_date"] else "differs"
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                _, result = core.render_spec(spec, target, force=force, adopt=adopt)
                outcome.counts = file_counts(result)
                outcome.status = "needs-attention" if result.needs_attention else "rendered"
                if result.needs_attention:
                    outcome.error = result.attention_error()
        except AisecError as exc:
            outcome.error = exc
        outcomes.append(outcome)
    return outcomes


# --------------------------------------------------------------------------- affected
def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise UserInputError(f"git {' '.join(args)}: {proc.stderr.strip() or 'failed'}")
    return proc.stdout


def git_root(start: Path) -> Path:
    proc = subprocess.run(
        ["git", "-C", str(start), "rev-parse", "--show-toplevel"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise UserInputError(
            f"{start}: not inside a git repository; `aisec affected` compares the working tree with "
            "a git ref (run it in a checkout)"
        )
    return Path(proc.stdout.strip()).resolve()


def changed_files(repo: Path, base: str) -> set[Path]:
    """Files that differ between ``base`` and the working tree (untracked files included), absolute."""
    proc = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0 or base.startswith("-"):
        raise UserInputError(f"--base {base}: not a commit of the repository at {repo}")
    names = _git(repo, "diff", "--name-only", "-z", "--no-renames", base, "--").split("\0")
    names += _git(repo, "ls-files", "--others", "--exclude-standard", "-z").split("\0")
    return {(repo / n).resolve() for n in names if n}


@dataclass
class Landing:
    name: str
    spec: Path | None = None  # resolved
    output: Path | None = None  # resolved, when rendered
    reasons: list[dict[str, str]] = field(default_factory=list)

    def because(self, kind: str, path: str, detail: str = "") -> None:
        self.reasons.append({"kind": kind, "path": path, "detail": detail})


def _manifest_at(repo: Path, base: str, path: Path) -> dict[str, Any] | None:
    rel = path.relative_to(repo).as_posix()
    proc = subprocess.run(
        ["git", "-C", str(repo), "show", f"{base}:{rel}"], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        return None
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _module_versions(manifest: dict[str, Any] | None) -> dict[str, str]:
    modules = (manifest or {}).get("modules") or {}
    return {str(k): str(v.get("version")) for k, v in modules.items() if isinstance(v, dict)}


def affected(
    base: str, paths: Sequence[Path], cwd: Path | None = None, catalog_dir: Path | None = None
) -> dict[str, Any]:
    """The landings of ``paths`` (specs folders, spec files or rendered landing folders) that a
    change between the git ref ``base`` and the working tree touches, each with its reasons: its
    spec, a file it imports, a catalog module it uses (its version in the manifest, or the module's
    source in this repository), or its generated files. ``catalog_dir`` is the catalog's modules
    folder (aisec's own by default): a change below ``catalog_dir/NAME`` affects the landings
    using module NAME when that folder is in the repository."""
    from generator.catalog import data_dir, load_catalog

    here = (cwd or Path.cwd()).resolve()
    repo = git_root(here)
    changed = changed_files(repo, base)
    landings: dict[Path, Landing] = {}  # by spec (or output folder when the spec is unknown)

    def shown(p: Path) -> str:
        try:
            return p.relative_to(here).as_posix()
        except ValueError:
            return p.as_posix()

    for arg in paths:
        p = (here / arg).resolve()
        if not p.exists():
            raise UserInputError(f"{arg}: no such file or folder")
        if not p.is_relative_to(repo):
            raise UserInputError(f"{arg}: outside the repository {repo}, which --base refers to")
        if (p / MANIFEST).is_file():
            manifest = read_json(p / MANIFEST) or {}
            source = (manifest.get("source") or {}).get("spec")
            spec = (p / source).resolve() if source else None
            key = spec or p
            landing = landings.setdefault(key, Landing(shown(p), spec))
            landing.output = p
        elif p.is_dir():
            for spec in landing_specs(p):
                s = spec.resolve()
                landings.setdefault(s, Landing(landing_name(p, spec), s))
            # a landing deleted since base: a changed spec path that is no longer there
            for c in sorted(changed):
                if c.is_relative_to(p) and is_landing(c.relative_to(p)) and not c.exists():
                    gone = landings.setdefault(c, Landing(landing_name(p, c), c))
                    gone.because("spec", shown(c), "deleted")
        else:
            landings.setdefault(p, Landing(p.with_suffix("").name, p))

    # rendered landings anywhere in the repository, found by their manifests, pair with their specs
    listed = _git(repo, "ls-files", "-co", "--exclude-standard", "-z", "--", f":(glob)**/{MANIFEST}")
    for rel in filter(None, listed.split("\0")):
        manifest_path = repo / rel
        folder = manifest_path.parent.parent
        source = ((read_json(manifest_path) or {}).get("source") or {}).get("spec")
        if source and (folder / source).resolve() in landings:
            landings[(folder / source).resolve()].output = folder

    catalog = load_catalog()
    modules_dir = catalog_dir or data_dir("modules")
    for landing in landings.values():
        if landing.reasons:  # deleted
            continue
        spec = landing.spec
        imports: list[Path] = []
        used: dict[str, str] = {}
        if spec is not None and spec.exists():
            if spec in changed:
                landing.because("spec", shown(spec))
            try:
                loaded = load_spec_file(spec)
                imports = list(loaded.imports)
                used = {n: m.version for n, m in resolve_modules(loaded.spec, catalog).items()}
            except AisecError as exc:
                landing.because("spec", shown(spec), f"does not load now: {exc.message}")
        elif spec is not None:
            landing.because("spec", shown(spec), "missing")
        output = landing.output
        current = read_json(output / MANIFEST) if output is not None else None
        recorded = ((current or {}).get("source") or {}).get("imports") or {}
        if output is not None:
            imports += [(output / r).resolve() for r in recorded]
        for imp in sorted(set(imports)):
            if imp in changed:
                landing.because("import", shown(imp))
        if output is not None:
            now = _module_versions(current)
            before = _module_versions(_manifest_at(repo, base, output / MANIFEST))
            used = {**used, **now}
            for name in sorted(set(now) | set(before)):
                if now.get(name) != before.get(name) and before:
                    landing.because(
                        "module", name, f"{before.get(name, '(none)')} -> {now.get(name, '(none)')}"
                    )
            generated = sorted(c for c in changed if c.is_relative_to(output) and ".terraform" not in c.parts)
            if generated:
                landing.because(
                    "generated", shown(output), f"{len(generated)} file(s), e.g. {shown(generated[0])}"
                )
        for name in sorted(used):
            source_dir = (modules_dir / name).resolve()
            if source_dir.is_relative_to(repo):
                touched = sorted(c for c in changed if c.is_relative_to(source_dir))
                if touched:
                    landing.because("module", name, f"catalog source changed: {shown(touched[0])}")

    rows = [
        {
            "landing": ld.name,
            "spec": shown(ld.spec) if ld.spec else None,
            "output": shown(ld.output) if ld.output else None,
            "affected": bool(ld.reasons),
            "reasons": ld.reasons,
        }
        for ld in sorted(landings.values(), key=lambda ld: ld.name)
    ]
    return {
        "base": base,
        "repository": repo.as_posix(),
        "changed_files": len(changed),
        "affected": [r["landing"] for r in rows if r["affected"]],
        "landings": rows,
    }
