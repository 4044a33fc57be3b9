"""The committed AWS provider schema: loadable by Terraform, complete, and reproducible."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from pathlib import Path

import pytest

from generator.catalog import data_dir
from generator.offline import extract
from generator.offline import schema as schema_mod
from generator.offline.schema import PROVIDER_ADDRESS, load
from generator.offline.schemacheck import check_block, check_provider_schema

KNOWN_SKIPS = {"lexv2models-intent", "lexv2models-slot", "medialive-channel"}
# What each served version's bundle holds that the extraction does not read: ephemeral resources
# (the stand-in serves none) and types whose nested classes the regular expressions miss.
VERSION_SKIPS = {
    "5.99.1": KNOWN_SKIPS,
    "6.25.0": KNOWN_SKIPS,
    "6.69.1": KNOWN_SKIPS | {"securityhub-insight", "wafv2-web-acl-rule"},
}
VERSIONS = [s.provider_version for s in extract.SOURCES]


def committed(version: str = extract.NEWEST.provider_version) -> dict:  # type: ignore[type-arg]
    """The committed extraction with its QuickSight definition references resolved."""
    from generator.offline import quicksight

    data = json.loads(gzip.decompress(extract.BY_VERSION[version].out.read_bytes()))
    quicksight.attach(data["provider_schemas"][PROVIDER_ADDRESS]["resource_schemas"])
    return data


@pytest.mark.parametrize("version", VERSIONS)
def test_schema_passes_terraform_internal_validate(version: str) -> None:
    p = committed(version)["provider_schemas"][PROVIDER_ADDRESS]
    assert check_provider_schema(p["provider"], p["resource_schemas"], p["data_source_schemas"]) == []


def test_internal_validate_catches_what_terraform_refuses() -> None:
    bad = {
        "attributes": {"Bad-Name": {"type": "string", "optional": True}, "x": {"type": "string"},
                       "y": {"type": "string", "required": True, "computed": True}},
        "block_types": {"s": {"nesting_mode": "set", "block": {"attributes": {"d": {"type": "dynamic", "optional": True}}}},
                        "m": {"nesting_mode": "map", "min_items": 1, "block": {}},
                        "x": {"nesting_mode": "single", "block": {}},
                        "one": {"nesting_mode": "single", "min_items": 1, "block": {}}},
    }  # fmt: skip
    errors = check_block(bad, "t")
    assert any("invalid name" in e for e in errors)
    assert any("t.x: must set optional" in e for e in errors)
    assert any("required cannot be optional or computed" in e for e in errors)
    assert any("set-nested blocks may not contain dynamic" in e for e in errors)
    assert any("must be 0 in map mode" in e for e in errors)
    assert any("used by an attribute and a block" in e for e in errors)
    assert any("t.one: min_items and max_items must match in single mode" in e for e in errors)


@pytest.mark.parametrize("version", VERSIONS)
def test_schema_covers_every_type(version: str) -> None:
    data = committed(version)
    p = data["provider_schemas"][PROVIDER_ADDRESS]
    assert len(p["resource_schemas"]) > 1500 and len(p["data_source_schemas"]) > 600
    skipped = {k for k in data["source"]["skipped"] if not k.startswith("ephemeral-")}
    assert skipped == VERSION_SKIPS[version]
    assert data["provider_versions"][PROVIDER_ADDRESS] == version
    used = set()
    for tf in data_dir("modules").rglob("*.tf"):
        used |= {("resource", t) for t in re.findall(r'^resource "(aws_\w+)"', tf.read_text(), re.M)}
        used |= {("data", t) for t in re.findall(r'^data "(aws_\w+)"', tf.read_text(), re.M)}
    assert len(used) > 25
    if version.startswith("6."):  # the catalog asks for 6.x
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


@pytest.mark.parametrize("version", VERSIONS)
def test_committed_schema_matches_the_pinned_package(version: str) -> None:
    """Re-extract from the pinned wheel (55-70 MB, downloaded once into ~/.cache/aisec/wheels)."""
    source = extract.BY_VERSION[version]
    extract.WHEELS.mkdir(parents=True, exist_ok=True)
    try:
        wheel = extract.download_wheel(source, extract.WHEELS)
    except (subprocess.CalledProcessError, StopIteration):
        pytest.skip(
            f"the package registry is unreachable: cannot download {source.package}=={source.package_version}"
        )
    fresh = extract.encode(extract.extract_wheel(wheel, source).schema)
    assert fresh == source.out.read_bytes(), (
        "the committed schema differs from the extraction: run `python -m generator.offline.extract`"
    )


def test_extraction_refuses_a_wheel_of_another_version() -> None:
    wheel = next(iter(sorted(extract.WHEELS.glob(extract.NEWEST.wheel_prefix + "*.whl"))), None)
    if wheel is None:
        pytest.skip("the wheel is not downloaded")
    with pytest.raises(ValueError, match=re.escape("wraps hashicorp/aws 6.69.1, not 5.99.1")):
        extract.extract_wheel(wheel, extract.BY_VERSION["5.99.1"])


def test_the_served_schema_is_keyed_on_the_code_that_builds_it(tmp_path: Path) -> None:
    """The cached serialization (and the offline environments) are named by this digest: a change to
    the sensitive marks or the protobuf conversion must change it, not only a new extraction."""
    import inspect

    from generator.offline import functions, protocol, provider, quicksight, rules, schema

    modules = (schema, rules, protocol, provider, functions, quicksight)
    builders = {Path(inspect.getsourcefile(m) or "") for m in modules}
    assert builders | {quicksight.DATA} == set(schema.BUILDERS)
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


# What stays approximate in every served version: the bundle calls these blocks but carries no
# type for their contents (see generator/offline/data/README.md). The resources' QuickSight
# definitions are derived from the provider's source (generator/offline/quicksight.py).
UNTYPED = {
    "data.aws_quicksight_analysis.definition",
}


def _dynamic_paths(block: dict, path: str) -> set[str]:  # type: ignore[type-arg]
    from generator.offline.schemacheck import has_dynamic

    found = {f"{path}.{n}" for n, a in block.get("attributes", {}).items() if has_dynamic(a["type"])}
    for n, bt in block.get("block_types", {}).items():
        found |= _dynamic_paths(bt["block"], f"{path}.{n}")
    return found


@pytest.mark.parametrize("version", VERSIONS)
def test_schema_shapes(version: str) -> None:
    data = committed(version)
    p = data["provider_schemas"][PROVIDER_ADDRESS]
    dynamic = set()
    for kind, key in (("resource", "resource_schemas"), ("data", "data_source_schemas")):
        for name, s in p[key].items():
            dynamic |= _dynamic_paths(s["block"], f"{kind}.{name}")
    assert dynamic == UNTYPED  # write-only and nested collections are typed from the storage class
    noted = {n.split(":")[0] for n in data["source"]["approximations"] if "untyped in the bundle" in n}
    assert noted == UNTYPED
    bucket = p["resource_schemas"]["aws_s3tables_table_bucket"]["block"]
    # a nested attribute in the provider (no "block" in the bundle's docs), not a block
    assert "encryption_configuration" not in bucket.get("block_types", {})
    assert bucket["attributes"]["encryption_configuration"]["type"] == [
        "object",
        {"kms_key_arn": "string", "sse_algorithm": "string"},
    ]
    db = p["resource_schemas"]["aws_db_instance"]["block"]["attributes"]
    assert db["password_wo"]["type"] == "string"
    # blocks the docs call blocks stay blocks
    assert "timeouts" in p["resource_schemas"]["aws_wafv2_web_acl_association"]["block"]["block_types"]
    # the WAFv2 statements are the provider's nested blocks (generator/offline/wafv2.py), so the
    # rule blocks holding them are sets again, as in the provider
    for name in ("aws_wafv2_web_acl", "aws_wafv2_rule_group"):
        rule = p["resource_schemas"][name]["block"]["block_types"]["rule"]
        assert rule["nesting_mode"] == "set"
        assert "statement" not in rule["block"]["attributes"]
        assert rule["block"]["block_types"]["statement"]["min_items"] == 1
    if version == "6.69.1":
        quotas = p["resource_schemas"]["aws_servicequotas_auto_management"]["block"]["attributes"]
        assert quotas["exclusion_list"]["type"] == ["map", ["list", "string"]]
    listener = p["data_source_schemas"]["aws_lb_listener_rule"]["block"]["block_types"]["action"]["block"]
    assert listener["block_types"]["redirect"]["nesting_mode"] == "list"


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


@pytest.mark.parametrize("version", VERSIONS)
def test_wafv2_statements_nest_as_in_the_provider(version: str) -> None:
    """schemas.go: and/or/not hold statements two levels down from the root (level 3), the
    innermost holding leaf statements only; rate-based and managed rule group statements hold a
    scope-down statement one level down; rule groups have no managed or rule group references."""
    p = committed(version)["provider_schemas"][PROVIDER_ADDRESS]["resource_schemas"]
    acl = p["aws_wafv2_web_acl"]["block"]["block_types"]["rule"]["block"]["block_types"]["statement"]
    group = p["aws_wafv2_rule_group"]["block"]["block_types"]["rule"]["block"]["block_types"]["statement"]
    assert acl["max_items"] == 1 and group["max_items"] == 1
    top = acl["block"]["block_types"]
    assert {"managed_rule_group_statement", "rule_group_reference_statement"} <= set(top)
    assert not {"managed_rule_group_statement", "rule_group_reference_statement"} & set(
        group["block"]["block_types"]
    )
    # root -> and_statement.statement (level 3) -> or_statement.statement (2) -> not_statement
    # .statement (1): leaves only
    lvl3 = top["and_statement"]["block"]["block_types"]["statement"]
    assert lvl3["min_items"] == 1 and "max_items" not in lvl3
    lvl2 = lvl3["block"]["block_types"]["or_statement"]["block"]["block_types"]["statement"]
    lvl1 = lvl2["block"]["block_types"]["not_statement"]["block"]["block_types"]["statement"]
    assert "byte_match_statement" in lvl1["block"]["block_types"]
    assert not {"and_statement", "or_statement", "not_statement", "rate_based_statement"} & set(
        lvl1["block"]["block_types"]
    )
    scope_down = top["rate_based_statement"]["block"]["block_types"]["scope_down_statement"]
    inner = scope_down["block"]["block_types"]["and_statement"]["block"]["block_types"]["statement"]
    assert "not_statement" in inner["block"]["block_types"]
    innermost = inner["block"]["block_types"]["not_statement"]["block"]["block_types"]["statement"]
    assert "not_statement" not in innermost["block"]["block_types"]
    managed = top["managed_rule_group_statement"]["block"]
    assert managed["attributes"]["vendor_name"] == {"type": "string", "required": True}
    assert managed["block_types"]["rule_action_override"]["max_items"] == 100
    byte = top["byte_match_statement"]["block"]["block_types"]
    assert byte["text_transformation"] == {
        "nesting_mode": "set",
        "min_items": 1,
        "block": {"attributes": {"priority": {"type": "number", "required": True},
                                 "type": {"type": "string", "required": True}}},
    }  # fmt: skip
    assert "single_header" in byte["field_to_match"]["block"]["block_types"]


@pytest.mark.parametrize("version", VERSIONS)
def test_quicksight_definitions_nest_as_in_the_provider(version: str) -> None:
    """The resources' `definition` is the provider's block tree, derived from its Go source
    (generator/offline/goderive.py -> data/quicksight-definition.json.gz), not a dynamic value."""
    from generator.offline import quicksight

    data = committed(version)
    p = data["provider_schemas"][PROVIDER_ADDRESS]["resource_schemas"]
    for name in quicksight.RESOURCES:
        block = p[name]["block"]
        assert "definition" not in block["attributes"]
        definition = block["block_types"]["definition"]
        assert definition["nesting_mode"] == "list" and definition["max_items"] == 1
        inner = definition["block"]["block_types"]
        assert inner["sheets"]["max_items"] == 20
        visuals = inner["sheets"]["block"]["block_types"]["visuals"]["block"]["block_types"]
        kpi = visuals["kpi_visual"]["block"]
        assert kpi["attributes"]["visual_id"] == {"type": "string", "required": True}
        assert any(n.startswith(f"resource.{name}.definition: ") for n in data["source"]["approximations"])
    analysis = p["aws_quicksight_analysis"]["block"]["block_types"]["definition"]["block"]["block_types"]
    assert analysis["data_set_identifiers_declarations"]["min_items"] == 1
    template = p["aws_quicksight_template"]["block"]["block_types"]["definition"]["block"]["block_types"]
    assert template["data_set_configuration"]["min_items"] == 1


def test_quicksight_apply_refuses_a_typed_definition() -> None:
    """The bundle's attribute is replaced only while it is untyped: a bindings release that types
    it must be looked at, not silently overwritten."""
    from generator.offline import quicksight

    resources = {"aws_quicksight_analysis": {"block": {"attributes": {"definition": {"type": "string"}}}}}
    with pytest.raises(ValueError, match="expected the bundle's untyped attribute"):
        quicksight.apply(resources, [])


def test_a_load_without_quicksight_does_not_parse_its_definitions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The served files hold the QuickSight `definition` blocks by reference: a configuration
    without those types never parses data/quicksight-definition.json.gz; the first access to one
    resolves all three (sensitive marks included), and the schema response is the full schema."""
    from generator.offline import quicksight
    from generator.offline.provider import schema_response

    calls: list[Path] = []
    real = quicksight.load

    def counted(path: Path = quicksight.DATA) -> dict:  # type: ignore[type-arg]
        calls.append(path)
        return real(path)

    monkeypatch.setattr(quicksight, "load", counted)
    raw = json.loads(gzip.decompress(extract.NEWEST.out.read_bytes()))
    served = raw["provider_schemas"][PROVIDER_ADDRESS]["resource_schemas"]
    for name, function in quicksight.RESOURCES.items():
        assert served[name]["block"]["block_types"]["definition"] == quicksight.reference(function)
    fresh = schema_mod._load.__wrapped__(extract.NEWEST.provider_version)  # type: ignore[attr-defined]
    assert "bucket" in fresh.resource_block("aws_s3_bucket")["attributes"]
    assert "aws_quicksight_analysis" in fresh.resources and len(fresh.resources) == len(served)
    assert calls == [] and fresh.resources.unresolved == set(quicksight.RESOURCES)
    definition = fresh.resource_block("aws_quicksight_dashboard")["block_types"]["definition"]
    assert definition["nesting_mode"] == "list" and "sheets" in definition["block"]["block_types"]
    assert len(calls) == 1 and not fresh.resources.unresolved
    response = schema_response(fresh).resource_schemas["aws_quicksight_template"]
    (served_definition,) = [b for b in response.block.block_types if b.type_name == "definition"]
    assert {b.type_name for b in served_definition.block.block_types} >= {"sheets", "data_set_configuration"}
    assert len(calls) == 1


def test_concurrent_first_accesses_resolve_the_definitions_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stand-in's gRPC server answers calls on several threads, and two of them may be the
    first to touch a QuickSight type (a CI run failed with KeyError '$ref' when one thread read a
    reference the other had just resolved): every thread gets the resolved block, parsed once."""
    import threading
    import time

    from generator.offline import quicksight

    calls: list[Path] = []
    real = quicksight.load

    def slow(path: Path = quicksight.DATA) -> dict:  # type: ignore[type-arg]
        calls.append(path)
        time.sleep(0.3)  # widens the window in which a second thread can start resolving
        return real(path)

    monkeypatch.setattr(quicksight, "load", slow)
    fresh = schema_mod._load.__wrapped__(extract.NEWEST.provider_version)  # type: ignore[attr-defined]
    names = sorted(quicksight.RESOURCES) * 2
    errors: list[BaseException] = []
    blocks: list[dict] = []  # type: ignore[type-arg]
    start = threading.Barrier(len(names))

    def first_access(name: str) -> None:
        start.wait()
        try:
            blocks.append(fresh.resource_block(name)["block_types"]["definition"])
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=first_access, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(blocks) == len(names) and all("sheets" in b["block"]["block_types"] for b in blocks)
    assert len(calls) == 1 and not fresh.resources.unresolved
