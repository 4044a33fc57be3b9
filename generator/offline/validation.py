"""What the real AWS provider checks in a configuration before it calls AWS, for the common
resources: enumerations, ranges and lengths, JSON policy arguments, conflicting and required-with
arguments, and deprecated arguments (a warning).

The schema source carries no validators, so the checks come from a curated table,
``data/validations.yaml`` (its header lists the kinds and what is not covered). Messages follow
the provider's SDKv2 wording (``expected sse_algorithm to be one of ["AES256" "aws:kms"
"aws:kms:dsse"], got X``), with the attribute path, so Terraform shows them at the line that sets
the value. Values unknown at validation (computed from other resources) are not judged, as the
provider does not judge them either.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from tf.gen import tfplugin_pb2 as pb

from generator.offline import validators
from generator.offline.values import UNKNOWN, Block

TABLE = Path(__file__).parent / "data" / "validations.yaml"
Step = str | int


@cache
def table(path: Path = TABLE) -> dict[str, dict[str, dict[str, Any]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {"resource": data.get("resources") or {}, "data": data.get("data_sources") or {}}


def _go_quoted(values: list[str]) -> str:
    """Go's %q of a []string: ["a" "b"]."""
    return "[" + " ".join(json.dumps(v) for v in values) + "]"


def _diag(summary: str, detail: str, steps: list[Step], warning: bool = False) -> pb.Diagnostic:
    diag = pb.Diagnostic(
        severity=pb.Diagnostic.WARNING if warning else pb.Diagnostic.ERROR, summary=summary, detail=detail
    )
    if steps:
        diag.attribute.CopyFrom(
            pb.AttributePath(
                steps=[
                    pb.AttributePath.Step(element_key_int=s)
                    if isinstance(s, int)
                    else pb.AttributePath.Step(attribute_name=s)
                    for s in steps
                ]
            )
        )
    return diag


def _values(cfg: Any, block: Block, dotted: str) -> Iterator[tuple[Any, list[Step]]]:
    """Each configured value at ``dotted`` (through nested blocks), with its attribute path.
    Set-nested blocks have no index in a path (their elements are keyed by value), so the path
    stops at the block."""
    head, _, rest = dotted.partition(".")
    if not isinstance(cfg, dict):
        return
    value = cfg.get(head)
    if not rest:
        if value is not None:
            yield value, [head]
        return
    bt = block.get("block_types", {}).get(head)
    if bt is None or value is None or value is UNKNOWN:
        return
    mode = bt["nesting_mode"]
    elements: list[tuple[Any, list[Step]]] = [(value, [head])] if mode in ("single", "group") else []
    if mode == "list" and isinstance(value, list):
        elements = [(e, [head, i]) for i, e in enumerate(value)]
    elif mode == "set" and isinstance(value, list):
        elements = [(e, [head]) for e in value]
    for element, steps in elements:
        for found, sub in _values(element, bt["block"], rest):
            yield found, [*steps, *sub]


def _key(steps: list[Step]) -> str:
    """The SDK's flatmap key of a path (`statement.0.effect`)."""
    return ".".join(str(s) for s in steps)


def _is_set(value: Any) -> bool:
    """Whether the SDK counts the argument as configured (c.Get ok): not null, and for a block, at
    least one element."""
    if value is None:
        return False
    if isinstance(value, list):
        return len(value) > 0
    return True


def _known(value: Any) -> bool:
    if value is UNKNOWN:
        return False
    if isinstance(value, list):
        return all(_known(v) for v in value)
    if isinstance(value, dict):
        return all(_known(v) for v in value.values())
    return True


def _go_number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _policy_errors(k: str, value: str) -> list[str]:
    """verify.ValidIAMPolicyJSON, then the statements' Effect (which AWS checks at apply)."""
    if value == "":
        return [f"{json.dumps(k)} is an empty string, which is not a valid JSON value"]
    first = value[0]
    if first != "{":
        if first in " \t\r\n":
            return [
                f"{json.dumps(k)} contains an invalid JSON policy: leading space characters are not allowed"
            ]
        if first == '"':
            hint = ""
            try:
                inner = json.loads(value)
                if isinstance(inner, str) and inner.endswith(".json"):
                    hint = " (have you passed a JSON-encoded filename instead of the content of that file?)"
                elif isinstance(inner, str):
                    json.loads(inner)
                    hint = " (have you double-encoded your JSON data?)"
            except ValueError:
                pass
            return [
                f"{json.dumps(k)} contains an invalid JSON policy: contains a JSON-encoded string, "
                f"not a JSON-encoded object{hint}"
            ]
        if first == "[":
            return [
                f"{json.dumps(k)} contains an invalid JSON policy: contains a JSON array, not a JSON object"
            ]
        return [f"{json.dumps(k)} contains an invalid JSON policy: not a JSON object"]
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        duplicates.extend(sorted({key for key in keys if keys.count(key) > 1}))
        return dict(items)

    try:
        doc = json.loads(value, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        return [f"{json.dumps(k)} contains an invalid JSON policy: {exc.msg}, at byte offset {exc.pos}"]
    if duplicates:
        return [f"{json.dumps(k)} contains duplicate JSON keys: duplicate key {json.dumps(duplicates[0])}"]
    statements = doc.get("Statement")
    statements = [statements] if isinstance(statements, dict) else statements
    errors = []
    for i, stmt in enumerate(statements if isinstance(statements, list) else []):
        effect = stmt.get("Effect") if isinstance(stmt, dict) else None
        if effect not in ("Allow", "Deny"):
            got = "no Effect" if effect is None else f"got {json.dumps(effect)}"
            errors.append(
                f"{json.dumps(k)} contains an invalid JSON policy: Statement[{i}].Effect must be "
                f'"Allow" or "Deny", {got}'
            )
    return errors


_EFFECT_DETAIL = (
    "The provider passes this document on; AWS refuses it when the resource is created "
    "(MalformedPolicyDocument). The offline stand-in reports it at validation."
)


def diagnostics(kind: str, type_name: str, cfg: Any, block: Block) -> list[pb.Diagnostic]:
    """The provider-side findings for one resource (``kind`` "resource") or data source ("data")."""
    rules: Mapping[str, Any] = table()[kind].get(type_name) or {}
    if not rules or not isinstance(cfg, dict):
        return []
    found: list[pb.Diagnostic] = []

    def each(dotted: str) -> Iterator[tuple[Any, list[Step]]]:
        for value, steps in _values(cfg, block, dotted):
            if _known(value):
                yield value, steps

    for dotted, spec in (rules.get("one_of") or {}).items():
        allowed = [str(v) for v in (spec["values"] if isinstance(spec, dict) else spec)]
        flatmap = isinstance(spec, dict) and spec.get("key") == "flatmap"
        for value, steps in each(dotted):
            # A list or set of strings whose elements the provider validates (Elem's validator):
            # each element is judged, under the attribute's name, as the SDK's ToDiagFunc keys it.
            for element in value if isinstance(value, list) else [value]:
                if isinstance(element, str) and element not in allowed:
                    k = _key(steps) if flatmap else dotted.rpartition(".")[2]
                    found.append(
                        _diag(f"expected {k} to be one of {_go_quoted(allowed)}, got {element}", "", steps)
                    )
    for dotted in rules.get("arn") or []:
        for value, steps in each(dotted):
            if isinstance(value, str):
                found.extend(
                    _diag(message, "", steps) for message in validators.arn_errors(_key(steps), value)
                )
    for dotted, enum_values in (rules.get("enum") or {}).items():
        for value, fw_path, steps in validators.framework_values(cfg, block, dotted):
            error = (
                validators.enum_error(fw_path, value, [str(v) for v in enum_values])
                if isinstance(value, str)
                else None
            )
            if error is not None:
                found.append(_diag(*error, steps))
    for dotted, allowed_numbers in (rules.get("int_one_of") or {}).items():
        for value, steps in each(dotted):
            if isinstance(value, (int, float)) and value not in allowed_numbers:
                listed = "[" + " ".join(str(n) for n in allowed_numbers) + "]"
                found.append(
                    _diag(f"expected {_key(steps)} to be one of {listed}, got {_go_number(value)}", "", steps)
                )
    for dotted, (lo, hi) in (rules.get("int_between") or {}).items():
        for value, steps in each(dotted):
            if isinstance(value, (int, float)) and not lo <= value <= hi:
                found.append(
                    _diag(
                        f"expected {_key(steps)} to be in the range ({lo} - {hi}), got {_go_number(value)}",
                        "",
                        steps,
                    )
                )
    for dotted, (lo, hi) in (rules.get("length_between") or {}).items():
        for value, steps in each(dotted):
            if isinstance(value, str) and not lo <= len(value) <= hi:
                found.append(
                    _diag(
                        f"expected length of {_key(steps)} to be in the range ({lo} - {hi}), got {value}",
                        "",
                        steps,
                    )
                )
    for dotted in rules.get("json") or []:
        for value, steps in each(dotted):
            if isinstance(value, str):
                try:
                    json.loads(value)
                except json.JSONDecodeError as exc:
                    found.append(
                        _diag(f"{json.dumps(_key(steps))} contains an invalid JSON: {exc.msg}", "", steps)
                    )
    for dotted in rules.get("iam_policy_json") or []:
        for value, steps in each(dotted):
            if isinstance(value, str):
                for message in _policy_errors(dotted.rpartition(".")[2], value):
                    detail = _EFFECT_DETAIL if ".Effect must be" in message else ""
                    found.append(_diag(message, detail, steps))

    # Arguments in relation to each other: top-level arguments, as the table declares them.
    def state(name: str) -> Any:
        value = cfg.get(name)
        return value if _is_set(value) else None

    for name, others in (rules.get("conflicts") or {}).items():
        mine = state(name)
        if mine is None or not _known(mine):
            continue
        for other in others:
            theirs = state(other)
            if theirs is not None and theirs is not UNKNOWN:
                found.append(
                    _diag("Conflicting configuration arguments", f'"{name}": conflicts with {other}', [name])
                )
                break
    for group in rules.get("exactly_one_of") or []:
        keys = sorted(set(group))
        unknown = [k for k in keys if state(k) is UNKNOWN]
        given = [k for k in keys if state(k) is not None and state(k) is not UNKNOWN]
        for name in keys:
            if not given and not unknown:
                detail = f'"{name}": one of `{",".join(keys)}` must be specified'
            elif len(given) > 1:
                detail = (
                    f'"{name}": only one of `{",".join(keys)}` can be specified, '
                    f"but `{','.join(given)}` were specified."
                )
            else:
                continue
            found.append(_diag("Invalid combination of arguments", detail, [name]))
    for group in rules.get("at_least_one_of") or []:
        keys = sorted(set(group))
        if all(state(k) is None for k in keys):
            for name in keys:
                found.append(
                    _diag(
                        "Missing required argument",
                        f'"{name}": one of `{",".join(keys)}` must be specified',
                        [name],
                    )
                )
    for name, others in (rules.get("required_with") or {}).items():
        if state(name) is None:
            continue
        keys = sorted({name, *others})
        if any(state(k) is None for k in keys):
            found.append(
                _diag(
                    "Missing required argument",
                    f'"{name}": all of `{",".join(keys)}` must be specified',
                    [name],
                )
            )
    for dotted, message in (rules.get("deprecated") or {}).items():
        for value, steps in _values(cfg, block, dotted):
            if _is_set(value):
                found.append(
                    _diag("Argument is deprecated", " ".join(str(message).split()), steps, warning=True)
                )
    return found
