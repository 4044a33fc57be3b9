"""The parts of the WAFv2 statement blocks (wafv2.py) that hold no statement: SDKv2's shapes as
Terraform sees them (an optional or required attribute, a list/set-nested block, ``MaxItems`` 1)
and the blocks built from them: ``field_to_match``, ``text_transformation``, a rule action
override and the managed rule groups' configurations, as ``internal/service/wafv2/schemas.go``
defines them. Its names keep their underscore: they are wafv2.py's building blocks, not an API."""

from __future__ import annotations

from typing import Any

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
