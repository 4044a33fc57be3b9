"""The plan gate: every policy a plan creates or changes, whoever wrote it, and the switches that
weaken a landing (public access blocks, open ingress, encryption turned off). Pure functions over
`terraform show -json` output; orchestrate.py supplies the I/O (declaration lines, documents read
from an offline rehearsal).

Each finding has a stable id, ``RULE@address`` (e.g. ``AISEC-POL-001@aws_iam_policy.admin``), so a
reviewer can acknowledge exactly that one with ``aisec plan --accept``. The rules are the table
:data:`GATE_RULES`; the privilege-escalation knowledge is cloudsplaining's (the methods Rhino
Security Labs documented), not ours.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Values = dict[str, Any]

IDENTITY, TRUST, RESOURCE, ENDPOINT = "identity", "trust", "resource", "endpoint"

# Where policy documents live, per resource type: (attribute, kind). `inline_policy.policy` is the
# `policy` of each `inline_policy` block of a role.
POLICY_ATTRIBUTES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "aws_iam_policy": (("policy", IDENTITY),),
    "aws_iam_role_policy": (("policy", IDENTITY),),
    "aws_iam_user_policy": (("policy", IDENTITY),),
    "aws_iam_group_policy": (("policy", IDENTITY),),
    "aws_iam_role": (("assume_role_policy", TRUST), ("inline_policy.policy", IDENTITY)),
    "aws_kms_key": (("policy", RESOURCE),),
    "aws_kms_key_policy": (("policy", RESOURCE),),
    "aws_s3_bucket_policy": (("policy", RESOURCE),),
    "aws_vpc_endpoint": (("policy", ENDPOINT),),
    "aws_vpc_endpoint_policy": (("policy", ENDPOINT),),
    "aws_sns_topic": (("policy", RESOURCE),),
    "aws_sns_topic_policy": (("policy", RESOURCE),),
    "aws_sqs_queue": (("policy", RESOURCE),),
    "aws_sqs_queue_policy": (("policy", RESOURCE),),
    "aws_ecr_repository_policy": (("policy", RESOURCE),),
    "aws_ecr_registry_policy": (("policy", RESOURCE),),
}

# (rule id, severity, what it means). High findings block `aisec apply` unless accepted by id.
# fmt: off
GATE_RULES: Mapping[str, tuple[str, str]] = {
    "AISEC-POL-001": ("high", 'identity policy allows every action (Action "*" or an Allow with NotAction)'),
    "AISEC-POL-002": ("high", "identity policy allows every action of a service (service:*)"),
    "AISEC-POL-003": ("medium", 'identity policy allows actions that can be scoped on Resource "*"'),
    "AISEC-POL-004": ("high", "identity policy allows privilege escalation (cloudsplaining)"),
    "AISEC-POL-005": ("high", 'policy allows Principal "*" without a condition restricting who'),
    "AISEC-POL-006": ("medium", "trust policy trusts an account root without conditions"),
    "AISEC-POL-007": ("high", "administrator-grade managed policy attached"),
    "AISEC-POL-010": ("high", "S3 public access block turned off or removed"),
    "AISEC-POL-011": ("high", "ingress open to the internet"),
    "AISEC-POL-012": ("high", "S3 bucket without default encryption, or its encryption removed"),
    "AISEC-POL-013": ("high", "KMS key rotation turned off"),
    "AISEC-POL-014": ("medium", "log group not encrypted with a KMS key"),
    "AISEC-POL-020": ("medium", "policy document unknown until apply and not resolvable offline"),
}
# fmt: on

# Condition keys that narrow who (or from where) a Principal "*" statement admits. A TLS or
# encryption condition alone does not: it still admits the whole internet.
RESTRICTING_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths",
        "aws:PrincipalIsAWSService", "aws:PrincipalServiceName", "aws:SourceAccount", "aws:SourceArn",
        "aws:SourceOwner", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceVpc", "aws:SourceVpce",
        "aws:SourceIp", "aws:userid", "aws:username", "aws:ResourceAccount", "aws:ResourceOrgID",
        "kms:CallerAccount", "kms:ViaService", "sts:ExternalId", "aws:CalledVia", "aws:ViaAWSService",
    )
)  # fmt: skip
ADMIN_POLICIES = ("AdministratorAccess", "IAMFullAccess", "PowerUserAccess")
OPEN_CIDRS = ("0.0.0.0/0", "::/0")
PAB_FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


@dataclass(frozen=True)
class Hit:
    rule: str
    detail: str = ""


@dataclass(frozen=True)
class Change:
    """One resource change as the gate sees it: unknown values filled from the rehearsal."""

    address: str
    type: str
    kinds: frozenset[str]  # create, update, delete
    before: Values
    after: Values
    unknown: Values  # after_unknown, for attributes the rehearsal could not resolve either
    resolved: frozenset[str]  # attributes unknown in the plan, read from the offline rehearsal


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _statements(document: Values) -> list[Values]:
    return [s for s in _list(document.get("Statement")) if isinstance(s, dict)]


def _allows(statement: Values) -> bool:
    return statement.get("Effect") == "Allow"


def _everyone(statement: Values) -> bool:
    if "NotPrincipal" in statement:
        return True
    principal = statement.get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _list(principal.get("AWS"))


def _restricted(statement: Values) -> bool:
    for values in (statement.get("Condition") or {}).values():
        for key, value in (values or {}).items():
            if key.lower() in RESTRICTING_KEYS and "*" not in _list(value):
                return True
    return False


def _root_trust(statement: Values) -> bool:
    principal = statement.get("Principal")
    aws = _list(principal.get("AWS")) if isinstance(principal, dict) else []
    roots = [p for p in aws if isinstance(p, str) and (p.endswith(":root") or p.isdigit())]
    return bool(roots) and not statement.get("Condition")


def identity_hits(document: Values) -> list[Hit]:
    hits = []
    for s in filter(_allows, _statements(document)):
        actions = [a for a in _list(s.get("Action")) if isinstance(a, str)]
        if "NotAction" in s or any(a in ("*", "*:*") for a in actions):
            hits.append(Hit("AISEC-POL-001"))
        wild = sorted({a for a in actions if a.endswith(":*")})
        if wild:
            hits.append(Hit("AISEC-POL-002", ", ".join(wild)))
    # cloudsplaining comes with aisec's `gate` extra (gate.require_scanners says so before a plan)
    from cloudsplaining.scan.policy_document import PolicyDocument

    allowed = {"Version": document.get("Version", "2012-10-17"), "Statement": _statements(document)}
    checked = PolicyDocument(allowed)
    unscoped = sorted(checked.all_allowed_unrestricted_actions)
    if unscoped and not any(h.rule == "AISEC-POL-001" for h in hits):
        more = f" and {len(unscoped) - 5} more" if len(unscoped) > 5 else ""
        hits.append(Hit("AISEC-POL-003", ", ".join(unscoped[:5]) + more))
    methods = sorted({m["type"] for m in checked.allows_privilege_escalation})
    if methods:
        more = f" and {len(methods) - 4} more" if len(methods) > 4 else ""
        hits.append(Hit("AISEC-POL-004", ", ".join(methods[:4]) + more))
    return hits


def _named_read_only(s: Values) -> bool:
    """An endpoint policy's read of named resources (AWS-owned buckets such as ECR's layer bucket):
    traffic through an endpoint comes from the VPC, so what matters is which resources it reaches."""
    resources = _list(s.get("Resource"))
    actions = _list(s.get("Action"))
    return (
        bool(resources)
        and "NotResource" not in s
        and all(isinstance(r, str) and r != "*" and not r.startswith("arn:aws:s3:::*") for r in resources)
        and bool(actions)
        and all(
            isinstance(a, str) and re.fullmatch(r"[a-z0-9-]+:(Get|List|Describe)[A-Za-z]*", a)
            for a in actions
        )
    )


def resource_hits(document: Values, kind: str) -> list[Hit]:
    hits = []
    for s in filter(_allows, _statements(document)):
        if kind == ENDPOINT and _named_read_only(s):
            continue
        if _everyone(s) and not _restricted(s):
            hits.append(Hit("AISEC-POL-005", f"statement {s.get('Sid') or '(no Sid)'}"))
        elif kind == TRUST and _root_trust(s):
            hits.append(Hit("AISEC-POL-006", f"statement {s.get('Sid') or '(no Sid)'}"))
    return hits


def _parse(text: Any) -> Values | None:
    if isinstance(text, dict):
        return text
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class Document:
    address: str
    attribute: str
    kind: str
    document: Values | None  # None: unknown until apply
    source: str  # plan, rehearsal (read from the offline rehearsal) or unknown


def documents(change: Change) -> Iterator[Document]:
    """The policy documents a created or updated resource sets."""
    for attribute, kind in POLICY_ATTRIBUTES.get(change.type, ()):
        head, _, tail = attribute.partition(".")
        blocks = _list(change.after.get(head)) if tail else [change.after]
        unknown = change.unknown.get(head)
        for i, block in enumerate(blocks):
            value = block.get(tail or head) if isinstance(block, dict) else None
            known = _parse(value)
            if tail:
                is_unknown = unknown is True or (
                    isinstance(unknown, list) and i < len(unknown) and bool((unknown[i] or {}).get(tail))
                )
            else:
                is_unknown = unknown is True
            if known is None and not is_unknown:
                continue  # no policy set here (e.g. a key with the default policy)
            source = "unknown" if known is None else ("rehearsal" if head in change.resolved else "plan")
            yield Document(
                change.address, attribute if not tail else f"{head}[{i}].{tail}", kind, known, source
            )


def policy_hits(doc: Document) -> list[Hit]:
    if doc.document is None:
        return [Hit("AISEC-POL-020", doc.attribute)]
    if doc.kind == IDENTITY:
        return identity_hits(doc.document)
    return resource_hits(doc.document, doc.kind)


# --- the switches that weaken a landing ------------------------------------------------------


def _pab(change: Change, others: ChangeIndex) -> list[Hit]:
    if change.kinds == {"delete"}:
        bucket = change.before.get("bucket")
        return [] if others.bucket_deleted(bucket) else [Hit("AISEC-POL-010", "removed")]
    off = [f for f in PAB_FLAGS if change.after.get(f) is not True]
    return [Hit("AISEC-POL-010", "off: " + ", ".join(off))] if off and change.after else []


def _ingress(change: Change, others: ChangeIndex) -> list[Hit]:
    after = change.after
    cidrs = [after.get("cidr_ipv4"), after.get("cidr_ipv6")]
    if change.type == "aws_security_group_rule" and after.get("type") != "ingress":
        return []
    cidrs += _list(after.get("cidr_blocks")) + _list(after.get("ipv6_cidr_blocks"))
    for rule in _list(after.get("ingress")):
        cidrs += _list(rule.get("cidr_blocks")) + _list(rule.get("ipv6_cidr_blocks"))
    opened = sorted({c for c in cidrs if c in OPEN_CIDRS})
    return [Hit("AISEC-POL-011", ", ".join(opened))] if opened else []


def _bucket(change: Change, others: ChangeIndex) -> list[Hit]:
    if "create" not in change.kinds or others.encrypted(change.after.get("bucket")):
        return []
    return [Hit("AISEC-POL-012", "no aws_s3_bucket_server_side_encryption_configuration in the plan")]


def _sse(change: Change, others: ChangeIndex) -> list[Hit]:
    if change.kinds == {"delete"} and not others.bucket_deleted(change.before.get("bucket")):
        return [Hit("AISEC-POL-012", "default encryption configuration removed")]
    return []


def _key(change: Change, others: ChangeIndex) -> list[Hit]:
    after = change.after
    symmetric = after.get("customer_master_key_spec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
    if change.kinds & {"create", "update"} and symmetric and after.get("enable_key_rotation") is not True:
        return [Hit("AISEC-POL-013")]
    return []


def _log_group(change: Change, others: ChangeIndex) -> list[Hit]:
    if (
        change.kinds & {"create", "update"}
        and not change.after.get("kms_key_id")
        and not change.unknown.get("kms_key_id")
    ):
        return [Hit("AISEC-POL-014")]
    return []


def _attachment(change: Change, others: ChangeIndex) -> list[Hit]:
    arns = [change.after.get("policy_arn"), *_list(change.after.get("managed_policy_arns"))]
    admin = sorted(
        {a.rsplit("/", 1)[-1] for a in arns if isinstance(a, str) and a.rsplit("/", 1)[-1] in ADMIN_POLICIES}
    )
    return [Hit("AISEC-POL-007", ", ".join(admin))] if admin and change.kinds & {"create", "update"} else []


_ATTACHMENTS = ("aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment",
                "aws_iam_group_policy_attachment", "aws_iam_policy_attachment", "aws_iam_role")  # fmt: skip
SWITCHES: Mapping[str, tuple[Callable[[Change, ChangeIndex], list[Hit]], ...]] = {
    "aws_s3_bucket_public_access_block": (_pab,),
    "aws_security_group": (_ingress,),
    "aws_vpc_security_group_ingress_rule": (_ingress,),
    "aws_security_group_rule": (_ingress,),
    "aws_s3_bucket": (_bucket,),
    "aws_s3_bucket_server_side_encryption_configuration": (_sse,),
    "aws_kms_key": (_key,),
    "aws_cloudwatch_log_group": (_log_group,),
    **{t: (_attachment,) for t in _ATTACHMENTS},
}


class ChangeIndex:
    """What the other changes of the plan say about a bucket (found by name, known or resolved)."""

    def __init__(self, changes: list[Change]) -> None:
        self.deleted = {
            c.before.get("bucket") for c in changes if c.type == "aws_s3_bucket" and "delete" in c.kinds
        }
        self.sse = {
            c.after.get("bucket")
            for c in changes
            if c.type == "aws_s3_bucket_server_side_encryption_configuration"
            and c.kinds & {"create", "update"}
        }

    def bucket_deleted(self, name: Any) -> bool:
        return name in self.deleted

    def encrypted(self, name: Any) -> bool:
        return name is not None and name in self.sse


def changes(plan: Values, resolved: Mapping[str, Values] | None = None) -> list[Change]:
    """The plan's managed-resource changes; values unknown until apply are taken from ``resolved``
    (address -> values after an offline rehearsal) where it has them."""
    resolved = resolved or {}
    found = []
    for rc in plan.get("resource_changes", []):
        if rc.get("mode", "managed") != "managed":
            continue
        change = rc.get("change", {})
        kinds = frozenset(a for a in change.get("actions", []) if a in ("create", "update", "delete"))
        if not kinds:
            continue
        after = dict(change.get("after") or {})
        unknown = dict(change.get("after_unknown") or {})
        known_later = resolved.get(rc["address"], {})
        filled = frozenset(n for n, v in unknown.items() if v is not False and n in known_later)
        for name in filled:
            after[name] = known_later[name]
            unknown.pop(name)
        found.append(
            Change(rc["address"], rc["type"], kinds, change.get("before") or {}, after, unknown, filled)
        )
    return found


@dataclass(frozen=True)
class GateHit:
    rule: str
    address: str
    detail: str

    @property
    def id(self) -> str:
        return f"{self.rule}@{self.address}"


def gate(plan: Values, resolved: Mapping[str, Values] | None = None) -> tuple[list[GateHit], list[Document]]:
    """Every gate hit of the plan and every policy document it reviewed (deletions set none)."""
    all_changes = changes(plan, resolved)
    index = ChangeIndex(all_changes)
    hits: dict[str, GateHit] = {}
    reviewed = []
    for change in all_changes:
        found: list[Hit] = []
        if change.kinds & {"create", "update"}:
            for doc in documents(change):
                reviewed.append(doc)
                found += policy_hits(doc)
        for check in SWITCHES.get(change.type, ()):
            found += check(change, index)
        for hit in found:
            one = GateHit(hit.rule, change.address, hit.detail)
            if one.id in hits and hit.detail and hit.detail not in hits[one.id].detail:
                one = GateHit(hit.rule, change.address, f"{hits[one.id].detail}; {hit.detail}")
            hits[one.id] = one
    return list(hits.values()), reviewed
