"""The command line as a user runs it: real processes, exit codes, no tracebacks, --json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import BLUEPRINTS, REPO, aisec_env, run_aisec


def test_render_then_check(tmp_path: Path) -> None:
    proc = run_aisec("render", str(BLUEPRINTS["healthcare-training"]), "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "Rendered clinical-ai" in proc.stdout and f"Next: aisec plan {tmp_path / 'out'}" in proc.stdout
    assert (tmp_path / "out" / "main.tf").is_file()
    again = run_aisec("render", str(BLUEPRINTS["healthcare-training"]), "-o", str(tmp_path / "out"), "--json")
    data = json.loads(again.stdout)
    assert data["created"] == [] and data["updated"] == [] and data["summary"]["keys"] == 12


def _spec_copy(tmp_path: Path, name: str = "spec.yaml", **changes: object) -> Path:
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    data.update(changes)
    spec = tmp_path / name
    spec.write_text(yaml.safe_dump(data))
    return spec


def test_an_edit_of_a_generated_file_exits_1_until_moved_out(tmp_path: Path) -> None:
    """Issue 19: the generated README, the file headers and --check say the same thing: generated
    files are not edited; your Terraform goes in *.custom.tf, changes to a block in *_override.tf."""
    spec, out = _spec_copy(tmp_path), tmp_path / "out"
    assert run_aisec("render", str(spec), "-o", str(out)).returncode == 0
    readme, header = (out / "README.md").read_text(), (out / "providers.tf").read_text().splitlines()[0]
    assert "Generated files are not edited" in readme and "`*.custom.tf` files" in readme
    assert "`*_override.tf`" in readme and "`aisec render --check`" in readme
    assert "Do not edit: add *.custom.tf files, or *_override.tf files to change a block." in header
    providers = (out / "providers.tf").read_text()
    # the forbidden way: an edit of a generated file
    (out / "providers.tf").write_text(
        providers.replace('"managed-by"', '"owner" = "platform"\n    "managed-by"')
    )
    check = run_aisec("render", str(spec), "-o", str(out), "--check")
    assert check.returncode == 1
    assert (
        f"{out}/providers.tf: edited by hand since the last render; generated files are not edited"
        in check.stdout
    )
    for args in ([], ["--json"]):  # whether or not the render changes the file, it is not accepted
        proc = run_aisec("render", str(spec), "-o", str(out), *args)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert (
            "providers.tf: edited since the last render; move the change to a *.custom.tf or *_override.tf"
            in proc.stderr
        )
    # the documented way: the same change in an override file, the edit restored
    (out / "providers_override.tf").write_text(
        'provider "aws" {\n  default_tags {\n    tags = { owner = "platform" }\n  }\n}\n'
    )
    (out / "extra.custom.tf").write_text('locals {\n  team = "platform"\n}\n')
    forced = run_aisec("render", str(spec), "-o", str(out), "--force")
    assert forced.returncode == 0 and "replaced your edit of providers.tf (--force)" in forced.stderr
    assert (out / "providers.tf").read_text() == providers
    check = run_aisec("render", str(spec), "-o", str(out), "--check")
    assert check.returncode == 0 and "up to date" in check.stdout
    assert "providers_override.tf overrides generated blocks" in check.stdout
    again = run_aisec("render", str(_spec_copy(tmp_path, tags={"owner": "someone"})), "-o", str(out))
    assert (
        again.returncode == 0
        and (out / "providers_override.tf").is_file()
        and (out / "extra.custom.tf").is_file()
    )


def test_leftover_conflict_markers_exit_1_until_resolved(tmp_path: Path) -> None:
    spec, out = _spec_copy(tmp_path), tmp_path / "out"
    assert run_aisec("render", str(spec), "-o", str(out)).returncode == 0
    main = out / "main.tf"
    main.write_text(main.read_text() + "<<<<<<< your edit\n# mine\n=======\n# theirs\n>>>>>>> aisec render\n")
    for _ in range(2):
        proc = run_aisec("render", str(spec), "-o", str(out))
        assert proc.returncode == 1 and "main.tf: holds the conflict markers" in proc.stderr
        assert "<<<<<<< your edit" in main.read_text()
    check = run_aisec("render", str(spec), "-o", str(out), "--check", "--json")
    assert check.returncode == 1
    assert [(d["path"], d["cause"]) for d in json.loads(check.stdout)["differences"]] == [
        ("main.tf", "conflict")
    ]
    main.write_text(main.read_text().split("<<<<<<<")[0])  # resolved: the render's side taken
    assert run_aisec("render", str(spec), "-o", str(out)).returncode == 0


def test_a_folder_that_is_not_an_output_needs_adopt(tmp_path: Path) -> None:
    spec, out = _spec_copy(tmp_path), tmp_path / "repo"
    out.mkdir()
    (out / "Makefile").write_text("all:\n")
    (out / "main.tf").write_text("# ours\n")
    (out / "docs").mkdir()
    refused = run_aisec("render", str(spec), "-o", str(out), "--json")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"{out}: is not empty and is not an aisec output" in refused.stderr
    assert "it holds Makefile, docs/, main.tf" in refused.stderr and "--adopt" in refused.stderr
    assert sorted(p.name for p in out.iterdir()) == ["Makefile", "docs", "main.tf"]
    adopted = run_aisec("render", str(spec), "-o", str(out), "--adopt")
    assert (
        adopted.returncode == 1 and "main.tf: not made by aisec, at a path aisec generates" in adopted.stderr
    )
    assert (out / "main.tf").read_text() == "# ours\n" and (out / "Makefile").is_file()
    assert (out / "providers.tf").is_file() and (out / ".aisec" / "manifest.json").is_file()
    (out / "main.tf").rename(out / "ours.custom.tf")
    assert run_aisec("render", str(spec), "-o", str(out)).returncode == 0  # an output now
    assert (out / "ours.custom.tf").read_text() == "# ours\n" and (out / "Makefile").is_file()


def test_one_spec_is_the_source_of_an_output(tmp_path: Path) -> None:
    """Issue 19: renders from the original spec and from .aisec/spec.yaml cannot undo each other."""
    spec, out = _spec_copy(tmp_path), tmp_path / "out"
    assert run_aisec("render", str(spec), "-o", str(out)).returncode == 0
    assert json.loads((out / ".aisec" / "manifest.json").read_text())["source"] == {"spec": "../spec.yaml"}
    copy = out / ".aisec" / "spec.yaml"
    copy.write_text(copy.read_text().replace("owner: ", "owner: x"))
    for args in ([], ["--check"], ["--force"]):
        proc = run_aisec("render", str(copy), "-o", str(out), *args)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert "is aisec's record of the spec last rendered into" in proc.stderr
        assert "edit ../spec.yaml and render it" in proc.stderr or f"edit {spec}" in proc.stderr
    assert run_aisec("render", str(copy), "-o", str(tmp_path / "clone")).returncode == 2
    other = _spec_copy(tmp_path, "other.yaml", tags={"owner": "other"})
    before = (out / "providers.tf").read_text()
    refused = run_aisec("render", str(other), "-o", str(out))
    assert refused.returncode == 2 and "is rendered from" in refused.stderr and "spec.yaml" in refused.stderr
    assert "--force" in refused.stderr and (out / "providers.tf").read_text() == before
    check = run_aisec("render", str(other), "-o", str(out), "--check", "--json")
    assert check.returncode == 1
    assert json.loads(check.stdout)["differences"][0]["kind"] == "source"
    switched = run_aisec("render", str(other), "-o", str(out), "--force")
    assert (
        switched.returncode == 0
        and "is rendered from" in switched.stderr
        and "from now on" in switched.stderr
    )
    assert json.loads((out / ".aisec" / "manifest.json").read_text())["source"] == {"spec": "../other.yaml"}
    assert run_aisec("render", str(spec), "-o", str(out)).returncode == 2  # the old one no longer applies
    other.rename(tmp_path / "moved.yaml")  # a spec that moved: its new place is the source
    moved = run_aisec("render", str(tmp_path / "moved.yaml"), "-o", str(out))
    assert moved.returncode == 0 and "which is gone" in moved.stderr


def test_render_check(tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec = str(BLUEPRINTS["batch-scoring"])
    assert run_aisec("render", spec, "-o", str(out)).returncode == 0
    ok = run_aisec("render", spec, "-o", str(out), "--check")
    assert ok.returncode == 0 and "up to date" in ok.stdout
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (out / "outputs.tf").write_text((out / "outputs.tf").read_text().replace("Topic", "A topic"))
    (out / "backend.tf").unlink()
    proc = run_aisec("render", spec, "-o", str(out), "--check")
    assert proc.returncode == 1
    assert '+  description = "Topic that receives' in proc.stdout and "backend.tf: missing" in proc.stdout
    data = json.loads(run_aisec("render", spec, "-o", str(out), "--check", "--json").stdout)
    assert {(d["path"], d["kind"]) for d in data["differences"]} == {
        ("outputs.tf", "differs"),
        ("backend.tf", "missing"),
    }
    assert not (out / "backend.tf").exists() and len(before) - 1 == sum(
        1 for p in out.rglob("*") if p.is_file()
    )


def test_secrets_in_a_spec_are_refused_and_never_repeated(tmp_path: Path) -> None:
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    key, secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    data["tags"] = {"note": key}
    data["workloads"][0]["description"] = f"uses {secret}"
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(data))
    proc = run_aisec("render", str(spec), "-o", str(tmp_path / "out"), "--json")
    assert proc.returncode == 2 and not (tmp_path / "out").exists()
    assert "tags.note: this value looks like an AWS access key id" in proc.stderr
    assert "workloads[0].description: this value looks like an AWS secret access key" in proc.stderr
    assert key not in proc.stderr + proc.stdout and secret not in proc.stderr + proc.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("apiVersion: aisec/v1\ncolour: blue\n", "colour: unknown key"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("", "must be a YAML mapping"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_bad_specs_exit_2_without_output(tmp_path: Path, content: str, expected: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(content)
    out = tmp_path / "out"
    for args in (["check-spec", str(spec)], ["render", str(spec), "-o", str(out)]):
        proc = run_aisec(*args)
        assert proc.returncode == 2, proc.stderr
        assert expected in proc.stderr and str(spec) in proc.stderr
        assert "Traceback" not in proc.stderr + proc.stdout
        assert not out.exists()


def test_missing_spec_file(tmp_path: Path) -> None:
    proc = run_aisec("check-spec", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2 and "nope.yaml: no such file" in proc.stderr


def test_bad_arguments_exit_2() -> None:
    assert run_aisec("render").returncode == 2
    assert run_aisec("frobnicate").returncode == 2


def test_check_spec_json() -> None:
    proc = run_aisec("check-spec", str(BLUEPRINTS["multi-workload"]), "--json")
    data = json.loads(proc.stdout)
    assert data["valid"] and data["name"] == "ml-platform" and len(data["workloads"]) == 4
    assert data["modules"]["kms"] == "1.3.0"


def test_impossible_module_constraint_is_a_spec_error(tmp_path: Path) -> None:
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    data["modules"] = {"kms": "~> 2.0"}
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(data))
    proc = run_aisec("render", str(spec), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "modules.kms: no released version satisfies '~> 2.0'; available: 1.3.0" in proc.stderr


def test_schema_and_blueprints() -> None:
    schema = json.loads(run_aisec("schema").stdout)
    assert schema["title"].startswith("aisec spec")
    listing = json.loads(run_aisec("blueprints", "list", "--json").stdout)
    assert {b["name"] for b in listing} == set(BLUEPRINTS)
    assert all(b["summary"] for b in listing)
    shown = run_aisec("blueprints", "show", "fraud-inference")
    assert shown.stdout == (REPO / "blueprints" / "fraud-inference.yaml").read_text()
    as_json = json.loads(run_aisec("blueprints", "show", "fraud-inference", "--json").stdout)
    assert as_json["spec"]["name"] == "payments-ml"
    missing = run_aisec("blueprints", "show", "nope")
    assert missing.returncode == 2 and "available:" in missing.stderr


def test_version_and_short_help() -> None:
    from generator import __version__

    version = run_aisec("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"aisec {__version__}"
    for args in (["-h"], ["render", "-h"], ["catalog", "list", "-h"]):
        proc = run_aisec(*args)
        assert proc.returncode == 0 and "Usage: aisec" in proc.stdout, (args, proc.stderr)


def test_help_and_render_load_only_what_they_run(tmp_path: Path) -> None:
    """`--help` loads none of aisec's work modules and `render` never loads the plan gate's IAM
    tables, the orchestration or the CI pipelines (what keeps them near the import floor)."""
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['aisec'] + sys.argv[1:]\n"
        "try:\n"
        "    runpy.run_module('generator', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = [m for m in sys.modules if type(sys.modules[m]).__name__ == 'module']\n"
        "sys.stderr.write('LOADED ' + ' '.join(sorted(loaded)) + '\\n')\n"
    )
    heavy = {
        "policy_sentry",
        "cloudsplaining",
        "generator.orchestrate",
        "generator.ci",
        "generator.planreview",
    }

    def loaded(*args: str) -> set[str]:
        run = subprocess.run(
            [sys.executable, "-c", probe, *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            env=aisec_env(),
            check=False,
        )
        line = next(ln for ln in run.stderr.splitlines() if ln.startswith("LOADED "))
        return set(line.split()[1:])

    at_help = loaded("--help")
    assert not {
        m
        for m in at_help
        if m.startswith("generator.")
        and m not in {"generator.cli", "generator.errors", "generator.lazy", "generator.__main__"}
    }, at_help
    at_render = loaded("render", str(REPO / "blueprints" / "batch-scoring.yaml"), "-o", str(tmp_path / "out"))
    assert (tmp_path / "out" / "main.tf").is_file()
    assert {"generator.render", "generator.spec"} <= at_render
    assert not {m for m in at_render if m.split(".")[0] in heavy or m in heavy}, sorted(at_render & heavy)
