"""A rendered landing's root modules, as its manifest lists them: the one shared reading of
``.aisec/manifest.json`` for everything that runs on a landing (the stage choice, the stage
guards, `aisec plan --all`, CI for a folder of landings).

Outside the layers (tests/test_layout.py): it imports nothing but the errors, so a command that
runs on a landing finds its roots without loading the renderer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import UserInputError

MANIFEST = ".aisec/manifest.json"  # aisec's record of a rendered folder (generator.render.writer)
FOUNDATION = "foundation"  # the account-level root of a landing split by stage (layout: stages)


def is_foundation(root: str) -> bool:
    """``foundation``, or the foundation of a stage's own account (``foundation-prod``,
    generator/render/accounts.py)."""
    return root == FOUNDATION or root.startswith(FOUNDATION + "-")


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class Root:
    """One Terraform root module of a rendered landing: the whole landing (``name`` empty) or, in a
    landing split by stage, its ``foundation`` or one stage. ``needs`` names the roots of the same
    landing to plan and apply first."""

    landing: Path
    name: str
    path: Path
    needs: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.landing.as_posix()}:{self.name}" if self.name else self.landing.as_posix()


def landing_roots(landing: Path) -> list[Root]:
    """The root modules of the rendered landing folder ``landing``, in dependency order, as its
    manifest lists them (``"roots": [{"name", "path", "needs"}]``, paths relative to the landing);
    a manifest without ``roots`` is one root, the folder itself. No manifest: a user error."""
    manifest = read_json(landing / MANIFEST)
    if manifest is None:
        raise UserInputError(
            f"{landing}: not a rendered landing (no {MANIFEST}); render it with `aisec render`"
        )
    listed = manifest.get("roots") or []
    if not listed:
        return [Root(landing, "", landing)]
    return [
        Root(landing, str(r["name"]), landing / str(r["path"]), tuple(str(n) for n in r.get("needs", ())))
        for r in listed
    ]


def rendered_roots(folder: Path) -> list[Root] | None:
    """The roots of ``folder`` when it is a rendered landing (it holds the manifest), else None."""
    if not (folder / MANIFEST).is_file():
        return None
    return landing_roots(folder)
