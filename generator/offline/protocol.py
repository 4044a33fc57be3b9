"""What every provider the stand-in serves (hashicorp/aws and the utility providers) says the same
way: its schema as tfplugin6 protobuf, diagnostics, the check only a provider makes (computed-only
attributes cannot be set) and the unknown computed values of a new object at plan."""

from __future__ import annotations

import json
from typing import Any

from tf.gen import tfplugin_pb2 as pb

from generator.offline.schema import ProviderSchema
from generator.offline.values import UNKNOWN, Block, nested_pairs

_NESTING = {
    "single": pb.Schema.NestedBlock.SINGLE,
    "list": pb.Schema.NestedBlock.LIST,
    "set": pb.Schema.NestedBlock.SET,
    "map": pb.Schema.NestedBlock.MAP,
    "group": pb.Schema.NestedBlock.GROUP,
}


def block_pb(block: Block) -> pb.Schema.Block:
    attrs = [
        pb.Schema.Attribute(
            name=name,
            type=json.dumps(a["type"]).encode(),
            required=a.get("required", False),
            optional=a.get("optional", False),
            computed=a.get("computed", False),
            sensitive=a.get("sensitive", False),
            description=a.get("description", ""),
        )
        for name, a in sorted(block.get("attributes", {}).items())
    ]
    blocks = [
        pb.Schema.NestedBlock(
            type_name=name,
            block=block_pb(bt["block"]),
            nesting=_NESTING[bt["nesting_mode"]],
            min_items=bt.get("min_items", 0),
            max_items=bt.get("max_items", 0),
        )
        for name, bt in sorted(block.get("block_types", {}).items())
    ]
    return pb.Schema.Block(attributes=attrs, block_types=blocks)


def schema_response(schema: ProviderSchema) -> pb.GetProviderSchema.Response:
    def one(s: dict[str, Any]) -> pb.Schema:
        return pb.Schema(version=s.get("version", 0), block=block_pb(s["block"]))

    return pb.GetProviderSchema.Response(
        provider=one(schema.provider),
        resource_schemas={k: one(v) for k, v in schema.resources.items()},
        data_source_schemas={k: one(v) for k, v in schema.data_sources.items()},
        # Optional: Terraform keeps the schema of the first start of a command and skips this call
        # on the provider's later starts (validate starts it twice, plan and apply three times).
        server_capabilities=pb.ServerCapabilities(plan_destroy=False, get_provider_schema_optional=True),
    )


def attribute_path(steps: list[str | int]) -> pb.AttributePath:
    return pb.AttributePath(
        steps=[
            pb.AttributePath.Step(element_key_int=s)
            if isinstance(s, int)
            else pb.AttributePath.Step(attribute_name=s)
            for s in steps
        ]
    )


def error_diagnostic(summary: str, detail: str = "", path: list[str | int] | None = None) -> pb.Diagnostic:
    diag = pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail)
    if path:
        diag.attribute.CopyFrom(attribute_path(path))
    return diag


def computed_only_errors(cfg: Any, block: Block, path: list[str | int]) -> list[pb.Diagnostic]:
    """What the provider (not Terraform) rejects: a value for an attribute only it can set."""
    diags: list[pb.Diagnostic] = []
    if not isinstance(cfg, dict):
        return diags
    for name, a in block.get("attributes", {}).items():
        if (
            a.get("computed")
            and not a.get("optional")
            and not a.get("required")
            and cfg.get(name) is not None
        ):
            diags.append(
                error_diagnostic(
                    "Computed attribute cannot be set",
                    f'The argument "{name}" is set by the provider and cannot be given in configuration.',
                    [*path, name],
                )
            )
    for name, bt in block.get("block_types", {}).items():
        nested = cfg.get(name)
        if nested is None or nested is UNKNOWN:
            continue
        if bt["nesting_mode"] in ("single", "group"):
            diags += computed_only_errors(nested, bt["block"], [*path, name])
        elif isinstance(nested, list):
            for i, e in enumerate(nested):
                diags += computed_only_errors(e, bt["block"], [*path, name, i])
    return diags


def mark_computed_unknown(
    planned: Any, config: Any, block: Block, keep: frozenset[str] = frozenset()
) -> None:
    """Computed attributes the configuration leaves unset become unknown (a new object's values)."""
    if not isinstance(planned, dict):
        return
    for name, a in block.get("attributes", {}).items():
        if a.get("computed") and name not in keep and (config is None or config.get(name) is None):
            planned[name] = UNKNOWN
    for name, bt in block.get("block_types", {}).items():
        for p, c in nested_pairs(planned.get(name), (config or {}).get(name), bt):
            mark_computed_unknown(p, c, bt["block"])
