"""The template environments: templates may only print :class:`~generator.render.hcl.Hcl` fragments
(anything else is refused), compiled once and cached per user."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from generator.cache import cache_root
from generator.render.hcl import Hcl, encode, ident, string

if TYPE_CHECKING:
    import jinja2


def _refuse_raw(value: Any) -> Any:
    """Template finalizer: only pre-escaped HCL may be printed into a .tf file."""
    if isinstance(value, Hcl):
        return value
    import jinja2

    raise jinja2.TemplateError(f"refusing to print an unescaped value into HCL: {value!r}")


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates are cached per user: compiling them is half of a cold `aisec render`.

    jinja checks a template's source before using its compiled code, not the options it was
    compiled with (trim_blocks, finalize...) nor its own version: the folder is named by jinja's
    version and the digest of this file, which sets those options, so none can go stale."""
    import jinja2

    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    try:
        return jinja2.FileSystemBytecodeCache(str(cache_root(f"jinja-{jinja2.__version__}-{digest}")))
    except OSError:
        return None


def _environment(hcl: bool) -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        bytecode_cache=_bytecode_cache(),
        loader=jinja2.PackageLoader("generator", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_refuse_raw if hcl else None,
    )
    env.filters["hcl"] = lambda value, indent=0: encode(value, indent)
    env.filters["ident"] = ident
    env.filters["str"] = string
    env.filters["comment"] = _comment
    env.filters["md"] = _md
    env.filters["code"] = _code
    return env


def _comment(text: str) -> Hcl:
    """Text for inside a ``#`` comment: one line, nothing that could end the comment."""
    return Hcl("".join(ch if ch.isprintable() else " " for ch in str(text)))


def _md(text: str) -> str:
    """Markdown-escape free text so it stays text (no links, HTML, table breaks or emphasis)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()<>#+!|~" else ch for ch in text)


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


class _OnFirstUse:
    """A template environment built, and jinja imported, when it is first used: the commands that
    load the spec and decide without rendering (check-spec, cost, compliance) import no jinja (a
    tenth of them, in instructions)."""

    def __init__(self, hcl: bool) -> None:
        self._hcl = hcl
        self._env: jinja2.Environment | None = None

    def __getattr__(self, name: str) -> Any:
        if self._env is None:
            self._env = _environment(self._hcl)
        return getattr(self._env, name)


_HCL_ENV = cast("jinja2.Environment", _OnFirstUse(hcl=True))
_DOC_ENV = cast("jinja2.Environment", _OnFirstUse(hcl=False))
