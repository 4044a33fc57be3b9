"""Safe HCL emission: every value from a spec reaches HCL through :func:`encode`.

Templates may only print :class:`Hcl` fragments (the template environment refuses anything
else), and a plain ``str`` becomes a quoted, escaped HCL string literal. So a hostile name or
description can never close a string, open an interpolation (``${``/``%{``) or add a block.

:func:`align` then applies ``terraform fmt``'s alignment of ``=`` in runs of single-line
attributes, so rendered files pass ``terraform fmt -check`` without running terraform.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
BARE_KEY_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
# Words HCL's expression syntax reads as keywords or literals: as an object key they are quoted
# ({ for = 1 } would start a for expression; python-hcl2 refuses a bare `if`).
HCL_KEYWORDS = frozenset({"else", "endfor", "endif", "false", "for", "if", "in", "null", "true"})


class Hcl(str):
    """A fragment of HCL that is already safe to emit verbatim (an expression or a literal)."""

    __slots__ = ()


def ident(name: str) -> Hcl:
    """An HCL identifier (block label position or attribute name); refuses anything else."""
    if not IDENT_RE.fullmatch(name):
        raise ValueError(f"not an HCL identifier: {name!r}")
    return Hcl(name)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


# What a literal must not hold as is: template openers, quotes and backslashes, control characters
# and the Unicode line separators.
_SPECIAL_RE = re.compile(r'[$%]\{|[\\"\x00-\x1f\x7f\u2028\u2029]')


def _escape(match: re.Match[str]) -> str:
    found = match.group()
    if len(found) == 2:
        return found[0] + found  # $${ and %%{ are literal ${ and %{ in HCL templates
    return _ESCAPES.get(found) or f"\\u{ord(found):04x}"


def string(value: str) -> Hcl:
    """A quoted HCL string literal whose value is exactly ``value``."""
    return Hcl('"' + _SPECIAL_RE.sub(_escape, value) + '"')


def _key(key: str) -> str:
    return key if BARE_KEY_RE.fullmatch(key) and key not in HCL_KEYWORDS else string(key)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool, int, float))


def encode(value: Any, indent: int = 0) -> Hcl:
    """HCL for a Python value: str (escaped), bool, int, None, lists and dicts (multi-line)."""
    kind = type(value)  # the common exact types first: this runs for every value of every render
    if kind is Hcl:
        return value  # type: ignore[no-any-return]
    if kind is str:
        return string(value)
    pad = "  " * indent
    if isinstance(value, Hcl):
        return value
    if value is None:
        return Hcl("null")
    if isinstance(value, bool):
        return Hcl("true" if value else "false")
    if isinstance(value, int):
        return Hcl(str(value))
    if isinstance(value, str):
        return string(value)
    if isinstance(value, Mapping):
        if not value:
            return Hcl("{}")
        lines = [f"{pad}  {_key(str(k))} = {encode(v, indent + 1)}" for k, v in value.items()]
        return Hcl("{\n" + "\n".join(lines) + f"\n{pad}}}")
    if isinstance(value, Sequence):
        items = list(value)
        if not items:
            return Hcl("[]")
        if all(_is_scalar(v) or isinstance(v, Hcl) for v in items):
            one_line = "[" + ", ".join(encode(v) for v in items) + "]"
            if len(one_line) + len(pad) <= 100:
                return Hcl(one_line)
            return Hcl("[\n" + "".join(f"{pad}  {encode(v)},\n" for v in items) + f"{pad}]")
        return Hcl("[\n" + "".join(f"{pad}  {encode(v, indent + 1)},\n" for v in items) + f"{pad}]")
    raise TypeError(f"cannot encode {type(value).__name__} as HCL")


# --------------------------------------------------------------------------- formatting
_ATTR_RE = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_-]*|\"(?:[^\"\\]|\\.)*\")\s*=\s*(.*)$")


# a string literal, or an unterminated one up to the end of the line
_LITERAL_RE = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)


def _depth_change(text: str) -> int:
    """Net opening brackets in a line, ignoring those inside string literals."""
    bare = _LITERAL_RE.sub("", text) if '"' in text else text
    return sum(map(bare.count, "{[(")) - sum(map(bare.count, "}])"))


def _aligned(group: list[tuple[str, str, str]]) -> list[str]:
    width = max((len(k) for _, k, _ in group), default=0)
    return [f"{ind}{k.ljust(width)} = {v}" for ind, k, v in group]


def align(text: str) -> str:
    """Align ``=`` in runs of single-line attributes at one indent, as ``terraform fmt`` does.

    Also strips trailing spaces, folds runs of blank lines and ends the text with one newline.
    One pass over the lines (it runs on every rendered line: a fifth of a render, when it was three).
    """
    out: list[str] = []
    group: list[tuple[str, str, str]] = []  # the run of single-line attributes being aligned
    blank = True  # the previous line was blank (or there was none): blank lines fold into one
    for ln in text.splitlines():
        ln = ln.rstrip()
        if not ln:
            if not blank:
                out.extend(_aligned(group))
                group.clear()
                out.append("")
                blank = True
            continue
        blank = False
        m = _ATTR_RE.match(ln) if "=" in ln else None
        if m is not None:
            ind, key, val = m.groups()
            brackets = "{" in val or "[" in val or "(" in val or "}" in val or "]" in val or ")" in val
            if not brackets or _depth_change(val) == 0:
                if group and group[0][0] != ind:
                    out.extend(_aligned(group))
                    group.clear()
                group.append((ind, key, val))
                continue
            ln = f"{ind}{key} = {val}"  # its value opens a multi-line expression: normalise its spacing only
        if group:
            out.extend(_aligned(group))
            group.clear()
        out.append(ln)
    if group:
        out.extend(_aligned(group))
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
