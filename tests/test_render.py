"""Rendering: deterministic, golden, self-contained, and nothing unescaped reaches HCL."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jinja2
import pytest

from generator.catalog import load_catalog
from generator.render import _HCL_ENV, MANIFEST, SPEC_COPY, render, sha256
from generator.spec import load_spec, parse_spec
from tests.conftest import BLUEPRINTS

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("AISEC_UPDATE_GOLDEN") == "1"
REGENERATE = "AISEC_UPDATE_GOLDEN=1 pytest tests/test_render.py -k golden"


def golden_view(files: dict[str, str]) -> dict[str, str]:
    """What the golden files hold: everything but the vendored modules, the landing's and the log
    archive's (the manifest pins those)."""
    return {p: t for p, t in files.items() if not (p.startswith("modules/") or "/modules/" in p)}


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_golden(name: str, rendered_files: dict[str, dict[str, str]]) -> None:
    _compare_golden(name, golden_view(rendered_files[name]))


# Specs of the split layout (layout: stages), golden under tests/golden/stages-NAME.
SPLIT_SPECS = {p.stem: p for p in sorted((Path(__file__).parent / "fixtures" / "stages").glob("*.yaml"))}


@pytest.mark.parametrize("name", sorted(SPLIT_SPECS))
def test_golden_split(name: str) -> None:
    from generator.render.stages import render_split

    _compare_golden(f"stages-{name}", golden_view(render_split(load_spec(SPLIT_SPECS[name]))))


def _compare_golden(name: str, files: dict[str, str]) -> None:
    folder = GOLDEN / name
    on_disk = {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in folder.rglob("*")
        if p.is_file()
    }
    if UPDATE:
        changed = sorted(rel for rel in {*on_disk, *files} if on_disk.get(rel) != files.get(rel))
        for rel in changed:
            if rel not in files:
                (folder / rel).unlink()
            else:
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                (folder / rel).write_text(files[rel], encoding="utf-8")
        if changed:  # an update never passes: what it rewrote is for a person to review
            pytest.fail(
                f"{name}: rewrote {len(changed)} golden file(s) ({', '.join(changed)}); review "
                "`git diff tests/golden` and run the tests again without AISEC_UPDATE_GOLDEN"
            )
    assert sorted(on_disk) == sorted(files), f"golden files differ in names; review and run: {REGENERATE}"
    for rel, text in files.items():
        assert on_disk[rel] == text, (
            f"{name}/{rel} differs from its golden file; review and run: {REGENERATE}"
        )


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_render_is_deterministic(name: str, rendered_files: dict[str, dict[str, str]]) -> None:
    assert render(load_spec(BLUEPRINTS[name])) == rendered_files[name]


def test_output_is_self_contained_and_pinned(rendered_files: dict[str, dict[str, str]]) -> None:
    files = rendered_files["healthcare-training"]
    manifest = json.loads(files[MANIFEST])
    catalog = load_catalog()
    for name, entry in manifest["modules"].items():
        module = catalog.resolve(name, None)
        assert entry == {"version": module.version, "sha256": module.sha256, "source": "vendored"}
        assert f"modules/{name}/main.tf" in files
        assert not any(p.startswith(f"modules/{name}/examples/") for p in files)
    assert manifest["files"] == {p: sha256(t) for p, t in files.items() if p != MANIFEST}
    for path, text in files.items():
        if path.endswith(".tf") and not path.startswith("modules/"):
            for line in text.splitlines():
                if line.startswith("  source "):  # a module call's source, not a provider's
                    assert line.split("=", 1)[1].strip().startswith('"./modules/'), line


def test_recorded_spec_re_renders_to_the_same_files(rendered_files: dict[str, dict[str, str]]) -> None:
    for name, files in rendered_files.items():
        again = render(parse_spec(__import__("yaml").safe_load(files[SPEC_COPY])))
        assert again == files, name


def test_templates_refuse_unescaped_values() -> None:
    template = _HCL_ENV.from_string("name = {{ value }}\n")
    with pytest.raises(jinja2.TemplateError, match="unescaped"):
        template.render(value='x"\n}')


def test_hostile_description_stays_inside_its_string() -> None:
    data = __import__("yaml").safe_load(BLUEPRINTS["healthcare-training"].read_text())
    data["workloads"][0]["description"] = 'x" } resource "aws_iam_user" "u" { name = "${file("/etc/passwd")}'
    files = render(parse_spec(data))
    for path, text in files.items():
        if path.endswith(".tf"):
            assert "aws_iam_user" not in text, path
    assert "\\}" in files["README.md"] or "\\{" in files["README.md"]
