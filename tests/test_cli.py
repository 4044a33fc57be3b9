"""The command line as a user runs it: real processes, exit codes, no tracebacks, --json."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.catalog import load_catalog
from generator.render import render as render_files
from generator.render.writer import write
from generator.spec import load_spec
from tests.conftest import BLUEPRINTS, REPO, aisec_env, json_result, run_aisec


def test_the_summary_prints_an_output_path_with_brackets_as_it_is(tmp_path: Path) -> None:
    """The summary line is styled (rich markup); a folder named like a style tag is printed as named."""
    out = tmp_path / "out[bold]x"
    proc = run_aisec("render", str(BLUEPRINTS["batch-scoring"]), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"into {out}: " in proc.stdout and f"Next: aisec plan {out}" in proc.stdout


def test_render_then_check(tmp_path: Path) -> None:
    proc = run_aisec("render", str(BLUEPRINTS["healthcare-training"]), "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "Rendered clinical-ai" in proc.stdout and f"Next: aisec plan {tmp_path / 'out'}" in proc.stdout
    assert (tmp_path / "out" / "main.tf").is_file()
    again = run_aisec("render", str(BLUEPRINTS["healthcare-training"]), "-o", str(tmp_path / "out"), "--json")
    data = json_result(again)
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
    assert [(d["path"], d["cause"]) for d in json_result(check)["differences"]] == [("main.tf", "conflict")]
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
    assert json_result(check)["differences"][0]["kind"] == "source"
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
    data = json_result(run_aisec("render", spec, "-o", str(out), "--check", "--json"))
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
    [data] = json_result(proc)
    assert data["valid"] and data["name"] == "ml-platform" and len(data["workloads"]) == 4
    assert data["modules"]["kms"] == load_catalog().modules["kms"][0].version  # the newest release


def test_impossible_module_constraint_is_a_spec_error(tmp_path: Path) -> None:
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    data["modules"] = {"kms": "~> 2.0"}
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(data))
    proc = run_aisec("render", str(spec), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    released = ", ".join(m.version for m in load_catalog().modules["kms"])  # newest first
    assert f"modules.kms: no released version satisfies '~> 2.0'; available: {released}" in proc.stderr


def test_schema_and_blueprints() -> None:
    schema = json.loads(run_aisec("schema").stdout)
    assert schema["title"].startswith("aisec spec")
    listing = json_result(run_aisec("blueprints", "list", "--json"))
    assert {b["name"] for b in listing} == set(BLUEPRINTS)
    assert all(b["summary"] for b in listing)
    shown = run_aisec("blueprints", "show", "fraud-inference")
    assert shown.stdout == (REPO / "blueprints" / "fraud-inference.yaml").read_text()
    as_json = json_result(run_aisec("blueprints", "show", "fraud-inference", "--json"))
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
        "generator.run.orchestrate",
        "generator.ci",
        "generator.run.planreview",
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
    # generator.cache: the folder where the command line keeps the dataclasses' compiled code
    base = {"generator.cli", "generator.errors", "generator.lazy", "generator.cache", "generator.__main__"}
    assert not {
        m
        for m in at_help
        if m.startswith("generator.")
        and not m.startswith("generator.cli.")  # the command line's own modules
        and m not in base
    }, at_help
    at_render = loaded("render", str(REPO / "blueprints" / "batch-scoring.yaml"), "-o", str(tmp_path / "out"))
    assert (tmp_path / "out" / "main.tf").is_file()
    assert {"generator.render", "generator.spec"} <= at_render
    assert not {m for m in at_render if m.split(".")[0] in heavy or m in heavy}, sorted(at_render & heavy)
    # nor the other command groups, nor what only `render --check` and `upgrade` use (the diff, the
    # catalog's changelogs): generator.cli and generator.core load those on first use
    unused = {
        "generator.cli.catalog",
        "generator.cli.ci",
        "generator.cli.reports",
        "generator.cli.run",
        "generator.core.compare",
        "generator.core.upgrade",
        "generator.reports.catalog_report",
    }
    assert not at_render & unused, sorted(at_render & unused)


# --- --json: one envelope on stdout, whatever happens ------------------------------------------

TINY_MODULE = 'resource "terraform_data" "x" {\n  input = "a"\n}\n'


def _envelope(proc: subprocess.CompletedProcess[str], command: str) -> dict[str, Any]:
    """stdout is exactly one JSON document, the envelope, and it agrees with the process."""
    doc: dict[str, Any] = json.loads(proc.stdout)  # one document: anything else on stdout fails here
    assert list(doc) == ["aisec", "command", "errors", "exit_code", "ok", "result"], doc
    assert doc["aisec"] == 1 and doc["command"] == command, doc
    assert doc["exit_code"] == proc.returncode and doc["ok"] is (proc.returncode == 0), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert all(list(e) == ["detail", "field", "file", "message"] for e in doc["errors"]), doc["errors"]
    # exit 1 may be a failed check and drift's exit 2 is drift found: results, not errors
    assert bool(doc["errors"]) is not doc["ok"] or proc.returncode == 1 or command == "drift"
    return doc


def test_every_json_command_prints_one_envelope(tmp_path: Path) -> None:
    good = str(BLUEPRINTS["batch-scoring"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: aisec/v1\ncolour: blue\n")
    out, missing = tmp_path / "out", str(tmp_path / "missing")
    ok = [
        ("check-spec", [good]),
        ("render", [good, "-o", str(out)]),
        ("render", [good, "-o", str(out), "--check"]),
        ("upgrade", [str(out), "--dry-run"]),
        ("compliance", [good]),
        ("cost", [good]),
        ("catalog list", []),
        ("catalog show", ["kms"]),
        ("blueprints list", []),
        ("blueprints show", ["batch-scoring"]),
    ]
    for command, args in ok:
        doc = _envelope(run_aisec(*command.split(), *args, "--json"), command)
        assert doc["ok"] and doc["result"] is not None and doc["errors"] == [], (command, doc)
    failing = [
        ("check-spec", [str(bad)]),
        ("render", [str(bad), "-o", str(tmp_path / "out2")]),
        ("render", [str(bad), "-o", str(out), "--check"]),
        ("upgrade", [missing]),
        ("compliance", [str(bad)]),
        ("cost", [str(bad)]),
        ("catalog list", ["--bogus"]),
        ("catalog show", ["nope"]),
        ("blueprints list", ["extra"]),
        ("blueprints show", ["nope"]),
        ("validate", [missing]),
        ("plan", [missing]),
        ("apply", [missing]),
        ("drift", [missing]),
        ("destroy", [missing]),
        ("render", []),  # a usage error: click's, still in the envelope
    ]
    for command, args in failing:
        proc = run_aisec(*command.split(), *args, "--json")
        doc = _envelope(proc, command)
        assert proc.returncode == 2 and not doc["ok"] and doc["errors"], (command, proc.stdout, proc.stderr)
        assert all(e["message"] for e in doc["errors"])


def test_spec_problems_in_the_envelope_name_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    data["colour"] = "blue"
    bad.write_text(yaml.safe_dump(data))
    good = str(BLUEPRINTS["fraud-inference"])
    one = _envelope(run_aisec("check-spec", str(bad), "--json"), "check-spec")
    many = _envelope(run_aisec("check-spec", good, str(bad), "--json"), "check-spec")
    assert one["exit_code"] == many["exit_code"] == 2
    [problem] = one["errors"]
    assert many["errors"] == one["errors"]
    assert (problem["file"], problem["field"]) == (str(bad), "colour")
    assert problem["message"].startswith("unknown key; allowed keys here: apiVersion, name, aws")
    assert one["result"] == [{"spec": str(bad), "valid": False}]  # a list for one spec as for many
    assert [r["valid"] for r in many["result"]] == [True, False] and many["result"][0][
        "name"
    ] == "payments-ml"
    single = _envelope(run_aisec("check-spec", good, "--json"), "check-spec")
    assert single["result"] == many["result"][:1]


def test_terraform_commands_json_envelopes(tmp_path: Path) -> None:
    module = tmp_path / "tiny"
    module.mkdir()
    (module / "main.tf").write_text(TINY_MODULE)
    steps = [
        ("validate", ["--offline"]),
        ("plan", ["--offline"]),
        ("apply", ["--offline", "--auto-approve"]),
        ("drift", ["--offline"]),
        ("destroy", ["--offline", "--auto-approve"]),
    ]
    results = {}
    for command, args in steps:
        doc = _envelope(run_aisec(command, str(module), *args, "--json"), command)
        assert doc["ok"], (command, doc)
        results[command] = doc["result"]
    assert results["validate"]["valid"] and results["plan"]["add"] == 1 and results["apply"]["applied"] == 1
    assert results["drift"]["drifted"] is False and results["destroy"]["applied"] == 1
    # without a terminal and without --auto-approve: a user error, still one envelope
    run_aisec("plan", str(module), "--offline")
    doc = _envelope(run_aisec("apply", str(module), "--offline", "--json"), "apply")
    assert doc["exit_code"] == 2 and "--auto-approve" in doc["errors"][0]["message"]


def _all_commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _all_commands(sub, (*path, name))
    return found


def test_help_texts_are_plain_and_complete(capsys: pytest.CaptureFixture[str]) -> None:
    from generator.cli import cli_command

    root = cli_command()
    commands = _all_commands(root)
    assert ("catalog", "show") in commands and len(commands) > 25
    for path in commands:
        with pytest.raises(SystemExit) as exit_info:
            cli_command().main([*path, "-h"], prog_name="aisec")
        text = capsys.readouterr().out
        assert exit_info.value.code == 0 and f"Usage: aisec {' '.join(path)}".rstrip() in text, path
        for stray in ("<bool>", "<path>", "<str>", "<int>", "<list", "{", "}", "[]", " ."):
            assert stray not in text, (path, stray, text)
        assert not re.search(r"[a-z,]\.\.\.", text), (path, text)  # a help line cut short
    shown = cli_command().main
    with pytest.raises(SystemExit):
        shown(["catalog", "show", "-h"], prog_name="aisec")
    assert "A released version [default: latest]." in capsys.readouterr().out
    with pytest.raises(SystemExit):
        shown(["check-spec", "-h"], prog_name="aisec")
    assert "Usage: aisec check-spec [OPTIONS] SPECS..." in capsys.readouterr().out


def test_shell_completion() -> None:
    script = run_aisec("completion", "bash")
    assert script.returncode == 0 and "_AISEC_COMPLETE=complete_bash" in script.stdout
    assert "#compdef aisec" in run_aisec("completion", "zsh").stdout
    assert "complete --command aisec" in run_aisec("completion", "fish").stdout
    assert "Register-ArgumentCompleter" in run_aisec("completion", "powershell").stdout
    assert run_aisec("completion", "tcsh").returncode == 2
    env = aisec_env(_AISEC_COMPLETE="complete_bash", COMP_WORDS="aisec catalog s", COMP_CWORD="2")
    assert run_aisec(env=env).stdout.split() == ["show", "site"]
    env = aisec_env(_AISEC_COMPLETE="complete_bash", COMP_WORDS="aisec render --f", COMP_CWORD="2")
    assert run_aisec(env=env).stdout.split() == ["--force"]


def test_path_mistakes_are_user_errors(tmp_path: Path) -> None:
    spec = str(BLUEPRINTS["batch-scoring"])
    afile = tmp_path / "afile"
    afile.write_text("x")
    cases = [
        (
            ["render", spec, "-o", str(afile / "out")],
            f"{afile} is a file, so nothing can be created under it",
        ),
        (["render", spec, "-o", str(afile)], "exists and is not a folder"),
        (
            ["render", spec, "-o", str(tmp_path / "no" / "out")],
            f"the folder {tmp_path / 'no'} does not exist",
        ),
        (["schema", "-o", str(afile / "s.json")], "is a file, so nothing can be created under it"),
        (["schema", "-o", str(tmp_path)], "is a folder; name a file"),
        (["diagram", spec, "-o", str(tmp_path / "no" / "d.svg")], "does not exist; create it first"),
        (["catalog", "site", "-o", str(afile / "site")], "is a file, so nothing can be created under it"),
        (["init", "--defaults", "-o", str(afile / "x")], "is a file, so nothing can be created under it"),
    ]
    for args, message in cases:
        proc = run_aisec(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr and "internal error" not in proc.stderr, (args, proc.stderr)
    assert not (tmp_path / "no").exists() and afile.read_text() == "x"


# --- aisec plan without network or credentials --------------------------------------------------


def _no_aws_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in aisec_env(**extra).items() if not k.startswith(("AWS_", "TF_CLI_CONFIG"))}
    return {**env, "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull}  # fmt: skip


def test_plan_without_network_keeps_terraforms_detail_and_suggests_offline(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_aisec("render", str(BLUEPRINTS["batch-scoring"]), "-o", str(out)).returncode == 0
    # the registry unreachable for real: a proxy that refuses every connection (no network here either)
    env = _no_aws_env(HTTPS_PROXY="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9")
    proc = run_aisec("plan", str(out), env=env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"{out}: terraform init failed" in proc.stderr
    assert "error: Failed to query available provider packages (Could not retrieve the list" in proc.stderr
    assert (
        "registry.terraform.io" in proc.stderr
        and "run the following command: terraform providers)" in proc.stderr
    )
    assert "hint: Terraform could not reach the provider registry" in proc.stderr
    assert f"aisec plan {out} --offline" in proc.stderr
    doc = json.loads(run_aisec("plan", str(out), "--json", env=env).stdout)
    [error] = doc["errors"]
    assert error["message"] == f"{out}: terraform init failed" and any(
        "--offline" in d for d in error["detail"]
    )


def test_s3_backend_without_credentials_says_what_to_do(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_aisec("render", str(BLUEPRINTS["fraud-inference"]), "-o", str(out)).returncode == 0
    proc = run_aisec("plan", str(out), env=_no_aws_env())
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert (
        "error: No valid credential sources found (Please see https://developer.hashicorp.com/" in proc.stderr
    )
    assert not any(line.rstrip().endswith(",") for line in lines), proc.stderr  # no message cut short
    [hint] = [line for line in lines if "hint:" in line]
    assert "s3://payments-ml-tfstate-222233334444 in us-east-2" in hint and "AWS_PROFILE" in hint
    assert f"aisec plan {out} --offline" in hint


def test_terraform_text_diagnostics_keep_detail_file_and_line() -> None:
    from generator.run.runner import parse_text_diagnostics

    text = (
        "Initializing the backend...\n\n"
        "╷\n│ Warning: Unable to open CLI configuration file\n│\n│ The file does not exist.\n╵\n\n"
        'Error: Unsupported argument\n\n  on main.tf line 2, in resource "terraform_data" "x":\n'
        '   2:   foo = 1\n\nAn argument named "foo" is not expected here.\n\n'
        "Error: failed to refresh cached credentials, no EC2 IMDS role found,\n"
        "operation error ec2imds: GetMetadata, 403\n\n"
        "Error: Failed to query available provider packages\n\nCould not retrieve the list:\n"
        "dial tcp: no such host\n\nTo see which modules, run:\n    terraform providers\n"
    )
    found = [(d.severity, d.summary, d.detail, d.filename, d.line) for d in parse_text_diagnostics(text)]
    assert found == [
        ("warning", "Unable to open CLI configuration file", "The file does not exist.", None, None),
        ("error", "Unsupported argument", 'An argument named "foo" is not expected here.', "main.tf", 2),
        ("error", "failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: "
         "GetMetadata, 403", "", None, None),
        ("error", "Failed to query available provider packages",
         "Could not retrieve the list: dial tcp: no such host To see which modules, run: terraform providers",
         None, None),
    ]  # fmt: skip


# --- the rehearsal state: listed, reset, and a deleted folder reflected -------------------------


def test_rehearsals_are_listed_reset_and_follow_a_deleted_folder(tmp_path: Path) -> None:
    env = aisec_env(XDG_CACHE_HOME=str(tmp_path / "cache"))  # a cache of its own: the list is exact
    module, other = tmp_path / "tiny", tmp_path / "other"
    for folder in (module, other):
        folder.mkdir()
        (folder / "main.tf").write_text(TINY_MODULE)
        assert run_aisec("plan", str(folder), "--offline", env=env).returncode == 0
        assert run_aisec("apply", str(folder), "--offline", "--auto-approve", env=env).returncode == 0

    def listed() -> dict[tuple[str, str], dict[str, Any]]:
        proc = run_aisec("rehearsal", "list", "--json", env=env)
        return {(c["source"], c["kind"]): c for c in json_result(proc)}

    copies = listed()
    mine = copies[(str(module), "offline")]
    assert (mine["status"], mine["state_resources"], mine["saved_plan"]) == ("present", 1, False)
    assert {k for s, k in copies if s == str(module)} == {"offline", "gate"}
    text = run_aisec("rehearsal", "list", env=env).stdout
    assert "present  offline           1  -" in text and str(module) in text

    shutil.rmtree(module)  # the output folder deleted: the list says so
    assert listed()[(str(module), "offline")]["status"] == "gone"
    assert "`aisec rehearsal reset --gone` deletes them" in run_aisec("rehearsal", "list", env=env).stdout

    module.mkdir()  # ... and made again at the same path: its old rehearsal state does not carry over
    (module / "main.tf").write_text(TINY_MODULE)
    plan = _envelope(run_aisec("plan", str(module), "--offline", "--json", env=env), "plan")["result"]
    assert plan["add"] == 1, plan  # from nothing, not "no changes" against the old folder's state
    assert any("deleted and made again" in n and "1 resource(s)" in n for n in plan["notes"]), plan["notes"]

    reset = run_aisec("rehearsal", "reset", str(other), env=env)
    assert (
        reset.returncode == 0
        and f"reset the offline copy of {other} (1 resource(s) in its state)" in reset.stdout
    )
    assert not any(s == str(other) for s, _ in listed())
    shutil.rmtree(module)
    gone = json_result(run_aisec("rehearsal", "reset", "--gone", "--json", env=env))
    assert {c["source"] for c in gone} == {str(module)} and listed() == {}
    bad = run_aisec("rehearsal", "reset", env=env)
    assert bad.returncode == 2 and "name one: a folder (DIR), --gone or --all" in bad.stderr


# --- counts agree everywhere ---------------------------------------------------------------------


def _printed_counts(stdout: str) -> dict[str, int]:
    m = re.search(r"(\d+) created, (\d+) updated, (\d+) removed, (\d+) unchanged", stdout)
    assert m, stdout
    return dict(zip(("created", "updated", "removed", "unchanged"), map(int, m.groups()), strict=True))


def test_render_counts_agree_with_the_writer_and_the_folder(tmp_path: Path) -> None:
    data = yaml.safe_load(BLUEPRINTS["batch-scoring"].read_text())
    spec, out = tmp_path / "spec.yaml", tmp_path / "out"
    spec.write_text(yaml.safe_dump(data))

    def render(*extra: str) -> dict[str, int]:
        text = run_aisec("render", str(spec), "-o", str(out), *extra)
        doc = json_result(run_aisec("render", str(spec), "-o", str(out), "--check", "--json"))
        assert doc["up_to_date"] or extra, doc
        manifest = json.loads((out / ".aisec" / "manifest.json").read_text())
        counts = _printed_counts(text.stdout)
        generated = len(manifest["files"])
        assert counts["created"] + counts["updated"] + counts["unchanged"] == generated, (counts, generated)
        return counts

    first = render()
    assert first == {"created": len(json.loads((out / ".aisec" / "manifest.json").read_text())["files"]),
                     "updated": 0, "removed": 0, "unchanged": 0}  # fmt: skip
    assert render() == {**first, "created": 0, "unchanged": first["created"]}
    (out / "main.tf").write_text((out / "main.tf").read_text() + "# mine\n")
    assert render("--force") == {**first, "created": 0, "updated": 1, "unchanged": first["created"] - 1}
    data["tags"] = {"owner": "someone"}
    spec.write_text(yaml.safe_dump(data))
    doc = json_result(run_aisec("render", str(spec), "-o", str(out), "--json"))
    changed = len(doc["updated"])
    assert changed > 0 and doc["counts"] == {"created": 0, "updated": changed, "removed": 0,
                                             "unchanged": first["created"] - changed, "left": 0}  # fmt: skip
    (out / "main.tf").write_text((out / "main.tf").read_text() + "# mine\n")  # an edit is left as it is
    data["tags"] = {"owner": "someone else"}
    spec.write_text(yaml.safe_dump(data))
    edited = run_aisec("render", str(spec), "-o", str(out))
    assert edited.returncode == 1 and "1 left as they are" in edited.stdout, edited.stdout + edited.stderr
    counts = _printed_counts(edited.stdout)
    manifest = json.loads((out / ".aisec" / "manifest.json").read_text())
    assert counts["created"] + counts["updated"] + counts["unchanged"] + 1 == len(manifest["files"])


def test_summary_and_cost_table_count_the_same_keys_and_buckets() -> None:
    from generator.core import summarize
    from generator.decide.policy import decide
    from generator.reports.cost import estimate

    for name, path in BLUEPRINTS.items():
        spec = load_spec(path)
        controls = decide(spec)
        summary, cost = summarize(spec, controls), estimate(controls)
        keys = sum(
            line["quantity"]
            for line in cost["lines"]
            if line["unit"] == "keys" and "archive" not in line["item"]
        )
        macie = sum(
            line["quantity"] for line in cost["lines"] if line["item"].startswith("Macie buckets monitored")
        )
        assert (summary["keys"], summary["buckets"]) == (keys, macie), name
        if spec.creates_foundation:
            assert summary["alarms"] == next(
                x["quantity"] for x in cost["lines"] if x["item"] == "CloudWatch alarms"
            )


@pytest.mark.terraform
@pytest.mark.parametrize("name", ["batch-scoring", "fedramp-moderate", "healthcare-training"])
def test_summary_counts_what_the_plan_creates(name: str, tmp_path: Path) -> None:
    """The numbers render and check-spec print are the plan's: keys, buckets, alarms, endpoints."""
    from tests.offline import Rehearsal

    out = tmp_path / name
    write(out, render_files(load_spec(BLUEPRINTS[name])))
    [summary] = json_result(run_aisec("check-spec", str(BLUEPRINTS[name]), "--json"))
    r = Rehearsal.of(out)
    r.ok("plan", "-input=false", "-out=tfplan")
    plan = r.show_json("tfplan")
    # the landing's root module: the log-archive account's root module (log-archive/) is another one
    types = [rc["type"] for rc in plan["resource_changes"] if "create" in rc["change"]["actions"]]
    assert summary["keys"] == types.count("aws_kms_key"), name
    assert summary["buckets"] == types.count("aws_s3_bucket"), name
    assert summary["alarms"] == types.count("aws_cloudwatch_metric_alarm"), name
    assert len(summary["interface_endpoints"]) + 1 == types.count("aws_vpc_endpoint"), name
    if name == "healthcare-training":  # the figure the README quotes for out/clinical-ai
        assert f"# a rehearsal: Plan: {len(types)} to add," in (REPO / "README.md").read_text()


def test_help_and_version_stay_text_with_json() -> None:
    assert run_aisec("render", "-h", "--json").stdout.startswith("Usage: aisec render")
    shown = json_result(run_aisec("catalog", "show", "kms", "--version", "1.3.0", "--json"))
    assert shown["version"] == "1.3.0"
