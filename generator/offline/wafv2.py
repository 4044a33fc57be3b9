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
the served schema stays reproducible from the pinned wheel plus this file. One shape serves every
version: the source read is the provider's 6.x ``main``; older versions accept a few statement
types and fields they lacked (listed in :data:`NEWER_THAN_5`), an approximation the schema
file's ``source.approximations`` names.
"""

from __future__ import annotations

from typing import Any

ROOT_LEVEL = 3  # webACLRootStatementSchemaLevel, ruleGroupRootStatementSchemaLevel
SOURCE = "terraform-provider-aws internal/service/wafv2/schemas.go (statement schemas, level 3)"
# Fields the newest source has that 5.x providers may lack (served anyway, see the module doc).
NEWER_THAN_5 = ("asn_match_statement", "custom_key.asn", "aws_managed_rules_anti_ddos_rule_set")

Block = dict[str, Any]


def _s(required: bool = False, computed: bool = False, ty: Any = "string") -> dict[str, Any]:
    flags: dict[str, Any] = {"type": ty}
    if required:
        flags["required"] = True
    else:
        flags["optional"] = True
        if computed:
            flags["computed"] = True
    return flags


def _num(required: bool = False) -> dict[str, Any]:
    return _s(required, ty="number")


def _block(attrs: dict[str, Any] | None = None, blocks: dict[str, Any] | None = None) -> Block:
    out: Block = {"attributes": dict(attrs or {})}
    if blocks:
        out["block_types"] = dict(blocks)
    return out


def _nested(block: Block, *, mode: str = "list", required: bool = False, max_items: int = 0,
            min_items: int = 0) -> dict[str, Any]:  # fmt: skip
    """An SDKv2 TypeList/TypeSet of a resource as Terraform sees it."""
    bt: dict[str, Any] = {"nesting_mode": mode, "block": block}
    if required:
        bt["min_items"] = max(min_items, 1)
    if max_items:
        bt["max_items"] = max_items
    return bt


def _one(block: Block, required: bool = False) -> dict[str, Any]:
    return _nested(block, required=required, max_items=1)


def _empty() -> dict[str, Any]:
    return _one(_block())


def _text_transformation() -> dict[str, Any]:
    return _nested(_block({"priority": _num(True), "type": _s(True)}), mode="set", required=True)


def _fallback_only(required: bool = True) -> dict[str, Any]:
    return _one(_block({"fallback_behavior": _s(required, computed=not required)}))


def _oversize_required() -> dict[str, Any]:
    return _s(True)


def _field_to_match() -> dict[str, Any]:
    headers_pattern = _block(
        {"excluded_headers": _s(ty=["list", "string"]), "included_headers": _s(ty=["list", "string"])},
        {"all": _empty()},
    )
    return _one(
        _block(
            blocks={
                "all_query_arguments": _empty(),
                "body": _one(_block({"oversize_handling": _s()})),
                "cookies": _one(
                    _block(
                        {"match_scope": _s(True), "oversize_handling": _oversize_required()},
                        {
                            "match_pattern": _nested(
                                _block(
                                    {
                                        "excluded_cookies": _s(ty=["list", "string"]),
                                        "included_cookies": _s(ty=["list", "string"]),
                                    },
                                    {"all": _empty()},
                                ),
                                required=True,
                            )
                        },
                    )
                ),
                "header_order": _nested(_block({"oversize_handling": _oversize_required()})),
                "headers": _nested(
                    _block(
                        {"match_scope": _s(True), "oversize_handling": _oversize_required()},
                        {"match_pattern": _one(headers_pattern, required=True)},
                    )
                ),
                "ja3_fingerprint": _fallback_only(),
                "ja4_fingerprint": _fallback_only(),
                "json_body": _one(
                    _block(
                        {
                            "invalid_fallback_behavior": _s(),
                            "match_scope": _s(True),
                            "oversize_handling": _s(),
                        },
                        {
                            "match_pattern": _one(
                                _block({"included_paths": _s(ty=["list", "string"])}, {"all": _empty()}),
                                required=True,
                            )
                        },
                    )
                ),
                "method": _empty(),
                "query_string": _empty(),
                "single_header": _one(_block({"name": _s(True)})),
                "single_query_argument": _one(_block({"name": _s(True)})),
                "uri_fragment": _fallback_only(required=False),
                "uri_path": _empty(),
            }
        )
    )


def _forwarded_ip_config() -> dict[str, Any]:
    return _one(_block({"fallback_behavior": _s(True), "header_name": _s(True)}))


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


def _custom_request_handling() -> dict[str, Any]:
    header = _block({"name": _s(True), "value": _s(True)})
    return _one(_block(blocks={"insert_header": _nested(header, mode="set", required=True)}))


def _action_to_use() -> dict[str, Any]:
    handling = _block(blocks={"custom_request_handling": _custom_request_handling()})
    response = _block(
        {"custom_response_body_key": _s(), "response_code": _num(True)},
        {"response_header": _nested(_block({"name": _s(True), "value": _s(True)}), mode="set")},
    )
    return _one(
        _block(
            blocks={
                "allow": _one(handling),
                "block": _one(_block(blocks={"custom_response": _one(response)})),
                "captcha": _one(handling),
                "challenge": _one(handling),
                "count": _one(handling),
            }
        ),
        required=True,
    )


def _rule_action_override() -> dict[str, Any]:
    return _nested(_block({"name": _s(True)}, {"action_to_use": _action_to_use()}), max_items=100)


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


def _identifier(required: bool = True) -> dict[str, Any]:
    return _one(_block({"identifier": _s(True)}), required=required)


def _managed_rule_group_configs() -> dict[str, Any]:
    identifiers = _block({"identifiers": _s(True, ty=["list", "string"])})
    acfp_request = _block(
        {"payload_type": _s(True)},
        {
            "address_fields": _one(identifiers),
            "email_field": _identifier(False),
            "password_field": _identifier(False),
            "phone_number_fields": _one(identifiers),
            "username_field": _identifier(False),
        },
    )
    atp_request = _block(
        {"payload_type": _s(True)}, {"password_field": _identifier(), "username_field": _identifier()}
    )
    strings = ["set", "string"]
    response = _block(
        blocks={
            "body_contains": _one(_block({"failure_strings": _s(True, ty=strings),
                                          "success_strings": _s(True, ty=strings)})),
            "header": _one(_block({"failure_values": _s(True, ty=strings), "name": _s(True),
                                   "success_values": _s(True, ty=strings)})),
            "json": _one(_block({"failure_values": _s(True, ty=strings), "identifier": _s(True),
                                 "success_values": _s(True, ty=strings)})),
            "status_code": _one(_block({"failure_codes": _s(True, ty=["set", "number"]),
                                        "success_codes": _s(True, ty=["set", "number"])})),
        }
    )  # fmt: skip
    challenge = _block(
        {"sensitivity": _s(), "usage_of_action": _s(True)},
        {"exempt_uri_regular_expression": _nested(_block({"regex_string": _s()}), max_items=5)},
    )
    anti_ddos = _block(
        {"sensitivity_to_block": _s()},
        {
            "client_side_action_config": _one(
                _block(blocks={"challenge": _one(challenge, required=True)}), required=True
            )
        },
    )
    return _nested(
        _block(
            {"login_path": _s(), "payload_type": _s()},
            {
                "aws_managed_rules_acfp_rule_set": _one(
                    _block(
                        {
                            "creation_path": _s(True),
                            "enable_regex_in_path": _s(computed=True, ty="bool"),
                            "registration_page_path": _s(True),
                        },
                        {
                            "request_inspection": _one(acfp_request, required=True),
                            "response_inspection": _one(response),
                        },
                    )
                ),
                "aws_managed_rules_anti_ddos_rule_set": _one(anti_ddos),
                "aws_managed_rules_atp_rule_set": _one(
                    _block(
                        {"enable_regex_in_path": _s(computed=True, ty="bool"), "login_path": _s(True)},
                        {"request_inspection": _one(atp_request), "response_inspection": _one(response)},
                    )
                ),
                "aws_managed_rules_bot_control_rule_set": _one(
                    _block(
                        {
                            "enable_machine_learning": _s(computed=True, ty="bool"),
                            "inspection_level": _s(True),
                        }
                    )
                ),
                "password_field": _identifier(False),
                "username_field": _identifier(False),
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
