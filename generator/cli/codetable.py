"""A table of compiled forms kept between runs of the command line, in aisec's cache folder.

What dataclass_code.py (the dataclasses' method code) and regex_code.py (the regular expressions'
engine code) keep: the output of a compiler for its input, which depends only on that input and on
the compiler, so the file is named by the compiler's version and an entry cannot go stale. The
table is read whole with marshal (``load`` of a file item by item is many times slower); a run
that compiled something the table did not hold writes it back, keeping only what that run used
once the table passes ``max_entries``. A missing, unreadable or foreign file is an empty table;
the file sits in the user's cache folder, created private to the user.
"""

from __future__ import annotations

import contextlib
import marshal
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from generator.cache import atomic_write, cache_root

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class CodeTable(Generic[K, V]):
    def __init__(self, file_name: str, valid: Callable[[Any, Any], bool], max_entries: int = 5_000) -> None:
        self.file_name, self._valid, self.max_entries = file_name, valid, max_entries
        self.entries: dict[K, V] = {}
        self.used: set[K] = set()
        self.added = False

    def load(self) -> None:
        """Add the kept table's valid entries (nothing when there is none or it cannot be read)."""
        try:
            with open(cache_root() / self.file_name, "rb") as fh:
                table = marshal.loads(fh.read())
        except (OSError, EOFError, ValueError, TypeError):  # not there yet, or unreadable
            return
        if isinstance(table, dict):
            self.entries.update((k, v) for k, v in table.items() if self._valid(k, v))

    def get(self, key: K) -> V | None:
        return self.entries.get(key)

    def use(self, key: K) -> None:
        self.used.add(key)

    def put(self, key: K, value: V) -> None:
        self.entries[key] = value
        self.used.add(key)
        self.added = True

    def save(self) -> None:
        """Write the table back when this run compiled something it did not hold."""
        if not self.added:
            return
        entries = self.entries
        table = entries if len(entries) <= self.max_entries else {k: entries[k] for k in self.used}
        with contextlib.suppress(OSError, ValueError):  # no writable cache: compile again next time
            atomic_write(cache_root() / self.file_name, marshal.dumps(table))
        self.added = False
