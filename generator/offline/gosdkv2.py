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

import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<str>"(?:\\.|[^"\\])*"|`[^`]*`)
  | (?P<rune>'(?:\\.|[^'\\])*')
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>\.\.\.|:=|&&|\|\||==|!=|<=|>=|[{}()\[\],:;&*!.+\-/<>=|])
  | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)

TYPES = {"schema.TypeString": "string", "schema.TypeInt": "number", "schema.TypeFloat": "number",
         "schema.TypeBool": "bool"}  # fmt: skip
COLLECTIONS = {"schema.TypeList": "list", "schema.TypeSet": "set", "schema.TypeMap": "map"}


class GoSchemaError(ValueError):
    """The Go text uses a construct this translator does not evaluate."""


def tokenize(src: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(src):
        m = _TOKEN_RE.match(src, pos)
        if m is None:
            raise GoSchemaError(f"cannot read Go text at {src[pos : pos + 30]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group()))
    return out


@dataclass
class Lit:
    """A composite literal: ``type{key: value, ...}`` (type "" when elided)."""

    type: str
    items: list[tuple[Any, Any]] = field(default_factory=list)


@dataclass
class Call:
    name: str
    args: list[Any]


@dataclass
class Ref:
    name: str


@dataclass
class Not:
    operand: Any


class Opaque:
    """A value the shape does not need (validators, function literals, expressions)."""


@dataclass
class Func:
    name: str
    params: list[str]
    body: Any  # the returned expression, or None when the body is not a single return


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.t = tokens
        self.i = 0

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.t[j][1] if j < len(self.t) else ""

    def kind(self) -> str:
        return self.t[self.i][0] if self.i < len(self.t) else ""

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if want is not None and tok != want:
            raise GoSchemaError(f"expected {want!r}, found {tok!r} (token {self.i})")
        self.i += 1
        return tok

    def skip_balanced(self) -> None:
        """Skip from an opening bracket to its match."""
        pairs = {"{": "}", "(": ")", "[": "]"}
        stack = [pairs[self.take()]]
        while stack:
            tok = self.take()
            if tok == "":
                raise GoSchemaError("unbalanced brackets")
            if tok in pairs:
                stack.append(pairs[tok])
            elif tok == stack[-1]:
                stack.pop()

    def type_name(self) -> str:
        """A type before a composite literal: ``map[string]*schema.Schema``, ``[]string``."""
        parts: list[str] = []
        while self.peek() not in ("{", ""):
            if (
                parts
                and self.kind() == "ident"
                and self.peek(1) != "{"
                and parts[-1] not in ("[", "]", "*", "map")
            ):
                break
            parts.append(self.take())
        return "".join(parts)

    def literal_body(self, type_: str) -> Lit:
        self.take("{")
        lit = Lit(type_)
        while self.peek() != "}":
            first = self.expr()
            if self.peek() == ":":
                self.take()
                lit.items.append((first, self.expr()))
            else:
                lit.items.append((None, first))
            if self.peek() == ",":
                self.take()
        self.take("}")
        return lit

    def expr(self) -> Any:
        value = self.unary()
        # Binary operators and selectors after a value: not needed for the shape.
        while self.peek() in ("&&", "||", "==", "!=", "+", "-", "/", "<", ">", "<=", ">=", ".", "|"):
            self.take()
            self.unary()
            value = Opaque()
        return value

    def unary(self) -> Any:
        tok = self.peek()
        if tok == "!":
            self.take()
            return Not(self.unary())
        if tok in ("&", "*", "-"):
            self.take()
            return self.unary()
        if tok == "{":
            return self.literal_body("")
        if tok in ("[", "map"):
            type_ = self.type_name()
            return self.literal_body(type_) if self.peek() == "{" else Opaque()
        if tok == "func":
            self.take()
            self.skip_balanced()  # parameters
            while self.peek() != "{":
                self.take()  # result types
            self.skip_balanced()
            return Opaque()
        if tok == "(":
            self.take()
            value = self.expr()
            self.take(")")
            return value
        kind = self.kind()
        if kind == "str":
            return self.take()[1:-1]
        if kind == "num":
            num = self.take()
            return float(num) if "." in num else int(num)
        if kind == "ident":
            name = self.take()
            if name in ("true", "false"):
                return name == "true"
            if self.peek() == "(":
                self.take()
                args: list[Any] = []
                while self.peek() != ")":
                    args.append(self.expr())
                    if self.peek() == ",":
                        self.take()
                self.take(")")
                return Call(name, args)
            if self.peek() == "{" and "." in name:
                return self.literal_body(name)
            return Ref(name)
        raise GoSchemaError(f"unexpected {tok!r} (token {self.i})")


def parse_funcs(src: str) -> dict[str, Func]:
    """Every top-level function of a Go file; ``body`` set when it is a single ``return expr``."""
    p = _Parser(tokenize(src))
    funcs: dict[str, Func] = {}
    while p.peek():
        if p.peek() != "func" or p.peek(1) == "(":  # not a function, or a method
            p.take()
            continue
        p.take()
        name = p.take()
        params: list[str] = []
        if p.peek() == "[":  # type parameters
            p.skip_balanced()
        p.take("(")
        depth = 0
        expect_name = True
        while depth or p.peek() != ")":
            tok = p.take()
            if tok in "([{":
                depth += 1
            elif tok in ")]}":
                depth -= 1
            elif tok == "," and not depth:
                expect_name = True
            elif expect_name and not depth:
                params.append(tok)
                expect_name = False
        p.take(")")
        while p.peek() != "{":  # result type
            if p.take() in ("interface", "struct") and p.peek() == "{":
                p.skip_balanced()
        start = p.i
        body: Any = None
        p.take("{")
        if p.peek() == "return":
            p.take()
            try:
                body = p.expr()
            except GoSchemaError:
                body = None
            if p.peek() != "}":
                body = None
        p.i = start
        p.skip_balanced()
        funcs[name] = Func(name, params, body)
    return funcs


class Translator:
    def __init__(self, sources: dict[str, str]) -> None:
        self.funcs: dict[str, Func] = {}
        for _, src in sorted(sources.items()):
            self.funcs.update(parse_funcs(src))
        self.stack: list[str] = []

    def _value(self, node: Any, env: dict[str, Any]) -> Any:
        if isinstance(node, Ref):
            return env.get(node.name, node)
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
        flags = {k.lower(): keys.get(k) is True for k in ("Required", "Optional", "Computed", "Sensitive")}
        ty = keys.get("Type")
        ty_name = ty.name if isinstance(ty, Ref) else repr(ty)
        elem = keys.get("Elem")
        if ty_name in TYPES:
            return {"attribute": _attribute(TYPES[ty_name], flags)}
        if ty_name not in COLLECTIONS:
            raise GoSchemaError(f"unknown schema type {ty_name}")
        mode = COLLECTIONS[ty_name]
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
