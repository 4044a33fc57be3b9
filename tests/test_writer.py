"""Writing: atomic, never clobbers a user's edit, never touches files it did not generate, never
accepts a hand edit (or a leftover conflict) of a generated file, only writes what changed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.errors import UserInputError, WorkError
from generator.render import MANIFEST, SPEC_COPY, render
from generator.render.writer import LEGACY_BASE_DIR, has_conflict_markers, write
from generator.spec import load_spec, parse_spec
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
    assert snapshot(out) == {p: t.encode() for p, t in files.items()}  # the render and nothing else
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


@pytest.mark.parametrize("blueprint", ["batch-scoring", "fedramp-moderate"])  # fedramp: a log-archive/ too
def test_one_spec_change_writes_only_the_files_it_changes(tmp_path: Path, blueprint: str) -> None:
    """Issue 19: a one-line spec change touched 11 files (each with its copy in .aisec/base/, and a
    second spec copy and manifest in log-archive/); now the files it changes and aisec's records."""
    data = yaml.safe_load(BLUEPRINTS[blueprint].read_text())
    write(tmp_path, render(parse_spec(data)))
    before = snapshot(tmp_path)
    data["alerts"] = {"email": [*data.get("alerts", {}).get("email", []), "oncall@example.com"]}
    result = write(tmp_path, render(parse_spec(data)))
    after = snapshot(tmp_path)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    assert changed == {"main.tf", "README.md", SPEC_COPY, MANIFEST}
    assert sorted(result.updated) == sorted(["README.md", SPEC_COPY, "main.tf"])


def test_edit_of_a_generated_file_is_left_alone_and_reported(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    (tmp_path / "main.tf").write_text("# my change\n")
    result = write(tmp_path, files)  # the render does not change main.tf: still not accepted
    assert result.edited == ["main.tf"] and result.needs_attention == ["main.tf"]
    result = write(tmp_path, respec(tags={"owner": "new"}))  # nor when it does: never merged
    assert result.edited == ["main.tf"] and "providers.tf" in result.updated
    assert (tmp_path / "main.tf").read_text() == "# my change\n"
    error = result.attention_error()
    assert error.exit_code == 1 and error.details == [
        "main.tf: edited since the last render; move the change to a *.custom.tf or *_override.tf "
        "file, then --force restores the generated file"
    ]


MERGED_BY_AISEC_0_1 = """<<<<<<< your edit
  email = ["mine@example.com"]
=======
  email = ["b@example.com"]
>>>>>>> aisec render
"""


@pytest.mark.parametrize("same_render", [True, False])
def test_conflict_markers_are_never_accepted_as_an_edit(
    tmp_path: Path, files: dict[str, str], same_render: bool
) -> None:
    """An output an earlier aisec merged, with the markers still in: every render reports it (exit 1
    in the CLI), whether or not the render changes that file, until it is resolved."""
    write(tmp_path, files)
    main = tmp_path / "main.tf"
    conflicted = main.read_text() + MERGED_BY_AISEC_0_1
    main.write_text(conflicted)
    new = files if same_render else respec(tags={"owner": "new"})
    for _ in range(2):
        result = write(tmp_path, new)
        assert result.conflicts == ["main.tf"] and result.edited == [] and main.read_text() == conflicted
        assert "main.tf: holds the conflict markers" in result.attention_error().details[0]
    result = write(tmp_path, new, force=True)
    assert result.overwritten_edits == ["main.tf"] and main.read_text() == new["main.tf"]
    assert not write(tmp_path, new).needs_attention


def test_conflict_markers_are_recognised() -> None:
    assert has_conflict_markers(MERGED_BY_AISEC_0_1)
    assert has_conflict_markers("a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> main\n")
    assert not has_conflict_markers('# ======= a heading\nx = "<<<<<<< "\n')
    assert not has_conflict_markers("<<<<<<< only a start\n")


def test_the_merge_base_of_earlier_versions_is_removed(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    legacy = tmp_path / LEGACY_BASE_DIR / "main.tf"
    legacy.parent.mkdir(parents=True)
    legacy.write_text(files["main.tf"])
    write(tmp_path, files)
    assert not (tmp_path / LEGACY_BASE_DIR).exists() and (tmp_path / ".aisec").is_dir()


def test_a_folder_that_is_not_an_output_is_refused(tmp_path: Path, files: dict[str, str]) -> None:
    (tmp_path / "main.tf").write_text("# someone else's\n")
    (tmp_path / "notes.txt").write_text("x\n")
    for name in ("a", "b", "src"):
        (tmp_path / name).mkdir()
    before = snapshot(tmp_path)
    with pytest.raises(UserInputError) as refused:
        write(tmp_path, files)
    message = refused.value.message
    assert refused.value.exit_code == 2 and "is not empty and is not an aisec output" in message
    assert "it holds a/, b/, main.tf, notes.txt and 1 more" in message and "--adopt" in message
    assert snapshot(tmp_path) == before and not (tmp_path / MANIFEST).exists()
    with pytest.raises(UserInputError) as refused:  # the CI roles and the state backend: no adopting
        write(tmp_path, files, offer_adopt=False)
    assert "it holds a/" in refused.value.message and "--adopt" not in refused.value.message


def test_adopting_a_folder_keeps_what_is_there(tmp_path: Path, files: dict[str, str]) -> None:
    (tmp_path / "main.tf").write_text("# someone else's\n")
    (tmp_path / "notes.txt").write_text("x\n")
    result = write(tmp_path, files, adopt=True)
    assert result.unmanaged == ["main.tf"] and (tmp_path / "main.tf").read_text() == "# someone else's\n"
    assert (tmp_path / "notes.txt").read_text() == "x\n" and (tmp_path / MANIFEST).is_file()
    assert "main.tf: not made by aisec" in result.attention_error().details[0]
    assert write(tmp_path, files).unmanaged == ["main.tf"]  # an output now: no --adopt needed
    assert write(tmp_path, files, force=True).overwritten_edits == ["main.tf"]
    assert not write(tmp_path, files).needs_attention and (tmp_path / "notes.txt").is_file()


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
    assert result.edited == ["workload-lab.tf"] and result.removed == []  # the user decides
    assert (tmp_path / "workload-lab.tf").read_text() == edited
    assert write(tmp_path, render(parse_spec(data))).edited == ["workload-lab.tf"]  # until decided
    assert write(tmp_path, render(parse_spec(data)), force=True).removed == ["workload-lab.tf"]


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
    import generator.render.writer as writer

    calls: list[str] = []
    real = writer._atomic_write
    monkeypatch.setattr(writer, "_atomic_write", lambda p, d: (calls.append(p.name), real(p, d)))
    write(tmp_path, changed)
    assert calls[-1] == Path(MANIFEST).name and calls.count(Path(MANIFEST).name) == 1


@pytest.mark.parametrize("rel", ["../escape.tf", "modules/../../escape.tf", "ABSOLUTE"])
def test_nothing_is_written_outside_the_output_folder(tmp_path: Path, rel: str) -> None:
    """A path that leaves the output folder (.., absolute) is refused, fresh or over a render."""
    out = tmp_path / "deep" / "out"
    files = render(load_spec(BLUEPRINTS["batch-scoring"]))
    escaped = (tmp_path / "deep" / "escape.tf", tmp_path / "escape.tf", tmp_path / "abs-escape.tf")
    rel = str(escaped[2]) if rel == "ABSOLUTE" else rel
    for _ in range(2):  # a fresh folder, then over the render of the first round
        with pytest.raises(WorkError, match="outside the output folder"):
            write(out, {**files, rel: "# escaped\n"})
        assert not any(p.exists() for p in escaped)
        write(out, files)
