"""The compiled code of the dataclasses' methods, kept between runs of the command line.

Python's dataclasses write each class's methods (``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, a frozen class's ``__setattr__`` and ``__delattr__``) as source text and compile it
every time the class is defined: about 100 classes (aisec's decisions, tables and catalog, and
pydantic's, typer's and rich's own) and 460 functions in an `aisec render`, an eighth of its
instructions. The code compiled from a text depends only on that text and on the compiler, so
:func:`install` has ``dataclasses`` look each text up in a table kept in aisec's cache, keyed by
the whole text (a lookup compares it character by character, not a digest of it), in a file
named by the interpreter's bytecode magic number (another Python never reads it). A text not in
the table (a class defined or edited since) is compiled as ``dataclasses`` compiles it and added
by :func:`save`. The table cannot go stale: an entry is the compiler's output for its own key.
A missing, unreadable or foreign file is an empty table. Like Python's own ``__pycache__`` and
jinja's compiled templates (also kept in this cache), the file holds code the command line runs:
it sits in the user's cache folder, created private to the user.
"""

from __future__ import annotations

import dataclasses
import marshal
from importlib.util import MAGIC_NUMBER
from types import CodeType
from typing import Any

from generator.cli.codetable import CodeTable

FILE_NAME = f"dataclass-code-{MAGIC_NUMBER.hex()}-marshal{marshal.version}"
MAX_ENTRIES = 5_000  # beyond this many texts (many edits), a save keeps only those the run used


def _valid(key: Any, code: Any) -> bool:
    return isinstance(key, str) and isinstance(code, CodeType)


TABLE: CodeTable[str, CodeType] = CodeTable(FILE_NAME, _valid, MAX_ENTRIES)


def _exec(source: Any, globals: Any = None, locals: Any = None) -> None:
    """``exec`` as ``dataclasses._create_fn`` calls it, with the code of a known text reused.

    ``exec`` of a text compiles it with the calling frame's ``__future__`` flags: those of
    ``dataclasses``, which has none, hence ``dont_inherit``."""
    if isinstance(source, str):
        code = TABLE.get(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            TABLE.put(source, code)
        else:
            TABLE.use(source)
        source = code
    exec(source, vars(dataclasses) if globals is None else globals, locals)


def install() -> None:
    """Read the table and have ``dataclasses`` use it (once per process)."""
    if getattr(dataclasses, "exec", None) is _exec:
        return
    TABLE.load()
    dataclasses.exec = _exec  # type: ignore[attr-defined]  # a module global comes before the builtin


def uninstall() -> None:
    """``dataclasses`` compiles every text again (the tests' way back)."""
    if getattr(dataclasses, "exec", None) is _exec:
        del dataclasses.exec  # type: ignore[attr-defined]


def save() -> None:
    """Write the table back when this run compiled a text it did not hold."""
    TABLE.save()
