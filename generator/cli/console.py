"""The command line's consoles: rich's, imported when a print needs it.

Most commands print a few lines of plain text to a pipe or a file (`aisec render`'s summary, a
check's verdict, a warning). rich prints such a line as the text itself plus a newline, its
markup tags removed (no terminal: no styles) and the stream flushed; importing rich for that
costs as much as a twentieth of a whole `aisec render`. :class:`LazyConsole` prints those lines
itself and builds rich's :class:`~rich.console.Console` the first time a print needs it: a
terminal (colours), a table or other renderable, emoji codes, control characters, escaped or
unusual markup, any option but ``markup`` and ``soft_wrap``. Once built, rich prints everything.
tests/test_console.py compares the two on generated text.
"""

from __future__ import annotations

import builtins
import os
import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

# rich's markup tags ([bold], [/], [link=...], \[escaped]) and emoji codes (:smile:), as rich finds them
_TAG_RE = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")
_EMOJI_RE = re.compile(r"(:(\S*?)(?:(?:\-)(emoji|text))?:)")
# the tags printed here without rich: a style's name words ([bold], [bold red]) and their closing tags
_PLAIN_TAG_RE = re.compile(r"/?(?:[a-z]+(?: [a-z]+)*)?")
_CONTROL_RE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # all but the newline (rich strips or expands them)


def escape(markup: str, _escape: Any = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])").sub) -> str:
    """Text made safe to put in markup: rich's :func:`rich.markup.escape` (the same code), without
    importing rich."""

    def escape_backslashes(match: re.Match[str]) -> str:
        backslashes, text = match.groups()
        return f"{backslashes}{backslashes}\\{text}"

    markup = _escape(escape_backslashes, markup)
    if markup.endswith("\\") and not markup.endswith("\\\\"):
        return markup + "\\"
    return str(markup)


def _without_markup(text: str) -> str | None:
    """``text`` with its style tags removed, as rich prints it to no terminal; None when rich must
    print it (escapes, tags other than styles' names, a closing tag that closes nothing)."""
    if "\\" in text:
        return None
    opened: list[str] = []
    parts, position = [], 0
    for match in _TAG_RE.finditer(text):
        tag = match.group(3)
        if not _PLAIN_TAG_RE.fullmatch(tag):
            return None
        if tag.startswith("/"):
            name = tag[1:]
            if name:
                if name not in opened:
                    return None  # rich raises MarkupError
                del opened[len(opened) - 1 - opened[::-1].index(name)]
            elif opened:
                opened.pop()
            else:
                return None
        else:
            opened.append(tag)
        parts.append(text[position : match.start()])
        position = match.end()
    parts.append(text[position:])
    return "".join(parts)


class LazyConsole:
    """``rich.console.Console(stderr=..., highlight=False, soft_wrap=True)``, built on first need
    (see the module's text). ``rich`` is the console itself, for what takes one (progress bars)."""

    def __init__(self, stderr: bool = False) -> None:
        self.stderr = stderr
        self._rich: Console | None = None
        # rich chooses its colours when the console is built: a stream that was a terminal then
        # gets them even when it is one no more, so such a console is rich's from the start
        self._plain = not self._terminal()

    @property
    def rich(self) -> Console:
        if self._rich is None:
            from rich.console import Console

            self._rich = Console(stderr=self.stderr, highlight=False, soft_wrap=True)
        return self._rich

    def _stream(self) -> Any:
        stream = sys.stderr if self.stderr else sys.stdout
        return getattr(stream, "rich_proxied_file", stream)

    def _terminal(self) -> bool:
        """Whether rich could see a terminal (or be in a notebook): then rich prints."""
        if "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ or hasattr(builtins, "get_ipython"):
            return True
        isatty = getattr(self._stream(), "isatty", None)
        try:
            return isatty is None or bool(isatty())
        except ValueError:  # a closed stream
            return True

    def print(self, *objects: Any, **options: Any) -> None:
        if self._rich is None and self._plain and self._print_plain(objects, options):
            return
        self.rich.print(*objects, **options)

    def _print_plain(self, objects: tuple[Any, ...], options: dict[str, Any]) -> bool:
        """Print one plain ``str`` as rich would, and say so; False (nothing printed) otherwise."""
        if len(objects) != 1 or type(objects[0]) is not str or sys.platform == "win32":
            return False
        markup = options.get("markup")
        if options.get("soft_wrap", True) is not True or set(options) - {"markup", "soft_wrap"}:
            return False
        if markup not in (None, True, False):
            return False
        text: str | None = objects[0]
        if _CONTROL_RE.search(objects[0]) or _EMOJI_RE.search(objects[0]) or self._terminal():
            return False
        if markup is not False and "[" in objects[0]:
            text = _without_markup(objects[0])
        stream = self._stream()
        if text is None or stream is None:
            return False
        try:
            stream.write(text + "\n")
        except UnicodeEncodeError:  # nothing written: rich raises it with its advice
            return False
        except BrokenPipeError:
            self.rich.on_broken_pipe()
        try:
            stream.flush()
        except BrokenPipeError:
            self.rich.on_broken_pipe()
        return True

    def __getattr__(self, name: str) -> Any:
        """Anything else (input, status, width ...) is rich's."""
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.rich, name)
