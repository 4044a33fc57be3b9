"""What `aisec catalog list|show|docs` report about the module catalog."""

from __future__ import annotations

import re
from typing import Any

from generator.catalog import Module, load_catalog
from generator.errors import UserInputError
from generator.moduledocs import items, stale_readmes, updated_readme
from generator.policy import CONTROLS_BY_ID


def changelog_entries(module: Module) -> dict[str, str]:
    """The CHANGELOG.md section of each version, by version."""
    text = (module.path / "CHANGELOG.md").read_text(encoding="utf-8")
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
            for v in items(module.path / "variables.tf", "variable")
        ],
        "outputs": [
            {"name": o.name, "description": o.description}
            for o in items(module.path / "outputs.tf", "output")
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
