"""What keeps `aisec validate --offline` close to plain terraform (benchmarks/bench_validate.py),
each shown to change nothing in the results: the working copy refreshed in place, a repeated
`terraform init` skipped only when it would do the same again, the stand-in's start that only
serves the schema without parsing it, and its certificate read without the cryptography package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tf.gen import tfplugin_pb2 as pb

from generator.errors import UserInputError
from generator.offline import schema as schema_mod
from generator.offline import server, workspace
from generator.offline.provider import StandIn, schema_response
from generator.run import verify
from generator.run.runner import PythonTerraformRunner

REPO = Path(__file__).resolve().parent.parent


# --- the working copy, refreshed in place ---------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".terraform" not in p.parts
    }


def test_working_copy_writes_only_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    src = tmp_path / "root"
    (src / "modules" / "m").mkdir(parents=True)
    (src / "main.tf").write_text('module "m" {\n  source = "./modules/m"\n}\n')
    (src / "modules" / "m" / "main.tf").write_text("# m\n")
    (src / "data").mkdir()
    (src / "data" / "x.json").write_text("{}")
    (src / "terraform.tfstate").write_text("real state")  # never copied
    work = workspace.working_copy(src, "provider")
    assert _tree(work) == {k: v for k, v in _tree(src).items() if k != "terraform.tfstate"}
    (work / ".terraform").mkdir()
    (work / ".terraform" / "kept").write_text("terraform's data")
    before = {p: (work / p).stat().st_ctime_ns for p in _tree(work)}

    assert workspace.working_copy(src, "provider") == work
    assert {p: (work / p).stat().st_ctime_ns for p in _tree(work)} == before  # nothing rewritten

    (src / "modules" / "m" / "main.tf").write_text("# m, edited\n")
    (src / "data" / "x.json").unlink()
    (src / "data" / "x.json").mkdir()  # a file that became a folder
    (src / "data" / "x.json" / "y").write_text("y")
    (src / "new.tf").write_text("# new\n")
    workspace.working_copy(src, "provider")
    assert _tree(work) == {k: v for k, v in _tree(src).items() if k != "terraform.tfstate"}
    assert (work / "main.tf").stat().st_ctime_ns == before["main.tf"]
    assert (work / ".terraform" / "kept").read_text() == "terraform's data"

    (src / "new.tf").unlink()
    (src / "main.tf").chmod(0o600)
    workspace.working_copy(src, "provider")
    assert not (work / "new.tf").exists()
    assert (work / "main.tf").stat().st_mode & 0o777 == 0o600


# --- a repeated init skipped only when it would do the same ---------------------------------------

_VERSIONS = """terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "%s"
    }
  }
}
"""


@pytest.mark.terraform
def test_init_is_skipped_only_when_nothing_it_reads_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    src = tmp_path / "root"
    (src / "modules" / "m").mkdir(parents=True)
    (src / "versions.tf").write_text(_VERSIONS % ">= 6.0")
    (src / "main.tf").write_text(
        'module "m" {\n  source = "./modules/m"\n}\n\nresource "aws_sns_topic" "t" {\n  name = "t"\n}\n'
    )
    (src / "modules" / "m" / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    inits: list[str] = []
    real_run = PythonTerraformRunner.run

    def run(self: PythonTerraformRunner, command: str, *args: str, **kw: object) -> object:
        if command == "init":
            inits.append(str(kw["cwd"]))
        return real_run(self, command, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(PythonTerraformRunner, "run", run)

    def check(expect_init: bool, version: str = "6.69.1") -> verify.ValidateReport:
        inits.clear()
        report = verify.validate(src, offline=True)
        assert report.valid, report.as_dict()
        assert version in report.provider
        assert len(inits) == (1 if expect_init else 0), report.as_dict()
        return report

    check(expect_init=True)
    check(expect_init=False)  # nothing changed: the same init would do the same
    # the version constraint: another served version is chosen, as init -upgrade chooses it
    (src / "versions.tf").write_text(_VERSIONS % "~> 5.0")
    check(expect_init=True, version="5.99.1")
    check(expect_init=False, version="5.99.1")
    # a local module's file, and a change inside Terraform's data in the copy
    (src / "modules" / "m" / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "r"\n}\n')
    check(expect_init=True, version="5.99.1")
    work = Path(inits[0]) if inits else workspace.working_copy(src, "offline")
    (work / ".terraform.lock.hcl").unlink()
    check(expect_init=True, version="5.99.1")
    (work / ".terraform" / "modules" / "modules.json").write_text('{"Modules": []}')
    check(expect_init=True, version="5.99.1")
    # a module call to a folder that is not there: init fails, and the next run initialises again
    (src / "broken.tf").write_text('module "gone" {\n  source = "./modules/gone"\n}\n')
    inits.clear()
    report = verify.validate(src, offline=True)
    assert not report.valid and len(inits) == 1
    assert any("gone" in (d.summary + d.detail) for d in report.diagnostics), report.as_dict()
    (src / "broken.tf").unlink()
    check(expect_init=True, version="5.99.1")


def test_no_skip_for_module_sources_init_would_fetch(tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / ".terraform" / "modules").mkdir(parents=True)
    (work / ".terraform.lock.hcl").write_text("")
    (work / ".terraform" / "modules" / "modules.json").write_text(
        '{"Modules": [{"Key": "", "Source": "", "Dir": "."},'
        ' {"Key": "vpc", "Source": "registry.terraform.io/terraform-aws-modules/vpc/aws", "Dir": "x"}]}'
    )
    assert workspace.init_key(work, "terraform", {}) is None
    assert not workspace.init_is_current(work, None)


# --- the stand-in: a start that only serves the schema does not parse it --------------------------


def test_schema_response_served_without_parsing_the_extraction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no per-type cache yet
    version = schema_mod.SERVED_VERSIONS[0]
    full = schema_mod.load(version)
    cached = server.schema_bytes(tmp_path, full)
    schema_mod._load.cache_clear()
    lazy = schema_mod.LazySchema(version)
    assert (lazy.version, lazy.digest) == (full.version, full.digest)
    provider = StandIn(lazy, server.schema_bytes(tmp_path, lazy))
    served = provider.GetProviderSchema(None, None)
    assert schema_mod._load.cache_info().currsize == 0  # answered from the cached serialization
    assert served.resource_schemas == schema_response(full).resource_schemas
    assert cached == server.schema_bytes(tmp_path, lazy)
    # the first call that needs the schema parses it (to make the per-type cache), and sees the same
    assert lazy.resource_block("aws_s3_bucket") == full.resource_block("aws_s3_bucket")
    assert schema_mod._load.cache_info().currsize == 1


def test_later_starts_parse_only_the_types_asked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A start with the per-type cache in place answers block requests without the full parse, with
    exactly the blocks the full parse gives (QuickSight definitions resolved, sensitive marks set)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for version in schema_mod.SERVED_VERSIONS:
        full = schema_mod.load(version)
        schema_mod.LazySchema(version).resource_block("aws_s3_bucket")  # makes the cache
        made = sorted((tmp_path / "cache").rglob(f"types-{version}-*"))
        assert [p.name for p in made] == [f"types-{version}-{full.digest}-{schema_mod.SLICES_FORMAT}.json"]
        schema_mod._load.cache_clear()
        lazy = schema_mod.LazySchema(version)
        assert lazy.resource_block("aws_quicksight_analysis") == full.resource_block(
            "aws_quicksight_analysis"
        )
        assert schema_mod._load.cache_info().currsize == 0  # the later start never parsed everything
        for type_name in full.resources:
            assert lazy.resource_block(type_name) == full.resource_block(type_name), type_name
        for type_name in full.data_sources:
            assert lazy.data_source_block(type_name) == full.data_source_block(type_name), type_name
        assert full.resource_block("aws_quicksight_analysis")["block_types"]["definition"]["block"]
        with pytest.raises(KeyError):
            lazy.resource_block("aws_not_a_type")
        assert schema_mod._load.cache_info().currsize == 0


# --- the certificate, read without the cryptography package ----------------------------------------


def test_certificate_cached_without_cryptography(tmp_path: Path) -> None:
    from cryptography import x509

    first = server.certificate(tmp_path)
    cert = x509.load_der_x509_certificate(first[0])
    assert first[1] + first[2] == (tmp_path / "plugin-pair.pem").read_bytes()
    code = (
        "import sys; from pathlib import Path; from generator.offline import server; "
        f"c = server.certificate(Path({str(tmp_path)!r})); "
        "print('cryptography' in sys.modules, c[0].hex())"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["False", first[0].hex()]
    # a note that does not name this certificate is not believed: the certificate is read again
    note = tmp_path / "plugin-pair.pem.not-after"
    note.write_text(note.read_text().split()[0] + " " + "0" * 64 + "\n")
    assert server.certificate(tmp_path) == first
    assert note.read_text().split()[0] == cert.not_valid_after_utc.isoformat()
    # nor one that says the certificate expires within the hour: it is read again
    note.write_text("2000-01-01T00:00:00+00:00 " + note.read_text().split()[1] + "\n")
    assert server.certificate(tmp_path) == first  # really valid for 30 days: read and kept
    assert note.read_text().split()[0] == cert.not_valid_after_utc.isoformat()


# --- the binary's version, asked once per binary ----------------------------------------------------


def test_terraform_version_is_asked_once_per_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bin_dir, asked = tmp_path / "bin", tmp_path / "asked"
    bin_dir.mkdir()
    fake = bin_dir / "terraform"

    def install(version: str) -> None:
        fake.write_text(
            f"#!/bin/sh\necho x >> {asked}\n"
            f'echo \'{{"terraform_version": "{version}", "platform": "linux_arm64"}}\'\n'
        )
        fake.chmod(0o755)

    install("1.9.8")
    env = {"PATH": str(bin_dir)}
    first = verify._known_binary(env)
    assert verify._known_binary(env) == first
    assert (first.version, first.platform) == ((1, 9, 8), "linux_arm64")
    assert asked.read_text().count("x") == 1  # the second answer came from the cache
    install("1.10.0 ")  # the binary replaced (another size): asked again
    assert verify._known_binary(env).version == (1, 10, 0)
    assert asked.read_text().count("x") == 2
    install("1.4.0  ")  # too old: refused as before, and never remembered
    with pytest.raises(UserInputError, match=r"needs 1\.5"):
        verify._known_binary(env)
    with pytest.raises(UserInputError, match=r"needs 1\.5"):
        verify._known_binary(env)
    assert asked.read_text().count("x") == 4


def test_the_stand_in_starts_without_the_extraction_code() -> None:
    """The served versions' table is sources.py: the stand-in's start does not import the schema
    extraction (its regular expressions, tarfile, zipfile, the WAFv2 shapes), and the extraction
    reads the same table."""
    from generator.offline import extract, sources

    code = "import sys, generator.offline.server; print(sorted(m for m in sys.modules if 'offline' in m))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert "generator.offline.sources" in out.stdout
    assert "generator.offline.extract" not in out.stdout and "generator.offline.wafv2" not in out.stdout
    assert "generator.offline.cdktfparse" not in out.stdout
    assert (
        extract.SOURCES is sources.SOURCES
        and tuple(s.provider_version for s in sources.SOURCES) == schema_mod.SERVED_VERSIONS
    )


def test_the_schema_reply_is_sent_as_cached_bytes_and_is_the_same_message(tmp_path: Path) -> None:
    """GetProviderSchema answers with the cached serialization and the functions' appended, never
    parsed and serialized again; it is the message the servicer itself would return."""
    for version in schema_mod.SERVED_VERSIONS:
        lazy = schema_mod.LazySchema(version)
        cached = server.schema_bytes(tmp_path, lazy)
        reply = server.schema_reply(cached, lazy)
        assert reply.startswith(cached)
        expected = StandIn(lazy, cached).GetProviderSchema(None, None)
        assert expected.functions  # the provider functions are in both
        assert pb.GetProviderSchema.Response.FromString(reply) == expected
