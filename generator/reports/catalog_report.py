"""What `aisec catalog list|show|docs` report about the module catalog."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from generator import catalog
from generator.catalog import LOCK_FILE, Module, archive_path, archive_text, data_dir, load_catalog
from generator.catalog.moduledocs import parse_items, stale_readmes, updated_readme
from generator.decide.policy import CONTROLS_BY_ID
from generator.errors import UserInputError


def changelog_entries(module: Module, root: Path | None = None) -> dict[str, str]:
    """The CHANGELOG.md section of each version, by version (from the module's folder: the
    changelog of the latest version holds every entry)."""
    text = (_root(root) / module.name / "CHANGELOG.md").read_text(encoding="utf-8")
    entries: dict[str, str] = {}
    for m in re.finditer(r"^## (\d+\.\d+\.\d+)[^\n]*\n(.*?)(?=^## |\Z)", text, re.M | re.S):
        entries[m.group(1)] = m.group(2).strip()
    return entries


def listing() -> list[dict[str, Any]]:
    return [
        {"name": name, "versions": [m.version for m in versions], "latest": versions[0].version,
         "summary": versions[0].summary, "controls": list(versions[0].controls)}
        for name, versions in sorted(load_catalog().modules.items())
    ]  # fmt: skip


def show(name: str, version: str | None = None) -> dict[str, Any]:
    catalog = load_catalog()
    versions = catalog.modules.get(name)
    if not versions:
        raise UserInputError(
            f"no module named {name!r} in the catalog; available: {', '.join(sorted(catalog.modules))}"
        )
    if version is None:
        module = versions[0]
    else:
        found = next((m for m in versions if m.version == version), None)
        if found is None:
            raise UserInputError(
                f"{name} has no version {version!r}; released: {', '.join(m.version for m in versions)}"
            )
        module = found
    changelog = changelog_entries(module)
    return {
        "name": module.name,
        "version": module.version,
        "summary": module.summary,
        "terraform": module.terraform,
        "providers": module.providers,
        "sha256": module.sha256,
        "controls": [
            {"id": c, "title": CONTROLS_BY_ID[c].title} for c in module.controls if c in CONTROLS_BY_ID
        ],
        "inputs": [
            {
                "name": v.name,
                "type": v.type,
                "description": v.description,
                "default": v.default,
                "required": v.required,
            }
            for v in parse_items(module.text("variables.tf"), "variable")
        ],
        "outputs": [
            {"name": o.name, "description": o.description}
            for o in parse_items(module.text("outputs.tf"), "output")
        ],
        "changelog": changelog,
    }


def docs(check: bool) -> list[str]:
    """Regenerate the README tables (or, with ``check``, only list the stale READMEs)."""
    stale = stale_readmes()
    if not check:
        for readme in stale:
            readme.write_text(updated_readme(readme.parent), encoding="utf-8")
    return [str(p) for p in stale]


PLACEHOLDER = "- (describe the change)"


def _root(root: Path | None) -> Path:
    return root or data_dir("modules")


def read_lock(root: Path | None = None) -> dict[str, dict[str, str]]:
    return catalog.read_lock(_root(root))


def write_lock(lock: dict[str, dict[str, str]], root: Path | None = None) -> None:
    text = (
        json.dumps({"modules": {n: dict(sorted(v.items())) for n, v in sorted(lock.items())}}, indent=2)
        + "\n"
    )
    (_root(root) / LOCK_FILE).write_text(text, encoding="utf-8")


def check(root: Path | None = None) -> list[str]:
    """Why a released version would change under a consumer's feet (empty when all is well)."""
    lock = read_lock(root)
    problems = []
    for name, versions in sorted(load_catalog.__wrapped__(_root(root)).verified().modules.items()):
        module = versions[0]
        recorded = lock.get(name, {}).get(module.version)
        if recorded is None:
            problems.append(
                f"modules/{name}: version {module.version} is not released (aisec catalog release {name} --bump ...)"
            )
        elif recorded != module.release_sha256:
            changed = sorted(rel for rel, _ in module.files() if rel != "CHANGELOG.md")
            problems.append(
                f"modules/{name}: changed since {module.version} was released, without a version bump "
                f"(hash {module.release_sha256[:12]}, locked {recorded[:12]}); release it with "
                f"`aisec catalog release {name} --bump patch|minor|major` (files: {', '.join(changed)})"
            )
        if recorded == module.release_sha256:
            stored = archive_path(_root(root), name, module.version)
            if not stored.is_file() or stored.read_text(encoding="utf-8") != archive_text(module):
                problems.append(
                    f"modules/{name}: {stored.relative_to(_root(root).parent)} is missing or differs from the release"
                )
        entry = changelog_entries(module, root).get(module.version)
        if entry is None:
            problems.append(f"modules/{name}/CHANGELOG.md: no entry for {module.version}")
        elif PLACEHOLDER in entry:
            problems.append(f"modules/{name}/CHANGELOG.md: describe the change of {module.version}")
    return problems


def release(name: str, bump: str, root: Path | None = None) -> str:
    """Record a new version of a module: bump module.yaml, open its changelog entry, lock its hash."""
    base = _root(root)
    catalog = load_catalog.__wrapped__(base)
    if name not in catalog.modules:
        raise UserInputError(f"no module named {name!r}; available: {', '.join(sorted(catalog.modules))}")
    if bump not in ("major", "minor", "patch"):
        raise UserInputError(f"--bump must be major, minor or patch, not {bump!r}")
    module = catalog.modules[name][0]
    major, minor, patch = (int(p) for p in module.version.split("."))
    new = {
        "major": f"{major + 1}.0.0",
        "minor": f"{major}.{minor + 1}.0",
        "patch": f"{major}.{minor}.{patch + 1}",
    }[bump]
    meta = module.path / "module.yaml"
    meta.write_text(
        re.sub(r"(?m)^version: .*$", f"version: {new}", meta.read_text(encoding="utf-8")), encoding="utf-8"
    )
    changelog = module.path / "CHANGELOG.md"
    head, sep, rest = changelog.read_text(encoding="utf-8").partition("\n## ")
    changelog.write_text(f"{head}\n## {new}\n\n{PLACEHOLDER}\n{sep}{rest}", encoding="utf-8")
    released = load_catalog.__wrapped__(base).modules[name][0]
    lock = read_lock(base)
    lock.setdefault(name, {})[new] = released.release_sha256
    write_lock(lock, base)
    stored = archive_path(base, name, new)
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_text(archive_text(released), encoding="utf-8")
    return new
