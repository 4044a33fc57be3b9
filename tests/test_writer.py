"""Writing: atomic, never clobbers a user's edit, never touches files it did not generate."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import EditedFilesError, UserInputError
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
    assert snapshot(out) == {p: t.encode() for p, t in files.items()}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


def test_rerender_is_a_no_op(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    result = write(tmp_path, files)
    assert not result.changed and len(result.unchanged) == len(files) - 1


def test_edited_file_is_kept_and_reported(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    (tmp_path / "main.tf").write_text("# my change\n")
    before = snapshot(tmp_path)
    data = __import__("yaml").safe_load(BLUEPRINTS["batch-scoring"].read_text())
    data["tags"] = {"owner": "new"}
    changed = render(parse_spec(data))
    with pytest.raises(EditedFilesError) as info:
        write(tmp_path, changed)
    assert info.value.files == ["main.tf"] and info.value.exit_code == 1
    assert snapshot(tmp_path) == before  # nothing was written
    result = write(tmp_path, changed, force=True)
    assert result.overwritten_edits == ["main.tf"]
    assert (tmp_path / "main.tf").read_text() == changed["main.tf"]


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


def test_existing_unmanaged_file_at_a_generated_path_is_an_edit(
    tmp_path: Path, files: dict[str, str]
) -> None:
    (tmp_path / "main.tf").write_text("# someone else's\n")
    with pytest.raises(EditedFilesError):
        write(tmp_path, files)


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
