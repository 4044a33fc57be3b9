"""Just enough of Go's syntax to read schema functions: tokens, composite literals, calls, consts.

Used by :mod:`generator.offline.gosdkv2`; function bodies other than a single ``return`` are
skipped by bracket matching (strings, runes and comments may hold brackets).
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
            if self.peek() == "[":  # type arguments of a generic call, or an index: not kept
                self.skip_balanced()
                if self.peek() != "(":
                    return Opaque()
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


_CONST_LINE = r"""(\w+)(?:[ \t]+[\w.]+)?[ \t]*=[ \t]*("(?:\\.|[^"\\])*"|\d+|true|false|schema\.Type\w+)[ \t]*(?://[^\n]*)?$"""
_CONST_GROUP_RE = re.compile(r"^const \((.*?)^\)", re.MULTILINE | re.DOTALL)
_CONST_ONE_RE = re.compile(r"^const " + _CONST_LINE, re.MULTILINE)
_CONST_IN_GROUP_RE = re.compile(r"^[ \t]*" + _CONST_LINE, re.MULTILINE)


def parse_consts(src: str) -> dict[str, Any]:
    """Top-level ``const`` declarations whose value is a string, integer or bool literal or a
    ``schema.Type*`` name (``iota`` and
    expressions are left out): ``const X = 1`` and ``const (\n A = "a"\n B int = 2\n)``."""
    found = _CONST_ONE_RE.findall(src)
    for group in _CONST_GROUP_RE.findall(src):
        found += _CONST_IN_GROUP_RE.findall(group)
    return {name: _const_value(value) for name, value in found}


def _const_value(text: str) -> Any:
    if text.startswith('"'):
        return text[1:-1]
    if text.startswith("schema.Type"):  # an alias of a schema type (nullable.TypeNullableInt)
        return Ref(text)
    return text == "true" if text in ("true", "false") else int(text)
