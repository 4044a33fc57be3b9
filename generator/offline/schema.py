"""The AWS provider schema the stand-in serves: the committed extraction plus the rules table."""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from generator.offline.extract import DEFAULT_OUT, PROVIDER_VERSION
from generator.offline.rules import DATA_SENSITIVE, RULES, SENSITIVE, mark_sensitive
from generator.offline.values import Block

PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/aws"
SCHEMA_FILE = DEFAULT_OUT
# The code that turns the extraction into what the stand-in serves: the sensitive marks (here and the
# rules table) and the protobuf conversion (provider.py). The cached serialization and the offline
# environments are keyed on these as well as on the extraction, so a change to either is served.
_HERE = Path(__file__).parent
BUILDERS: tuple[Path, ...] = (_HERE / "schema.py", _HERE / "rules.py", _HERE / "provider.py")


def digest_of(raw: bytes, builders: tuple[Path, ...] = BUILDERS) -> str:
    h = hashlib.sha256(raw)
    for path in builders:
        h.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class ProviderSchema:
    version: str
    provider: dict[str, Any]
    resources: dict[str, dict[str, Any]]
    data_sources: dict[str, dict[str, Any]]
    digest: str

    def resource_block(self, type_name: str) -> Block:
        return self.resources[type_name]["block"]  # type: ignore[no-any-return]

    def data_source_block(self, type_name: str) -> Block:
        return self.data_sources[type_name]["block"]  # type: ignore[no-any-return]


def _mark_sensitive(schema: dict[str, Any]) -> None:
    names: dict[str, set[str]] = {t: set(r.sensitive) for t, r in RULES.items()}
    for type_name, extra in SENSITIVE.items():
        names.setdefault(type_name, set()).update(extra)
    mark_sensitive(schema, names)


@cache
def load(path: Path = SCHEMA_FILE) -> ProviderSchema:
    raw = path.read_bytes()
    data = json.loads(gzip.decompress(raw))
    p = data["provider_schemas"][PROVIDER_ADDRESS]
    _mark_sensitive(p["resource_schemas"])
    mark_sensitive(p["data_source_schemas"], DATA_SENSITIVE)
    return ProviderSchema(
        version=data["provider_versions"][PROVIDER_ADDRESS]
        if "provider_versions" in data
        else PROVIDER_VERSION,
        provider=p["provider"],
        resources=p["resource_schemas"],
        data_sources=p["data_source_schemas"],
        digest=digest_of(raw),
    )
