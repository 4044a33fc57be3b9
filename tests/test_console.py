"""The command line's consoles (generator/cli/console.py): plain lines printed without rich, byte
for byte as rich prints them; rich for everything else; `aisec render` never imports rich."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.markup import escape as rich_escape

from generator.cli import console
from tests.conftest import REPO, aisec_env


class _Stream(io.StringIO):
    def __init__(self, tty: bool = False) -> None:
        super().__init__()
        self.tty, self.flushes = tty, 0

    def isatty(self) -> bool:
        return self.tty

    def flush(self) -> None:
        self.flushes += 1


def _printed(make: Any, monkeypatch: pytest.MonkeyPatch, *objects: Any, tty: bool = False,
             **options: Any) -> tuple[str, str, Any]:  # fmt: skip
    """What a console prints on stdout and stderr (each a fresh stream), and the console."""
    out, err = _Stream(tty), _Stream(tty)
    with monkeypatch.context() as m:
        m.setattr(sys, "stdout", out)
        m.setattr(sys, "stderr", err)
        printer = make()
        try:
            printer.print(*objects, **options)
        except Exception as exc:  # the same error from both
            return type(exc).__name__, "", printer
    return out.getvalue(), err.getvalue(), printer


def _both(monkeypatch: pytest.MonkeyPatch, *objects: Any, stderr: bool = False, tty: bool = False,
          **options: Any) -> tuple[tuple[str, str], tuple[str, str], bool]:  # fmt: skip
    """(rich's output, the lazy console's, whether the lazy one printed without rich)."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    rich = _printed(lambda: Console(stderr=stderr, highlight=False, soft_wrap=True), monkeypatch, *objects,
                    tty=tty, **options)  # fmt: skip
    lazy = _printed(lambda: console.LazyConsole(stderr=stderr), monkeypatch, *objects, tty=tty, **options)
    return rich[:2], lazy[:2], lazy[2]._rich is None


# what the commands print: words, paths, numbers, brackets and tags, colons, backslashes, newlines
_PIECES = st.sampled_from(
    ["a", "Rendered ", "x/y.tf", " ", "  ", "\n", ":", ": ", "[", "]", "[bold]", "[/]", "[/bold]",
     "[yellow]", "[bold red]", "[/yellow]", "[link=https://x]", "[@click]", "[#ff0000]", "\\", "\\[bold]",
     "[1, 2]", "[default: x]", "$1.50/month", ":smile:", ":x:", "\t", "\r", "\x1b[1m", "é", "日本", "\x7f"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(text=st.lists(_PIECES, max_size=12).map("".join), markup=st.sampled_from([None, True, False]),
       stderr=st.booleans())  # fmt: skip
def test_a_plain_print_is_what_rich_prints(text: str, markup: bool | None, stderr: bool) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        rich, lazy, _ = _both(monkeypatch, text, stderr=stderr, markup=markup)
    assert lazy == rich


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("Rendered [bold]clinical-ai[/] into out: 70 created", {}),
        ("  compliance: hipaa 4/12 requirements addressed; cost: about $264.04/month", {}),
        ("[yellow]warning:[/] replaced your edit of main.tf (--force)", {"soft_wrap": True}),
        ("[bold red]error:[/] x.yaml: name: too long", {"markup": True}),
        ("Next: aisec plan out[1]  (add --offline)", {"markup": False}),
        ("", {}),
    ],
)
def test_the_commands_lines_are_printed_without_rich(
    text: str, options: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for stderr in (False, True):
        rich, lazy, plain = _both(monkeypatch, text, stderr=stderr, **options)
        assert lazy == rich and plain, text
    # and flushed, as rich flushes after each print (stdout and stderr interleave as before)
    stream = _Stream()
    monkeypatch.setattr(sys, "stdout", stream)
    console.LazyConsole().print(text, **options)
    assert stream.flushes == 1


@pytest.mark.parametrize(
    ("objects", "options", "tty"),
    [
        (("[bold]x[/]",), {}, True),  # a terminal: rich's colours
        (("plain",), {}, True),
        (("a", "b"), {}, False),  # more than one object, options, emoji, escapes: rich
        (("x",), {"end": ""}, False),
        (("x",), {"style": "bold"}, False),
        (("x",), {"soft_wrap": False}, False),
        ((":thumbs_up: done",), {}, False),
        (("\\[bold] x",), {}, False),
        (("[/bold] x",), {}, False),  # closes nothing: rich's MarkupError
        (("a\tb",), {}, False),
    ],
)
def test_anything_else_is_rich_s(
    objects: tuple[Any, ...], options: dict[str, Any], tty: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    rich, lazy, plain = _both(monkeypatch, *objects, tty=tty, **options)
    assert lazy == rich and not plain


def test_rich_is_used_when_the_environment_may_make_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("FORCE_COLOR", "1"), ("TTY_COMPATIBLE", "1"), ("FORCE_COLOR", "")):
        with monkeypatch.context() as m:
            m.setenv(name, value)
            stream = _Stream()
            m.setattr(sys, "stdout", stream)
            lazy = console.LazyConsole()
            lazy.print("[bold]x[/]")
            assert lazy._rich is not None and "x" in stream.getvalue(), name


def test_once_rich_is_built_it_prints_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _Stream()
    monkeypatch.setattr(sys, "stdout", stream)
    lazy = console.LazyConsole()
    assert lazy.width == lazy.rich.width  # attributes are rich's console's
    lazy.rich.quiet = True  # as after a broken pipe
    lazy.print("plain")
    assert stream.getvalue() == ""


@settings(max_examples=200, deadline=None)
@given(text=st.lists(_PIECES, max_size=8).map("".join))
def test_escape_is_rich_s(text: str) -> None:
    assert console.escape(text) == rich_escape(text)


def test_render_prints_its_summary_without_importing_rich(tmp_path: Path) -> None:
    script = (
        "import sys, atexit\n"
        "atexit.register(lambda: print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich'), file=sys.stderr))\n"
        "from generator.cli import main\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, "render", "blueprints/healthcare-training.yaml", "-o", str(tmp_path / "o")],
        cwd=REPO, capture_output=True, text=True, env=aisec_env(), timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"Rendered clinical-ai into {tmp_path / 'o'}: 70 created")
    assert proc.stderr.strip().splitlines()[-1] == "[]"


def test_a_table_prints_as_rich_prints_it() -> None:
    """The command line's tables hand rich plain cells as the Text rich would make of them; a cell
    with markup or an emoji code is still rich's to read."""
    from rich.table import Table as RichTable
    from rich.text import Text

    from generator.cli.common import Table

    rows = [
        ("KMS keys (audit, alerts)", "9.00 keys"),
        ("[bold]bold[/] and \\[not]", ":smile: 1.00"),
        ("x", ""),
    ]

    def draw(factory: Any, terminal: bool) -> str:
        console = Console(
            file=io.StringIO(), width=30, force_terminal=terminal, highlight=False, soft_wrap=True
        )
        table = factory("item", "quantity: unit", box=None, pad_edge=False)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return console.file.getvalue()  # type: ignore[no-any-return,attr-defined]

    for terminal in (False, True):
        assert draw(Table, terminal) == draw(RichTable, terminal)
    table = Table("item", "quantity: unit")
    table.add_row(*rows[1])
    table.add_row(*rows[0])
    assert [type(c.header) for c in table.columns] == [Text, str]
    assert [type(cell) for cell in table.columns[0]._cells] == [str, Text]
