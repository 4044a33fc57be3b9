"""Several hashicorp/aws versions served offline: the configuration's constraint picks one as the
registry would, the stand-in serves that version's schema, and an init that finds no served
version (or an unserved provider) says which provider, what was asked and what is served."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.offline import schema, workspace
from tests.conftest import run_aisec
from tests.offline import Rehearsal

pytestmark = pytest.mark.terraform

# Types that exist in one served version only, so a plan proves which schema the stand-in served.
ONLY_IN_5 = "aws_simpledb_domain"  # removed in 6.0
ONLY_IN_NEWEST = "aws_glue_catalog"  # added after 6.25


def _root(folder: Path, constraint: str, *types: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    body = "".join(f'\nresource "{t}" "x" {{\n  name = "ver18"\n}}\n' for t in types)
    (folder / "main.tf").write_text(
        "terraform {\n  required_providers {\n    aws = {\n"
        f'      source  = "hashicorp/aws"\n      version = "{constraint}"\n    }}\n{extra}'
        '  }\n}\n\nprovider "aws" {\n  region = "eu-west-1"\n}\n'
        '\nresource "aws_sns_topic" "t" {\n  name = "ver18"\n}\n' + body
    )
    return folder


def _locked(work: Path) -> str:
    m = re.search(
        r'provider "registry.terraform.io/hashicorp/aws" \{\s*version\s*=\s*"([^"]+)"',
        (work / ".terraform.lock.hcl").read_text(),
    )
    assert m, "no hashicorp/aws in the lock file"
    return m.group(1)


def test_the_mirror_offers_every_served_version() -> None:
    served = [p for p in workspace.served_providers() if p.label == "hashicorp/aws"]
    assert [p.version for p in served] == list(schema.SERVED_VERSIONS)
    assert schema.SERVED_VERSIONS == ("5.99.1", "6.25.0", "6.69.1")
    for p in served:
        assert p.module_args[-2:] == ("--provider-version", p.version)
    assert ONLY_IN_5 in schema.load("5.99.1").resources and ONLY_IN_5 not in schema.load().resources
    assert ONLY_IN_NEWEST in schema.load().resources
    assert ONLY_IN_NEWEST not in schema.load("6.25.0").resources


@pytest.mark.parametrize(
    ("constraint", "version", "only"),
    [("~> 5.0", "5.99.1", ONLY_IN_5), (">= 6.28", "6.69.1", ONLY_IN_NEWEST), ("~> 6.25.0", "6.25.0", None)],
)
def test_the_constraint_picks_the_version_and_its_schema(
    tmp_path: Path, constraint: str, version: str, only: str | None
) -> None:
    r = Rehearsal.of(_root(tmp_path / "root", constraint, *([only] if only else [])))
    assert _locked(r.work) == version
    r.ok("plan", "-input=false", "-out=tfplan")
    planned = {rc["type"] for rc in r.show_json("tfplan")["resource_changes"]}
    assert planned >= {"aws_sns_topic", *([only] if only else [])}
    # the other versions' schemas do not have the type: the stand-in served the one it was launched as
    for other, missing in ((">= 6.0", ONLY_IN_5), ("~> 6.25.0", ONLY_IN_NEWEST)):
        if only == missing:
            proc = run_aisec("validate", str(_root(tmp_path / other[-4:], other, missing)), "--offline")
            assert proc.returncode == 1 and f'resource type "{missing}"' in proc.stdout, proc.stdout


def test_validate_names_the_served_version(tmp_path: Path) -> None:
    proc = run_aisec("validate", str(_root(tmp_path / "five", "~> 5.0")), "--offline")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "offline stand-in serving the hashicorp/aws 5.99.1 schema" in proc.stdout


def test_init_failure_names_provider_constraint_and_served_versions(tmp_path: Path) -> None:
    proc = run_aisec("validate", str(_root(tmp_path / "four", "~> 4.0")), "--offline")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    assert (
        "the offline stand-in serves no hashicorp/aws version matching ~> 4.0 "
        "(it serves hashicorp/aws 5.99.1, 6.25.0, 6.69.1" in proc.stdout
    ), proc.stdout
    plan = run_aisec("plan", str(tmp_path / "four"), "--offline")
    assert plan.returncode != 0 and "hashicorp/aws version matching ~> 4.0" in plan.stderr, plan.stderr
    assert "could not reach the provider registry" not in plan.stderr  # offline already: no such hint


def test_init_failure_names_an_unserved_provider(tmp_path: Path) -> None:
    """A provider the mirror does not offer (hashicorp/external: not among the utility providers)
    with the constraints of the root and of a module, as `terraform providers` lists them."""
    root = _root(
        tmp_path / "ext",
        ">= 6.0",
        extra='    external = {\n      source  = "hashicorp/external"\n      version = "~> 2.3"\n    }\n',
    )
    (root / "m").mkdir()
    (root / "m" / "main.tf").write_text(
        'terraform {\n  required_providers {\n    external = {\n      source  = "hashicorp/external"\n'
        '      version = ">= 2.1"\n    }\n  }\n}\n'
    )
    with (root / "main.tf").open("a") as fh:
        fh.write('\nmodule "m" {\n  source = "./m"\n}\n')
    assert "hashicorp/external" not in {p.label for p in workspace.served_providers()}
    proc = run_aisec("validate", str(root), "--offline")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (
        "the offline stand-in does not serve hashicorp/external (asked for: ~> 2.3 and >= 2.1.0)"
        in proc.stdout
    )
    assert "it serves hashicorp/aws 5.99.1, 6.25.0, 6.69.1" in proc.stdout


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        (
            '  encryption_configuration = {\n    sse_algorithm = "AES256"\n    kms_key_arn   = null\n  }\n',
            True,
        ),
        ('  encryption_configuration {\n    sse_algorithm = "AES256"\n  }\n', False),
    ],
)
def test_a_nested_attribute_takes_attribute_syntax(tmp_path: Path, body: str, ok: bool) -> None:
    """aws_s3tables_table_bucket.encryption_configuration is a nested attribute in the provider:
    `= { ... }` validates, block syntax is refused, as the real provider refuses it."""
    root = _root(tmp_path / "tables", "~> 6.25.0")  # where the bundle marks it a block
    with (root / "main.tf").open("a") as fh:
        fh.write(f'\nresource "aws_s3tables_table_bucket" "b" {{\n  name = "ver18"\n{body}}}\n')
    proc = run_aisec("validate", str(root), "--offline")
    assert (proc.returncode == 0) is ok, proc.stdout + proc.stderr
    if not ok:
        assert "Unsupported block type" in proc.stdout, proc.stdout
