"""hashicorp/null offline: `null_resource` (replaced when its `triggers` change) and the
deprecated `null_data_source`."""

from __future__ import annotations

from generator.offline.utility.behaviour import Context, DataSource, Diags, Resource, Values


def _digits(ctx: Context) -> str:
    return str(int.from_bytes(ctx.digest("null")[:8], "big") % 10**19)


def _resource_apply(v: Values, ctx: Context) -> Diags:
    v["id"] = _digits(ctx)
    return []


def _data_read(v: Values, ctx: Context) -> Diags:
    v["outputs"] = dict(v.get("inputs") or {})
    v["random"] = _digits(ctx)
    v["id"] = "static"
    if v.get("has_computed_default") is None:
        v["has_computed_default"] = "default"
    return []


RESOURCES: dict[str, Resource] = {"null_resource": Resource(apply=_resource_apply)}
DATA_SOURCES: dict[str, DataSource] = {"null_data_source": DataSource(read=_data_read)}
