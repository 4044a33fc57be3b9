"""Values as Terraform's plugin protocol carries them: msgpack with an extension for unknowns,
and the helpers that shape them to a schema block."""

from __future__ import annotations

import json
from typing import Any

import msgpack
from msgpack.ext import ExtType

Block = dict[str, Any]  # a schema block in `terraform providers schema -json` form


class Unknown:
    """A value known only after apply."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = Unknown()


class Dynamic:
    """A value of cty's dynamic pseudo-type, which carries its type: a nested block whose schema
    holds a `dynamic` attribute has no fixed type (a list block of them is a tuple). Terraform's
    state JSON wraps it as {"value": ..., "type": ...}, msgpack as [type JSON, value]."""

    def __init__(self, type_json: bytes, value: Any) -> None:
        self.type_json = type_json
        self.value = value

    def __repr__(self) -> str:
        return f"Dynamic({self.value!r})"


def _type_has_dynamic(ty: Any) -> bool:
    if ty == "dynamic":
        return True
    if isinstance(ty, list) and len(ty) == 2:
        inner = ty[1]
        if isinstance(inner, dict):
            return any(_type_has_dynamic(t) for t in inner.values())
        if isinstance(inner, list) and ty[0] == "tuple":
            return any(_type_has_dynamic(t) for t in inner)
        return _type_has_dynamic(inner)
    return False


def block_has_dynamic(block: Block) -> bool:
    return any(_type_has_dynamic(a.get("type")) for a in block.get("attributes", {}).values()) or any(
        block_has_dynamic(bt["block"]) for bt in block.get("block_types", {}).values()
    )


def dynamic_block(bt: dict[str, Any]) -> bool:
    """Whether a nested block's values are of the dynamic pseudo-type (cty: a list or map block
    whose element type is not fixed)."""
    return bool(bt["nesting_mode"] in ("list", "map") and block_has_dynamic(bt["block"]))


def as_dynamic(value: Any) -> Dynamic | None:
    """The dynamic value in either wrapping (state JSON or msgpack), or None if ``value`` is not one."""
    if isinstance(value, Dynamic):
        return value
    if isinstance(value, dict) and set(value) == {"value", "type"}:
        return Dynamic(json.dumps(value["type"]).encode(), value["value"])
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], (bytes, str)):
        raw = value[0].encode() if isinstance(value[0], str) else value[0]
        if raw[:1] in (b"[", b'"'):
            return Dynamic(raw, value[1])
    return None


def _default(obj: Any) -> Any:
    if obj is UNKNOWN:
        return ExtType(0, b"\x00")
    if isinstance(obj, Dynamic):
        return [obj.type_json, obj.value]
    raise TypeError(f"cannot encode {obj!r}")


def _ext_hook(code: int, data: bytes) -> Any:
    return UNKNOWN if code == 0 else ExtType(code, data)


def decode(msgpack_bytes: bytes, json_bytes: bytes = b"") -> Any:
    if msgpack_bytes:
        return msgpack.unpackb(msgpack_bytes, ext_hook=_ext_hook, raw=False, strict_map_key=False)
    if json_bytes:
        return json.loads(json_bytes)
    return None


def encode(value: Any) -> bytes:
    return bytes(msgpack.packb(value, default=_default, use_bin_type=True))


def has_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


def conform(value: Any, block: Block) -> Any:
    """Shape a decoded object to a block: every attribute and block present, extras dropped."""
    if value is None or value is UNKNOWN:
        return value
    out: dict[str, Any] = {name: value.get(name) for name in block.get("attributes", {})}
    for name, attr in block.get("attributes", {}).items():  # a dynamic attribute carries its type
        if attr.get("type") == "dynamic" and out[name] is not None:
            out[name] = as_dynamic(out[name]) or out[name]
    for name, bt in block.get("block_types", {}).items():
        nested = value.get(name)
        mode = bt["nesting_mode"]
        dyn = as_dynamic(nested) if dynamic_block(bt) else None
        if dyn is not None:
            inner = dyn.value
            if mode == "map":
                shaped: Any = {k: conform(e, bt["block"]) for k, e in (inner or {}).items()}
            else:
                shaped = [conform(e, bt["block"]) for e in (inner or [])]
            out[name] = Dynamic(dyn.type_json, shaped)
        elif mode == "single" or mode == "group":
            out[name] = conform(nested, bt["block"]) if nested is not None else None
        elif mode == "map":
            out[name] = {k: conform(e, bt["block"]) for k, e in (nested or {}).items()}
        else:
            out[name] = [conform(e, bt["block"]) for e in (nested or [])]
    return out


def nested_pairs(planned: Any, config: Any, bt: dict[str, Any]) -> list[tuple[Any, Any]]:
    """Pairs (planned element, config element) of a nested block, matched as well as the mode allows."""
    mode = bt["nesting_mode"]
    if dynamic_block(bt):
        planned = (as_dynamic(planned) or Dynamic(b"", planned)).value
        config = (as_dynamic(config) or Dynamic(b"", config)).value
    if planned is None or planned is UNKNOWN:
        return []
    if mode in ("single", "group"):
        return [(planned, config)]
    if mode == "map":
        return [(v, (config or {}).get(k)) for k, v in planned.items()]
    if mode == "list":
        cfg = config if isinstance(config, list) else []
        return [(v, cfg[i] if i < len(cfg) else None) for i, v in enumerate(planned)]
    return [(v, v) for v in planned]  # set: the planned element is the config element


def canonical(value: Any) -> str:
    """A value as stable text (unknowns included): what seeds deterministic ids and names."""
    return json.dumps(value, sort_keys=True, default=lambda o: "<unknown>" if o is UNKNOWN else repr(o))


def unique_seed(seeds: set[str], seed: str) -> str:
    """``seed``, numbered when an earlier object of the same run took it (two identical
    configurations get different ids); recorded in ``seeds``."""
    n = 0
    while seed + (f"#{n}" if n else "") in seeds:
        n += 1
    seed += f"#{n}" if n else ""
    seeds.add(seed)
    return seed
