"""CloudWatch Logs JSON filter patterns: parse one and match it against a log event.

Metric filters are the landing's alarm wiring, and AWS only tells you a pattern is wrong after it
silently never matches. This module lets the tests (and users, on their own patterns) run a
pattern against sample CloudTrail events offline. It covers the JSON syntax the landing uses:

    { ($.eventName = DeleteTrail) || ($.errorCode = "*UnauthorizedOperation") && ($.x != "y") }

- selectors ``$.a.b`` and ``$.a[0]``;
- ``=`` and ``!=`` on text (quoted or bare, ``*`` a wildcard anywhere) and numbers;
  ``<``, ``<=``, ``>``, ``>=`` on numbers;
- ``IS NULL``, ``NOT EXISTS``, ``IS TRUE``, ``IS FALSE``;
- parentheses, ``&&`` and ``||``.

Semantics follow the CloudWatch Logs filter-pattern documentation; where it is silent this module
chooses, and says so: a comparison (``=`` or ``!=``) on a field the event lacks is false (use
``NOT EXISTS`` for absence), and ``&&`` binds tighter than ``||``. Because AWS documents no
precedence, :attr:`Pattern.ambiguous` flags patterns that mix the two at one level without
parentheses, so a pattern can be written to mean the same under any reading.
Not covered (a clear :class:`PatternError`): space-delimited and term patterns, ``%regex%``
values and ``IN`` lists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Union

from generator.errors import UserInputError

# One token per match: punctuation and operators first, then quoted text, selectors, words.
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\)|\{|\})
    | (?P<str>"(?:[^"\\]|\\.)*")
    | (?P<sel>\$(?:\.[A-Za-z0-9_@:-]+|\[\d+\])+)
    | (?P<word>[^\s()&|=!<>{}"]+)
    )""",
    re.X,
)
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_MISSING = object()
_KINDS = {"sel": "a field selector ($.name)", "str": "quoted text", "word": "a value", "op": "an operator"}


class PatternError(UserInputError):
    """A filter pattern this module cannot read; the message says where and why."""


@dataclass(frozen=True)
class Token:
    kind: str  # op, str, sel, word
    text: str
    at: int


@dataclass(frozen=True)
class Comparison:
    selector: str
    op: str  # = != < <= > >= IS_NULL NOT_EXISTS IS_TRUE IS_FALSE
    value: str | float | None = None


@dataclass(frozen=True)
class Group:
    op: str  # && or ||
    terms: tuple[Expr, ...]


Expr = Union[Comparison, Group]  # noqa: UP007 (a runtime alias; X | Y needs 3.10 objects here)


@dataclass(frozen=True)
class Pattern:
    text: str
    expr: Expr
    ambiguous: bool  # mixes && and || at one level without parentheses

    def matches(self, event: Mapping[str, Any] | str) -> bool:
        """Whether the pattern matches ``event`` (a parsed CloudTrail record or its JSON text)."""
        if isinstance(event, str):
            try:
                event = json.loads(event)
            except ValueError:
                return False  # JSON patterns match JSON events only
        if not isinstance(event, Mapping):
            return False
        return _evaluate(self.expr, event)


def _tokens(text: str) -> list[Token]:
    out, pos, end = [], 0, len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise PatternError(
                f"filter pattern: cannot read {text[pos : pos + 20].strip()!r} at character {pos + 1}"
            )
        kind = m.lastgroup or "word"
        out.append(Token(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.ambiguous = False

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def fail(self, what: str) -> PatternError:
        tok = self.peek()
        where = f"at character {tok.at + 1} ({tok.text!r})" if tok else "at the end"
        return PatternError(f"filter pattern: {what} {where}")

    def take(self, kind: str, text: str | None = None) -> Token:
        tok = self.peek()
        if tok is None or tok.kind != kind or (text is not None and tok.text != text):
            raise self.fail(f"expected {text or _KINDS[kind]}")
        self.i += 1
        return tok

    def pattern(self) -> Pattern:
        if not self.toks or self.toks[0].text != "{":
            raise PatternError(
                "filter pattern: only JSON patterns ({ $.field = value ... }) are supported, not term or space-delimited ones"
            )
        self.take("op", "{")
        expr = self.disjunction()
        self.take("op", "}")
        if self.peek() is not None:
            raise self.fail("unexpected text after the closing brace")
        return Pattern(self.text, expr, self.ambiguous)

    def disjunction(self) -> Expr:
        terms = [self.conjunction()]
        while (tok := self.peek()) is not None and tok.text == "||":
            self.i += 1
            terms.append(self.conjunction())
        if len(terms) == 1:
            return terms[0]
        self.ambiguous |= any(isinstance(t, _Bare) for t in terms)
        return Group("||", tuple(_unbare(t) for t in terms))

    def conjunction(self) -> Expr:
        terms = [self.unary()]
        while (tok := self.peek()) is not None and tok.text == "&&":
            self.i += 1
            terms.append(self.unary())
        if len(terms) == 1:
            return terms[0]
        return _Bare("&&", tuple(terms))  # an && group written without parentheses

    def unary(self) -> Expr:
        tok = self.peek()
        if tok is not None and tok.text == "(":
            self.i += 1
            inner = _unbare(self.disjunction())
            self.take("op", ")")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        selector = self.take("sel").text
        tok = self.peek()
        if tok is None:
            raise self.fail("expected an operator")
        if tok.kind == "word" and tok.text in ("IS", "NOT"):
            nxt = self.peek(1)
            word = f"{tok.text} {nxt.text if nxt else ''}"
            ops = {
                "IS NULL": "IS_NULL",
                "NOT EXISTS": "NOT_EXISTS",
                "IS TRUE": "IS_TRUE",
                "IS FALSE": "IS_FALSE",
            }
            if word not in ops:
                raise self.fail("expected IS NULL, NOT EXISTS, IS TRUE or IS FALSE")
            self.i += 2
            return Comparison(selector, ops[word])
        if tok.kind != "op" or tok.text not in ("=", "!=", "<", "<=", ">", ">="):
            raise self.fail("expected =, !=, <, <=, >, >=, IS NULL or NOT EXISTS")
        self.i += 1
        value = self.peek()
        if value is None or value.kind not in ("str", "word"):
            raise self.fail("expected a value")
        self.i += 1
        if value.kind == "str":
            text: str = json.loads(value.text)
            if tok.text not in ("=", "!="):
                raise self.fail(f"{tok.text} compares numbers, not text")
            return Comparison(selector, tok.text, text)
        if value.text.startswith("%"):
            raise PatternError("filter pattern: %regex% values are not supported by this matcher")
        if _NUMBER.fullmatch(value.text):
            return Comparison(selector, tok.text, float(value.text))
        if tok.text not in ("=", "!="):
            raise self.fail(f"{tok.text} compares numbers, not text")
        return Comparison(selector, tok.text, value.text)


@dataclass(frozen=True)
class _Bare(Group):
    """An && group not wrapped in parentheses (only the parser sees it)."""


def _unbare(e: Expr) -> Expr:
    return Group(e.op, e.terms) if isinstance(e, _Bare) else e


def parse(text: str) -> Pattern:
    """Parse a JSON filter pattern; :class:`PatternError` says what is wrong and where."""
    parser = _Parser(text)
    pattern = parser.pattern()
    return Pattern(pattern.text, _unbare(pattern.expr), pattern.ambiguous)


def matches(pattern: str | Pattern, event: Mapping[str, Any] | str) -> bool:
    """Whether ``pattern`` matches ``event``: ``matches('{ $.a = 1 }', {"a": 1})``."""
    return (parse(pattern) if isinstance(pattern, str) else pattern).matches(event)


# ------------------------------------------------------------------ evaluation
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _resolve(selector: str, event: Mapping[str, Any]) -> Any:
    value: Any = event
    for name, index in _PATH_PART.findall(selector[1:]):
        if name and isinstance(value, Mapping) and name in value:
            value = value[name]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return _MISSING
    return value


def _text_equal(expected: str, actual: Any) -> bool:
    if isinstance(actual, bool) or actual is None or isinstance(actual, (Mapping, list)):
        return False
    text = actual if isinstance(actual, str) else json.dumps(actual)
    regex = ".*".join(re.escape(part) for part in expected.split("*"))
    return re.fullmatch(regex, text, re.S) is not None


def _number(actual: Any) -> float | None:
    if isinstance(actual, bool):
        return None
    if isinstance(actual, (int, float)):
        return float(actual)
    if isinstance(actual, str) and _NUMBER.fullmatch(actual):
        return float(actual)
    return None


_NUMERIC: Mapping[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare(c: Comparison, event: Mapping[str, Any]) -> bool:
    actual = _resolve(c.selector, event)
    if c.op == "NOT_EXISTS":
        return actual is _MISSING
    if actual is _MISSING:
        return False  # =, != and IS ... never match a field the event lacks
    if c.op == "IS_NULL":
        return actual is None
    if c.op in ("IS_TRUE", "IS_FALSE"):
        return actual is (c.op == "IS_TRUE")
    if isinstance(c.value, float):
        number = _number(actual)
        return number is not None and _NUMERIC[c.op](number, c.value)
    assert isinstance(c.value, str)
    equal = _text_equal(c.value, actual)
    return equal if c.op == "=" else not equal


def _evaluate(expr: Expr, event: Mapping[str, Any]) -> bool:
    if isinstance(expr, Comparison):
        return _compare(expr, event)
    if expr.op == "&&":
        return all(_evaluate(t, event) for t in expr.terms)
    return any(_evaluate(t, event) for t in expr.terms)
