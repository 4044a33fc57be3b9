"""The committed AWS provider schema: loadable by Terraform, complete, and reproducible."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.catalog import data_dir
from generator.offline import extract
from generator.offline.schema import PROVIDER_ADDRESS, load
from generator.offline.schemacheck import check_block, check_provider_schema

KNOWN_SKIPS = {"lexv2models-intent", "lexv2models-slot", "medialive-channel"}


def committed() -> dict:  # type: ignore[type-arg]
    return json.loads(gzip.decompress(extract.DEFAULT_OUT.read_bytes()))


def test_schema_passes_terraform_internal_validate() -> None:
    p = committed()["provider_schemas"][PROVIDER_ADDRESS]
    assert check_provider_schema(p["provider"], p["resource_schemas"], p["data_source_schemas"]) == []


def test_internal_validate_catches_what_terraform_refuses() -> None:
    bad = {
        "attributes": {"Bad-Name": {"type": "string", "optional": True}, "x": {"type": "string"},
                       "y": {"type": "string", "required": True, "computed": True}},
        "block_types": {"s": {"nesting_mode": "set", "block": {"attributes": {"d": {"type": "dynamic", "optional": True}}}},
                        "m": {"nesting_mode": "map", "min_items": 1, "block": {}},
                        "x": {"nesting_mode": "single", "block": {}}},
    }  # fmt: skip
    errors = check_block(bad, "t")
    assert any("invalid name" in e for e in errors)
    assert any("t.x: must set optional" in e for e in errors)
    assert any("required cannot be optional or computed" in e for e in errors)
    assert any("set-nested blocks may not contain dynamic" in e for e in errors)
    assert any("must be 0 in map mode" in e for e in errors)
    assert any("used by an attribute and a block" in e for e in errors)


def test_schema_covers_every_type() -> None:
    data = committed()
    p = data["provider_schemas"][PROVIDER_ADDRESS]
    assert len(p["resource_schemas"]) > 1500 and len(p["data_source_schemas"]) > 600
    assert set(data["source"]["skipped"]) == KNOWN_SKIPS
    assert data["provider_versions"][PROVIDER_ADDRESS] == extract.PROVIDER_VERSION
    used = set()
    for tf in data_dir("modules").rglob("*.tf"):
        used |= {("resource", t) for t in re.findall(r'^resource "(aws_\w+)"', tf.read_text(), re.M)}
        used |= {("data", t) for t in re.findall(r'^data "(aws_\w+)"', tf.read_text(), re.M)}
    assert len(used) > 25
    for kind, t in used:
        assert t in p["resource_schemas" if kind == "resource" else "data_source_schemas"], t


def test_nested_blocks_are_blocks() -> None:
    schema = load()
    job = schema.resource_block("aws_macie2_classification_job")["block_types"]["s3_job_definition"]["block"]
    assert job["block_types"]["bucket_definitions"]["nesting_mode"] == "list"
    sse = schema.resource_block("aws_s3_bucket_server_side_encryption_configuration")["block_types"]["rule"][
        "block"
    ]
    assert "apply_server_side_encryption_by_default" in sse["block_types"]
    # SDKv2 "attributes as blocks": an attribute of set(object) that accepts block syntax
    assert schema.resource_block("aws_security_group")["attributes"]["ingress"]["type"][0] == "set"


def _wheel(cache: Path) -> Path | None:
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob(f"cdktf_cdktf_provider_aws-{extract.PACKAGE_VERSION}-*.whl"))
    if found:
        return found[0]
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(cache),
         f"{extract.PACKAGE}=={extract.PACKAGE_VERSION}"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if proc.returncode != 0:
        return None
    found = sorted(cache.glob("*.whl"))
    return found[0] if found else None


def test_committed_schema_matches_the_pinned_package() -> None:
    """Re-extract from the pinned wheel (57 MB, downloaded once into ~/.cache/aisec/wheels)."""
    wheel = _wheel(Path.home() / ".cache" / "aisec" / "wheels")
    if wheel is None:
        pytest.skip(
            f"the package registry is unreachable: cannot download {extract.PACKAGE}=={extract.PACKAGE_VERSION}"
        )
    fresh = extract.encode(extract.extract_wheel(wheel).schema)
    assert fresh == extract.DEFAULT_OUT.read_bytes(), (
        "the committed schema differs from the extraction: run `python -m generator.offline.extract`"
    )


def test_the_served_schema_is_keyed_on_the_code_that_builds_it(tmp_path: Path) -> None:
    """The cached serialization (and the offline environments) are named by this digest: a change to
    the sensitive marks or the protobuf conversion must change it, not only a new extraction."""
    import inspect

    from generator.offline import provider, rules, schema

    builders = {Path(inspect.getsourcefile(m) or "") for m in (schema, rules, provider)}
    assert builders == set(schema.BUILDERS)
    raw = schema.SCHEMA_FILE.read_bytes()
    copies = []
    for path in schema.BUILDERS:
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    assert schema.digest_of(raw, tuple(copies)) == load().digest
    copies[1].write_text(copies[1].read_text() + "\n# a new rule\n")
    assert schema.digest_of(raw, tuple(copies)) != load().digest
    assert schema.digest_of(raw + b"\0", schema.BUILDERS) != load().digest


def _attr(ty: object, **flags: bool) -> dict[str, object]:
    return {"type": ty, **(flags or {"optional": True})}


def _nested(mode: str, block: dict[str, object] | None = None, **bounds: int) -> dict[str, object]:
    return {"nesting_mode": mode, "block": block if block is not None else {}, **bounds}


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        # attribute types Terraform accepts, and those it refuses
        ({"attributes": {"a": _attr(["object", {"b": ["map", "number"]}]), "c": _attr(["list", "bool"])}}, []),
        ({"attributes": {"a": _attr(["object", {"B": "string"}])}}, ["t.a: invalid type ['object', {'B': 'string'}]"]),
        ({"attributes": {"a": _attr(["tuple", {"b": "string"}])}}, ["t.a: invalid type ['tuple', {'b': 'string'}]"]),
        ({"attributes": {"a": _attr(["tuple", ["string"]])}}, ["t.a: invalid type ['tuple', ['string']]"]),
        ({"attributes": {"a": _attr(["object", {"b": "string"}, "c"])}},
         ["t.a: invalid type ['object', {'b': 'string'}, 'c']"]),
        ({"attributes": {"a": _attr("float")}}, ["t.a: invalid type 'float'"]),
        # dynamic values inside a set attribute, however deep
        ({"attributes": {"a": _attr(["set", ["list", "dynamic"]])}}, ["t.a: sets may not contain dynamic values"]),
        ({"attributes": {"a": _attr(["set", ["set", "dynamic"]]), "b": _attr(["set", ["map", "dynamic"]])}},
         ["t.a: sets may not contain dynamic values", "t.b: sets may not contain dynamic values"]),
        ({"attributes": {"a": _attr(["set", ["object", {"b": "dynamic"}]])}},
         ["t.a: sets may not contain dynamic values"]),
        ({"attributes": {"a": _attr(["set", ["map", ["list", "string"]]]), "b": _attr(["list", "dynamic"])}}, []),
        # flags
        ({"attributes": {"a": _attr("string", required=True), "b": _attr("string", computed=True),
                         "c": _attr("string", optional=True, computed=True)}}, []),
        ({"attributes": {"a": _attr("string", required=True, optional=True)}},
         ["t.a: required cannot be optional or computed"]),
        # nesting modes and their bounds
        ({"block_types": {"a": _nested("single", min_items=1, max_items=1), "b": _nested("group"),
                          "c": _nested("list", min_items=1, max_items=3), "d": _nested("set", min_items=2),
                          "e": _nested("map")}}, []),
        ({"block_types": {"a": _nested("single", max_items=2)}},
         ["t.a: min_items and max_items must be 0 or 1 in single mode"]),
        ({"block_types": {"a": _nested("single", min_items=2)}},
         ["t.a: min_items and max_items must be 0 or 1 in single mode"]),
        ({"block_types": {"a": _nested("group", min_items=2, max_items=2)}},
         ["t.a: min_items and max_items must be 0 or 1 in group mode"]),
        ({"block_types": {"a": _nested("list", min_items=3, max_items=2), "b": _nested("set", min_items=3, max_items=2)}},
         ["t.a: min_items greater than max_items", "t.b: min_items greater than max_items"]),
        ({"block_types": {"a": _nested("map", max_items=1)}}, ["t.a: min_items and max_items must be 0 in map mode"]),
        ({"block_types": {"a": _nested("tuple")}}, ["t.a: invalid nesting mode 'tuple'"]),
        ({"block_types": {"A": _nested("list")}}, ["t.A: invalid name"]),
        # a set-nested block with a dynamic attribute in a block nested inside it; errors name their path
        ({"block_types": {"s": _nested("set", {"block_types": {"i": _nested("list", {"attributes": {"d": _attr("dynamic")}})}})}},
         ["t.s: set-nested blocks may not contain dynamic attributes"]),
        ({"block_types": {"o": _nested("list", {"block_types": {"i": _nested("single", {"attributes": {"X": _attr("string")}})}})}},
         ["t.o.i.X: invalid name"]),
    ],
)  # fmt: skip
def test_each_internal_validate_rule_holds_and_only_where_terraform_applies_it(
    block: dict[str, object], expected: list[str]
) -> None:
    """Each rule of Terraform's InternalValidate, on the smallest schema that breaks it (and valid
    neighbours that must pass): a rule the stand-in drops lets a schema through that Terraform then
    refuses to load; a rule it over-applies refuses a provider schema Terraform accepts."""
    assert check_block(block, "t") == expected


def test_provider_schema_errors_name_provider_resource_and_data_source() -> None:
    bad = {"attributes": {"x": {"type": "string"}}}
    ok = {"attributes": {"x": _attr("string")}}
    errors = check_provider_schema(
        {"block": bad},
        {"aws_b": {"block": bad}, "aws_a": {"block": bad}, "aws_ok": {"block": ok}},
        {"aws_c": {"block": bad}},
    )
    must = "x: must set optional, required or computed"
    assert errors == [
        f"provider.{must}",
        f"resource.aws_a.{must}",
        f"resource.aws_b.{must}",
        f"data.aws_c.{must}",
    ]
