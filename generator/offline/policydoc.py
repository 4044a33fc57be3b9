"""The `aws_iam_policy_document` data source, with the AWS provider's semantics.

Statements become JSON as the provider writes them: a single action, resource or principal
identifier is a string, several are a list in reverse lexical order; `&{var}` becomes `${var}`;
conditions are grouped by test and variable. `source_policy_documents` are merged first, then
the document's own statements (replacing same-Sid statements), then each of
`override_policy_documents` (again replacing same-Sid statements). Duplicate Sids among the
document's own statements are an error, as in the provider.
"""

from __future__ import annotations

import json
from typing import Any


class PolicyDocumentError(ValueError):
    """A configuration the provider would reject."""


def _strings(values: Any) -> list[str]:
    return [v.replace("&{", "${") for v in (values or [])]


def _one_or_many(values: list[str]) -> str | list[str]:
    if len(values) == 1:
        return values[0]
    return sorted(values, reverse=True)


def _principals(items: list[dict[str, Any]]) -> Any:
    by_type: dict[str, list[str]] = {}
    for p in items:
        if p.get("type") == "*" and list(p.get("identifiers") or []) == ["*"]:
            return "*"
        by_type.setdefault(p["type"], []).extend(_strings(p.get("identifiers")))
    return {t: _one_or_many(ids) for t, ids in sorted(by_type.items())}


def _conditions(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    grouped: dict[str, dict[str, list[str]]] = {}
    for c in items:
        values = grouped.setdefault(c["test"], {}).setdefault(c["variable"], [])
        values.extend(v for v in _strings(c.get("values")) if v not in values)
    return {t: {v: _one_or_many(vals) for v, vals in sorted(vs.items())} for t, vs in sorted(grouped.items())}


def statement(cfg: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if cfg.get("sid"):
        out["Sid"] = cfg["sid"]
    out["Effect"] = cfg.get("effect") or "Allow"
    for key, attr in (("Action", "actions"), ("NotAction", "not_actions"),
                      ("Resource", "resources"), ("NotResource", "not_resources")):  # fmt: skip
        if cfg.get(attr):
            out[key] = _one_or_many(_strings(cfg[attr]))
    for key, attr in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
        if cfg.get(attr):
            out[key] = _principals(cfg[attr])
    if cfg.get("condition"):
        out["Condition"] = _conditions(cfg["condition"])
    return out


def _merge(base: dict[str, Any], new: dict[str, Any]) -> None:
    """The provider's IAMPolicyDoc.Merge: adopt Id and a newer Version, replace same-Sid statements."""
    if new.get("Id"):
        base["Id"] = new["Id"]
    if str(new.get("Version", "")) > str(base.get("Version", "")):
        base["Version"] = new["Version"]
    statements = base.setdefault("Statement", [])
    for stmt in new.get("Statement", []):
        sid = stmt.get("Sid")
        for i, existing in enumerate(statements):
            if sid and existing.get("Sid") == sid:
                statements[i] = stmt
                break
        else:
            statements.append(stmt)


def _parse(doc: str, what: str) -> dict[str, Any]:
    try:
        parsed = json.loads(doc)
    except ValueError as exc:
        raise PolicyDocumentError(f"{what}: not a JSON policy document: {exc}") from None
    if not isinstance(parsed, dict):
        raise PolicyDocumentError(f"{what}: not a JSON policy document")
    stmts = parsed.get("Statement", [])
    parsed["Statement"] = [stmts] if isinstance(stmts, dict) else list(stmts)
    return parsed


def render(cfg: dict[str, Any]) -> tuple[str, str]:
    """(json, minified_json) of the data source's configuration."""
    own = [statement(s) for s in cfg.get("statement") or []]
    sids = [s["Sid"] for s in own if s.get("Sid")]
    duplicates = sorted({s for s in sids if sids.count(s) > 1})
    if duplicates:
        raise PolicyDocumentError(f"found duplicate sid ({', '.join(duplicates)}) in statement")
    doc: dict[str, Any] = {"Version": cfg.get("version") or "2012-10-17"}
    if cfg.get("policy_id"):
        doc["Id"] = cfg["policy_id"]
    doc["Statement"] = own
    sources = cfg.get("source_policy_documents") or []
    if sources:
        merged: dict[str, Any] = {"Version": "", "Statement": []}
        for i, src in enumerate(sources):
            _merge(merged, _parse(src, f"source_policy_documents[{i}]"))
        _merge(merged, doc)
        doc = merged
    for i, override in enumerate(cfg.get("override_policy_documents") or []):
        _merge(doc, _parse(override, f"override_policy_documents[{i}]"))
    ordered = {k: doc[k] for k in ("Version", "Id", "Statement") if k in doc}
    return json.dumps(ordered, indent=2), json.dumps(ordered, separators=(",", ":"))
