"""Folders of landings (issue 17 items 3 and 4): `aisec render specs/ -o infra/` renders every
landing (defaults files skipped), `aisec check-spec specs/` checks them, and `aisec affected`
lists the landings a change since a git ref touches, in a real temporary git repository."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator import fleet
from generator.errors import UserInputError
from tests.conftest import REPO, json_result, run_aisec

EXAMPLE = REPO / "examples" / "fleet"


def test_landings_are_the_specs_not_under_an_underscore(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    for rel in ("a.yaml", "team/b.yml", "_defaults/base.yaml", "_shared.yaml", ".hidden/c.yaml", "notes.txt"):
        (specs / rel).parent.mkdir(parents=True, exist_ok=True)
        (specs / rel).write_text("{}\n")
    (specs / "out" / ".aisec").mkdir(parents=True)  # a rendered folder: its YAML is no landing
    (specs / "out" / ".aisec" / "manifest.json").write_text("{}")
    (specs / "out" / "modules" / "kms").mkdir(parents=True)
    (specs / "out" / "modules" / "kms" / "module.yaml").write_text("{}")
    found = [fleet.landing_name(specs, p) for p in fleet.landing_specs(specs)]
    assert found == ["a", "team/b"]
    (tmp_path / "only-defaults" / "_base.yaml").parent.mkdir()
    (tmp_path / "only-defaults" / "_base.yaml").write_text("{}\n")
    with pytest.raises(UserInputError, match="no landing specs"):
        fleet.landing_specs(tmp_path / "only-defaults")


def test_render_a_folder_of_landings_then_check_it(tmp_path: Path) -> None:
    specs, infra = tmp_path / "specs", tmp_path / "infra"
    shutil.copytree(EXAMPLE / "specs", specs)
    (tmp_path / ".git").mkdir()  # the repository the imports stay in
    proc = run_aisec("render", str(specs), "-o", str(infra), "--json")
    result = json_result(proc)
    assert proc.returncode == 0, proc.stderr
    assert [(r["landing"], r["status"]) for r in result["landings"]] == [
        ("churn-scoring", "rendered"),
        ("support-rag", "rendered"),
    ]
    assert result["failed"] == 0
    assert sorted(p.name for p in infra.iterdir()) == ["churn-scoring", "support-rag"]  # no _defaults
    manifest = json.loads((infra / "support-rag" / ".aisec" / "manifest.json").read_text())
    assert sorted(manifest["source"]["imports"]) == [
        "../../specs/_defaults/platform.yaml",
        "../../specs/_defaults/regulated.yaml",
    ]
    check = run_aisec("render", str(specs), "-o", str(infra), "--check")
    assert check.returncode == 0, check.stdout
    assert "2 of 2 landing(s) up to date" in check.stdout
    # a change in a shared defaults file: both landings differ; one in regulated.yaml: one
    regulated = specs / "_defaults" / "regulated.yaml"
    regulated.write_text(regulated.read_text() + "# reviewed\n")
    check = json_result(run_aisec("render", str(specs), "-o", str(infra), "--check", "--json"))
    assert [r["status"] for r in check["landings"]] == ["up-to-date", "differs"]
    # one broken landing: it writes nothing, the other renders, the table says which, exit 2
    bad = specs / "new-landing.yaml"
    bad.write_text("imports: [_defaults/platform.yaml]\nname: new-landing\n")
    proc = run_aisec("render", str(specs), "-o", str(infra))
    assert proc.returncode == 2
    assert "2 of 3 landing(s) rendered; 1 not: new-landing" in proc.stdout
    assert f"{bad}: " in proc.stderr and "workloads: required field is missing" in proc.stderr
    assert not (infra / "new-landing").exists()
    result = json_result(run_aisec("render", str(specs), "-o", str(infra), "--json"))
    assert [r["status"] for r in result["landings"]] == ["rendered", "failed", "rendered"]
    assert result["failed"] == 1
    errors = json.loads(run_aisec("render", str(specs), "-o", str(infra), "--json").stdout)["errors"]
    assert {e["file"] for e in errors} == {str(bad)}  # the envelope names the file of each problem
    # two landings of one account with the same name would be the same roles, keys and buckets
    bad.write_text((specs / "churn-scoring.yaml").read_text())
    proc = run_aisec("render", str(specs), "-o", str(infra))
    assert (
        proc.returncode == 2
        and "1 of 3 landing(s) rendered; 2 not: churn-scoring, new-landing" in proc.stdout
    )
    assert f"{bad}: name: churn-scoring is also the name of {specs / 'churn-scoring.yaml'}" in proc.stderr
    proc = run_aisec("check-spec", str(specs))
    assert proc.returncode == 2 and proc.stderr.count("is also the name of") == 2


def test_check_spec_takes_folders(tmp_path: Path) -> None:
    proc = run_aisec("check-spec", str(EXAMPLE / "specs"), "--json")
    assert proc.returncode == 0, proc.stderr
    assert [r["name"] for r in json_result(proc)] == ["churn-scoring", "support-rag"]
    specs = tmp_path / "specs"
    shutil.copytree(EXAMPLE / "specs", specs)
    (tmp_path / ".git").mkdir()
    (specs / "_defaults" / "platform.yaml").write_text("aws: {region: mars-1}\n")
    proc = run_aisec("check-spec", str(specs))
    assert proc.returncode == 2
    assert proc.stderr.count(f"{specs}/_defaults/platform.yaml: aws.region: ") == 2  # both landings


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(repo), *args],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip


@pytest.fixture(scope="module")
def landings_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository with the example's specs rendered into infra/, committed."""
    repo = tmp_path_factory.mktemp("landings")
    shutil.copytree(EXAMPLE / "specs", repo / "specs")
    (repo / "catalog" / "kms").mkdir(parents=True)  # a catalog kept in the repository (see below)
    (repo / "catalog" / "kms" / "main.tf").write_text("# kms\n")
    (repo / "catalog" / "unused").mkdir(parents=True)
    (repo / "catalog" / "unused" / "main.tf").write_text("# unused\n")
    _git(repo, "init", "-q", "-b", "main")
    proc = run_aisec("render", "specs", "-o", "infra", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "landings")
    return repo


def _affected(repo: Path, *paths: str) -> dict[str, list[str]]:
    """Landing -> kinds of reasons, for the affected landings (through the CLI, --json)."""
    proc = run_aisec("affected", "--base", "main", *paths, "--json", cwd=repo)
    result = json_result(proc)
    assert proc.returncode == 0, proc.stderr
    return {r["landing"]: [c["kind"] for c in r["reasons"]] for r in result["landings"] if r["affected"]}


def _reset(repo: Path) -> None:
    _git(repo, "checkout", "-q", "--", ".")
    _git(repo, "clean", "-qfd")


def test_affected_lists_the_landings_each_kind_of_change_touches(landings_repo: Path) -> None:
    repo = landings_repo
    try:
        assert _affected(repo) == {}  # specs/ by default; nothing changed
        # the spec of one landing
        spec = repo / "specs" / "churn-scoring.yaml"
        spec.write_text(spec.read_text().replace("stages: [dev, prod]", "stages: [dev, test, prod]"))
        assert _affected(repo) == {"churn-scoring": ["spec"]}
        _reset(repo)
        # a defaults file only one landing imports, then one both import (through the other)
        regulated = repo / "specs" / "_defaults" / "regulated.yaml"
        regulated.write_text(regulated.read_text() + "# reviewed\n")
        assert _affected(repo) == {"support-rag": ["import"]}
        platform = repo / "specs" / "_defaults" / "platform.yaml"
        platform.write_text(platform.read_text().replace("cost-center", "costcentre"))
        assert _affected(repo) == {"churn-scoring": ["import"], "support-rag": ["import", "import"]}
        _reset(repo)
        # a generated file (edited by hand, or a render committed without its spec)
        main_tf = repo / "infra" / "support-rag" / "main.tf"
        main_tf.write_text(main_tf.read_text() + "\n")
        assert _affected(repo) == {"support-rag": ["generated"]}
        # the rendered folder as the argument gives the same answer, named after the folder
        assert _affected(repo, "infra/support-rag") == {"infra/support-rag": ["generated"]}
        _reset(repo)
        # a module version the landing pins (its manifest) moved: e.g. after `aisec upgrade`
        manifest_path = repo / "infra" / "churn-scoring" / ".aisec" / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        old = manifest["modules"]["kms"]["version"]
        manifest["modules"]["kms"]["version"] = "99.0.0"
        manifest_path.write_text(json.dumps(manifest))
        result = json_result(run_aisec("affected", "--base", "main", "specs", "--json", cwd=repo))
        (churn,) = [r for r in result["landings"] if r["affected"]]
        assert {"kind": "module", "path": "kms", "detail": f"{old} -> 99.0.0"} in churn["reasons"]
        _reset(repo)
        # the source of a catalog module kept in the repository: the landings using it
        (repo / "catalog" / "kms" / "main.tf").write_text("# kms, changed\n")
        (repo / "catalog" / "unused" / "main.tf").write_text("# nobody uses this\n")
        report = fleet.affected("main", [Path("specs")], cwd=repo, catalog_dir=repo / "catalog")
        assert report["affected"] == ["churn-scoring", "support-rag"]
        assert all(r["reasons"][0]["path"] == "kms" for r in report["landings"])
        _reset(repo)
        # a new landing (untracked) and a deleted one
        shutil.copy(repo / "specs" / "churn-scoring.yaml", repo / "specs" / "churn-eu.yaml")
        (repo / "specs" / "support-rag.yaml").unlink()
        result = json_result(run_aisec("affected", "--base", "main", "--json", cwd=repo))
        reasons = {r["landing"]: r["reasons"] for r in result["landings"] if r["affected"]}
        assert reasons["churn-eu"] == [{"kind": "spec", "path": "specs/churn-eu.yaml", "detail": ""}]
        assert reasons["support-rag"] == [
            {"kind": "spec", "path": "specs/support-rag.yaml", "detail": "deleted"}
        ]
        assert "churn-scoring" not in reasons
        # the table for people
        proc = run_aisec("affected", "--base", "main", cwd=repo)
        assert "2 of 3 landing(s) affected since main" in proc.stdout and "deleted" in proc.stdout
    finally:
        _reset(repo)


def test_affected_refuses_what_is_not_a_repository_or_a_commit(landings_repo: Path, tmp_path: Path) -> None:
    proc = run_aisec("affected", "--base", "no-such-ref", "--json", cwd=landings_repo)
    assert proc.returncode == 2 and json.loads(proc.stdout)["errors"][0]["message"] == (
        f"--base no-such-ref: not a commit of the repository at {landings_repo.resolve()}"
    )
    assert run_aisec("affected", "--base", "--all", cwd=landings_repo).returncode == 2
    (tmp_path / "specs").mkdir()
    proc = run_aisec("affected", "--base", "main", cwd=tmp_path)
    assert proc.returncode == 2 and "not inside a git repository" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_aisec("affected", "--base", "main", "nowhere", cwd=landings_repo)
    assert proc.returncode == 2 and "nowhere: no such file or folder" in proc.stderr


def test_landing_roots_single_and_split(tmp_path: Path) -> None:
    """A manifest without ``roots`` is one root, the folder; one with ``roots`` lists them in order
    with what each needs; a folder without a manifest is refused, naming it."""
    single = tmp_path / "single"
    (single / ".aisec").mkdir(parents=True)
    (single / ".aisec/manifest.json").write_text(json.dumps({"files": {}}))
    assert fleet.landing_roots(single) == [fleet.Root(single, "", single)]
    assert fleet.landing_roots(single)[0].label == single.as_posix()

    split = tmp_path / "split"
    (split / ".aisec").mkdir(parents=True)
    roots = [
        {"name": "foundation", "path": "foundation", "needs": []},
        {"name": "dev", "path": "dev", "needs": ["foundation"]},
    ]
    (split / ".aisec/manifest.json").write_text(json.dumps({"files": {}, "roots": roots}))
    got = fleet.landing_roots(split)
    assert [(r.name, r.path, r.needs) for r in got] == [
        ("foundation", split / "foundation", ()),
        ("dev", split / "dev", ("foundation",)),
    ]
    assert got[1].label == f"{split.as_posix()}:dev"

    with pytest.raises(UserInputError, match="not a rendered landing"):
        fleet.landing_roots(tmp_path / "nothing")
