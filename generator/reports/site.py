"""`aisec catalog site -o DIR`: the module catalog as static HTML.

One page per module and version (inputs, outputs, controls, changelog, usage), an index with a
client-side search, a stylesheet and one script. Everything goes through jinja2's HTML
autoescaping; the pages carry a Content-Security-Policy that allows only their own files.
"""

from __future__ import annotations

import shutil
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from generator import __version__
from generator.catalog import load_catalog, parse_version
from generator.errors import UserInputError
from generator.reports.catalog_report import show

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("generator", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["short_type"] = lambda text: short_type(str(text))
_STATIC = ("style.css", "search.js", "favicon.svg")


def short_type(text: str) -> str:
    """``map(object({...}))`` as ``map(object(...))``: the shape, for tables and snippets."""
    text = " ".join(text.split()) or "any"
    if "{" not in text:
        return text
    head = text[: text.index("{")].rstrip("(")
    return head + "(...)" + ")" * head.count("(")


def _usage(info: dict[str, Any]) -> str:
    required = [i for i in info["inputs"] if i["required"]]
    width = max((len(i["name"]) for i in required), default=0)
    lines = [
        f'module "{info["name"]}" {{',
        f'  source = "./modules/{info["name"]}" # version {info["version"]}',
        "",
    ]
    lines += [f"  {i['name']:<{width}} = ... # {short_type(i['type'])}" for i in required]
    return "\n".join([*lines, "}"])


def pages() -> dict[str, str]:
    """Every file of the site, by relative path."""
    catalog = load_catalog()
    files: dict[str, str] = {}
    rows = []
    for name, versions in sorted(catalog.modules.items()):
        latest = versions[0].version
        infos = [show(name, m.version) for m in versions]
        for info in infos:
            version = parse_version(info["version"])
            changelog = [(v, t) for v, t in info["changelog"].items() if parse_version(v) <= version]
            files[f"modules/{name}/{info['version']}.html"] = _ENV.get_template("site/module.html.j2").render(
                m=info,
                versions=[m.version for m in versions],
                latest=latest,
                usage=_usage(info),
                changelog=changelog,
                root="../../",
                generator_version=__version__,
            )
        top = infos[0]
        words = [name, top["summary"], *(f"{c['id']} {c['title']}" for c in top["controls"])]
        words += [i["name"] for i in top["inputs"]] + [o["name"] for o in top["outputs"]]
        rows.append(
            {
                "name": name,
                "latest": latest,
                "summary": top["summary"],
                "controls": [c["id"] for c in top["controls"]],
                "versions": [m.version for m in versions],
                "search": " ".join(words).lower(),
            }
        )
    files["index.html"] = _ENV.get_template("site/index.html.j2").render(
        modules=rows, root="", generator_version=__version__
    )
    for name in _STATIC:
        files[name] = (
            resources.files("generator").joinpath("templates", "site", name).read_text(encoding="utf-8")
        )
    return files


def build(output: str | Path) -> list[str]:
    """Write the site into ``output`` (replaced whole, never half-written)."""
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise UserInputError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "index.html").is_file():
        raise UserInputError(
            f"{out}: a folder with other content; give an empty or new folder, or a site built before"
        )
    files = pages()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.site-", dir=out.parent))
    try:
        for rel, text in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        staging.chmod(0o755)
        for folder in staging.rglob("*"):
            if folder.is_dir():
                folder.chmod(0o755)
        old = out.with_name(f".{out.name}.old") if out.exists() else None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
        staging.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(files)
