"""`aisec upgrade`: re-render an output with the newest module versions its constraints allow, with the
diff, the changelog entries and `moved` blocks for renamed module calls."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from generator.cache import atomic_write
from generator.catalog import Catalog, Module, load_catalog, parse_version
from generator.core.compare import _differences
from generator.decide.policy import decide
from generator.errors import UserInputError
from generator.render import SPEC_COPY, resolve_modules, with_source
from generator.render.accounts import require_state_key
from generator.render.stages import render_landing
from generator.render.writer import manifest_imports, manifest_source, manifest_versions, write
from generator.reports.catalog_report import changelog_entries
from generator.spec import load_spec

MOVED_FILE = "moved.custom.tf"
_CALL_RE = re.compile(r'^module "([A-Za-z0-9_]+)" \{\n\s*source\s*=\s*"[^"]*modules/([a-z]+)[^"]*"', re.M)


def _moved_blocks(
    files: dict[str, str], upgrades: dict[str, tuple[Module | None, Module]], catalog: Catalog
) -> list[str]:
    """`moved` blocks for the resources the new module versions renamed, for every call of them."""
    blocks = []
    for name, (old, new) in sorted(upgrades.items()):
        renamed = [
            pair
            for m in catalog.modules[name]
            if old is not None
            and parse_version(old.version) < parse_version(m.version) <= parse_version(new.version)
            for pair in m.moved
        ]
        calls = sorted({c for text in files.values() for c, mod in _CALL_RE.findall(text) if mod == name})
        for call in calls:
            for before, after in renamed:
                blocks.append(
                    f"moved {{\n  from = module.{call}.{before}\n  to   = module.{call}.{after}\n}}\n"
                )
    return blocks


def upgrade(directory: str | Path, dry_run: bool = False, catalog: Catalog | None = None) -> dict[str, Any]:
    """Re-render an output with the newest module versions its spec's constraints allow."""
    folder = Path(directory)
    spec_copy = folder / SPEC_COPY
    if not spec_copy.is_file():
        raise UserInputError(f"{directory}: no {SPEC_COPY}; upgrade works on a folder aisec rendered")
    spec = load_spec(spec_copy)
    require_state_key(spec, str(spec_copy))  # accounts: the state key's ARN
    catalog = catalog or load_catalog()
    before = manifest_versions(folder)
    files = with_source(  # the same source and imports as recorded
        render_landing(spec, decide(spec), catalog=catalog), manifest_source(folder), manifest_imports(folder)
    )
    now = resolve_modules(spec, catalog)
    upgrades: dict[str, tuple[Module | None, Module]] = {}
    for name, module in now.items():
        old_version = before.get(name)
        if old_version != module.version:
            old = next((m for m in catalog.modules[name] if m.version == old_version), None)
            upgrades[name] = (old, module)
    entries = {}
    for name, (old, new) in upgrades.items():
        log = changelog_entries(new)
        entries[name] = {
            v: text
            for v, text in log.items()
            if (old is None or parse_version(v) > parse_version(old.version))
            and parse_version(v) <= parse_version(new.version)
        }
    moved_file = folder / MOVED_FILE
    existing = moved_file.read_text(encoding="utf-8") if moved_file.is_file() else ""
    new_moved = "\n".join(b for b in _moved_blocks(files, upgrades, catalog) if b.strip() not in existing)
    if new_moved and spec.layout == "stages":
        raise UserInputError(
            f"{directory}: this upgrade renames resources inside modules, which needs moved blocks in each "
            "root of a landing split by stage; aisec does not write those yet: upgrade with layout: single"
        )
    report = {
        "output": str(directory),
        "upgrades": {
            n: {"from": o.version if o else before.get(n), "to": m.version} for n, (o, m) in upgrades.items()
        },
        "changelog": entries,
        "moved": new_moved,
        **_differences(folder, files, str(directory)),
    }
    if not dry_run and upgrades:
        result = write(folder, files)
        if new_moved:
            header = (
                ""
                if existing
                else "# Written by aisec upgrade: resources the catalog's modules renamed. Yours from now on;\n# keep them until every copy of the state has been applied with them.\n\n"
            )
            atomic_write(moved_file, (existing + header + new_moved.rstrip("\n") + "\n").encode(), 0o644)
        report["written"] = True
        if result.needs_attention:
            raise result.attention_error()
    return report
