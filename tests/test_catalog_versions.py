"""Released versions side by side, module source modes, and aisec upgrade (diff, changelog, moved)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import core
from generator.catalog import archive_path, data_dir, load_catalog
from generator.errors import WorkError
from generator.render import RENDERS_WITH, render, resolve_modules
from generator.reports.catalog_report import check, release
from generator.spec import parse_spec
from tests.conftest import BLUEPRINTS, json_result, run_aisec
from tests.offline import Rehearsal


def _spec_file(tmp_path: Path, name: str = "spec.yaml", **changes: Any) -> Path:
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    data.update(changes)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def _manifest_versions(folder: Path) -> dict[str, str]:
    data = json.loads((folder / ".aisec" / "manifest.json").read_text())
    return {n: m["version"] for n, m in data["modules"].items()}


def test_a_spec_pins_an_older_released_version(tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec = _spec_file(tmp_path, modules={"macie": "= 1.0.0", "storage": "~> 1.0"})
    assert run_aisec("render", str(spec), "-o", str(out)).returncode == 0
    newest_storage = load_catalog().modules["storage"][0].version
    assert (
        _manifest_versions(out)["macie"] == "1.0.0" and _manifest_versions(out)["storage"] == newest_storage
    )
    # the exact files of 1.0.0, recovered from the stored release: no prevent_destroy yet
    macie_1_0 = next(m for m in load_catalog().modules["macie"] if m.version == "1.0.0")
    assert (out / "modules" / "macie" / "main.tf").read_bytes() == dict(macie_1_0.files())["main.tf"]
    assert "prevent_destroy" not in (out / "modules" / "macie" / "main.tf").read_text()
    assert run_aisec("validate", str(out), "--offline").returncode == 0
    impossible = _spec_file(tmp_path, "bad.yaml", modules={"macie": "~> 2.0"})
    proc = run_aisec("render", str(impossible), "-o", str(tmp_path / "never"))
    assert proc.returncode == 2
    assert (
        "modules.macie: no released version satisfies '~> 2.0'; available: 1.2.0, 1.1.0, 1.0.0" in proc.stderr
    )
    assert not (tmp_path / "never").exists()
    # Versions without the inputs the templates pass are refused, not rendered without the perimeter.
    too_old = _spec_file(tmp_path, "old.yaml", modules={"kms": "= 1.1.0"})
    proc = run_aisec("render", str(too_old), "-o", str(tmp_path / "never"))
    assert (
        proc.returncode == 2 and "modules.kms: '= 1.1.0' allows only versions older than 1.5.0" in proc.stderr
    )
    assert not (tmp_path / "never").exists()
    # A landing with Macie custom data identifiers needs macie 1.2.0; one without renders with older.
    phi = yaml.safe_load(BLUEPRINTS["healthcare-training"].read_text())
    phi["modules"] = {"macie": "~> 1.1.0"}
    (tmp_path / "phi.yaml").write_text(yaml.safe_dump(phi))
    proc = run_aisec("render", str(tmp_path / "phi.yaml"), "-o", str(tmp_path / "never"))
    assert (
        proc.returncode == 2
        and "modules.macie: '~> 1.1.0' allows only versions older than 1.2.0" in proc.stderr
    )
    assert not (tmp_path / "never").exists()


def test_an_output_pinned_to_a_version_without_the_perimeter_moves_forward() -> None:
    spec = parse_spec(yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text()), "spec.yaml")
    found = resolve_modules(spec, load_catalog(), pinned={"kms": "1.1.0", "iam": "1.0.0", "macie": "1.0.0"})
    assert (found["kms"].version, found["iam"].version) == (RENDERS_WITH["kms"], RENDERS_WITH["iam"])
    assert found["macie"].version == "1.0.0"  # still usable: kept


def test_a_tampered_release_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "modules"
    shutil.copytree(data_dir("modules"), root)
    stored = archive_path(root, "kms", "1.0.0")
    data = json.loads(stored.read_text())
    data["files"]["main.tf"] += "\n# changed after release\n"
    stored.write_text(json.dumps(data))
    refused = r"kms/1\.0\.0\.json: kms 1\.0\.0 does not match the hash"
    catalog = load_catalog.__wrapped__(root)  # a stored version is read when first used
    with pytest.raises(WorkError, match=refused):
        catalog.resolve("kms", "= 1.0.0").files()
    with pytest.raises(WorkError, match=refused):
        assert catalog.resolve("kms", "= 1.0.0").summary
    with pytest.raises(WorkError, match=refused):  # aisec catalog check reads every stored version
        check(root)


def test_a_render_reads_no_stored_version(tmp_path: Path) -> None:
    """The newest versions are the module folders: a render never opens the stored archives (whose
    reading and checking took a twentieth of it), not even a broken one."""
    root = tmp_path / "modules"
    shutil.copytree(data_dir("modules"), root)
    for stored in root.glob(".releases/*/*.json"):
        stored.write_text("not json")
    catalog = load_catalog.__wrapped__(root)
    spec = parse_spec(yaml.safe_load(BLUEPRINTS["healthcare-training"].read_text()), "spec.yaml")
    render(spec, catalog=catalog)
    assert [m.version for m in catalog.modules["kms"]][:2] == [RENDERS_WITH["kms"], "1.4.0"]
    with pytest.raises(json.JSONDecodeError):
        catalog.resolve("kms", "= 1.0.0").files()


def test_release_stores_the_version_and_check_wants_it(tmp_path: Path) -> None:
    root = tmp_path / "modules"
    shutil.copytree(data_dir("modules"), root)
    older = [m.version for m in load_catalog().modules["iam"]]
    current = older[0]
    archive_path(root, "iam", current).unlink()
    assert check(root) == [
        f"modules/iam: modules/.releases/iam/{current}.json is missing or differs from the release"
    ]
    shutil.copy(archive_path(data_dir("modules"), "iam", current), archive_path(root, "iam", current))
    main = root / "iam" / "main.tf"
    main.write_text(main.read_text() + "\n# a change\n")
    major, minor, patch = current.split(".")
    patched = f"{major}.{minor}.{int(patch) + 1}"
    assert release("iam", "patch", root) == patched
    assert archive_path(root, "iam", patched).is_file()
    versions = [m.version for m in load_catalog.__wrapped__(root).modules["iam"]]
    assert versions == [
        patched,
        *older,
    ]  # side by side: the new one in the folder, the old one stored


def test_git_source_mode_with_a_real_git_repository(tmp_path: Path) -> None:
    """The catalog published as a git repository with a tag per module version, as `git` mode expects."""
    repo = tmp_path / "catalog"
    repo.mkdir()

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args],
                       cwd=repo, check=True, capture_output=True)  # fmt: skip

    git("init", "-q", "-b", "main")
    for name, versions in sorted(load_catalog().modules.items()):
        for module in reversed(versions):  # oldest first, one commit and tag per version
            target = repo / "modules" / name
            shutil.rmtree(target, ignore_errors=True)
            for rel, data in module.files():
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                (target / rel).write_bytes(data)
            git("add", "-A")
            git("commit", "-q", "-m", f"{name} {module.version}")
            git("tag", f"modules/{name}/v{module.version}")
    spec = _spec_file(
        tmp_path, module_source={"mode": "git", "git_url": f"file://{repo}"}, modules={"macie": "1.0.0"}
    )
    out = tmp_path / "out"
    assert run_aisec("render", str(spec), "-o", str(out)).returncode == 0
    assert not (out / "modules").exists()
    main = (out / "main.tf").read_text()
    assert f'source = "git::file://{repo}//modules/audit?ref=modules/audit/v1.5.0"' in main
    assert f'source = "git::file://{repo}//modules/macie?ref=modules/macie/v1.0.0"' in main
    proc = run_aisec("validate", str(out), "--offline")
    assert proc.returncode == 0, proc.stdout + proc.stderr  # terraform init fetched every tag with git
    manifest = json.loads((out / ".aisec" / "manifest.json").read_text())
    assert {m["source"] for m in manifest["modules"].values()} == {"git"}


def test_registry_source_mode(tmp_path: Path) -> None:
    spec = parse_spec(
        {**yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text()),
         "module_source": {"mode": "registry", "registry": "app.terraform.io/acme"}}, "spec.yaml"
    )  # fmt: skip
    files = render(spec)
    assert not any(p.startswith("modules/") for p in files)
    assert 'source  = "app.terraform.io/acme/kms/aws"\n  version = "1.5.0"' in files["main.tf"]
    out = tmp_path / "out"
    out.mkdir()
    for rel, text in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    fmt = subprocess.run(["terraform", "fmt", "-check", "-recursive", str(out)], capture_output=True, text=True,
                         env={"TF_CLI_CONFIG_FILE": "/dev/null", "PATH": "/usr/local/bin:/usr/bin:/bin"})  # fmt: skip
    assert fmt.returncode == 0, fmt.stdout
    for bad, message in (
        ({"mode": "registry"}, "module_source.registry: required when module_source.mode is registry"),
        ({"mode": "vendored", "git_url": "https://example.com/x.git"}, "module_source.git_url: not used"),
        ({"mode": "git", "git_url": 'https://x.example.com/a.git?ref=x"}'}, "module_source.git_url"),
    ):
        proc = run_aisec("check-spec", str(_spec_file(tmp_path, "bad.yaml", module_source=bad)))
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_render_keeps_versions_and_upgrade_moves_them(tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec = _spec_file(tmp_path, modules={"macie": "= 1.0.0"})
    assert run_aisec("render", str(spec), "-o", str(out)).returncode == 0
    r = Rehearsal.of(out)
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    # the constraint allows a newer version now (1.1.0); a render keeps what the output uses
    spec.write_text(spec.read_text().replace("macie: = 1.0.0", "macie: < 1.2"))
    assert run_aisec("render", str(spec), "-o", str(out)).returncode == 0
    assert _manifest_versions(out)["macie"] == "1.0.0"
    dry = run_aisec("upgrade", str(out), "--dry-run")
    assert dry.returncode == 0 and "macie 1.0.0 -> 1.1.0" in dry.stdout and "prevent_destroy" in dry.stdout
    assert "+  # aisec destroy lifts this for one plan" in dry.stdout  # the diff of the vendored module
    assert _manifest_versions(out)["macie"] == "1.0.0"  # --dry-run wrote nothing
    report = json_result(run_aisec("upgrade", str(out), "--json"))
    assert report["upgrades"] == {"macie": {"from": "1.0.0", "to": "1.1.0"}} and report["written"]
    assert _manifest_versions(out)["macie"] == "1.1.0"
    r = Rehearsal.of(out)
    assert r.run("plan", "-input=false", "-detailed-exitcode").returncode == 0  # lifecycle only: no changes
    assert "every module is at the newest" in run_aisec("upgrade", str(out)).stdout


def test_upgrade_writes_moved_blocks_for_renamed_resources(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_aisec("render", str(_spec_file(tmp_path)), "-o", str(out)).returncode == 0
    r = Rehearsal.of(out)
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    # a platform team renames the alias resource in kms 1.6.0 and says so in module.yaml
    root = tmp_path / "modules"
    shutil.copytree(data_dir("modules"), root)
    for name in ("main.tf", "outputs.tf"):
        path = root / "kms" / name
        path.write_text(
            path.read_text()
            .replace('aws_kms_alias" "this"', 'aws_kms_alias" "key"')
            .replace("aws_kms_alias.this", "aws_kms_alias.key")
        )
    meta = root / "kms" / "module.yaml"
    meta.write_text(meta.read_text() + 'moved:\n  - {from: "aws_kms_alias.this", to: "aws_kms_alias.key"}\n')
    assert release("kms", "minor", root) == "1.6.0"
    report = core.upgrade(out, catalog=load_catalog.__wrapped__(root))
    assert report["upgrades"] == {"kms": {"from": "1.5.0", "to": "1.6.0"}}
    moved = (out / core.MOVED_FILE).read_text()
    calls = ["foundation_kms", "weekly_scores_dev_kms", "weekly_scores_prod_kms"]
    for call in calls:
        assert (
            f"moved {{\n  from = module.{call}.aws_kms_alias.this\n  to   = module.{call}.aws_kms_alias.key\n}}"
            in moved
        )
    r = Rehearsal.of(out)
    r.ok("plan", "-input=false", "-out=tfplan")
    changes = r.show_json("tfplan")["resource_changes"]
    aliases = [c for c in changes if c["type"] == "aws_kms_alias"]
    assert len(aliases) == 9 and all(  # 2 stages x 3 keys, and the audit, alerts and service-logs keys
        c["change"]["actions"] == ["no-op"] and c.get("previous_address") for c in aliases
    )
    assert [c for c in changes if c["change"]["actions"] not in (["no-op"], ["read"])] == []
    again = core.upgrade(out, catalog=load_catalog.__wrapped__(root))
    assert again["upgrades"] == {} and (out / core.MOVED_FILE).read_text() == moved  # nothing twice


def test_the_manifest_hashes_what_the_vendored_files_hold() -> None:
    """A vendored file as its module has it takes the digest the module computed; any other text is
    hashed itself."""
    from generator.landing import MANIFEST
    from generator.render.roots import manifest_text, sha256

    catalog = load_catalog()
    spec = parse_spec(yaml.safe_load(BLUEPRINTS["healthcare-training"].read_text()), "spec.yaml")
    files = render(spec, catalog=catalog)
    edited = {**files, "modules/kms/main.tf": files["modules/kms/main.tf"] + "# edited\n"}
    listed = json.loads(manifest_text(edited, resolve_modules(spec, catalog)))["files"]
    assert listed["modules/kms/main.tf"] == sha256(edited["modules/kms/main.tf"])
    assert listed["modules/kms/variables.tf"] == sha256(files["modules/kms/variables.tf"])
    assert listed == {path: sha256(text) for path, text in edited.items() if path != MANIFEST}
