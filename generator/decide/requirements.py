"""What aisec decides for: the compliance requirements of each regime (and the control family
that serves each), the layers of defence and the controls."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from generator.catalog import load_yaml
from generator.spec import (
    Regime,
)


# =========================================================================== the tables
# --- compliance requirements per regime, and the control family that serves each ------------
# The map is data (generator/data/compliance.yaml): requirement ids and titles per regime, each
# either served by control families or listed as out of scope with the reason.
@dataclass(frozen=True)
class Requirement:
    regime: Regime
    id: str
    title: str
    families: tuple[str, ...] = ()
    out_of_scope: str | None = None
    rests_on: tuple[str, ...] = ()  # reports.compliance.PREREQUISITES
    # Requirements taken from Prowler's catalogue (generator/decide/prowler.py) name their controls: only
    # these serve them, and checks no control passes (gaps) keep them at most partly addressed.
    controls: tuple[str, ...] = ()
    gaps: tuple[str, ...] = ()
    # ...the services its checks in reach judge (their prefixes: "s3", "sagemaker"...), and the
    # account settings its other checks rest on.
    judges: tuple[str, ...] = ()
    account: tuple[str, ...] = ()


def _prowler_requirements(regime: Regime) -> tuple[str, tuple[Requirement, ...]]:
    """A regime whose map is Prowler's catalogue itself (ai-security): each requirement served by
    the controls its checks map to (data/prowler/<regime>.yaml)."""
    from generator.decide import prowler

    table = prowler.check_table()
    reqs = []
    for r in prowler.requirements(regime):
        controls = tuple(r["controls"]) if not r.get("out_of_scope_reason") else ()
        rests_on = tuple(
            name
            for name, ids in (("detective-prerequisites", "DET-"), ("sso-mfa", "IAM-3"))
            if any(i.startswith(ids) for i in controls)
        )
        placed = [(ck, *prowler.where(ck, table)) for ck in r["checks"]]
        reqs.append(
            Requirement(
                regime, r["id"], r["title"], tuple(r["families"]), r.get("out_of_scope_reason"), rests_on,
                controls, tuple(f"{g}: {table['gaps'][g]}" for g in r.get("gaps", ())),
                tuple(sorted({ck.split("_")[0] for ck, kind, _ in placed if kind in ("controls", "gap")})),
                tuple(sorted({v for _, kind, v in placed if kind == "account"})),
            )
        )  # fmt: skip
    return prowler.REGIME_TITLES[regime], tuple(reqs)


K = TypeVar("K")
V = TypeVar("V")


class _LazyTable(Mapping[K, V], Generic[K, V]):
    """A read-only table whose keys are known and whose values are computed on first read, then
    kept: a render reads the requirement maps of its spec's regimes only (parsing the Prowler-based
    catalogues at import was a fifth of a whole `aisec render`). Looked up like a dict."""

    def __init__(self, keys: Iterable[K], compute: Callable[[K], V]) -> None:
        self._keys = {k: k for k in keys}
        self._compute = compute
        self._values: dict[K, V] = {}

    def __getitem__(self, key: K) -> V:
        key = self._keys[key]  # KeyError for a key not in the table, as a dict
        if key not in self._values:
            self._values[key] = self._compute(key)
        return self._values[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


@cache
def _compliance_map() -> dict[str, Any]:
    raw = load_yaml((Path(__file__).parent.parent / "data" / "compliance.yaml").read_text(encoding="utf-8"))
    return raw  # type: ignore[no-any-return]


def _load_requirements(regime: Regime) -> tuple[str, tuple[Requirement, ...]]:
    raw = _compliance_map()
    if regime.value not in raw["regimes"]:
        return _prowler_requirements(regime)
    entry = raw["regimes"][regime.value]
    reqs = tuple(
        Requirement(
            regime,
            str(r["id"]),
            str(r["title"]),
            tuple(r.get("families", ())),
            r.get("out_of_scope"),
            tuple(r.get("rests_on", ())),
        )
        for r in entry["requirements"]
    )
    return str(entry["title"]), reqs


REQUIREMENTS: Mapping[Regime, tuple[str, tuple[Requirement, ...]]] = _LazyTable(Regime, _load_requirements)
FAMILY_NAMES = (
    "encryption-at-rest",
    "key-management",
    "private-paths",
    "least-privilege",
    "audit-logging",
    "data-discovery",
    "detection",
)
FAMILIES: Mapping[str, Mapping[Regime, tuple[str, ...]]] = _LazyTable(
    FAMILY_NAMES,
    lambda family: _LazyTable(
        Regime, lambda regime: tuple(r.id for r in REQUIREMENTS[regime][1] if family in r.families)
    ),
)


@dataclass(frozen=True)
class Control:
    """One security control: what it does, the bar items that test it, the family it serves and
    the layer of defence it belongs to (DESIGN.md 3b)."""

    id: str
    family: str
    bar: tuple[int, ...]
    title: str
    scope: str  # "foundation" or "workload"
    layer: str  # one of LAYERS

    def requirements(self, regimes: frozenset[Regime]) -> dict[Regime, tuple[str, ...]]:
        reqs = FAMILIES[self.family]
        return {r: reqs[r] for r in Regime if r in regimes}


# --- the layers of defence (DESIGN.md 3b): each must hold when another is bypassed ---
LAYERS: Mapping[str, str] = MappingProxyType({
    "identity": "who may act: stage roles, boundaries, named human trust",
    "data": "the data's own key and bucket policies: everyone but the stage, services for it and break-glass denied",
    "network": "private paths: data reachable only from the VPC or through AWS services, endpoints that reach only this account",
    "compute": "the AI compute itself used only inside the guardrails",
    "deployer": "the deployer cannot widen its own rights",
    "evidence": "logs nobody can erase, alarms on every switch-off, discovery of sensitive data, threat and configuration detection",
})  # fmt: skip

# --- the controls (DESIGN.md section 3) ---
CONTROLS: tuple[Control, ...] = (
    Control("KMS-1", "key-management", (1,), "Customer-managed keys rotate automatically, the period set by the strictest regime", "workload", "data"),
    Control("KMS-2", "key-management", (2,), "Keys wait 30 days before deletion in prod and for audit data, 14 days elsewhere; the policy lockout check is never bypassed", "workload", "data"),
    Control("KMS-3", "key-management", (3, 4, 5), "Each key has one explicit policy split into administrators (manage, never use) and users (use, never manage)", "workload", "data"),
    Control("KMS-4", "key-management", (6,), "Services use a key only through kms:ViaService, encryption context, aws:SourceArn or aws:SourceAccount conditions", "workload", "data"),
    Control("KMS-5", "encryption-at-rest", (7,), "Separate keys per stage for datasets, model artifacts and logs", "workload", "data"),
    Control("S3-1", "encryption-at-rest", (7,), "Buckets encrypt with their stage's key (SSE-KMS, bucket keys)", "workload", "data"),
    Control("S3-2", "private-paths", (8,), "Buckets block public access, deny requests without TLS and enforce bucket ownership", "workload", "data"),
    Control("S3-3", "audit-logging", (8,), "Buckets keep versions and deliver server access logs", "workload", "data"),
    Control("IAM-1", "least-privilege", (17, 19), "One role per stage and persona, scoped to that stage's buckets, keys and log group", "workload", "identity"),
    Control("IAM-2", "least-privilege", (17, 18), "A permission boundary caps every role at its stage's data", "workload", "identity"),
    Control("IAM-3", "least-privilege", (18,), "People reach their roles only through IAM Identity Center or with MFA", "workload", "identity"),
    Control("IAM-4", "least-privilege", (20,), "No IAM users, access keys or administrator policies", "workload", "identity"),
    Control("IAM-5", "least-privilege", (17,), "People do not read production datasets; pipelines do", "workload", "identity"),
    Control("LOG-1", "audit-logging", (10,), "Workload log groups are encrypted with the stage's logs key and kept per regime", "workload", "evidence"),
    Control("LOG-2", "audit-logging", (10,), "The log groups SageMaker and Lambda write to are created beforehand, encrypted and kept per regime, and only the roles whose jobs write there may", "workload", "evidence"),
    Control("MAC-2", "data-discovery", (13,), "Scheduled Macie jobs classify every bucket holding confidential or restricted data, and the corpus of every RAG workload whatever its label", "workload", "evidence"),
    Control("MAC-4", "data-discovery", (34,), "Macie jobs also use custom data identifiers for the data's categories (record numbers for PHI, merchant and account ids for cardholder and financial data), with keywords and a match distance, overridable in the spec", "workload", "evidence"),
    Control("MAC-5", "data-discovery", (34,), "Sensitive-data findings in dev and test buckets declared synthetic are archived by a suppression rule: kept in Macie and the exported results, no alert", "workload", "evidence"),
    Control("TRL-1", "audit-logging", (9,), "A multi-region CloudTrail trail with log file validation, KMS encryption, CloudWatch Logs delivery and CloudTrail Insights (unusual API call and error rates)", "foundation", "evidence"),
    Control("TRL-2", "audit-logging", (9,), "S3 data events are recorded for every dataset and artifact bucket", "foundation", "evidence"),
    Control("TRL-3", "audit-logging", (10,), "Audit log groups are encrypted and kept per regime", "foundation", "evidence"),
    Control("TRL-4", "audit-logging", (28,), "Trail and findings buckets lock every log version for the regime's retention (S3 Object Lock); audit buckets keep noncurrent versions as long and deny deletion and lifecycle, policy, logging, encryption, ownership, ACL and public access block changes to all but break-glass", "foundation", "evidence"),
    Control("MON-1", "audit-logging", (11, 31), "Alarms on all 15 CIS AWS Foundations v3 monitoring items (4.1-4.15) notify an encrypted topic", "foundation", "evidence"),
    Control("MON-2", "audit-logging", (31,), "Alarms on the calls that switch off the landing's own controls: key policies, grants, rotation, boundaries, trust, trail selectors, Macie, endpoints, public access blocks, bucket policies, log groups", "foundation", "evidence"),
    Control("MON-3", "audit-logging", (30,), "The alert topic has its own key and hears of key switch-off through EventBridge, so disabling the audit key cannot silence the alarm; only named principals may subscribe or change the topic", "foundation", "evidence"),
    Control("MAC-1", "data-discovery", (12,), "Macie is enabled and publishes findings every 15 minutes", "foundation", "evidence"),
    Control("MAC-3", "data-discovery", (13,), "Macie results are exported encrypted and findings reach the alert topic through EventBridge", "foundation", "evidence"),
    Control("NET-1", "private-paths", (14,), "Interface endpoints with private DNS for every service the workloads use, policies limited to the account", "foundation", "network"),
    Control("NET-2", "private-paths", (14,), "S3 is reached through a gateway endpoint limited to the account", "foundation", "network"),
    Control("NET-3", "private-paths", (15,), "Endpoints accept only HTTPS from the VPC's own range", "foundation", "network"),
    Control("DP-1", "least-privilege", (22,), "Key and bucket policies deny use of the data to everyone but the stage's roles that need it, AWS services acting for them, Macie and break-glass", "workload", "data"),
    Control("DP-2", "key-management", (22, 30), "Only the deployers, break-glass and the root user change key policies, create grants not for AWS resources, disable or delete data keys; only break-glass and the root user the landing's audit keys", "workload", "data"),
    Control("DP-3", "private-paths", (23,), "Confidential and restricted data answers only requests from the VPC or made through AWS services", "workload", "network"),
    Control("DP-4", "key-management", (24,), "Roles use their keys only through the services that need them (kms:ViaService) in this account; no role gets the logs key", "workload", "data"),
    Control("DP-5", "private-paths", (25,), "Endpoints let the account's principals reach only the account's resources, with named AWS-owned exceptions", "foundation", "network"),
    Control("DP-6", "encryption-at-rest", (26,), "Buckets refuse writes naming another key or algorithm, and SSE-C", "workload", "data"),
    Control("DET-1", "detection", (11, 12), "Amazon GuardDuty is enabled with S3 protection, publishing every 15 minutes; high and critical findings reach the alert topic", "account", "evidence"),
    Control("DET-2", "detection", (11,), "AWS Security Hub runs AWS Foundational Security Best Practices, CIS AWS Foundations v3 and the regimes' standards (PCI DSS, NIST 800-53); new high and critical findings reach the alert topic", "account", "evidence"),
    Control("DET-3", "detection", (9, 11), "AWS Config records every resource type to an encrypted, deletion-protected bucket and evaluates one conformance pack per regime", "account", "evidence"),
    Control("DET-4", "detection", (17, 22), "IAM Access Analyzer reports external access to the account's resources and unused access of its roles", "account", "evidence"),
    Control("DET-5", "detection", (10, 15), "VPC flow logs of the workloads' VPC go to a log group encrypted with the audit key and kept per regime, through a bounded delivery role", "account", "evidence"),
    Control("IAM-6", "least-privilege", (27,), "People's roles trust only named permission sets or principals, with a source identity and limited session tags; service roles act only for the landing's resources", "workload", "identity"),
    Control("ML-1", "least-privilege", (32,), "The roles that launch SageMaker work create jobs, models, endpoints and notebooks only under their stage's prefix, in the spec's subnets and the compute security group, with network isolation, encrypted inter-container traffic, no direct internet and no root; explicit Denies refuse requests that omit or change these", "workload", "compute"),
    Control("ML-2", "private-paths", (32,), "SageMaker compute runs in a security group without ingress whose egress reaches only the interface endpoints and S3's prefix list; job network interfaces only in the spec's VPC", "foundation", "compute"),
    Control("ML-3", "encryption-at-rest", (32,), "SageMaker volumes and outputs use only the stage's keys, granted only to AWS resources; launchers pass only their stage's execution role, and only to SageMaker", "workload", "compute"),
    Control("ML-4", "encryption-at-rest", (16, 32), "Generated notebook instances run in the spec's subnet and the compute security group with the stage's notebook role, the stage's datasets key on their volume, no direct internet, no root access, IMDSv2 only and no lifecycle configuration", "workload", "compute"),
    # Container supply chain (issue 15 item 6)
    Control("ML-5", "least-privilege", (17,), "Roles pull container images only from their stage's ECR repositories (default the stage's own namespace <name>/<workload>/<stage>/*) and the registries of the spec's image accounts", "workload", "compute"),
    Control("ML-6", "encryption-at-rest", (7, 22), "ECR repositories the landing creates keep tags immutable, scan images on push, encrypt with the stage's images key, expire untagged images, and refuse everyone but the stage's roles, the pushers, the deployers and break-glass", "workload", "compute"),
    # Bedrock (bar 33)
    Control("AI-1", "least-privilege", (33,), "Roles invoke (InvokeModel, Converse) only the spec's Bedrock foundation models, checked against a dated table of the models offered in the region", "workload", "compute"),
    Control("AI-2", "least-privilege", (33,), "A Bedrock guardrail per stage (sensitive-information filters for the data's categories, prompt-attack filter, contextual grounding for RAG); invocations of text models without it are denied", "workload", "compute"),
    Control("AI-4", "least-privilege", (33,), "Each stage's knowledge-base role reaches only that stage's vector store (an OpenSearch Serverless collection, or an Aurora cluster through the Data API with its credentials), and stages never share one; the store's own access policy is its owner's", "workload", "compute"),
    Control("AI-3", "audit-logging", (33,), "Every Bedrock model invocation of the account is logged to an encrypted log group kept for the regime's retention", "foundation", "evidence"),
)  # fmt: skip
CONTROLS_BY_ID: Mapping[str, Control] = MappingProxyType({c.id: c for c in CONTROLS})
