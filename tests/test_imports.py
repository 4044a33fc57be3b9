"""Shared settings (issue 17 item 3): a spec imports YAML files of defaults, deep-merged, with
errors naming the file and field, cycles refused, paths kept in the repository; the manifest
records the imported files so `render --check` sees a change in one."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from generator.errors import SpecError
from generator.spec import MAX_IMPORT_DEPTH, json_schema, load_spec, load_spec_file
from tests.conftest import BLUEPRINTS, REPO, json_result, run_aisec

EXAMPLE = REPO / "examples" / "fleet"


def _repo(tmp_path: Path) -> Path:
    """A repository (a folder with .git) holding specs/ with a base file and a landing."""
    (tmp_path / ".git").mkdir()
    specs = tmp_path / "specs"
    (specs / "_defaults").mkdir(parents=True)
    landing = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    base = {
        "apiVersion": landing.pop("apiVersion"),
        "aws": {"region": landing["aws"].pop("region")},
        "alerts": {"email": ["secops@example.com"]},
        "tags": {"owner": "platform", "cost-center": "100"},
        "compliance": ["ai-security", "soc2"],
    }
    (specs / "_defaults" / "base.yaml").write_text(yaml.safe_dump(base))
    landing["imports"] = ["_defaults/base.yaml"]
    landing["tags"] = {"cost-center": "200"}
    landing.pop("compliance", None)
    (specs / "prod.yaml").write_text(yaml.safe_dump(landing))
    return specs


def _edit(path: Path, **changes: object) -> None:
    data = yaml.safe_load(path.read_text()) or {}
    data.update(changes)
    path.write_text(yaml.safe_dump(data))


def _error(path: Path | str) -> SpecError:
    with pytest.raises(SpecError) as exc:
        load_spec(path)
    return exc.value


def test_imports_deep_merge_with_the_spec_winning(tmp_path: Path) -> None:
    specs = _repo(tmp_path)
    loaded = load_spec_file(specs / "prod.yaml")
    spec = loaded.spec
    assert loaded.imports == ((specs / "_defaults" / "base.yaml").resolve(),)
    # mappings merge key by key; the spec's value wins
    assert spec.tags == {"owner": "platform", "cost-center": "200"}
    assert spec.aws.region == "us-west-2" and spec.alerts.email  # from the base only
    assert [r.value for r in spec.compliance] == ["ai-security", "soc2"]
    # a list of the importing file replaces the imported one whole
    _edit(specs / "prod.yaml", compliance=["ai-security"])
    assert [r.value for r in load_spec(specs / "prod.yaml").compliance] == ["ai-security"]
    # a later import overrides an earlier one; an imported file imports others (nested, relative to it)
    (specs / "_defaults" / "eu.yaml").write_text("imports: [base.yaml]\naws: {region: eu-west-1}\n")
    (specs / "_defaults" / "us.yaml").write_text("aws: {region: us-west-2}\ntags: {owner: ml}\n")
    _edit(specs / "prod.yaml", imports=["_defaults/us.yaml", "_defaults/eu.yaml"])
    loaded = load_spec_file(specs / "prod.yaml")
    assert loaded.spec.aws.region == "eu-west-1"
    assert loaded.spec.tags == {"owner": "platform", "cost-center": "200"}  # eu's base came later
    assert [p.name for p in loaded.imports] == ["us.yaml", "eu.yaml", "base.yaml"]
    # the spec copy aisec records holds the merged spec, without imports
    assert load_spec(specs / "prod.yaml") == loaded.spec


def test_import_errors_name_the_file_and_the_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = _repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    _edit(specs / "prod.yaml", imports=["_defaults/base.yaml", "../base.yaml"])
    e = _error("specs/prod.yaml")
    assert e.message == "specs/prod.yaml: imports[1]: ../base.yaml not found"
    # a field error inside an imported file names that file; one in the spec names the spec
    _edit(specs / "prod.yaml", imports=["_defaults/base.yaml"], name="Bad Name")
    _edit(specs / "_defaults" / "base.yaml", aws={"region": "mars-1"}, colour="blue")
    e = _error("specs/prod.yaml")
    assert e.message == "specs/prod.yaml: 3 problem(s) in the spec and its imports"
    assert any(d.startswith("specs/_defaults/base.yaml: aws.region: Input should be") for d in e.details)
    assert any(d.startswith("specs/_defaults/base.yaml: colour: unknown key") for d in e.details)
    assert any(d.startswith("specs/prod.yaml: name: ") for d in e.details)
    assert {p["file"] for p in e.problems} == {"specs/prod.yaml", "specs/_defaults/base.yaml"}
    # a field missing in a mapping the defaults give is for the spec to add: it names the spec
    _edit(specs / "_defaults" / "base.yaml", aws={"region": "us-west-2"})
    prod = yaml.safe_load((specs / "prod.yaml").read_text())
    account = prod.pop("aws")["account_id"]  # aws: only in the defaults now
    (specs / "prod.yaml").write_text(yaml.safe_dump(prod))
    assert "specs/prod.yaml: aws.account_id: required field is missing" in _error("specs/prod.yaml").details
    prod["aws"] = {"account_id": account}
    (specs / "prod.yaml").write_text(yaml.safe_dump(prod))
    # a value the spec overrides is the spec's: its error names the spec
    _edit(specs / "_defaults" / "base.yaml", aws={"region": "us-west-2"}, colour=None)
    (specs / "_defaults" / "base.yaml").write_text(
        (specs / "_defaults" / "base.yaml").read_text().replace("colour: null\n", "")
    )
    _edit(specs / "prod.yaml", name="prod", aws={"region": "mars-1", "account_id": "111122223333"})
    assert _error("specs/prod.yaml").details[0].startswith("specs/prod.yaml: aws.region: ")
    # not a list of paths
    _edit(specs / "prod.yaml", imports="_defaults/base.yaml")
    assert _error("specs/prod.yaml").message.startswith("specs/prod.yaml: imports: a list of paths")
    # an imported file that is not a mapping
    (specs / "_defaults" / "list.yaml").write_text("- a\n")
    _edit(specs / "prod.yaml", imports=["_defaults/list.yaml"])
    assert _error("specs/prod.yaml").message == (
        "specs/_defaults/list.yaml: an imported file must be a YAML mapping of spec fields, got list"
    )


def test_credentials_in_an_imported_file_are_refused_even_when_overridden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = _repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    _edit(specs / "_defaults" / "base.yaml", tags={"owner": "AKIAIOSFODNN7EXAMPLE"})
    _edit(specs / "prod.yaml", tags={"owner": "me"})
    e = _error("specs/prod.yaml")
    assert e.message.startswith("specs/_defaults/base.yaml: 1 value(s) look like credentials")
    assert "AKIA" not in " ".join(e.lines())


def test_cycles_depth_and_paths_outside_the_repository_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = _repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    d = specs / "_defaults"
    (d / "a.yaml").write_text("imports: [b.yaml]\n")
    (d / "b.yaml").write_text("imports: [a.yaml]\n")
    _edit(specs / "prod.yaml", imports=["_defaults/a.yaml"])
    err = _error("specs/prod.yaml")
    assert err.message == (
        "specs/_defaults/b.yaml: imports[0]: a.yaml: an import cycle: "
        "specs/_defaults/a.yaml -> specs/_defaults/b.yaml -> specs/_defaults/a.yaml"
    )
    assert err.file == "specs/_defaults/b.yaml"  # the file holding the import, for the JSON record
    # a spec importing itself
    _edit(specs / "prod.yaml", imports=["prod.yaml"])
    assert "an import cycle: specs/prod.yaml -> specs/prod.yaml" in _error("specs/prod.yaml").message
    # the same file twice through two paths (a diamond) is no cycle
    (d / "a.yaml").write_text("imports: [base.yaml]\n")
    (d / "b.yaml").write_text("imports: [base.yaml]\n")
    _edit(specs / "prod.yaml", imports=["_defaults/a.yaml", "_defaults/b.yaml"])
    assert len(load_spec_file("specs/prod.yaml").imports) == 3
    # depth: a chain one longer than allowed
    for i in range(MAX_IMPORT_DEPTH + 1):
        (d / f"level{i}.yaml").write_text(f"imports: [level{i + 1}.yaml]\n")
    (d / f"level{MAX_IMPORT_DEPTH + 1}.yaml").write_text("{}\n")
    _edit(specs / "prod.yaml", imports=["_defaults/level0.yaml"])
    err = _error("specs/prod.yaml")
    assert f"more than {MAX_IMPORT_DEPTH} levels of imports" in err.message
    assert err.file == f"specs/_defaults/level{MAX_IMPORT_DEPTH - 1}.yaml", err.file
    # base.yaml one level deeper than allowed (prod -> level0 -> ... -> level7 -> base), then at the bound
    (d / f"level{MAX_IMPORT_DEPTH - 1}.yaml").write_text("imports: [base.yaml]\n")
    assert f"more than {MAX_IMPORT_DEPTH} levels of imports" in _error("specs/prod.yaml").message
    (d / f"level{MAX_IMPORT_DEPTH - 2}.yaml").write_text("imports: [base.yaml]\n")
    assert len(load_spec_file("specs/prod.yaml").imports) == MAX_IMPORT_DEPTH
    # absolute paths and paths leaving the repository
    _edit(specs / "prod.yaml", imports=[str(d / "base.yaml")])
    err = _error("specs/prod.yaml")
    assert "an absolute path" in err.message and err.file == "specs/prod.yaml"
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    shutil.copy(d / "base.yaml", outside)
    _edit(specs / "prod.yaml", imports=[f"../../{outside.name}"])
    assert f"../../{outside.name}: outside the repository" in _error("specs/prod.yaml").message
    # nor through a symbolic link inside the repository that points out of it
    (specs / "_defaults" / "link.yaml").symlink_to(outside)
    _edit(specs / "prod.yaml", imports=["_defaults/link.yaml"])
    assert "_defaults/link.yaml: outside the repository" in _error("specs/prod.yaml").message
    # .. inside the repository is fine
    shutil.copy(d / "base.yaml", tmp_path / "shared.yaml")
    _edit(specs / "prod.yaml", imports=["../shared.yaml"])
    assert load_spec_file("specs/prod.yaml").imports == ((tmp_path / "shared.yaml").resolve(),)


def test_the_manifest_records_imports_and_render_check_sees_a_base_change(tmp_path: Path) -> None:
    specs = _repo(tmp_path)
    out = tmp_path / "infra" / "prod"
    out.parent.mkdir()
    assert run_aisec("render", str(specs / "prod.yaml"), "-o", str(out)).returncode == 0
    source = json.loads((out / ".aisec" / "manifest.json").read_text())["source"]
    assert source["spec"] == "../../specs/prod.yaml"
    base = specs / "_defaults" / "base.yaml"
    digest = __import__("hashlib").sha256(base.read_bytes()).hexdigest()
    assert source["imports"] == {"../../specs/_defaults/base.yaml": digest}
    check = run_aisec("render", str(specs / "prod.yaml"), "-o", str(out), "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    # a comment in the base changes nothing rendered but the record: --check says so
    base.write_text("# reviewed\n" + base.read_text())
    check = run_aisec("render", str(specs / "prod.yaml"), "-o", str(out), "--check", "--json")
    assert check.returncode == 1
    assert [d["path"] for d in json_result(check)["differences"]] == [".aisec/manifest.json"]
    # a real change in the base reaches the generated files
    _edit(base, tags={"owner": "someone-else", "cost-center": "100"})
    check = run_aisec("render", str(specs / "prod.yaml"), "-o", str(out), "--check", "--json")
    paths = {d["path"] for d in json_result(check)["differences"]}
    assert {".aisec/manifest.json", ".aisec/spec.yaml", "providers.tf"} <= paths
    assert run_aisec("render", str(specs / "prod.yaml"), "-o", str(out)).returncode == 0
    assert run_aisec("render", str(specs / "prod.yaml"), "-o", str(out), "--check").returncode == 0
    # upgrade keeps the recorded imports (it renders from the spec copy)
    assert run_aisec("upgrade", str(out)).returncode == 0
    assert run_aisec("render", str(specs / "prod.yaml"), "-o", str(out), "--check").returncode == 0


def test_the_schema_documents_imports() -> None:
    prop = json_schema()["properties"]["imports"]
    assert prop["type"] == "array" and prop["items"]["type"] == "string"
    assert "imports" not in json_schema()["required"]


def test_init_from_a_spec_with_imports_keeps_them(tmp_path: Path) -> None:
    """Decision: `aisec init --from` a spec with imports edits the merged spec, then saves a spec
    that keeps the imports (relative to where it is saved) and holds only what differs from them."""
    specs = _repo(tmp_path)
    (tmp_path / "teams").mkdir()
    saved = tmp_path / "teams" / "copy.yaml"
    out = tmp_path / "infra" / "copy"
    proc = run_aisec(
        "init", "--from", str(specs / "prod.yaml"), "--defaults", "--save-spec", str(saved), "-o", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    data = yaml.safe_load(saved.read_text())
    assert data["imports"] == ["../specs/_defaults/base.yaml"]
    assert "region" not in data["aws"] and "alerts" not in data and "compliance" not in data
    assert data["tags"] == {"cost-center": "200"}  # the spec's own override, not the base's owner
    assert load_spec(saved) == load_spec(specs / "prod.yaml")
    manifest = json.loads((out / ".aisec" / "manifest.json").read_text())
    assert list(manifest["source"]["imports"]) == ["../../specs/_defaults/base.yaml"]
    # without imports, init saves the whole spec as before
    plain = run_aisec(
        "init", "--from", "batch-scoring", "--defaults", "--save-spec", str(tmp_path / "p.yaml"),
        "-o", str(tmp_path / "p"),
    )  # fmt: skip
    assert plain.returncode == 0 and "imports" not in yaml.safe_load((tmp_path / "p.yaml").read_text())


def test_example_specs_load_with_their_defaults() -> None:
    loaded = load_spec_file(EXAMPLE / "specs" / "support-rag.yaml")
    assert {p.name for p in loaded.imports} == {"regulated.yaml", "platform.yaml"}
    assert loaded.spec.aws.region == "eu-west-1" and loaded.spec.tags["data-class"] == "personal"
    assert [r.value for r in loaded.spec.compliance] == ["ai-security", "gdpr"]
    assert [str(e) for e in loaded.spec.alerts.email] == ["support-secops@example.com"]
    assert os.path.basename(load_spec_file(EXAMPLE / "specs" / "churn-scoring.yaml").imports[0]) == (
        "platform.yaml"
    )


def test_a_github_pipeline_runs_when_an_imported_file_changes(tmp_path: Path) -> None:
    specs = _repo(tmp_path)
    proc = run_aisec("ci", "github", "specs/prod.yaml", "--repo", "o/r", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    workflow = yaml.safe_load((tmp_path / ".github" / "workflows" / "aisec.yml").read_text())
    on = workflow["on"]
    for event in ("pull_request", "push"):
        assert on[event]["paths"][:2] == ["specs/prod.yaml", "specs/_defaults/base.yaml"], on
    assert (specs / "_defaults" / "base.yaml").is_file()


# --- what mutation testing of the spec (generator/spec/) found unguarded ------------------------------------


def test_without_a_repository_imports_may_reach_up_to_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = _repo(tmp_path)
    shutil.rmtree(tmp_path / ".git")  # no repository: the working folder bounds the imports
    (specs / "teams").mkdir()
    landing = yaml.safe_load((specs / "prod.yaml").read_text())
    landing["imports"] = ["../_defaults/base.yaml"]
    (specs / "teams" / "ml.yaml").write_text(yaml.safe_dump(landing))
    monkeypatch.chdir(specs)
    assert load_spec(specs / "teams" / "ml.yaml").aws.region == "us-west-2"
    monkeypatch.chdir(specs / "teams")  # the working folder below the base: refused
    assert "outside" in _error(specs / "teams" / "ml.yaml").message


def test_an_imported_folder_is_named_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = _repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    _edit(specs / "prod.yaml", imports=["_defaults"])
    err = _error("specs/prod.yaml")
    assert err.message == "specs/prod.yaml: imports[0]: _defaults is a folder, expected a YAML file"
    assert err.file == "specs/prod.yaml"  # the importing file, for the JSON error record


def test_at_most_the_allowed_number_of_imported_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.spec import MAX_IMPORTED_FILES

    specs = _repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    d = specs / "_defaults"
    for i in range(MAX_IMPORTED_FILES):
        (d / f"part{i}.yaml").write_text("{}\n")
    parts = [f"_defaults/part{i}.yaml" for i in range(MAX_IMPORTED_FILES - 1)]
    _edit(specs / "prod.yaml", imports=["_defaults/base.yaml", *parts])
    assert len(load_spec_file("specs/prod.yaml").imports) == MAX_IMPORTED_FILES
    _edit(
        specs / "prod.yaml",
        imports=["_defaults/base.yaml", *parts, f"_defaults/part{MAX_IMPORTED_FILES - 1}.yaml"],
    )
    err = _error("specs/prod.yaml")
    assert (
        f"more than {MAX_IMPORTED_FILES} imported files in all" in err.message
        and err.file == "specs/prod.yaml"
    )


def test_an_edited_spec_is_saved_over_its_imports(tmp_path: Path) -> None:
    """In process (mutation testing does not see the `aisec init` subprocess): what `init --from`
    saves for a spec with imports, after an edit that sets, changes and removes fields."""
    from generator.spec import spec_over_imports

    specs = _repo(tmp_path)
    spec = load_spec(specs / "prod.yaml")
    edited = spec.model_copy(update={"tags": {"owner": "platform", "cost-center": "300"}, "name": "copy"})
    target = tmp_path / "teams" / "copy.yaml"
    target.parent.mkdir()
    text = spec_over_imports(edited, specs / "prod.yaml", target)
    assert text is not None
    data = yaml.safe_load(text)
    assert data["imports"] == ["../specs/_defaults/base.yaml"]
    assert "region" not in data["aws"] and "alerts" not in data and "compliance" not in data
    assert data["tags"] == {"cost-center": "300"} and data["name"] == "copy"  # only what differs
    target.write_text(text)
    assert load_spec(target) == edited
    assert spec_over_imports(edited, BLUEPRINTS["batch-scoring"], target) is None  # imports nothing


def test_files_outside_the_working_folder_are_named_by_their_full_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = _repo(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    d = specs / "_defaults"
    (d / "a.yaml").write_text("imports: [b.yaml]\n")
    (d / "b.yaml").write_text("imports: [a.yaml]\n")
    _edit(specs / "prod.yaml", imports=["_defaults/a.yaml"])
    message = _error(specs / "prod.yaml").message
    a, b = (str((d / n).resolve()) for n in ("a.yaml", "b.yaml"))
    assert message.endswith(f"an import cycle: {a} -> {b} -> {a}"), message
