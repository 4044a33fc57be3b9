"""The WAFv2 rule statement blocks, which the CDK bindings type "any".

The provider builds ``rule.statement`` of ``aws_wafv2_web_acl`` and ``aws_wafv2_rule_group``
recursively (terraform-provider-aws ``internal/service/wafv2/schemas.go``): the root statement
holds every statement type; ``and_statement``/``or_statement``/``not_statement`` hold a list of
``statement`` blocks one level down, to a fixed depth (``webACLRootStatementSchemaLevel`` and
``ruleGroupRootStatementSchemaLevel``, both 3), the innermost level holding only the leaf
statements; a rate-based or managed rule group statement holds a ``scope_down_statement`` one
level down. This module writes that structure out as SDKv2 turns it into a Terraform block
schema (``terraform providers schema -json``): every ``TypeList``/``TypeSet`` of a resource is a
list/set-nested block, ``MaxItems`` is ``max_items``, a required block has ``min_items`` at
least 1 and an optional one none (SDKv2 drops MinItems on optional blocks), ``TypeInt`` is a
number. Validators are not part of a schema; the ones the corpus needs are in
``data/validations.yaml``.

The extraction (``extract.py``) puts these blocks in place of the bundle's dynamic attribute, so
the served schema stays reproducible from the pinned wheel plus this file (and wafv2fields.py, the
parts that hold no statement). One shape serves every
version: the source read is the provider's 6.x ``main``; older versions accept a few statement
types and fields they lacked (listed in :data:`NEWER_THAN_5`), an approximation the schema
file's ``source.approximations`` names.
"""

from __future__ import annotations

from typing import Any

from generator.offline.wafv2fields import (
    _block,
    _empty,
    _fallback_only,
    _field_to_match,
    _forwarded_ip_config,
    _managed_rule_group_configs,
    _nested,
    _num,
    _one,
    _rule_action_override,
    _s,
    _text_transformation,
)

ROOT_LEVEL = 3  # webACLRootStatementSchemaLevel, ruleGroupRootStatementSchemaLevel
SOURCE = "terraform-provider-aws internal/service/wafv2/schemas.go (statement schemas, level 3)"
# Fields the newest source has that 5.x providers may lack (served anyway, see the module doc).
NEWER_THAN_5 = ("asn_match_statement", "custom_key.asn", "aws_managed_rules_anti_ddos_rule_set")


def _leaves() -> dict[str, Any]:
    """The statements that hold no other statement."""
    ftm, tt = _field_to_match, _text_transformation
    return {
        "asn_match_statement": _one(
            _block(
                {"asn_list": _s(True, ty=["list", "number"])}, {"forwarded_ip_config": _forwarded_ip_config()}
            )
        ),
        "byte_match_statement": _one(
            _block(
                {"positional_constraint": _s(True), "search_string": _s(True)},
                {"field_to_match": ftm(), "text_transformation": tt()},
            )
        ),
        "geo_match_statement": _one(
            _block(
                {"country_codes": _s(True, ty=["list", "string"])},
                {"forwarded_ip_config": _forwarded_ip_config()},
            )
        ),
        "ip_set_reference_statement": _one(
            _block(
                {"arn": _s(True)},
                {
                    "ip_set_forwarded_ip_config": _one(
                        _block({"fallback_behavior": _s(True), "header_name": _s(True), "position": _s(True)})
                    )
                },
            )
        ),
        "label_match_statement": _one(_block({"key": _s(True), "scope": _s(True)})),
        "regex_match_statement": _one(
            _block({"regex_string": _s(True)}, {"field_to_match": ftm(), "text_transformation": tt()})
        ),
        "regex_pattern_set_reference_statement": _one(
            _block({"arn": _s(True)}, {"field_to_match": ftm(), "text_transformation": tt()})
        ),
        "size_constraint_statement": _one(
            _block(
                {"comparison_operator": _s(True), "size": _num(True)},
                {"field_to_match": ftm(), "text_transformation": tt()},
            )
        ),
        "sqli_match_statement": _one(
            _block({"sensitivity_level": _s()}, {"field_to_match": ftm(), "text_transformation": tt()})
        ),
        "xss_match_statement": _one(_block(blocks={"field_to_match": ftm(), "text_transformation": tt()})),
    }


def _nested_statement(level: int) -> dict[str, Any]:
    """statementSchema(level): an and/or/not statement's ``statement`` list, ``level`` deep."""
    inner = _leaves()
    if level > 1:
        below = _nested_statement(level - 1)
        inner.update({"and_statement": below, "not_statement": below, "or_statement": below})
    return _one(_block(blocks={"statement": _nested(_block(blocks=inner), required=True)}))


def _scope_down(level: int) -> dict[str, Any]:
    inner = _leaves()
    nested = _nested_statement(level)
    inner.update({"and_statement": nested, "not_statement": nested, "or_statement": nested})
    return _one(_block(blocks=inner))


def _rate_based(level: int) -> dict[str, Any]:
    named = _block({"name": _s(True)}, {"text_transformation": _text_transformation()})
    transformed = _block(blocks={"text_transformation": _text_transformation()})
    custom_key = _block(
        blocks={
            "asn": _empty(),
            "cookie": _one(named),
            "forwarded_ip": _empty(),
            "header": _one(named),
            "http_method": _empty(),
            "ip": _empty(),
            "ja3_fingerprint": _fallback_only(),
            "ja4_fingerprint": _fallback_only(),
            "label_namespace": _one(_block({"namespace": _s(True)})),
            "query_argument": _one(named),
            "query_string": _one(transformed),
            "uri_path": _one(transformed),
        }
    )
    return _one(
        _block(
            {"aggregate_key_type": _s(), "evaluation_window_sec": _num(), "limit": _num(True)},
            {
                "custom_key": _nested(custom_key, max_items=5),
                "forwarded_ip_config": _forwarded_ip_config(),
                "scope_down_statement": _scope_down(level - 1),
            },
        )
    )


def _managed_rule_group(level: int) -> dict[str, Any]:
    return _one(
        _block(
            {"name": _s(True), "vendor_name": _s(True), "version": _s(computed=True)},
            {
                "managed_rule_group_configs": _managed_rule_group_configs(),
                "rule_action_override": _rule_action_override(),
                "scope_down_statement": _scope_down(level - 1),
            },
        )
    )


def root_statement(resource: str, level: int = ROOT_LEVEL) -> dict[str, Any]:
    """The ``rule.statement`` block type of ``aws_wafv2_web_acl`` or ``aws_wafv2_rule_group``."""
    inner = _leaves()
    nested = _nested_statement(level)
    inner.update({"and_statement": nested, "not_statement": nested, "or_statement": nested})
    inner["rate_based_statement"] = _rate_based(level)
    if resource == "aws_wafv2_web_acl":
        inner["managed_rule_group_statement"] = _managed_rule_group(level)
        inner["rule_group_reference_statement"] = _one(
            _block({"arn": _s(True)}, {"rule_action_override": _rule_action_override()})
        )
    elif resource != "aws_wafv2_rule_group":
        raise ValueError(f"no WAFv2 statement schema for {resource}")
    return _one(_block(blocks=inner), required=True)


RESOURCES = ("aws_wafv2_rule_group", "aws_wafv2_web_acl")


def apply(resources: dict[str, Any], notes: list[str]) -> None:
    """Put the statement blocks in place of the bundle's dynamic ``rule.statement`` attribute."""
    from generator.offline.schemacheck import has_dynamic

    for name in RESOURCES:
        if name not in resources:
            continue
        rule = resources[name]["block"]["block_types"]["rule"]["block"]
        attr = rule["attributes"].get("statement")
        if attr is None or not has_dynamic(attr["type"]):
            raise ValueError(f"{name}.rule.statement: expected the bundle's untyped attribute, found {attr}")
        del rule["attributes"]["statement"]
        rule.setdefault("block_types", {})["statement"] = root_statement(name)
        notes.append(
            f'resource.{name}.rule.statement: typed "any" by the bindings; served as the provider\'s nested '
            f"blocks, written from {SOURCE}; one shape for every served version (older versions lack "
            f"{', '.join(NEWER_THAN_5)})"
        )
