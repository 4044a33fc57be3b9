"""The utility providers the offline stand-in serves beside hashicorp/aws: random, tls, null, time,
archive, local and http, each at one current version, with its real schema.

The schemas come from the cdktf provider bindings on the package index
(``cdktf-cdktf-provider-<name>``), extracted exactly like the AWS one (generator/offline/extract.py)
into ``generator/offline/data/<name>-<version>.schema.json.gz``:

    python -m generator.offline.utility [--wheel-dir DIR] [NAME ...]

cdktf keeps names, types, blocks and required/optional/computed, but not which attributes are
sensitive; SENSITIVE below marks those as the providers' documentation does.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from generator.offline import extract
from generator.offline.rules import mark_sensitive
from generator.offline.schema import ProviderSchema, digest_of


@dataclass(frozen=True)
class Utility:
    name: str
    provider_version: str  # the provider release the bindings were generated from
    package_version: str  # cdktf-cdktf-provider-<name> on the package index

    @property
    def address(self) -> str:
        return f"registry.terraform.io/hashicorp/{self.name}"

    @property
    def package(self) -> str:
        return f"cdktf-cdktf-provider-{self.name}"

    @property
    def source(self) -> extract.Source:
        return extract.Source(self.package, self.package_version, self.provider_version, self.address)

    @property
    def schema_file(self) -> Path:
        return _DATA / f"{self.name}-{self.provider_version}.schema.json.gz"


_HERE = Path(__file__).parent
_DATA = _HERE.parent / "data"
UTILITIES: dict[str, Utility] = {
    u.name: u
    for u in (
        Utility("random", "3.7.2", "12.0.1"),
        Utility("tls", "4.1.0", "11.0.1"),
        Utility("null", "3.2.4", "11.0.1"),
        Utility("time", "0.13.1", "11.0.1"),
        Utility("archive", "2.7.1", "11.0.1"),
        Utility("local", "2.6.1", "11.1.1"),
        Utility("http", "3.5.0", "10.0.1"),
    )
}

# Sensitive attributes (resource and data source types alike), from the providers' documentation.
SENSITIVE: dict[str, frozenset[str]] = {
    "random_password": frozenset({"result", "bcrypt_hash"}),
    "random_bytes": frozenset({"base64", "hex"}),
    "tls_private_key": frozenset({"private_key_pem", "private_key_pem_pkcs8", "private_key_openssh"}),
    "tls_public_key": frozenset({"private_key_pem", "private_key_openssh"}),
    "tls_cert_request": frozenset({"private_key_pem"}),
    "tls_self_signed_cert": frozenset({"private_key_pem"}),
    "tls_locally_signed_cert": frozenset({"ca_private_key_pem"}),
    "local_file": frozenset({"sensitive_content"}),
    "local_sensitive_file": frozenset({"content", "content_base64"}),
    "http": frozenset({"client_key_pem"}),
}
PROVIDER_SENSITIVE: dict[str, frozenset[str]] = {"tls": frozenset({"password"})}  # proxy { password }

# The code that turns an extraction into what is served: keys the cached schema and the mirror.
BUILDERS: tuple[Path, ...] = (
    _HERE.parent / "protocol.py",  # the protobuf conversion and what every served provider shares
    *sorted(p for p in _HERE.glob("*.py") if p.name != "__main__.py"),  # the providers and their parts
)


@cache
def load(name: str) -> ProviderSchema:
    """The schema served for utility provider ``name`` (KeyError if it is not one)."""
    u = UTILITIES[name]
    raw = u.schema_file.read_bytes()
    data = json.loads(gzip.decompress(raw))
    p = data["provider_schemas"][u.address]
    mark_sensitive(p["resource_schemas"], SENSITIVE)
    mark_sensitive(p["data_source_schemas"], SENSITIVE)
    for bt in p["provider"]["block"].get("block_types", {}).values():
        for attr in PROVIDER_SENSITIVE.get(name, frozenset()):
            if attr in bt["block"].get("attributes", {}):
                bt["block"]["attributes"][attr]["sensitive"] = True
    return ProviderSchema(
        version=data["provider_versions"][u.address],
        provider=p["provider"],
        resources=p["resource_schemas"],
        data_sources=p["data_source_schemas"],
        digest=digest_of(raw, BUILDERS),
    )


def servicer(name: str, schema_bytes: bytes | None = None) -> Any:
    """The tfplugin6 servicer of utility provider ``name``."""
    from generator.offline.utility.behaviour import UtilityProvider

    module = importlib.import_module(f"generator.offline.utility.{name}_provider")
    return UtilityProvider(load(name), module.RESOURCES, module.DATA_SOURCES, schema_bytes)


def extract_one(u: Utility, wheel: Path) -> bytes:
    result = extract.extract_wheel(wheel, u.source)
    return extract.encode(result.schema)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help=f"of {', '.join(UTILITIES)} (default: all)")
    parser.add_argument("--wheel-dir", type=Path, help="a folder holding the downloaded wheels")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(UTILITIES))
    if unknown:
        parser.error(f"not a served utility provider: {', '.join(unknown)} (allowed: {', '.join(UTILITIES)})")
    for name in args.names or list(UTILITIES):
        u = UTILITIES[name]
        with tempfile.TemporaryDirectory() as tmp:
            found = sorted(
                (args.wheel_dir or Path(tmp)).glob(f"cdktf_cdktf_provider_{name}-{u.package_version}-*.whl")
            )
            wheel = found[0] if found else extract.download_wheel(u.source, Path(tmp))
            data = extract_one(u, wheel)
        u.schema_file.write_bytes(data)
        print(
            f"{u.address} {u.provider_version} ({u.package} {u.package_version}) -> {u.schema_file}",
            file=sys.stderr,
        )
