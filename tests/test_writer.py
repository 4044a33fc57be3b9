"""Writing: atomic, never clobbers a user's edit, never touches files it did not generate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from generator.errors import UserInputError
from generator.render import MANIFEST, render
from generator.spec import load_spec, parse_spec
from generator.writer import write
from tests.conftest import BLUEPRINTS


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return render(load_spec(BLUEPRINTS["batch-scoring"]))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_fresh_output_appears_whole(tmp_path: Path, files: dict[str, str]) -> None:
    out = tmp_path / "out"
    result = write(out, files)
    assert sorted(result.created) == sorted(files)
    on_disk = snapshot(out)
    assert {p: d for p, d in on_disk.items() if not p.startswith(".aisec/base/")} == {
        p: t.encode() for p, t in files.items()
    }
    assert {p.removeprefix(".aisec/base/") for p in on_disk if p.startswith(".aisec/base/")} == set(files) - {
        MANIFEST
    }
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind
    assert out.stat().st_mode & 0o777 == 0o755


def test_rerender_is_a_no_op(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    result = write(tmp_path, files)
    assert not result.changed and len(result.unchanged) == len(files) - 1


def respec(**changes: object) -> dict[str, str]:
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    data.update(changes)
    return render(parse_spec(data))


def test_edit_the_render_does_not_touch_is_kept(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    (tmp_path / "main.tf").write_text("# my change\n")
    result = write(tmp_path, respec(tags={"owner": "new"}))  # changes providers.tf only
    assert result.kept == ["main.tf"] and "providers.tf" in result.updated
    assert (tmp_path / "main.tf").read_text() == "# my change\n"
    assert not result.needs_attention


def test_edits_and_render_changes_merge(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    main = tmp_path / "main.tf"
    main.write_text("# reviewed by secops\n" + main.read_text())
    new = respec(alerts={"email": ["oncall@example.com"]})
    result = write(tmp_path, new)
    assert result.merged == ["main.tf"] and not result.needs_attention
    text = main.read_text()
    assert text.startswith("# reviewed by secops\n") and '"oncall@example.com"' in text
    assert text == "# reviewed by secops\n" + new["main.tf"]
    # the next render with no change keeps the merged file as the user's
    assert write(tmp_path, new).kept == ["main.tf"]


def test_clashing_edits_get_conflict_markers(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, respec(alerts={"email": ["a@example.com"]}))
    main = tmp_path / "main.tf"
    main.write_text(main.read_text().replace("a@example.com", "mine@example.com"))
    result = write(tmp_path, respec(alerts={"email": ["b@example.com"]}))
    assert result.conflicts == ["main.tf"] and result.needs_attention == ["main.tf"]
    text = main.read_text()
    assert "<<<<<<< your edit" in text and "mine@example.com" in text and "b@example.com" in text
    assert ">>>>>>> aisec render" in text


def test_updated_files_keep_ordinary_permissions(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    write(tmp_path, respec(tags={"owner": "new"}))
    assert (tmp_path / "providers.tf").stat().st_mode & 0o777 == (tmp_path / "main.tf").stat().st_mode & 0o777


def test_force_overwrites_edits(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    (tmp_path / "main.tf").write_text("# mine\n")
    result = write(tmp_path, files, force=True)
    assert result.overwritten_edits == ["main.tf"]
    assert (tmp_path / "main.tf").read_text() == files["main.tf"]


def test_edit_without_a_recorded_base_is_left_alone(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    shutil.rmtree(tmp_path / ".aisec" / "base")
    (tmp_path / "main.tf").write_text("# mine\n")
    result = write(tmp_path, respec(alerts={"email": ["x@example.com"]}))
    assert result.unmerged == ["main.tf"] and (tmp_path / "main.tf").read_text() == "# mine\n"


def test_custom_files_are_never_touched(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    custom = tmp_path / "extra.custom.tf"
    custom.write_text('resource "null_resource" "x" {}\n')
    write(tmp_path, files, force=True)
    assert custom.read_text() == 'resource "null_resource" "x" {}\n'


def test_files_no_longer_generated_are_removed(tmp_path: Path) -> None:
    multi = render(load_spec(BLUEPRINTS["multi-workload"]))
    write(tmp_path, multi)
    data = __import__("yaml").safe_load(BLUEPRINTS["multi-workload"].read_text())
    data["workloads"] = [w for w in data["workloads"] if w["name"] != "lab"]
    result = write(tmp_path, render(parse_spec(data)))
    assert result.removed == ["workload-lab.tf"]
    assert not (tmp_path / "workload-lab.tf").exists()


def test_file_no_longer_generated_but_edited_is_kept(tmp_path: Path) -> None:
    multi = render(load_spec(BLUEPRINTS["multi-workload"]))
    write(tmp_path, multi)
    edited = (tmp_path / "workload-lab.tf").read_text() + "# our own addition\n"
    (tmp_path / "workload-lab.tf").write_text(edited)
    data = yaml.safe_load(BLUEPRINTS["multi-workload"].read_text())
    data["workloads"] = [w for w in data["workloads"] if w["name"] != "lab"]
    result = write(tmp_path, render(parse_spec(data)))
    assert result.kept == ["workload-lab.tf"] and result.removed == []
    assert (tmp_path / "workload-lab.tf").read_text() == edited


def test_existing_unmanaged_file_at_a_generated_path_is_left_alone(
    tmp_path: Path, files: dict[str, str]
) -> None:
    (tmp_path / "main.tf").write_text("# someone else's\n")
    result = write(tmp_path, files)
    assert result.unmerged == ["main.tf"] and (tmp_path / "main.tf").read_text() == "# someone else's\n"


def test_output_must_be_a_folder(tmp_path: Path, files: dict[str, str]) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(UserInputError):
        write(target, files)


def test_manifest_is_written_last(
    tmp_path: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, files)
    data = __import__("yaml").safe_load(BLUEPRINTS["batch-scoring"].read_text())
    data["tags"] = {"owner": "other"}
    changed = render(parse_spec(data))
    import generator.writer as writer

    calls: list[str] = []
    real = writer._atomic_write
    monkeypatch.setattr(writer, "_atomic_write", lambda p, d: (calls.append(p.name), real(p, d)))
    write(tmp_path, changed)
    assert calls[-1] == Path(MANIFEST).name and calls.count(Path(MANIFEST).name) == 1
