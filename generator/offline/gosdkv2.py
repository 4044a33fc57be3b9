"""Translate a terraform-plugin-sdk/v2 schema package written in Go into Terraform's block schema.

The AWS provider writes some very deep schemas (``internal/service/quicksight/schema``) as Go
functions that return ``*schema.Schema`` values built from helpers (``stringSchema(required,
validator)``, ``intSchema``, ``floatSchema``, ``columnSchema()``, ...). The CDK bindings type those
"any", so the offline stand-in cannot learn their shape from the bindings. This module reads the
Go text (given as strings: the provider's code is not kept in this repository) and evaluates the
schema functions symbolically:

- a function is usable when its body is ``return <expression>``; its parameters are bound to the
  call's arguments (``required`` -> ``True``, ``!required`` is evaluated);
- ``&schema.Schema{...}`` and the elided ``{...}`` of a ``map[string]*schema.Schema`` literal are
  schemas; ``&schema.Resource{Schema: map...}`` is a nested block; validators, diff suppressors,
  ``ExactlyOneOf`` lists and any other value not needed for the shape are skipped unevaluated.

The result is what SDKv2's ``CoreConfigSchema`` turns a schema into (what ``terraform providers
schema -json`` prints): a ``TypeList``/``TypeSet`` whose ``Elem`` is a resource is a list/set-nested
block (``max_items`` from ``MaxItems``; ``min_items`` from ``MinItems``, at least 1 when required
and dropped when optional), unless it is computed and not optional (then an attribute); a list,
set or map of a primitive is an attribute; ``TypeInt``/``TypeFloat`` are numbers.
"""

from __future__ import annotations

from typing import Any

from generator.offline.goparse import (
    Call,
    Func,
    GoSchemaError,
    Lit,
    Not,
    Opaque,
    Ref,
    parse_consts,
    parse_funcs,
)

TYPES = {"schema.TypeString": "string", "schema.TypeInt": "number", "schema.TypeFloat": "number",
         "schema.TypeBool": "bool"}  # fmt: skip
COLLECTIONS = {"schema.TypeList": "list", "schema.TypeSet": "set", "schema.TypeMap": "map"}

__all__ = ["GoSchemaError", "Translator", "parse_consts", "parse_funcs"]


class Translator:
    def __init__(self, sources: dict[str, str]) -> None:
        self.funcs: dict[str, Func] = {}
        self.consts: dict[str, Any] = {}
        for _, src in sorted(sources.items()):
            self.funcs.update(parse_funcs(src))
            self.consts.update(parse_consts(src))
        self.stack: list[str] = []

    def _value(self, node: Any, env: dict[str, Any]) -> Any:
        if isinstance(node, Ref):
            if node.name in env:
                return env[node.name]
            # A package constant, qualified (names.AttrValue) or not.
            return self.consts.get(node.name.rsplit(".", 1)[-1], node)
        if isinstance(node, Not):
            inner = self._value(node.operand, env)
            return (not inner) if isinstance(inner, bool) else Opaque()
        return node

    def _call(self, call: Call, env: dict[str, Any]) -> dict[str, Any]:
        fn = self.funcs.get(call.name)
        if fn is None or fn.body is None:
            why = "not found" if fn is None else "not a single return statement"
            raise GoSchemaError(f"schema function {call.name}: {why}")
        if call.name in self.stack:
            raise GoSchemaError(f"schema function {call.name} calls itself: {' -> '.join(self.stack)}")
        args = [self._value(a, env) for a in call.args]
        self.stack.append(call.name)
        try:
            return self.schema(fn.body, dict(zip(fn.params, args, strict=False)))
        finally:
            self.stack.pop()

    def schema(self, node: Any, env: dict[str, Any] | None = None) -> dict[str, Any]:
        """A ``*schema.Schema`` expression as {"attribute": ...} or {"block": ...}."""
        env = env or {}
        if isinstance(node, Call):
            return self._call(node, env)
        if not isinstance(node, Lit) or node.type not in ("", "schema.Schema"):
            raise GoSchemaError(f"not a schema: {node!r}")
        keys: dict[str, Any] = {}
        for key, value in node.items:
            if isinstance(key, Ref):
                keys[key.name] = self._value(value, env)
        flags: dict[str, bool] = {}
        for k in ("Required", "Optional", "Computed", "Sensitive"):
            if not isinstance(keys.get(k, False), bool):
                raise GoSchemaError(f"{k} is not a boolean the translator can evaluate: {keys[k]!r}")
            flags[k.lower()] = keys.get(k) is True
        ty = keys.get("Type")
        ty_name = ty.name if isinstance(ty, Ref) else repr(ty)
        elem = keys.get("Elem")
        if ty_name in TYPES:
            return {"attribute": _attribute(TYPES[ty_name], flags)}
        if ty_name not in COLLECTIONS:
            raise GoSchemaError(f"unknown schema type {ty_name}")
        mode = COLLECTIONS[ty_name]
        if isinstance(elem, Call):  # a function returning *schema.Resource
            fn = self.funcs.get(elem.name)
            if fn is not None and isinstance(fn.body, Lit) and fn.body.type == "schema.Resource":
                args = [self._value(a, env) for a in elem.args]
                elem, env = fn.body, dict(zip(fn.params, args, strict=False))
        if isinstance(elem, Lit) and elem.type == "schema.Resource":
            if mode == "map":
                raise GoSchemaError("TypeMap of a resource is not supported")
            block = self.resource(elem, env)
            as_attr = isinstance(keys.get("ConfigMode"), Ref) and keys["ConfigMode"].name.endswith("ModeAttr")
            if as_attr or (flags["computed"] and not flags["optional"]):
                return {"attribute": _attribute([mode, _object_type(block)], flags)}
            bt: dict[str, Any] = {"nesting_mode": mode, "block": block}
            min_items, max_items = _count(keys, "MinItems"), _count(keys, "MaxItems")
            if flags["required"]:
                bt["min_items"] = max(min_items, 1)
            if max_items:
                bt["max_items"] = max_items
            return {"block": bt}
        inner = "string" if elem is None else self.schema(elem, env).get("attribute", {}).get("type")
        if not isinstance(inner, str | list):
            raise GoSchemaError(f"{mode} of an unsupported element")
        return {"attribute": _attribute([mode, inner], flags)}

    def resource(self, lit: Lit, env: dict[str, Any]) -> dict[str, Any]:
        fields = {k.name: v for k, v in lit.items if isinstance(k, Ref)}
        schema_map = fields.get("Schema")
        if isinstance(schema_map, Call):
            raise GoSchemaError(f"resource schema from a call ({schema_map.name}) is not supported")
        if not isinstance(schema_map, Lit):
            raise GoSchemaError("resource without a Schema map")
        block: dict[str, Any] = {"attributes": {}}
        for key, value in schema_map.items:
            key = self._value(key, env)
            if not isinstance(key, str):
                raise GoSchemaError(f"schema map key {key!r} is not a string literal")
            got = self.schema(value, env)
            if "block" in got:
                block.setdefault("block_types", {})[key] = got["block"]
            else:
                block["attributes"][key] = got["attribute"]
        block["attributes"] = dict(sorted(block["attributes"].items()))
        if "block_types" in block:
            block["block_types"] = dict(sorted(block["block_types"].items()))
        return block

    def function(self, name: str) -> dict[str, Any]:
        """The block type (or attribute) a schema function returns, called without arguments."""
        return self.schema(Call(name, []))


def _count(keys: dict[str, Any], name: str) -> int:
    value = keys.get(name, 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise GoSchemaError(f"{name} is not an integer literal: {value!r}")
    return value


def _attribute(ty: Any, flags: dict[str, bool]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": ty}
    if flags["required"]:
        out["required"] = True
    else:
        if flags["optional"] or not flags["computed"]:
            out["optional"] = True
        if flags["computed"]:
            out["computed"] = True
    if flags["sensitive"]:
        out["sensitive"] = True
    return out


def _object_type(block: dict[str, Any]) -> list[Any]:
    attrs = {k: v["type"] for k, v in block["attributes"].items()}
    for name, bt in block.get("block_types", {}).items():
        attrs[name] = [bt["nesting_mode"], _object_type(bt["block"])]
    return ["object", dict(sorted(attrs.items()))]
