"""The QuickSight ``definition`` blocks, which the CDK bindings type "any".

``aws_quicksight_analysis``, ``aws_quicksight_dashboard`` and ``aws_quicksight_template`` hold their
whole analysis/dashboard/template definition as deeply nested SDKv2 blocks (terraform-provider-aws
``internal/service/quicksight/schema``: some 12,000 attributes in 8,600 blocks each). Their shape
is derived mechanically from the provider's Go source by :mod:`generator.offline.goderive` into
``data/quicksight-definition.json.gz`` (pinned commit and file hashes recorded inside); the
extraction (``extract.py``) puts those blocks in place of the bundle's dynamic attribute, so the
served schemas stay reproducible from the pinned wheels plus that file.

They are the schema's bulk (aws-6.69.1: 9.1 MiB raw with them, 5.0 without) and few
configurations use them, so the served schema files hold each resource's ``definition`` as a
reference (``{"$ref": "quicksight-definition.json.gz#AnalysisDefinitionSchema"}``, see
:func:`detach`) and the loader (``schema.py``) resolves the three on the first access to one of
these resource types (:func:`attach`); every walk over all resources sees the full blocks.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "quicksight-definition.json.gz"
RESOURCES = {
    "aws_quicksight_analysis": "AnalysisDefinitionSchema",
    "aws_quicksight_dashboard": "DashboardDefinitionSchema",
    "aws_quicksight_template": "TemplateDefinitionSchema",
}


REF = "$ref"


def load(path: Path = DATA) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return data


def apply(resources: dict[str, Any], notes: list[str], data: dict[str, Any] | None = None) -> None:
    """Put the derived ``definition`` blocks in place of the bundle's dynamic attribute."""
    from generator.offline.schemacheck import has_dynamic

    data = data or load()
    src = data["source"]
    where = f"{src['repository']} {src['folder']} at {src['commit'][:12]}"
    for name, function in RESOURCES.items():
        if name not in resources:
            continue
        block = resources[name]["block"]
        attr = block["attributes"].get("definition")
        if attr is None or not has_dynamic(attr["type"]):
            raise ValueError(f"{name}.definition: expected the bundle's untyped attribute, found {attr}")
        shape = data["shapes"][function]
        if "block" not in shape:
            raise ValueError(f"{name}.definition: {function} is not a block in {DATA.name}")
        del block["attributes"]["definition"]
        block.setdefault("block_types", {})["definition"] = shape["block"]
        block["block_types"] = dict(sorted(block["block_types"].items()))
        notes.append(
            f'resource.{name}.definition: typed "any" by the bindings; served as the provider\'s nested '
            f"blocks, derived from {where} ({function}); one shape for every served version"
        )


def reference(function: str) -> dict[str, str]:
    return {REF: f"{DATA.name}#{function}"}


def detach(resources: dict[str, Any], data: dict[str, Any] | None = None) -> None:
    """Replace each applied ``definition`` block by a reference to its shape in :data:`DATA`,
    refusing one that differs from that shape (the extraction's approximations must not touch it)."""
    data = data or load()
    for name, function in RESOURCES.items():
        if name not in resources:
            continue
        block_types = resources[name]["block"]["block_types"]
        if block_types.get("definition") != data["shapes"][function]["block"]:
            raise ValueError(f"{name}.definition: not the {function} block of {DATA.name}")
        block_types["definition"] = reference(function)


def pending(resources: dict[str, Any]) -> set[str]:
    """The resource types whose ``definition`` is still a reference."""
    return {
        name
        for name in RESOURCES
        if REF in resources.get(name, {}).get("block", {}).get("block_types", {}).get("definition", {})
    }


def attach(resources: dict[str, Any], data: dict[str, Any] | None = None) -> set[str]:
    """Resolve every ``definition`` reference in place (one parse of :data:`DATA`); the types done."""
    names = pending(resources)
    if not names:
        return names
    data = data or load()
    for name in names:
        block_types = resources[name]["block"]["block_types"]
        ref = block_types["definition"][REF]
        file, _, function = ref.partition("#")
        if file != DATA.name or function not in data["shapes"]:
            raise ValueError(f"{name}.definition: unknown reference {ref!r}")
        block_types["definition"] = data["shapes"][function]["block"]
    return names
