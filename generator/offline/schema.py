"""The AWS provider schemas the stand-in serves: the committed extractions (one per served provider
version, see sources.SOURCES) plus the rules table."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from generator.cache import atomic_write, cache_root
from generator.offline import quicksight
from generator.offline.rules import DATA_SENSITIVE, RULES, SENSITIVE, mark_sensitive
from generator.offline.sources import BY_VERSION, NEWEST, SOURCES
from generator.offline.values import Block

PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/aws"
# Every version the offline mirror offers, oldest first; Terraform's constraint solving picks one
# as the registry would (the newest that matches). Without a version, the newest is meant.
SERVED_VERSIONS: tuple[str, ...] = tuple(s.provider_version for s in SOURCES)
NEWEST_VERSION = NEWEST.provider_version
SCHEMA_FILE = NEWEST.out


def schema_file(version: str | None = None) -> Path:
    if version is not None and version not in BY_VERSION:
        raise ValueError(
            f"hashicorp/aws {version} is not served offline (served: {', '.join(SERVED_VERSIONS)})"
        )
    return BY_VERSION[version or NEWEST_VERSION].out


# The code that turns the extraction into what the stand-in serves: the sensitive marks (here and the
# rules table), the protobuf conversion (protocol.py) and the schema response the provider completes
# (provider.py). The cached serialization and the offline environments are keyed on these as well as
# on the extraction, so a change to either is served.
_HERE = Path(__file__).parent
BUILDERS: tuple[Path, ...] = (
    _HERE / "schema.py",
    _HERE / "rules.py",
    _HERE / "protocol.py",
    _HERE / "provider.py",
    _HERE / "functions.py",  # the provider functions are part of the schema response
    _HERE / "quicksight.py",  # resolves the served files' references to ...
    quicksight.DATA,  # ... the QuickSight definition blocks held here
)


def digest_of(raw: bytes, builders: tuple[Path, ...] = BUILDERS) -> str:
    h = hashlib.sha256(raw)
    for path in builders:
        h.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class ProviderSchema:
    version: str
    provider: dict[str, Any]
    resources: Mapping[str, dict[str, Any]]
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


class Resources(Mapping[str, dict[str, Any]]):
    """The resource schemas of one extraction, whose QuickSight ``definition`` references
    (quicksight.py) are resolved, and sensitive-marked, on the first access to one of those types:
    a configuration without QuickSight never parses their 4 MiB of blocks. Any walk over all
    resources (items, values, the schema response) goes through the access, so it sees them.
    The gRPC server answers on several threads: one resolves, the others wait for it."""

    def __init__(self, schemas: dict[str, dict[str, Any]]) -> None:
        self._schemas = schemas
        self._pending = quicksight.pending(schemas)
        self._lock = threading.Lock()

    def __getitem__(self, type_name: str) -> dict[str, Any]:
        if type_name in self._pending:
            with self._lock:
                if self._pending:  # not resolved by another thread while this one waited
                    done = quicksight.attach(self._schemas)
                    _mark_sensitive({t: self._schemas[t] for t in done})
                    self._pending.clear()
        return self._schemas[type_name]

    def __contains__(self, type_name: object) -> bool:  # Mapping's would resolve
        return type_name in self._schemas

    def __iter__(self) -> Iterator[str]:
        return iter(self._schemas)

    def __len__(self) -> int:
        return len(self._schemas)

    @property
    def unresolved(self) -> frozenset[str]:
        return frozenset(self._pending)


@cache
def digest(version: str) -> str:
    """The served schema's key without parsing it: the extraction's bytes and the builders."""
    return digest_of(schema_file(version).read_bytes())


def load(version: str | None = None) -> ProviderSchema:
    """The schema of one served version (the newest by default)."""
    return _load(version or NEWEST_VERSION)


@cache
def _load(version: str) -> ProviderSchema:
    path = schema_file(version)
    raw = path.read_bytes()
    data = json.loads(gzip.decompress(raw))
    p = data["provider_schemas"][PROVIDER_ADDRESS]
    _mark_sensitive(p["resource_schemas"])  # the QuickSight definitions when resolved
    mark_sensitive(p["data_source_schemas"], DATA_SENSITIVE)
    return ProviderSchema(
        version=data["provider_versions"][PROVIDER_ADDRESS],
        provider=p["provider"],
        resources=Resources(p["resource_schemas"]),
        data_sources=p["data_source_schemas"],
        digest=digest_of(raw),
    )


class LazySchema(ProviderSchema):
    """A served version's schema whose version and digest are known at once and whose parse (the
    bulk of the stand-in's start-up) waits for the first call that needs it. Terraform's first
    start of the provider in a command asks only for the schema response, which is served from its
    cached serialization (server.py): that start never parses the extraction. The later starts ask
    for the blocks of the types the configuration uses (validate, plan, apply): those come one by one
    from the parsed schema's per-type cache (TypeSlices), not from a parse of all 2,000 types."""

    _slices: TypeSlices | None = None

    def __init__(self, version: str | None = None) -> None:
        version = version or NEWEST_VERSION
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "digest", digest(version))

    @property
    def provider(self) -> dict[str, Any]:
        return _load(self.version).provider

    @property
    def resources(self) -> Mapping[str, dict[str, Any]]:
        return _load(self.version).resources

    @property
    def data_sources(self) -> dict[str, dict[str, Any]]:
        return _load(self.version).data_sources

    def resource_block(self, type_name: str) -> Block:
        return self._typed().get("resource", type_name)["block"]  # type: ignore[no-any-return]

    def data_source_block(self, type_name: str) -> Block:
        return self._typed().get("data", type_name)["block"]  # type: ignore[no-any-return]

    def _typed(self) -> TypeSlices:
        slices = self._slices
        if slices is None:
            slices = TypeSlices.of(self.version, self.digest)
            object.__setattr__(self, "_slices", slices)
        return slices


# Bumped when the slices file's layout changes (its name carries it, with the served schema's digest,
# which covers this module: a file written by other code is never read).
SLICES_FORMAT = "s1"


class TypeSlices:
    """The fully parsed schema of one served version (QuickSight definitions resolved, sensitive
    attributes marked: what ``_load`` gives once every type has been accessed), kept in aisec's cache
    as one JSON document per type behind an index, so a start of the stand-in parses only the types
    it is asked about. Made from ``_load`` on the first start that finds none (content-addressed:
    its name holds the digest of the extraction and of the code that builds the schema)."""

    def __init__(self, index: dict[str, dict[str, list[int]]], body: bytes) -> None:
        self._index, self._body = index, body
        self._parsed: dict[tuple[str, str], dict[str, Any]] = {}

    @classmethod
    def of(cls, version: str, key: str) -> TypeSlices:
        path = cache_root("offline") / f"types-{version}-{key}-{SLICES_FORMAT}.json"
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raw = cls.build(_load(version))
            atomic_write(path, raw)
        header, _, body = raw.partition(b"\n")
        return cls(json.loads(header), body)

    @staticmethod
    def build(schema: ProviderSchema) -> bytes:
        """Index line, then each type's JSON (offsets into what follows the index line)."""
        parts: list[bytes] = []
        index: dict[str, dict[str, list[int]]] = {"resource": {}, "data": {}}
        offset = 0
        for kind, types in (("resource", schema.resources), ("data", schema.data_sources)):
            for type_name in types:
                text = json.dumps(types[type_name], separators=(",", ":")).encode()
                index[kind][type_name] = [offset, len(text)]
                parts.append(text)
                offset += len(text)
        return json.dumps(index, separators=(",", ":")).encode() + b"\n" + b"".join(parts)

    def get(self, kind: str, type_name: str) -> dict[str, Any]:
        """One type's schema (``kind`` resource or data); KeyError for a type not served."""
        found = self._parsed.get((kind, type_name))
        if found is None:
            start, length = self._index[kind][type_name]
            found = self._parsed[kind, type_name] = json.loads(self._body[start : start + length])
        return found
