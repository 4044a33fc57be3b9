"""Where a render's spec comes from: the file given, or the copy an output folder keeps, and the
digests of the files it imports (what `aisec render --check` and `upgrade` compare against)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from generator.errors import UserInputError
from generator.render import MANIFEST, SPEC_COPY
from generator.render.writer import manifest_source


def import_digests(imports: Sequence[Path], out: Path) -> dict[str, str]:
    """The imported files as the manifest records them: path relative to the output folder -> sha256."""
    return {
        Path(os.path.relpath(p, out.resolve())).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in imports
    }


def _shown(path: Path) -> str:
    """A path as a user would type it from here: relative below the working folder, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(resolved)


def _is_spec_copy(path: Path) -> Path | None:
    """The output folder when ``path`` is the spec copy aisec keeps in one (``.aisec/spec.yaml``)."""
    resolved = path.resolve()
    copy = Path(SPEC_COPY)
    if resolved.name == copy.name and resolved.parent.name == copy.parent.name:
        folder = resolved.parent.parent
        if (folder / MANIFEST).is_file():
            return folder
    return None


def spec_source(path: Path, out: Path, force: bool = False) -> tuple[str, str | None]:
    """The spec ``path`` as the manifest records it (relative to ``out``), and a note to print.

    One source of truth: an output is rendered from one spec file. Its ``.aisec/spec.yaml`` is a
    record of the last render, never a source; a render from another spec than the recorded one
    (while that one exists) would be undone by the next render from it, so it needs ``force``."""
    copy_of = _is_spec_copy(path)
    if copy_of is not None:
        recorded = manifest_source(copy_of)
        hint = (
            f"edit {_shown(copy_of / recorded)} and render it"
            if recorded is not None
            else f"copy it to a spec file of your own (cp {path} NAME.aisec.yaml) and render that"
        )
        raise UserInputError(
            f"{path}: is aisec's record of the spec last rendered into {_shown(copy_of)}, not a spec "
            f"to edit (the next render from the real spec would undo a render from it); {hint}"
        )
    rel = Path(os.path.relpath(path.resolve(), out.resolve())).as_posix()
    recorded = manifest_source(out) if out.is_dir() else None
    if recorded is None or recorded == rel:
        return rel, None
    before = out / recorded
    if (out / recorded).resolve() == path.resolve():
        return rel, None
    if not before.is_file():
        return rel, f"{out} was rendered from {_shown(before)}, which is gone: {path} is its spec from now on"
    if not force:
        raise UserInputError(
            f"{path}: {out} is rendered from {_shown(before)}; rendering it from another spec would "
            f"replace that render, and the next render from {_shown(before)} would undo this one. "
            f"Render from {_shown(before)}, or pass --force to make {path} its spec from now on"
        )
    return rel, (
        f"{out} is rendered from {path} from now on (was {_shown(before)}, which no longer applies to it)"
    )
