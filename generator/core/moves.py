"""The pure half of `aisec migrate` (generator/core/migrate.py): which old state instance goes to
which new root and address, the `terraform state mv` steps that move them, and what the plans
after the moves would replace or destroy. Plan and state JSON in, data out."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Resources holding data or the means to read it: replaced or destroyed, they lose it.
DATA_HOLDERS = frozenset(
    {
        "aws_s3_bucket",
        "aws_kms_key",
        "aws_cloudwatch_log_group",
        "aws_dynamodb_table",
        "aws_ecr_repository",
        "aws_sagemaker_notebook_instance",
        "aws_secretsmanager_secret",
        "aws_efs_file_system",
    }
)
# Attributes that name a resource in AWS: an old instance with the same values is the same object.
_IDENTITY = ("name", "bucket", "alias", "function_name", "log_group_name", "rule", "target_id", "role")

Values = dict[str, Any]


# --------------------------------------------------------------------------- addresses
def _key(index: Any) -> str:
    if index is None:
        return ""
    return f"[{index}]" if isinstance(index, int) else f"[{json.dumps(index)}]"


def instances(state: Values) -> dict[str, Values]:
    """Every managed resource instance of a state file (format 4): address -> its record
    (``type``, ``module``, ``resource`` = the resource's address, ``attributes``)."""
    found: dict[str, Values] = {}
    for r in state.get("resources", []):
        if r.get("mode") != "managed":
            continue
        module = r.get("module")
        resource = f"{module + '.' if module else ''}{r['type']}.{r['name']}"
        for inst in r.get("instances", []):
            address = resource + _key(inst.get("index_key"))
            found[address] = {
                "type": r["type"],
                "module": module or "",
                "resource": resource,
                "attributes": inst.get("attributes") or {},
            }
    return found


def _resource_of(address: str) -> str:
    return re.sub(r"\[[^\]]*\]$", "", address)


def _top_module(address: str) -> str | None:
    """``module.x`` (with its key) of an address inside a module, None at the root."""
    m = re.match(r'(module\.[A-Za-z0-9_-]+(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?)\.', address)
    return m.group(1) if m else None


# --------------------------------------------------------------------------- the move plan
@dataclass
class Move:
    old: str
    root: str
    new: str
    type: str
    how: str  # same address | same name | stage copy

    def record(self) -> Values:
        return {"old": self.old, "root": self.root, "new": self.new, "type": self.type, "how": self.how}


@dataclass
class Migration:
    landing: Path
    backend: str  # offline rehearsal | local | s3
    roots: list[str]
    moves: list[Move] = field(default_factory=list)
    unmapped: list[Values] = field(default_factory=list)  # old instances no root declares
    changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # root -> action -> addresses
    types: dict[str, dict[str, str]] = field(default_factory=dict)  # root -> address -> type
    refusals: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)  # the `terraform state mv` calls
    backups: str | None = None
    applied: bool = False

    @property
    def replaced(self) -> list[str]:
        return sorted({a for c in self.changes.values() for a in c.get("replace", []) + c.get("destroy", [])})

    def record(self) -> Values:
        return {
            "landing": str(self.landing),
            "backend": self.backend,
            "roots": self.roots,
            "moves": [m.record() for m in self.moves],
            "unmapped": self.unmapped,
            "changes": self.changes,
            "replaced": self.replaced,
            "refusals": self.refusals,
            "state_mv": self.steps,
            "backups": self.backups,
            "applied": self.applied,
        }


def refusals(mig: Migration) -> list[str]:
    """Why the migration must not go on: a data holder no root declares, or that a root's plan
    against its moved state would replace or destroy."""
    found = [
        f"{u['address']}: no root of the split landing declares it (a {u['type']})"
        for u in mig.unmapped
        if u["type"] in DATA_HOLDERS
    ]
    for root, changes in mig.changes.items():
        types = mig.types.get(root, {})
        for address in changes.get("replace", []) + changes.get("destroy", []):
            if types.get(address) in DATA_HOLDERS:
                found.append(f"{root}: {address} would be replaced or destroyed (a {types[address]})")
    return found


def map_instances(
    old: dict[str, Values], new: dict[str, dict[str, Values]]
) -> tuple[list[Move], list[Values]]:
    """Where each old instance goes: ``new`` is root -> address -> planned values (in root order)."""
    moves: list[Move] = []
    unmapped: list[Values] = []
    taken: set[tuple[str, str]] = set()
    claimed = {(root, a) for root, addresses in new.items() for a in addresses if a in old}
    pending: list[str] = []
    for address, rec in old.items():
        owners = [root for root, addresses in new.items() if address in addresses]
        if len(owners) == 1:
            moves.append(Move(address, owners[0], address, rec["type"], "same address"))
            taken.add((owners[0], address))
        else:
            pending.append(address)
    for address in pending:
        rec = old[address]
        free = [
            (root, a, values)
            for root, addresses in new.items()
            for a, values in addresses.items()
            if (root, a) not in taken and (root, a) not in claimed and values.get("__type") == rec["type"]
        ]
        found = [
            (root, a, "same name") for root, a, values in free if _same_identity(rec["attributes"], values)
        ]
        if not found:
            resource, key = _resource_of(address), address[len(_resource_of(address)) :]
            stem = key[2:-2] if key.startswith('["') else None
            found = [
                (root, a, "stage copy")
                for root, a, _ in free
                if stem is not None and _resource_of(a) == resource and a == f'{resource}["{stem}-{root}"]'
            ]
        if found:
            root, a, how = found[0]
            moves.append(Move(address, root, a, rec["type"], how))
            taken.add((root, a))
        else:
            unmapped.append({"address": address, "type": rec["type"]})
    return moves, unmapped


def _same_identity(attributes: Values, planned: Values) -> bool:
    common = [
        k
        for k in _IDENTITY
        if isinstance(planned.get(k), str) and planned.get(k) and attributes.get(k) is not None
    ]
    return bool(common) and all(attributes[k] == planned[k] for k in common)


def state_mv_steps(moves: list[Move], old: dict[str, Values]) -> list[tuple[str, str, str]]:
    """The `terraform state mv` calls (root, from, to): a whole module when every instance below it
    moves unchanged into one root, a whole resource likewise, an instance otherwise."""
    by_old = {m.old: m for m in moves}
    steps: list[tuple[str, str, str]] = []
    done: set[str] = set()

    def whole(members: list[str]) -> str | None:
        ms = [by_old.get(a) for a in members]
        if all(m is not None and m.new == m.old for m in ms) and len({m.root for m in ms if m}) == 1:
            first = ms[0]
            return first.root if first else None
        return None

    modules: dict[str, list[str]] = {}
    for address in old:
        top = _top_module(address)
        if top:
            modules.setdefault(top, []).append(address)
    for top, members in modules.items():
        root = whole(members)
        if root is not None:
            steps.append((root, top, top))
            done.update(members)
    resources: dict[str, list[str]] = {}
    for address, rec in old.items():
        if address not in done:
            resources.setdefault(rec["resource"], []).append(address)
    for resource, members in resources.items():
        root = whole(members)
        if root is not None:
            steps.append((root, resource, resource))
            done.update(members)
    for m in moves:
        if m.old not in done:
            steps.append((m.root, m.old, m.new))
    return steps


def _declared(plan: Values) -> dict[str, Values]:
    """address -> planned values (with ``__type``) of every managed instance a plan would have."""
    found: dict[str, Values] = {}
    for rc in plan.get("resource_changes", []):
        if rc.get("mode") != "managed" or rc["change"]["actions"] == ["delete"]:
            continue
        found[rc["address"]] = {**(rc["change"].get("after") or {}), "__type": rc["type"]}
    return found


def _changes(plan: Values) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"create": [], "update": [], "replace": [], "destroy": []}
    for rc in plan.get("resource_changes", []):
        if rc.get("mode") != "managed":
            continue
        actions = rc["change"]["actions"]
        kind = (
            "replace"
            if "delete" in actions and "create" in actions
            else "destroy"
            if "delete" in actions
            else "create"
            if "create" in actions
            else "update"
            if "update" in actions
            else None
        )
        if kind:
            out[kind].append(rc["address"])
    return out


# --------------------------------------------------------------------------- the command
