"""The regular expressions' compiled form kept between runs (generator/cli/regex_code.py): a pattern
compiled with the table installed is the pattern Python compiles without it, a pattern the table
holds is not compiled again, a new one is, and a missing or damaged table is an empty one."""

from __future__ import annotations

import ast
import marshal
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.cli import regex_code
from generator.cli.codetable import CodeTable

# a character class over Unicode ranges (PyYAML's kind: the costly one), groups, names, bytes, flags
PATTERNS: list[tuple[Any, int]] = [
    ("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", 0),
    (r"^(?P<major>\d+)\.(?P<minor>\d+)(?:\.(\d+))?$", 0),
    (r"(secret|token)", re.IGNORECASE),
    (rb"\x00+[a-z]{2,}", 0),
    (r"^\s*#.*$", re.MULTILINE | re.VERBOSE),
]


@pytest.fixture
def table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty table in a cache of the test's own, installed; ``re`` as it was after."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(
        regex_code, "TABLE", CodeTable(regex_code.FILE_NAME, regex_code._valid, regex_code.MAX_ENTRIES)
    )
    installed = regex_code._original is not None
    regex_code.uninstall()
    regex_code.install()
    re.purge()
    yield tmp_path / "aisec" / regex_code.FILE_NAME
    regex_code.uninstall()
    re.purge()
    if installed:
        regex_code.install()


def _compile_all() -> list[re.Pattern[Any]]:
    re.purge()  # re's own cache in the process: the table is for the next process
    return [re.compile(p, f) for p, f in PATTERNS]


def _new_process() -> None:
    regex_code.uninstall()
    regex_code.TABLE.entries.clear()
    regex_code.install()


def test_a_pattern_is_compiled_as_python_compiles_it(table: Path) -> None:
    fresh = _compile_all()
    regex_code.save()
    _new_process()
    from_table = _compile_all()
    regex_code.uninstall()
    python = _compile_all()
    # a pattern equals another when their text, flags and engine code are the same
    assert from_table == fresh == python
    for a, b in zip(from_table, python, strict=True):
        assert (a.groups, a.groupindex, a.flags) == (b.groups, b.groupindex, b.flags)
    assert from_table[1].match("1.22.3") and from_table[1].match("1.22.3").group("minor") == "22"  # type: ignore[union-attr]


def test_a_known_pattern_is_not_compiled_again_and_a_new_one_is(
    table: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _compile_all()
    assert regex_code.TABLE.added and not table.exists()
    regex_code.save()
    saved = marshal.loads(table.read_bytes())
    assert set(PATTERNS) <= saved.keys()
    _new_process()
    assert regex_code.TABLE.entries.keys() == saved.keys()

    def refuse(p: Any, flags: int = 0) -> Any:
        raise AssertionError(f"compiled again: {p!r}")

    monkeypatch.setattr(regex_code, "_original", refuse)
    _compile_all()  # every pattern from the table
    assert not regex_code.TABLE.added
    with pytest.raises(AssertionError) as refused:
        re.compile(r"a new (pattern)+")
    assert str(refused.value) == "compiled again: 'a new (pattern)+'"


def test_a_damaged_entry_is_compiled_again(table: Path) -> None:
    pattern, flags = PATTERNS[1]
    regex_code.TABLE.entries[(pattern, flags)] = (0, [1, 2, 3], 0, {}, ())  # code the engine refuses
    re.purge()
    assert re.compile(pattern, flags).match("1.2")
    assert regex_code.TABLE.entries[(pattern, flags)] != (0, [1, 2, 3], 0, {}, ()) and regex_code.TABLE.added


@pytest.mark.parametrize("content", [b"", b"not marshal", marshal.dumps([1, 2]), marshal.dumps({1: "x"})])
def test_a_missing_or_damaged_table_is_an_empty_one(table: Path, content: bytes) -> None:
    table.parent.mkdir(parents=True, exist_ok=True)
    table.write_bytes(content)
    _new_process()
    assert regex_code.TABLE.entries == {}
    assert _compile_all()[1].match("1.2")


def test_the_command_line_saves_the_table_and_uses_it(tmp_path: Path) -> None:
    """`aisec` installs the table before it imports anything that compiles patterns, and saves it at
    its end: a second run finds PyYAML's costly pattern there and compiles no pattern at all."""
    code = (
        "import re, sys; from generator.cli import regex_code; compiled = []; original = regex_code._original\n"
        "regex_code._original = lambda p, f=0: compiled.append(p) or original(p, f)\n"
        "from generator.cli import main\n"
        "try:\n    main(['check-spec', 'healthcare-training'])\n"
        "except SystemExit:\n    sys.stderr.write(repr(compiled))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        for _ in range(2)
    ]
    first, second = (ast.literal_eval(run.stderr.strip().splitlines()[-1]) for run in runs)
    assert any("\U0010ffff" in p for p in first if isinstance(p, str))  # PyYAML's printable characters
    assert second == []
