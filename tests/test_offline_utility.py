"""The utility providers served offline beside hashicorp/aws (random, tls, null, time, archive,
local, http): their schemas reproducible from the pinned packages, and real terraform runs
(init, validate, plan, apply) on roots that use them, with realistic values."""

from __future__ import annotations

import base64
import datetime
import gzip
import hashlib
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from generator.offline import extract, utility, workspace
from generator.offline.schemacheck import check_provider_schema
from generator.offline.utility.random_provider import ADJECTIVES, ADVERBS, ANIMALS
from tests.offline import Rehearsal, all_resources

REQUIRED = """terraform {
  required_providers {
    aws     = { source = "hashicorp/aws", version = ">= 6.0" }
    random  = { source = "hashicorp/random", version = "~> 3.6" }
    tls     = { source = "hashicorp/tls", version = ">= 4.0, < 5.0" }
    null    = { source = "hashicorp/null", version = "~> 3.2" }
    time    = { source = "hashicorp/time", version = "~> 0.12" }
    archive = { source = "hashicorp/archive", version = "~> 2.4" }
    local   = { source = "hashicorp/local", version = "~> 2.5" }
  }
}
provider "aws" {
  region = "eu-west-1"
}
"""

ROOT = (
    REQUIRED
    + """
variable "generation" {
  type    = string
  default = "1"
}
resource "random_pet" "bucket" {
  keepers = { generation = var.generation }
}
resource "random_pet" "twin" {}
resource "random_pet" "other_twin" {}
resource "random_pet" "long" {
  length    = 3
  separator = "_"
  prefix    = "svc"
}
resource "random_string" "suffix" {
  length  = 12
  special = false
  upper   = false
}
resource "random_password" "db" {
  length           = 24
  min_special      = 4
  min_upper        = 2
  override_special = "!#%"
}
resource "random_id" "x" {
  byte_length = 8
  prefix      = "id-"
}
resource "random_uuid" "u" {}
resource "random_integer" "port" {
  min = 2000
  max = 2010
}
resource "tls_private_key" "rsa" {
  algorithm = "RSA"
}
resource "tls_private_key" "ed" {
  algorithm = "ED25519"
}
resource "tls_private_key" "ec" {
  algorithm   = "ECDSA"
  ecdsa_curve = "P384"
}
resource "tls_self_signed_cert" "ca" {
  private_key_pem       = tls_private_key.rsa.private_key_pem
  validity_period_hours = 24
  is_ca_certificate     = true
  allowed_uses          = ["cert_signing", "digital_signature", "server_auth"]
  dns_names             = ["example.internal"]
  subject {
    common_name  = "example.internal"
    organization = "Example"
  }
}
data "tls_certificate" "ca" {
  content = tls_self_signed_cert.ca.cert_pem
}
data "tls_certificate" "oidc" {
  url = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
}
resource "null_resource" "hook" {
  triggers = { bucket = random_pet.bucket.id }
}
resource "time_static" "created" {}
resource "time_sleep" "wait" {
  create_duration = "30s"
  depends_on      = [null_resource.hook]
}
resource "time_rotating" "key" {
  rotation_days = 30
}
data "archive_file" "lambda" {
  type        = "zip"
  source_dir  = "${path.module}/lambda"
  output_path = "${path.module}/build/lambda.zip"
}
data "local_file" "note" {
  filename = "${path.module}/note.txt"
}
resource "local_file" "out" {
  content  = "bucket=${random_pet.bucket.id}\\n"
  filename = "${path.module}/generated/out.txt"
}
resource "local_file" "escape" {
  content  = "outside"
  filename = "/tmp/aisec-util-test-must-not-exist/escape.txt"
}
resource "aws_s3_bucket" "logs" {
  bucket = "logs-${random_pet.bucket.id}-${random_string.suffix.result}"
}
resource "aws_key_pair" "deployer" {
  key_name   = "deployer-${random_id.x.hex}"
  public_key = tls_private_key.ed.public_key_openssh
}
resource "aws_iam_openid_connect_provider" "eks" {
  url             = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = [data.tls_certificate.oidc.certificates[0].sha1_fingerprint]
}
output "password" {
  value     = random_password.db.result
  sensitive = true
}
output "zip_sha" {
  value = data.archive_file.lambda.output_base64sha256
}
module "fn" {
  source = "../modules/fn"
}
"""
)


def _root(folder: Path, main: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.tf").write_text(main)
    return folder


# ---------------------------------------------------------------- schemas (no terraform)
def test_each_utility_schema_is_served_valid_and_complete() -> None:
    expected = {
        "random": {
            "random_pet",
            "random_string",
            "random_password",
            "random_id",
            "random_uuid",
            "random_integer",
        },
        "tls": {"tls_private_key", "tls_self_signed_cert", "tls_locally_signed_cert", "tls_cert_request"},
        "null": {"null_resource"},
        "time": {"time_sleep", "time_static", "time_rotating", "time_offset"},
        "archive": {"archive_file"},
        "local": {"local_file", "local_sensitive_file"},
        "http": set(),
    }
    for name, u in utility.UTILITIES.items():
        s = utility.load(name)
        assert s.version == u.provider_version
        assert check_provider_schema(s.provider, s.resources, s.data_sources) == [], name
        assert expected[name] <= set(s.resources), name
    assert {"tls_certificate", "tls_public_key"} <= set(utility.load("tls").data_sources)
    assert {"local_file", "local_sensitive_file"} <= set(utility.load("local").data_sources)
    assert (
        "http" in utility.load("http").data_sources and "archive_file" in utility.load("archive").data_sources
    )
    attrs = utility.load("random").resource_block("random_password")["attributes"]
    assert attrs["result"]["sensitive"] and attrs["bcrypt_hash"]["sensitive"]
    assert not utility.load("random").resource_block("random_string")["attributes"]["result"].get("sensitive")
    assert utility.load("tls").resource_block("tls_private_key")["attributes"]["private_key_pem"]["sensitive"]


@pytest.mark.parametrize("name", sorted(utility.UTILITIES))
def test_committed_utility_schema_matches_the_pinned_package(name: str) -> None:
    u = utility.UTILITIES[name]
    extract.WHEELS.mkdir(parents=True, exist_ok=True)
    try:
        wheel = extract.download_wheel(u.source, extract.WHEELS)
    except (subprocess.CalledProcessError, StopIteration):
        pytest.skip(f"the package registry is unreachable: cannot download {u.package}=={u.package_version}")
    assert utility.extract_one(u, wheel) == u.schema_file.read_bytes(), (
        f"the committed schema differs from the extraction: run `python -m generator.offline.utility {name}`"
    )
    data = json.loads(gzip.decompress(u.schema_file.read_bytes()))
    assert data["provider_versions"] == {u.address: u.provider_version}
    assert data["source"]["package"] == u.package and data["source"]["version"] == u.package_version


def test_the_mirror_lists_every_served_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    served = {(p.address, p.version) for p in workspace.served_providers()}
    assert {("registry.terraform.io/hashicorp/aws", s.provider_version) for s in extract.SOURCES} <= served
    assert {(u.address, u.provider_version) for u in utility.UTILITIES.values()} <= served
    env = workspace.prepare("linux_amd64")
    rc = env.cli_config.read_text()
    for p in workspace.served_providers():
        launcher = (
            env.folder
            / "mirror"
            / p.address
            / p.version
            / "linux_amd64"
            / f"terraform-provider-{p.name}_v{p.version}"
        )
        assert launcher.is_file() and f"-m {' '.join(p.module_args)} " in launcher.read_text()
        assert rc.count(f'"{p.address}"') == 2  # mirrored, and never fetched directly


# ---------------------------------------------------------------- real terraform
def _values(r: Rehearsal) -> dict[str, dict[str, Any]]:
    state = r.show_json()
    return {x["address"]: x["values"] for x in all_resources(state["values"]["root_module"])}


@pytest.mark.terraform
def test_utility_providers_init_plan_apply_offline(tmp_path: Path) -> None:
    src = _root(tmp_path / "root", ROOT)
    (src / "lambda").mkdir()
    (src / "lambda" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (src / "note.txt").write_text("hello from a file\n")
    fn = tmp_path / "modules" / "fn"  # a local module above the root packs its own sources
    (fn / "src").mkdir(parents=True)
    (fn / "src" / "index.js").write_text("exports.handler = async () => 1;\n")
    (fn / "main.tf").write_text(
        'data "archive_file" "fn" {\n  type        = "zip"\n  source_dir  = "${path.module}/src"\n'
        '  output_path = "${path.module}/dist/fn.zip"\n}\noutput "sha" {\n  value = data.archive_file.fn.output_sha\n}\n'
    )
    r = Rehearsal.of(src)
    lock = (r.work / ".terraform.lock.hcl").read_text()
    for u in utility.UTILITIES.values():
        if u.name != "http":
            assert f'provider "{u.address}" {{\n  version     = "{u.provider_version}"' in lock, u.name
    r.ok("validate")
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    v = _values(r)

    # random: names, strings, numbers
    pet = v["random_pet.bucket"]["id"]
    adjective, animal = pet.split("-")
    assert adjective in ADJECTIVES and animal in ANIMALS
    assert v["random_pet.twin"]["id"] != v["random_pet.other_twin"]["id"]  # the same configuration twice
    prefix, adverb, adjective, animal = v["random_pet.long"]["id"].split("_")
    assert (prefix, adverb in ADVERBS, adjective in ADJECTIVES, animal in ANIMALS) == (
        "svc",
        True,
        True,
        True,
    )
    suffix = v["random_string.suffix"]["result"]
    assert re.fullmatch(r"[a-z0-9]{12}", suffix) and v["random_string.suffix"]["id"] == suffix
    password = v["random_password.db"]["result"]
    assert len(password) == 24 and sum(c in "!#%" for c in password) >= 4
    assert sum(c.isupper() for c in password) >= 2 and not set(password) - set(
        "!#%ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    )
    assert (
        v["random_password.db"]["bcrypt_hash"].startswith("$2a$10$")
        and len(v["random_password.db"]["bcrypt_hash"]) == 60
    )
    rid = v["random_id.x"]
    raw = bytes.fromhex(rid["hex"].removeprefix("id-"))
    assert len(raw) == 8 and rid["b64_url"] == "id-" + rid["id"] == "id-" + base64.urlsafe_b64encode(
        raw
    ).decode().rstrip("=")
    assert rid["dec"] == f"id-{int.from_bytes(raw, 'big')}"
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", v["random_uuid.u"]["result"]
    )
    assert 2000 <= v["random_integer.port"]["result"] <= 2010

    # tls: keys and certificates that parse and belong together
    rsa_key = serialization.load_pem_private_key(v["tls_private_key.rsa"]["private_key_pem"].encode(), None)
    assert v["tls_private_key.rsa"]["private_key_pem"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert rsa_key.key_size == 2048  # type: ignore[union-attr]
    ec_key = serialization.load_pem_private_key(v["tls_private_key.ec"]["private_key_pem"].encode(), None)
    assert ec_key.curve.name == "secp384r1"  # type: ignore[union-attr]
    ed = v["tls_private_key.ed"]
    assert ed["public_key_openssh"].startswith("ssh-ed25519 ") and ed[
        "public_key_fingerprint_sha256"
    ].startswith("SHA256:")
    assert v["aws_key_pair.deployer"]["public_key"] == ed["public_key_openssh"]
    cert = x509.load_pem_x509_certificate(v["tls_self_signed_cert.ca"]["cert_pem"].encode())
    assert cert.public_key() == rsa_key.public_key()
    assert cert.subject.rfc4514_string() == "O=Example,CN=example.internal"
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == datetime.timedelta(hours=24)
    read = v["data.tls_certificate.ca"]["certificates"][0]
    assert read["sha1_fingerprint"] == hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    assert (
        read["is_ca"]
        and read["subject"] == "O=Example,CN=example.internal"
        and read["signature_algorithm"] == "SHA256-RSA"
    )
    oidc = v["data.tls_certificate.oidc"]["certificates"]
    assert oidc[0]["is_ca"] and oidc[-1]["subject"] == "CN=oidc.eks.eu-west-1.amazonaws.com"
    assert v["aws_iam_openid_connect_provider.eks"]["thumbprint_list"] == [oidc[0]["sha1_fingerprint"]]
    assert re.fullmatch(r"[0-9a-f]{40}", oidc[0]["sha1_fingerprint"])

    # null and time
    assert v["null_resource.hook"]["id"].isdigit() and v["null_resource.hook"]["triggers"] == {"bucket": pet}
    created = datetime.datetime.fromisoformat(v["time_static.created"]["rfc3339"].replace("Z", "+00:00"))
    assert abs(datetime.datetime.now(datetime.timezone.utc) - created) < datetime.timedelta(minutes=10)
    assert v["time_static.created"]["year"] == created.year
    rotating = v["time_rotating.key"]
    assert rotating["rotation_rfc3339"] > rotating["rfc3339"]

    # archive and local: real files, inside the working copy only
    archive = v["data.archive_file.lambda"]
    blob = (r.work / "build" / "lambda.zip").read_bytes()
    assert archive["output_base64sha256"] == base64.b64encode(hashlib.sha256(blob).digest()).decode()
    assert archive["output_size"] == len(blob) and archive["output_md5"] == hashlib.md5(blob).hexdigest()
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        assert zf.read("app.py") == (src / "lambda" / "app.py").read_bytes()
    assert r.show_json()["values"]["outputs"]["zip_sha"]["value"] == archive["output_base64sha256"]
    assert v["data.local_file.note"]["content"] == "hello from a file\n"
    assert (r.work / "generated" / "out.txt").read_text() == f"bucket={pet}\n"
    assert v["local_file.out"]["content_sha1"] == hashlib.sha1(f"bucket={pet}\n".encode()).hexdigest()
    assert not (src / "generated").exists() and not (src / "build").exists()  # the user's folder is untouched
    assert not Path("/tmp/aisec-util-test-must-not-exist").exists()
    fn_zip = (
        r.work.parent / "modules" / "fn" / "dist" / "fn.zip"
    ).read_bytes()  # in the copy, beside the module
    assert v["module.fn.data.archive_file.fn"]["output_sha"] == hashlib.sha1(fn_zip).hexdigest()
    assert zipfile.ZipFile(io.BytesIO(fn_zip)).namelist() == ["index.js"] and not (fn / "dist").exists()
    assert (
        r.work / ".aisec-outside" / "tmp" / "aisec-util-test-must-not-exist" / "escape.txt"
    ).read_text() == "outside"

    # AWS resources fed by them
    assert v["aws_s3_bucket.logs"]["bucket"] == f"logs-{pet}-{suffix}"
    assert v["aws_key_pair.deployer"]["key_name"] == f"deployer-{rid['hex']}"

    # stable: nothing to change; keepers force a new name (and what depends on it), nothing else
    assert r.run("plan", "-input=false", "-detailed-exitcode").returncode == 0
    r.ok("plan", "-input=false", "-var", "generation=2", "-out=tfplan")
    changes = {rc["address"]: rc["change"]["actions"] for rc in r.show_json("tfplan")["resource_changes"]}
    replaced = {a for a, actions in changes.items() if "delete" in actions and "create" in actions}
    assert {"random_pet.bucket", "null_resource.hook", "aws_s3_bucket.logs", "local_file.out"} <= replaced
    assert not replaced & {
        "random_pet.long",
        "random_string.suffix",
        "tls_private_key.rsa",
        "random_pet.twin",
    }
    r.ok("apply", "-input=false", "tfplan")
    renamed = _values(r)
    assert (
        renamed["random_pet.bucket"]["id"] != pet
        and renamed["random_pet.long"]["id"] == v["random_pet.long"]["id"]
    )
    assert (r.work / "generated" / "out.txt").read_text() == f"bucket={renamed['random_pet.bucket']['id']}\n"


BROKEN = {
    "random_string length 0": (
        'resource "random_string" "s" {\n  length = 0\n}\n',
        "validate",
        ["Invalid Attribute Value", "Attribute length value must be at least 1, got: 0"],
    ),
    "random_password length below its minimums": (
        'resource "random_password" "p" {\n  length      = 3\n  min_upper   = 2\n  min_numeric = 2\n}\n',
        "validate",
        ["Attribute length value must be at least sum of min_upper + min_lower + min_numeric + min_special, got: 3"],
    ),
    "random_string without length": (
        'resource "random_string" "s" {\n  special = false\n}\n',
        "validate",
        ["Missing required argument", 'The argument "length" is required, but no definition was found.'],
    ),
    "tls_private_key unknown algorithm": (
        'resource "tls_private_key" "k" {\n  algorithm = "DSA"\n}\n',
        "validate",
        ["Invalid Attribute Value Match", 'Attribute algorithm value must be one of: ["RSA" "ECDSA" "ED25519"], got: "DSA"'],
    ),
    "a password in a plain output": (
        'resource "random_password" "p" {\n  length = 16\n}\noutput "p" {\n  value = random_password.p.result\n}\n',
        "plan",
        ["Output refers to sensitive values"],
    ),
    "local_file without content": (
        'resource "local_file" "f" {\n  filename = "x.txt"\n}\n',
        "validate",
        ["Invalid Attribute Combination", "No attribute specified when one (and only one) of [content,sensitive_content,content_base64,source] is required"],
    ),
    "time_rotating without a rotation": (
        'resource "time_rotating" "r" {}\n',
        "validate",
        ["Missing Attribute Configuration", "At least one attribute out of [rotation_minutes,rotation_hours,rotation_days,rotation_months,rotation_years,rotation_rfc3339] must be specified"],
    ),
    "random_integer min above max": (
        'resource "random_integer" "i" {\n  min = 10\n  max = 1\n}\n',
        "apply",
        ["Create Random Integer Error", "The minimum (min) value needs to be smaller than or equal to maximum (max) value."],
    ),
    "data.http offline": (
        'data "http" "ip" {\n  url = "https://ipv4.icanhazip.com"\n}\noutput "ip" {\n  value = data.http.ip.response_body\n}\n',
        "plan",
        ["Error making request", "GET https://ipv4.icanhazip.com: the offline rehearsal does not reach the network"],
    ),
}  # fmt: skip


@pytest.mark.terraform
@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_variants_fail_with_the_providers_diagnostic(tmp_path: Path, case: str) -> None:
    body, command, messages = BROKEN[case]
    src = _root(tmp_path / "root", REQUIRED.replace('    aws     = { source = "hashicorp/aws", version = ">= 6.0" }\n', "")
                .replace('provider "aws" {\n  region = "eu-west-1"\n}\n', "")
                .replace('    tls ', '    http    = { source = "hashicorp/http", version = "~> 3.4" }\n    tls ')
                + body)  # fmt: skip
    r = Rehearsal.of(src)
    result = r.run(
        command, *{"plan": ["-input=false"], "apply": ["-input=false", "-auto-approve"]}.get(command, [])
    )
    assert not result.ok, f"{case}: terraform {command} passed"
    text = " ".join((result.stdout + result.stderr).split())
    for message in messages:
        assert " ".join(message.split()) in text, (
            f"{case}: {message!r} not in\n{result.stdout}\n{result.stderr}"
        )


UPDATABLE = (
    REQUIRED
    + """
variable "duration" {
  type    = string
  default = "30s"
}
variable "days" {
  type    = number
  default = 30
}
variable "renewal" {
  type    = number
  default = 0
}
resource "time_sleep" "wait" {
  create_duration = var.duration
}
resource "time_rotating" "key" {
  rotation_days = var.days
}
resource "tls_private_key" "k" {
  algorithm = "ECDSA"
}
resource "tls_self_signed_cert" "c" {
  private_key_pem       = tls_private_key.k.private_key_pem
  validity_period_hours = 48
  early_renewal_hours   = var.renewal
  allowed_uses          = ["server_auth"]
  subject {
    common_name = "svc.internal"
  }
}
"""
)


@pytest.mark.terraform
def test_in_place_updates_keep_what_the_provider_keeps(tmp_path: Path) -> None:
    """Arguments these providers update in place (time_sleep durations, time_rotating rotations,
    early_renewal_hours) do not make a new object: the sleep keeps its id, the certificate its
    bytes, and the rotation counts from the same base time."""
    r = Rehearsal.of(_root(tmp_path / "root", UPDATABLE))
    r.ok("apply", "-input=false", "-auto-approve")
    before = _values(r)
    r.ok("plan", "-input=false", "-var", "duration=1m", "-var", "days=60", "-var", "renewal=1", "-out=tfplan")
    changes = {rc["address"]: rc["change"]["actions"] for rc in r.show_json("tfplan")["resource_changes"]}
    assert changes == {
        "time_sleep.wait": ["update"],
        "time_rotating.key": ["update"],
        "tls_self_signed_cert.c": ["update"],
        "tls_private_key.k": ["no-op"],
    }
    r.ok("apply", "-input=false", "tfplan")
    after = _values(r)
    assert after["time_sleep.wait"]["id"] == before["time_sleep.wait"]["id"]
    assert after["tls_self_signed_cert.c"]["cert_pem"] == before["tls_self_signed_cert.c"]["cert_pem"]
    assert after["tls_self_signed_cert.c"]["early_renewal_hours"] == 1
    rot = after["time_rotating.key"]
    assert rot["rfc3339"] == before["time_rotating.key"]["rfc3339"]
    base = datetime.datetime.fromisoformat(rot["rfc3339"].replace("Z", "+00:00"))
    assert rot["rotation_rfc3339"] == (base + datetime.timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert r.run("plan", "-input=false", "-detailed-exitcode", "-var", "duration=1m", "-var", "days=60",
                 "-var", "renewal=1").returncode == 0  # fmt: skip


@pytest.mark.terraform
def test_a_version_not_served_fails_init(tmp_path: Path) -> None:
    src = _root(
        tmp_path / "root",
        'terraform {\n  required_providers {\n    random = { source = "hashicorp/random", version = "~> 2.3" }\n  }\n}\n',
    )
    with pytest.raises(AssertionError, match=r"(?s)hashicorp/random.*no available releases match"):
        Rehearsal.of(src)


# ---------------------------------------------------------------- behaviour without terraform
def _ctx(tmp: Path, seed: str = "s") -> Any:
    from generator.offline.utility.behaviour import Context

    return Context(seed, tmp)


def test_pet_names_are_made_of_single_words() -> None:
    """The word lists hold single lowercase words, each once (a missing comma between two literals
    would silently join two words)."""
    from generator.offline.utility import random_provider

    for words in (random_provider.ADVERBS, random_provider.ADJECTIVES, random_provider.ANIMALS):
        assert all(re.fullmatch(r"[a-z]{2,10}", w) for w in words), [w for w in words if len(w) > 10]
        assert len(set(words)) == len(words)


def test_random_string_honours_its_character_classes(tmp_path: Path) -> None:
    from generator.offline.utility.random_provider import RESOURCES, random_string

    base = {"length": 40, "upper": True, "lower": True, "numeric": True, "number": True, "special": True,
            "min_upper": 0, "min_lower": 0, "min_numeric": 0, "min_special": 0, "override_special": None}  # fmt: skip
    only_lower = random_string(
        {**base, "upper": False, "numeric": False, "number": False, "special": False}, _ctx(tmp_path)
    )
    assert len(only_lower) == 40 and only_lower.islower() and only_lower.isalpha()
    mins = random_string(
        {**base, "length": 8, "min_upper": 3, "min_numeric": 3, "special": False}, _ctx(tmp_path)
    )
    assert sum(c.isupper() for c in mins) >= 3 and sum(c.isdigit() for c in mins) >= 3
    custom = random_string({**base, "length": 30, "min_special": 10, "override_special": "_"}, _ctx(tmp_path))
    assert custom.count("_") >= 10 and not set(custom) - set("_" + "".join(map(chr, range(48, 123))))
    assert random_string(base, _ctx(tmp_path, "a")) == random_string(base, _ctx(tmp_path, "a"))
    assert random_string(base, _ctx(tmp_path, "a")) != random_string(base, _ctx(tmp_path, "b"))
    pet: dict[str, Any] = {"length": 1, "separator": "-", "prefix": None}
    RESOURCES["random_pet"].apply(pet, _ctx(tmp_path))  # type: ignore[misc]
    assert pet["id"] in ANIMALS


def test_a_rotated_time_rotating_is_gone_at_refresh(tmp_path: Path) -> None:
    from generator.offline.utility.time_provider import RESOURCES

    read = RESOURCES["time_rotating"].read
    assert read is not None
    assert read({"rotation_rfc3339": "2000-01-01T00:00:00Z"}, _ctx(tmp_path)) is None
    state = {"rotation_rfc3339": "2999-01-01T00:00:00Z"}
    assert read(state, _ctx(tmp_path)) == state


def test_files_stay_inside_the_working_copy(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    assert ctx.write_target("./build/x.zip") == (tmp_path / "build" / "x.zip", True)
    assert ctx.write_target("../../etc/x") == (
        tmp_path / ".aisec-outside" / str(tmp_path.parents[1] / "etc" / "x").lstrip("/"),
        False,
    )
    assert ctx.write_target("/etc/passwd")[0] == tmp_path / ".aisec-outside" / "etc" / "passwd"
    assert ctx.read_target("note.txt") == tmp_path / "note.txt" and ctx.read_target("/etc/hosts") == Path(
        "/etc/hosts"
    )
    redirected = tmp_path / ".aisec-outside" / "srv" / "out.zip"
    redirected.parent.mkdir(parents=True)
    redirected.write_bytes(b"zip")
    assert ctx.read_target("/srv/out.zip") == redirected  # what an earlier resource wrote there
