"""The values the hashicorp/aws stand-in gives at apply to computed attributes left unknown at
plan: the rules table's templates (rules.py) filled with :class:`Tokens`, else a placeholder
shaped by the attribute's name and type (an id, an ARN, the account, the region)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from generator.offline.rules import SERVICE_OF_PREFIX
from generator.offline.values import UNKNOWN, Block, nested_pairs


class Tokens(dict[str, str]):
    """Template fields: the resource's own values, the provider context, and stable tokens."""

    def __init__(self, seed: str, values: dict[str, Any], ctx: dict[str, str]) -> None:
        super().__init__()
        self.seed = seed
        self.resource = values
        self.ctx = ctx

    def __missing__(self, key: str) -> str:
        h = hashlib.sha256(f"{self.seed}/{key}".encode()).hexdigest()
        generated = {
            "uuid": str(uuid.UUID(hex=hashlib.sha256(self.seed.encode()).hexdigest()[:32], version=4)),
            "hex8": h[:8],
            "hex17": hashlib.sha256(self.seed.encode()).hexdigest()[:17],
            "hex32": hashlib.sha256(self.seed.encode()).hexdigest()[:32],
            "digits": str(int(h[:12], 16))[:12],
        }
        if key in generated:
            return generated[key]
        if key in self.ctx:
            return self.ctx[key]
        value = self.resource.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        return f"{key}-{h[:12]}"


def coerce(text: str, ty: Any) -> Any:
    if ty == "bool":
        return text == "true"
    if ty == "number":
        return int(text) if text.lstrip("-").isdigit() else 0
    if ty == "string":
        return text
    return None


def service_of(type_name: str) -> str:
    word = type_name.split("_")[1] if "_" in type_name else type_name
    return SERVICE_OF_PREFIX.get(word, word)


# Computed strings AWS leaves empty when the configuration does not set them. An invented value
# would change their meaning: a lifecycle rule's `filter {}` read back with a made-up `prefix`
# narrows the rule, and scanners on the plan (checkov CKV_AWS_300) then see a rule that does not
# cover the bucket.
_EMPTY_WHEN_UNSET = frozenset({"prefix"})


def placeholder(ty: Any, name: str, tokens: Tokens, type_name: str) -> Any:
    """A plausible value for a computed attribute no rule describes."""
    if ty == "string" and name in _EMPTY_WHEN_UNSET:
        return ""
    if ty == "string":
        h = hashlib.sha256(f"{tokens.seed}/{name}".encode()).hexdigest()
        ctx = tokens.ctx
        if name == "arn" or name.endswith("_arn"):
            resource = type_name[4:] if type_name.startswith("aws_") else type_name
            return f"arn:{ctx['partition']}:{service_of(type_name)}:{ctx['region']}:{ctx['account']}:{resource}/{h[:16]}"
        if name in ("account_id", "owner_id", "owner"):
            return ctx["account"]
        if name == "region":
            return ctx["region"]
        if name == "id" or name.endswith("_id"):
            return "{}-{}".format(type_name[4:].replace("_", "")[:8], h[:17])
        return f"{name}-{h[:12]}"
    if ty == "number":
        return 0
    if ty == "bool":
        return False
    if isinstance(ty, list):
        if ty[0] in ("list", "set"):
            return []
        if ty[0] == "map":
            return {}
        if ty[0] == "object":
            return {k: placeholder(t, k, tokens, type_name) for k, t in ty[1].items()}
    return None


def fill_unknowns(value: Any, ty: Any, name: str, tokens: Tokens, type_name: str) -> Any:
    if value is UNKNOWN:
        return placeholder(ty, name, tokens, type_name)
    if not isinstance(ty, list):
        return value
    if ty[0] in ("list", "set") and isinstance(value, list):
        return [fill_unknowns(e, ty[1], name, tokens, type_name) for e in value]
    if ty[0] == "map" and isinstance(value, dict):
        return {k: fill_unknowns(e, ty[1], name, tokens, type_name) for k, e in value.items()}
    if ty[0] == "object" and isinstance(value, dict):
        return {k: fill_unknowns(value.get(k), t, k, tokens, type_name) for k, t in ty[1].items()}
    return value


def fill_block(value: Any, block: Block, tokens: Tokens, type_name: str) -> None:
    if not isinstance(value, dict):
        return
    for name, a in block.get("attributes", {}).items():
        value[name] = fill_unknowns(value.get(name), a["type"], name, tokens, type_name)
    for name, bt in block.get("block_types", {}).items():
        for element, _ in nested_pairs(value.get(name), None, bt):
            fill_block(element, bt["block"], tokens, type_name)
