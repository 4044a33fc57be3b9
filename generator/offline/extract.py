"""Extract AWS provider schemas from the prebuilt CDK provider bindings on PyPI.

One schema per served provider version (:data:`SOURCES`): ``cdktf-cdktf-provider-aws`` (CDK for
Terraform, whose last releases wrap 5.99.1 and 6.25.0) and ``cdktn-provider-aws`` (CDK Terrain,
its maintained continuation, which tracks the provider's newest 6.x). The bundle's package.json
names the provider version it wraps; the extraction checks it against the table. CDK Terrain's
generated code is cdktf's under another module name (``cdktn.``), read the same way.

Each package is generated from the real provider's schema; cdktfparse.py reads each module of its
jsii bundle (the TypeScript in its inline source map) into ``terraform providers schema -json``
block format, and this puts the modules together into one schema file per version.

    python -m generator.offline.extract [--provider-version V] [--wheel FILE] [--out FILE]

Without ``--provider-version`` it extracts every version of the table; without ``--wheel`` it
downloads the pinned package with pip. The output is deterministic (sorted
keys, gzip without a timestamp), so a test can compare it with the committed file.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.offline import quicksight, wafv2
from generator.offline.cdktfparse import extract_provider, extract_type, ts_source

# The table of served versions lives in sources.py (the stand-in's start reads it without this module).
from generator.offline.sources import BY_VERSION as BY_VERSION
from generator.offline.sources import DATA as DATA
from generator.offline.sources import NEWEST as NEWEST
from generator.offline.sources import SOURCES as SOURCES
from generator.offline.sources import Source as Source

WHEELS = Path.home() / ".cache" / "aisec" / "wheels"  # downloaded once, reused by the tests


_CDKTN_RE = re.compile(r"\bcdktn\.")


def _bundle(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(next(n for n in zf.namelist() if n.endswith(".jsii.tgz")))


def wrapped_version(wheel: Path, address: str = "registry.terraform.io/hashicorp/aws") -> str:
    """The provider version the bundle wraps, as its package.json records it."""
    with tarfile.open(fileobj=io.BytesIO(_bundle(wheel)), mode="r:gz") as tar:
        fh = tar.extractfile("package/package.json")
        if fh is None:
            raise ValueError(f"{wheel.name}: no package.json in the bundle")
        meta = json.loads(fh.read())
    for key in ("cdktn", "cdktf"):
        provider = meta.get(key, {}).get("provider", {})
        if provider.get("name") == address:
            return str(provider["version"])
    raise ValueError(f"{wheel.name}: the bundle names no {address} provider version")


def _modules(wheel: Path) -> Iterator[tuple[str, str]]:
    """(folder name, TypeScript source) of every module in the wheel's jsii bundle. CDK Terrain's
    module alias ``cdktn.`` is read as cdktf's: the generated code is otherwise the same."""
    with tarfile.open(fileobj=io.BytesIO(_bundle(wheel)), mode="r:gz") as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            parts = member.name.split("/")
            if len(parts) == 4 and parts[1] == "lib" and parts[3] == "index.js":
                fh = tar.extractfile(member)
                if fh is not None:
                    yield parts[2], _CDKTN_RE.sub("cdktf.", ts_source(fh.read().decode("utf-8")))


def _approximate(block: dict[str, Any], path: str, notes: list[str]) -> None:
    """Bend what Terraform would refuse to load, and say so: cdktf lost these types' details."""
    from generator.offline.schemacheck import block_has_dynamic, has_dynamic

    for name, attr in block.get("attributes", {}).items():
        if has_dynamic(attr["type"]):
            notes.append(
                f"{path}.{name}: untyped in the bundle (no getter type, storage class any); served as "
                "an attribute of dynamic type, so the provider's block syntax for it is refused"
            )
    for name, bt in block.get("block_types", {}).items():
        where = f"{path}.{name}"
        if bt["nesting_mode"] == "map" and (bt.get("min_items") or bt.get("max_items")):
            bt.pop("min_items", None)
            bt.pop("max_items", None)
            notes.append(f"{where}: map-nested block cannot be required; made optional")
        if bt["nesting_mode"] == "set" and block_has_dynamic(bt["block"]):
            bt["nesting_mode"] = "list"
            notes.append(f"{where}: holds attributes of unknown type; set nesting served as list")
        _approximate(bt["block"], where, notes)


@dataclass
class Extraction:
    schema: dict[str, Any]
    skipped: dict[str, str]


def extract_wheel(wheel: Path, source: Source) -> Extraction:
    wrapped = wrapped_version(wheel, source.address)
    if wrapped != source.provider_version:
        raise ValueError(
            f"{wheel.name} wraps {source.address.removeprefix('registry.terraform.io/')} {wrapped}, not {source.provider_version}"
        )
    resources: dict[str, Any] = {}
    data_sources: dict[str, Any] = {}
    provider: dict[str, Any] | None = None
    skipped: dict[str, str] = {}
    for folder, ts in _modules(wheel):
        if folder == "provider":
            provider = extract_provider(ts)
            continue
        if "tfResourceType" not in ts:
            continue
        try:
            kind, name, schema = extract_type(ts)
        except (ValueError, KeyError) as exc:
            skipped[folder] = f"{type(exc).__name__}: {exc}"
            continue
        (data_sources if kind == "data" else resources)[name] = schema
    if provider is None:
        raise ValueError("the wheel has no provider module")
    approximations: list[str] = []
    wafv2.apply(resources, approximations)
    quicksight.apply(resources, approximations)
    for kind, schemas in (("resource", resources), ("data", data_sources)):
        for name, sch in sorted(schemas.items()):
            _approximate(sch["block"], f"{kind}.{name}", approximations)
    quicksight.detach(resources)  # served by reference, resolved by the loader when needed
    schema = {
        "format_version": "1.0",
        "provider_versions": {source.address: source.provider_version},
        "provider_schemas": {
            source.address: {
                "provider": provider,
                "resource_schemas": resources,
                "data_source_schemas": data_sources,
            }
        },
        "source": {
            "package": source.package,
            "version": source.package_version,
            "skipped": skipped,
            "approximations": approximations,
        },
    }
    return Extraction(schema, skipped)


def encode(schema: dict[str, Any]) -> bytes:
    """Deterministic bytes: sorted compact JSON, gzip without name or timestamp."""
    raw = json.dumps(schema, sort_keys=True, separators=(",", ":")).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    return buf.getvalue()


def download_wheel(source: Source, dest: Path) -> Path:
    found = sorted(dest.glob(source.wheel_prefix + "*.whl"))
    if found:
        return found[0]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(dest),
         f"{source.package}=={source.package_version}"],
        check=True,
    )  # fmt: skip
    return next(dest.glob(source.wheel_prefix + "*.whl"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--provider-version", choices=sorted(BY_VERSION), help="one version only")
    parser.add_argument("--wheel", type=Path, help="the downloaded wheel (with --provider-version)")
    parser.add_argument("--out", type=Path, help="where to write (with --provider-version)")
    args = parser.parse_args(argv)
    if (args.wheel or args.out) and not args.provider_version:
        parser.error("--wheel and --out need --provider-version")
    chosen = [BY_VERSION[args.provider_version]] if args.provider_version else list(SOURCES)
    for source in chosen:
        if args.wheel is None:
            WHEELS.mkdir(parents=True, exist_ok=True)
        wheel = args.wheel or download_wheel(source, WHEELS)
        result = extract_wheel(wheel, source)
        out = args.out or source.out
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(encode(result.schema))
        p = result.schema["provider_schemas"]["registry.terraform.io/hashicorp/aws"]
        print(
            f"{source.provider_version}: {len(p['resource_schemas'])} resources, "
            f"{len(p['data_source_schemas'])} data sources ({len(result.skipped)} skipped: "
            f"{', '.join(sorted(result.skipped))}) -> {out}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
