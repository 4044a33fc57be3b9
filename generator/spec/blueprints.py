"""The bundled blueprints: ready specs for common workloads (and the golden test inputs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.catalog import data_dir
from generator.errors import UserInputError
from generator.spec import Spec, load_spec


@dataclass(frozen=True)
class Blueprint:
    name: str
    path: Path
    summary: str

    def load(self) -> Spec:
        return load_spec(self.path)


def _summary(path: Path) -> str:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# yaml-language-server"):
            continue
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# ").strip())
    return " ".join(lines)


def all_blueprints() -> list[Blueprint]:
    return [Blueprint(p.stem, p, _summary(p)) for p in sorted(data_dir("blueprints").glob("*.yaml"))]


def spec_path(arg: str | Path) -> Path:
    """A spec argument: the file when it exists, else a bundled blueprint of that name (a bare name:
    no ``/``, no ``.yaml``), so ``aisec render batch-scoring -o DIR`` works outside a checkout too."""
    text = str(arg)
    path = Path(text)
    if path.exists() or "/" in text or "\\" in text or text.endswith((".yaml", ".yml")):
        return path
    for bp in all_blueprints():
        if bp.name == text:
            return bp.path
    return path


def get_blueprint(name: str) -> Blueprint:
    for bp in all_blueprints():
        if bp.name == name:
            return bp
    names = ", ".join(b.name for b in all_blueprints())
    raise UserInputError(f"no blueprint named {name!r}; available: {names}")
