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


def test_clashing_edit_exits_1_and_lists_files(tmp_path: Path) -> None:
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    spec, out = tmp_path / "spec.yaml", tmp_path / "out"
    spec.write_text(yaml.safe_dump(data))
    assert run_aisec("render", str(spec), "-o", str(out)).returncode == 0
    (out / "providers.tf").write_text("# edited\n")
    kept = run_aisec("render", str(spec), "-o", str(out))
    assert kept.returncode == 0 and "kept your edit of providers.tf" in kept.stderr
    data["tags"] = {"owner": "someone"}
    spec.write_text(yaml.safe_dump(data))
    proc = run_aisec("render", str(spec), "-o", str(out))
    assert proc.returncode == 1
    assert "conflict (resolve the <<<<<<< markers): providers.tf" in proc.stderr
    assert run_aisec("render", str(spec), "-o", str(out), "--force").returncode == 0


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
