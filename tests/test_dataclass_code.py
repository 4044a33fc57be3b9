"""The dataclasses' method code kept between runs (generator/cli/dataclass_code.py): a class defined
with the table installed is the class Python builds without it, a text the table holds is not
compiled again, an edited class is, and a missing or damaged table is an empty one."""

from __future__ import annotations

import dataclasses
import inspect
import marshal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.cli import dataclass_code
from generator.cli.codetable import CodeTable


@pytest.fixture
def table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty table in a cache of the test's own, installed; ``dataclasses`` as it was after."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(
        dataclass_code,
        "TABLE",
        CodeTable(dataclass_code.FILE_NAME, dataclass_code._valid, dataclass_code.MAX_ENTRIES),
    )
    was = getattr(dataclasses, "exec", None)
    dataclass_code.uninstall()
    dataclass_code.install()
    yield tmp_path / "aisec" / dataclass_code.FILE_NAME
    dataclass_code.uninstall()
    if was is not None:
        dataclasses.exec = was  # type: ignore[attr-defined]


def _define(extra_field: bool = False) -> Any:
    fields: list[Any] = [("name", str), ("count", int, dataclasses.field(default=0))]
    if extra_field:
        fields.append(("tags", tuple[str, ...], dataclasses.field(default=())))
    return dataclasses.make_dataclass("Point", fields, frozen=True, order=True)


def _behaviour(cls: Any) -> tuple[Any, ...]:
    a, b = cls("a", 1), cls("b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.name = "c"
    return (
        repr(a), a == cls("a", 1), a < b, hash(a) == hash(cls("a", 1)), inspect.signature(cls),
        cls.__init__.__annotations__, cls.__doc__,
    )  # fmt: skip


def test_a_class_is_built_as_python_builds_it(table: Path) -> None:
    with_table = _behaviour(_define())
    dataclass_code.uninstall()
    assert with_table == _behaviour(_define())
    # the annotations of __init__ are the field types, not strings (no __future__ flag inherited)
    assert with_table[5] == {"name": str, "count": int, "return": None}


def test_a_known_text_is_not_compiled_again_and_an_edited_class_is(table: Path) -> None:
    _define()
    assert dataclass_code.TABLE.added and not table.exists()
    dataclass_code.save()
    saved = marshal.loads(table.read_bytes())
    assert saved.keys() == dataclass_code.TABLE.entries.keys() and len(saved) >= 4  # __init__, __repr__, ...
    for text, code in saved.items():  # each entry is what the compiler makes of its own key
        assert code == compile(text, "<string>", "exec", dont_inherit=True)

    dataclass_code.TABLE.entries.clear()
    dataclass_code.uninstall()
    dataclass_code.install()  # a new process: the table read back
    assert dataclass_code.TABLE.entries.keys() == saved.keys()
    assert _behaviour(_define()) == _behaviour(_define())
    assert not dataclass_code.TABLE.added  # every text was known

    _define(extra_field=True)  # another __init__, __repr__, __eq__ ...: compiled and added
    assert dataclass_code.TABLE.added and len(dataclass_code.TABLE.entries) > len(saved)
    dataclass_code.save()
    assert marshal.loads(table.read_bytes()).keys() == dataclass_code.TABLE.entries.keys()


@pytest.mark.parametrize("content", [b"", b"not marshal", marshal.dumps([1, 2]), marshal.dumps({1: "x"})])
def test_a_missing_or_damaged_table_is_an_empty_one(table: Path, content: bytes) -> None:
    table.parent.mkdir(parents=True, exist_ok=True)
    table.write_bytes(content)
    dataclass_code.uninstall()
    dataclass_code.TABLE.entries.clear()
    dataclass_code.install()
    assert dataclass_code.TABLE.entries == {}
    assert _behaviour(_define())[0] == "Point(name='a', count=1)"


def test_the_command_line_saves_the_table_and_spares_the_exit_its_collection(
    table: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """At its end, main() writes what the run compiled and freezes what lives (Python's exit then
    does not look through the modules and models for reference cycles)."""
    import gc

    from generator import cli

    _define()
    threshold = gc.get_threshold()
    try:
        with pytest.raises(SystemExit) as exit_:
            cli.main(["--version"])
        assert exit_.value.code == 0 and capsys.readouterr().out.startswith("aisec ")
        assert table.is_file() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
