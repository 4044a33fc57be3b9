"""Input and output tables of a module's README, generated from its variables.tf and outputs.tf.

The tables live between markers in each module's README.md; `aisec catalog docs`
rewrites them and a test fails when a README is stale.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from generator.catalog import data_dir

BEGIN = "<!-- BEGIN_AISEC_DOCS -->"
END = "<!-- END_AISEC_DOCS -->"
_BLOCK_RE = re.compile(r'^(variable|output) "([A-Za-z0-9_-]+)" \{\n', re.M)


@dataclass(frozen=True)
class Item:
    name: str
    description: str
    type: str = ""
    default: str | None = None
    required: bool = False


def _block_body(text: str, start: int) -> str:
    """The text of a block from ``start`` (just after its opening brace) to its closing brace."""
    depth, i, in_str, heredoc = 1, start, False, None
    while i < len(text):
        if heredoc is not None:
            end = text.find("\n", i)
            line = text[i : end if end != -1 else len(text)]
            if line.strip() == heredoc:
                heredoc = None
            i = (end if end != -1 else len(text)) + 1
            continue
        ch = text[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif text.startswith("<<-", i) or text.startswith("<<", i):
            m = re.match(r"<<-?([A-Z]+)\n", text[i:])
            if m:
                heredoc = m.group(1)
                i += m.end()
                continue
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start:i]
        i += 1
    raise ValueError("unbalanced block")


def _attribute(body: str, name: str) -> str | None:
    """The source text of a top-level attribute of a block body (multi-line values included)."""
    m = re.search(rf"^  {name}\s*=\s*", body, re.M)
    if not m:
        return None
    rest = body[m.end() :]
    heredoc = re.match(r"<<-?([A-Z]+)\n(.*?)^\s*\1\s*$", rest, re.S | re.M)
    if heredoc:
        return " ".join(line.strip() for line in heredoc.group(2).splitlines() if line.strip())
    depth, out = 0, []
    for line in rest.splitlines():
        out.append(line.strip())
        depth += line.count("(") + line.count("{") + line.count("[")
        depth -= line.count(")") + line.count("}") + line.count("]")
        if depth <= 0:
            break
    return " ".join(out)


def _unquote(value: str | None) -> str:
    if value is None:
        return ""
    if value.startswith('"') and value.endswith('"'):
        return value[1:-1].replace('\\"', '"')
    return value


def items(path: Path, kind: str) -> list[Item]:
    return parse_items(path.read_text(encoding="utf-8"), kind)


def parse_items(text: str, kind: str) -> list[Item]:
    found = []
    for m in _BLOCK_RE.finditer(text):
        if m.group(1) != kind:
            continue
        body = _block_body(text, m.end())
        default = _attribute(body, "default")
        found.append(
            Item(
                name=m.group(2),
                description=_unquote(_attribute(body, "description")),
                type=_attribute(body, "type") or "",
                default=default,
                required=kind == "variable" and default is None,
            )
        )
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def tables(module_dir: Path) -> str:
    lines = [
        BEGIN,
        "## Inputs",
        "",
        "| name | description | type | default | required |",
        "|---|---|---|---|:---:|",
    ]
    for v in items(module_dir / "variables.tf", "variable"):
        typ = f"`{_cell(v.type)}`" if len(v.type) <= 60 else "object, see variables.tf"
        default = "" if v.default is None else f"`{_cell(v.default)}`"
        lines.append(
            f"| {v.name} | {_cell(v.description)} | {typ} | {default} | {'yes' if v.required else 'no'} |"
        )
    lines += ["", "## Outputs", "", "| name | description |", "|---|---|"]
    for o in items(module_dir / "outputs.tf", "output"):
        lines.append(f"| {o.name} | {_cell(o.description)} |")
    lines.append(END)
    return "\n".join(lines)


def updated_readme(module_dir: Path) -> str:
    readme = (module_dir / "README.md").read_text(encoding="utf-8")
    if BEGIN not in readme or END not in readme:
        raise ValueError(f"{module_dir / 'README.md'}: missing {BEGIN} / {END} markers")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + tables(module_dir) + tail


def stale_readmes(root: Path | None = None) -> list[Path]:
    base = root or data_dir("modules")
    return [d / "README.md" for d in sorted(base.iterdir()) if (d / "module.yaml").is_file()
            and (d / "README.md").read_text(encoding="utf-8") != updated_readme(d)]  # fmt: skip


def main() -> None:
    base = data_dir("modules")
    for d in sorted(base.iterdir()):
        if (d / "module.yaml").is_file():
            new = updated_readme(d)
            if (d / "README.md").read_text(encoding="utf-8") != new:
                (d / "README.md").write_text(new, encoding="utf-8")
                print(f"updated {d / 'README.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
