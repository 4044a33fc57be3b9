"""HCL emission: escaping (no value can leave its string) and fmt-compatible alignment."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from generator.render.hcl import Hcl, align, encode, ident, string
from tests.conftest import terraform_binary, terraform_env

HOSTILE = [
    "plain",
    'quote " and backslash \\',
    "new\nline and\ttab\r",
    "${var.secret} and %{ if true }x%{ endif }",
    '"\n}\nresource "aws_iam_user" "evil" {\n  name = "x',
    "EOT\n<<EOT\nheredoc\nEOT",
    "unicode é ✓ \u2028 \x01 \x7f",
    "$${already} %%{doubled}",
    "trailing $",
    "trailing %",
    "#{not} //comment /* block */",
]


@pytest.mark.terraform
def test_strings_round_trip_through_terraform(tmp_path: Path) -> None:
    """Terraform itself reads back exactly the value we encoded, for every hostile string."""
    body = "".join(f'output "v{i}" {{\n  value = {string(v)}\n}}\n' for i, v in enumerate(HOSTILE))
    (tmp_path / "main.tf").write_text(body)
    env = terraform_env(tmp_path)
    tf = terraform_binary()
    for args in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        proc = subprocess.run([tf, *args, "-no-color"], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([tf, "output", "-json"], cwd=tmp_path, env=env, capture_output=True, text=True)
    outputs = json.loads(proc.stdout)
    assert {k: v["value"] for k, v in outputs.items()} == {f"v{i}": v for i, v in enumerate(HOSTILE)}


def test_interpolation_markers_are_doubled() -> None:
    assert string("${x}") == '"$${x}"'
    assert string("%{x}") == '"%%{x}"'
    assert string("$x and %x") == '"$x and %x"'
    # at the very end of a value too (a template opened there would swallow the closing quote)
    assert string("cost ${") == '"cost $${"'
    assert string("%{") == '"%%{"'
    assert string("ends with $") == '"ends with $"'


def test_identifiers_refuse_anything_else() -> None:
    assert ident("notes_training_dev") == "notes_training_dev"
    for bad in ["a-b", "1a", 'a" {', "a b", "", "a\n"]:
        with pytest.raises(ValueError):
            ident(bad)


def test_encode_values() -> None:
    assert encode(None) == "null"
    assert encode(True) == "true"
    assert encode(30) == "30"
    assert encode(["a", "b"]) == '["a", "b"]'
    assert encode({"cost-center": "42", "owner": "x"}) == '{\n  "cost-center" = "42"\n  owner = "x"\n}'
    assert encode(Hcl("module.x.y")) == "module.x.y"
    with pytest.raises(TypeError):
        encode(object())


def test_align_matches_terraform_fmt_rules() -> None:
    text = "a {\n  x = 1\n  long_name = 2\n  m = {\n    k = 1\n    kk = 2\n  }\n  z = 3\n}\n"
    assert (
        align(text)
        == "a {\n  x         = 1\n  long_name = 2\n  m = {\n    k  = 1\n    kk = 2\n  }\n  z = 3\n}\n"
    )


def test_align_ignores_brackets_inside_strings() -> None:
    text = 'a = "{"\nbb = "]"\n'
    assert align(text) == 'a  = "{"\nbb = "]"\n'


@pytest.mark.terraform
def test_keyword_keys_are_quoted_and_read_back(tmp_path: Path) -> None:
    """Object keys HCL reads as keywords or literals (a tag named `if`, `for`, `null`) are quoted, so
    Terraform and python-hcl2 read the map back with exactly those keys."""
    import hcl2

    keys = ["if", "for", "in", "null", "true", "endif", "plain_key", "Mixed-Case"]
    value = {k: k for k in keys}
    body = f'output "v" {{\n  value = {encode(value, 1)}\n}}\n'
    assert '"if" = "if"' in body and '"for" = "for"' in body and "plain_key = " in body
    hcl2.loads(body)
    (tmp_path / "main.tf").write_text(body)
    env, tf = terraform_env(tmp_path), terraform_binary()
    for args in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        proc = subprocess.run([tf, *args, "-no-color"], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([tf, "output", "-json"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert json.loads(proc.stdout)["v"]["value"] == value
