"""The compiled form of the regular expressions, kept between runs of the command line.

Python compiles a regular expression in Python (``re._compiler``: parse the text, then lay out the
code its C engine runs) the first time a process uses it: about a hundred in an `aisec render`,
PyYAML's, jinja's, pydantic's, typer's and aisec's own, a twelfth of its instructions (PyYAML's
pattern of printable characters alone, with its Unicode ranges, takes half of that). What the
compiler hands the engine (``_sre.compile``: flags, code, groups) depends only on the pattern's
text and flags and on the compiler, so :func:`install` has ``re`` look each pattern up in a table
kept in aisec's cache, keyed by the pattern and its flags, in a file named by Python's version
and its engine's (another Python never reads it). A pattern not in the table is compiled as
``re`` compiles it and added by :func:`save`. The engine checks the code it is given
(``_sre.compile`` refuses code that is not well-formed), and an entry it refuses is compiled
again. A missing, unreadable or foreign file is an empty table; like the dataclasses' code
(dataclass_code.py) the file sits in the user's cache folder, created private to the user.
"""

from __future__ import annotations

import _sre
import contextlib
import marshal
import re
import sys
import threading
import types
from typing import Any

from generator.cli.codetable import CodeTable

_COMPILER: Any = getattr(re, "_compiler", None) or sys.modules.get("sre_compile")  # 3.11+, 3.10
FILE_NAME = "regex-code-{}-{}-marshal{}".format(
    "-".join(map(str, sys.version_info[:3])), _sre.MAGIC, marshal.version
)
MAX_ENTRIES = 5_000  # beyond this many patterns, a save keeps only those the run used


def _valid(key: Any, entry: Any) -> bool:
    return isinstance(key, tuple) and isinstance(entry, tuple)


TABLE: CodeTable[tuple[str | bytes, int], tuple[Any, ...]] = CodeTable(FILE_NAME, _valid, MAX_ENTRIES)
_original: Any = None
_last = threading.local()  # what the compiler last handed the engine, in this thread


def _sre_compile(pattern: Any, flags: int, code: list[int], *groups: Any) -> Any:
    """``_sre.compile`` as the compiler calls it, its arguments noted (the opcodes, named
    constants, as the plain numbers they are: marshal holds no other kind of int)."""
    _last.args = (int(flags), [int(c) for c in code], *groups)
    return _sre.compile(pattern, flags, code, *groups)


def _compile(p: Any, flags: int = 0) -> Any:
    """``re._compiler.compile``: a known pattern's code from the table, any other compiled."""
    if type(p) not in (str, bytes) or flags & re.DEBUG:  # a parsed pattern, or one printed as compiled
        return _original(p, flags)
    key = (p, int(flags))
    entry = TABLE.get(key)
    if entry is not None:
        with contextlib.suppress(Exception):  # a damaged entry: compiled again below
            compiled = _sre.compile(p, *entry)
            TABLE.use(key)
            return compiled
    _last.args = None
    compiled = _original(p, flags)
    if _last.args is not None:
        TABLE.put(key, _last.args)
    return compiled


def install() -> None:
    """Read the table and have ``re`` use it (once per process; nothing if ``re`` is not as expected)."""
    global _original
    if _original is not None or _COMPILER is None or not callable(getattr(_COMPILER, "compile", None)):
        return
    if getattr(_COMPILER, "_sre", None) is not _sre:
        return
    TABLE.load()
    # the compiler's engine, with ``compile`` noting its arguments (everything else is _sre's own)
    engine = types.ModuleType("_sre")
    engine.__dict__.update(vars(_sre))
    engine.compile = _sre_compile  # type: ignore[attr-defined]
    _original = _COMPILER.compile
    _COMPILER._sre = engine
    _COMPILER.compile = _compile


def uninstall() -> None:
    """``re`` compiles every pattern again (the tests' way back)."""
    global _original
    if _original is not None:
        _COMPILER.compile = _original
        _COMPILER._sre = _sre
        _original = None


def save() -> None:
    """Write the table back when this run compiled a pattern it did not hold."""
    TABLE.save()
