"""Two validators of the real AWS provider the table kinds ``arn`` and ``enum`` reproduce
(``data/validations.yaml``), with the provider's wording.

``arn``: ``verify.ValidARN`` (internal/verify/validate.go), the SDKv2 validator most ARN
arguments use: the value must parse as an ARN (aws-sdk-go's ``arn.Parse``: the ``arn:`` prefix,
six sections) with a valid partition, region and account, and a resource. Each failure is
``"<key>" (<value>) is an invalid ARN: <reason>``.

``enum``: a plugin-framework attribute of ``fwtypes.StringEnumType[T]`` (internal/framework/types/
string_enum.go), the framework resources' enumerations: ``StringEnum.ValidateAttribute`` refuses a
value outside ``T.Values()`` plus the empty string with the error "Invalid String Enum Value",
naming the attribute by its framework path (``content_policy_config[0].filters_config[Value({...})]
.type``: a list element by index, a set element by its whole value, as
``path.Path.String()`` writes them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from generator.offline.values import UNKNOWN, Block

Step = str | int

# internal/verify/validate.go
ACCOUNT_ID_RE = r"^(aws|aws-managed|third-party|\d{12}|cw.{10})$"
PARTITION_RE = r"^aws(-[a-z]+)*$"
REGION_RE = r"^[a-z]{2}(-[a-z]+)+-\d$"


def arn_errors(key: str, value: str) -> list[str]:
    """verify.ValidARN's errors for ``value`` at flatmap ``key`` (none for the empty string)."""
    if value == "":
        return []
    prefix = f"{json.dumps(key)} ({value}) is an invalid ARN: "
    if not value.startswith("arn:"):
        return [prefix + "arn: invalid prefix"]
    sections = value.split(":", 5)
    if len(sections) != 6:
        return [prefix + "arn: not enough sections"]
    _, partition, _service, region, account, resource = sections
    errors = []
    if partition == "":
        errors.append(prefix + "missing partition value")
    elif not re.match(PARTITION_RE, partition):
        errors.append(
            prefix + f"invalid partition value (expecting to match regular expression: {PARTITION_RE})"
        )
    if region and not re.match(REGION_RE, region):
        errors.append(prefix + f"invalid region value (expecting to match regular expression: {REGION_RE})")
    if account and not re.match(ACCOUNT_ID_RE, account):
        errors.append(
            prefix + f"invalid account ID value (expecting to match regular expression: {ACCOUNT_ID_RE})"
        )
    if resource == "":
        errors.append(prefix + "missing resource value")
    return errors


def enum_error(path: str, value: str, allowed: list[str]) -> tuple[str, str] | None:
    """(summary, detail) of StringEnum.ValidateAttribute, or None when ``value`` is allowed."""
    valid = [*allowed, ""] if "" not in allowed else list(allowed)
    if value in valid:
        return None
    return (
        "Invalid String Enum Value",
        "The provided value does not match any valid values.\n\n"
        f"Path: {path}\nGiven Value: {value}\nValid Values: [{' '.join(valid)}]",
    )


def _go_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def render(value: Any, ty: Any) -> str:
    """A framework attr.Value's String() for a configured value of Terraform type ``ty``."""
    if value is None:
        return "<null>"
    if value is UNKNOWN:
        return "<unknown>"
    if ty == "string":
        return _go_string(str(value))
    if ty == "bool":
        return "true" if value else "false"
    if ty == "number":
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if isinstance(ty, list) and ty[0] in ("list", "set"):
        return "[" + ",".join(render(v, ty[1]) for v in value) + "]"
    if isinstance(ty, list) and ty[0] == "map":
        return "{" + ",".join(f"{_go_string(k)}:{render(value[k], ty[1])}" for k in sorted(value)) + "}"
    if isinstance(ty, list) and ty[0] == "object":
        return (
            "{" + ",".join(f"{_go_string(k)}:{render(value.get(k), ty[1][k])}" for k in sorted(ty[1])) + "}"
        )
    return _go_string(str(value))


def render_block(value: dict[str, Any], block: Block) -> str:
    """A nested block object's String(): its attributes and nested blocks, keys sorted."""
    parts: dict[str, str] = {}
    for name, attr in block.get("attributes", {}).items():
        parts[name] = render(value.get(name), attr["type"])
    for name, bt in block.get("block_types", {}).items():
        inner = value.get(name)
        if bt["nesting_mode"] in ("single", "group"):
            parts[name] = render_block(inner, bt["block"]) if isinstance(inner, dict) else "<null>"
        else:
            items = inner if isinstance(inner, list) else []
            parts[name] = "[" + ",".join(render_block(e, bt["block"]) for e in items) + "]"
    return "{" + ",".join(f"{_go_string(k)}:{parts[k]}" for k in sorted(parts)) + "}"


def framework_values(cfg: Any, block: Block, dotted: str) -> Iterator[tuple[Any, str, list[Step]]]:
    """Each configured value at ``dotted`` with its framework path string and its attribute path
    (through nested blocks and object attributes; the attribute path stops at a set block)."""

    def walk(value: Any, schema: Block | None, ty: Any, names: list[str], fw: str,
             steps: list[Step], stop: bool) -> Iterator[tuple[Any, str, list[Step]]]:  # fmt: skip
        if not names:
            yield value, fw, steps
            return
        head, rest = names[0], names[1:]
        if not isinstance(value, dict):
            return
        sub = value.get(head)
        if sub is None or sub is UNKNOWN:
            return
        here = f"{fw}.{head}" if fw else head
        more = steps if stop else [*steps, head]
        if schema is not None and head in schema.get("block_types", {}):
            bt = schema["block_types"][head]
            mode = bt["nesting_mode"]
            if mode in ("single", "group"):
                yield from walk(sub, bt["block"], None, rest, here, more, stop)
            elif mode == "list" and isinstance(sub, list):
                for i, e in enumerate(sub):
                    yield from walk(
                        e, bt["block"], None, rest, f"{here}[{i}]", more if stop else [*more, i], stop
                    )
            elif mode == "set" and isinstance(sub, list):
                for e in sub:
                    if isinstance(e, dict):
                        key = f"{here}[Value({render_block(e, bt['block'])})]"
                        yield from walk(e, bt["block"], None, rest, key, more, True)
            return
        sub_ty = None
        if schema is not None and head in schema.get("attributes", {}):
            sub_ty = schema["attributes"][head]["type"]
        elif isinstance(ty, list) and ty[0] == "object":
            sub_ty = ty[1].get(head)
        if rest and not (isinstance(sub_ty, list) and sub_ty[0] == "object"):
            return
        yield from walk(sub, None, sub_ty, rest, here, more, stop)

    yield from walk(cfg, block, None, dotted.split("."), "", [], False)
