"""Terraform's checks on a provider schema (configschema.Block.InternalValidate), in Python.

Terraform refuses to load a provider whose schema breaks any of these, so the extracted schema
must pass them all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from generator.offline.values import Block

NAME_RE = re.compile(r"^[a-z0-9_]+$")
PRIMITIVES = ("string", "number", "bool", "dynamic")


def valid_type(ty: Any) -> bool:
    if isinstance(ty, str):
        return ty in PRIMITIVES
    if isinstance(ty, list) and len(ty) == 2 and ty[0] in ("list", "set", "map"):
        return valid_type(ty[1])
    if isinstance(ty, list) and len(ty) == 2 and ty[0] == "object" and isinstance(ty[1], dict):
        return all(NAME_RE.match(k) is not None and valid_type(v) for k, v in ty[1].items())
    return False


def has_dynamic(ty: Any) -> bool:
    if ty == "dynamic":
        return True
    if isinstance(ty, list) and ty[0] in ("list", "set", "map"):
        return has_dynamic(ty[1])
    if isinstance(ty, list) and ty[0] == "object":
        return any(has_dynamic(v) for v in ty[1].values())
    return False


def block_has_dynamic(block: Block) -> bool:
    return any(has_dynamic(a["type"]) for a in block.get("attributes", {}).values()) or any(
        block_has_dynamic(bt["block"]) for bt in block.get("block_types", {}).values()
    )


def check_block(block: Block, path: str) -> list[str]:
    errors: list[str] = []
    attrs = block.get("attributes", {})
    for name, a in attrs.items():
        where = f"{path}.{name}"
        if not NAME_RE.match(name):
            errors.append(f"{where}: invalid name")
        req, opt, comp = a.get("required", False), a.get("optional", False), a.get("computed", False)
        if not (req or opt or comp):
            errors.append(f"{where}: must set optional, required or computed")
        if req and (opt or comp):
            errors.append(f"{where}: required cannot be optional or computed")
        if not valid_type(a.get("type")):
            errors.append(f"{where}: invalid type {a.get('type')!r}")
        if isinstance(a.get("type"), list) and a["type"][0] == "set" and has_dynamic(a["type"][1]):
            errors.append(f"{where}: sets may not contain dynamic values")
    for name, bt in block.get("block_types", {}).items():
        where = f"{path}.{name}"
        if not NAME_RE.match(name):
            errors.append(f"{where}: invalid name")
        if name in attrs:
            errors.append(f"{where}: name used by an attribute and a block")
        mode, lo, hi = bt.get("nesting_mode"), bt.get("min_items", 0), bt.get("max_items", 0)
        if mode in ("single", "group") and (lo > 1 or hi > 1):
            errors.append(f"{where}: min_items and max_items must be 0 or 1 in {mode} mode")
        elif mode in ("single", "group") and lo != hi:
            errors.append(f"{where}: min_items and max_items must match in {mode} mode")
        elif mode in ("list", "set") and hi and lo > hi:
            errors.append(f"{where}: min_items greater than max_items")
        elif mode == "map" and (lo or hi):
            errors.append(f"{where}: min_items and max_items must be 0 in map mode")
        elif mode not in ("single", "group", "list", "set", "map"):
            errors.append(f"{where}: invalid nesting mode {mode!r}")
        if mode == "set" and block_has_dynamic(bt["block"]):
            errors.append(f"{where}: set-nested blocks may not contain dynamic attributes")
        errors += check_block(bt["block"], where)
    return errors


def check_provider_schema(
    provider: Mapping[str, Any], resources: Mapping[str, Any], data_sources: Mapping[str, Any]
) -> list[str]:
    errors = check_block(provider["block"], "provider")
    for kind, schemas in (("resource", resources), ("data", data_sources)):
        for name, s in sorted(schemas.items()):
            errors += check_block(s["block"], f"{kind}.{name}")
    return errors
