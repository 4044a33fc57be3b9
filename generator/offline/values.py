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


def _default(obj: Any) -> Any:
    if obj is UNKNOWN:
        return ExtType(0, b"\x00")
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
    for name, bt in block.get("block_types", {}).items():
        nested = value.get(name)
        mode = bt["nesting_mode"]
        if mode == "single" or mode == "group":
            out[name] = conform(nested, bt["block"]) if nested is not None else None
        elif mode == "map":
            out[name] = {k: conform(e, bt["block"]) for k, e in (nested or {}).items()}
        else:
            out[name] = [conform(e, bt["block"]) for e in (nested or [])]
    return out


def nested_pairs(planned: Any, config: Any, bt: dict[str, Any]) -> list[tuple[Any, Any]]:
    """Pairs (planned element, config element) of a nested block, matched as well as the mode allows."""
    mode = bt["nesting_mode"]
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
