"""Prowler's verdicts before deploying: for each Prowler check that concerns what a landing creates,
whether the landing will pass it once deployed, judged on the state of an offline apply.

Each evaluator reads the values Terraform holds after the offline rehearsal (``terraform show
-json`` of its state) and answers as the Prowler check of the same name would on the deployed
account (Prowler 5.46: its metadata, Risk and Remediation text and what each check inspects):

- ``pass``: the landing's resources satisfy the check; evidence names resource address, attribute
  and value;
- ``fail``: the check would report them; evidence says which, ``fix`` names the aisec control that
  would fix it (or says that no control of ours does, and why);
- ``depends``: the outcome rests on something outside the landing (an account or organization
  setting, resources created at run time, other regions); ``fix`` names it;
- ``not evaluated``: nothing in the landing to judge (``fix`` says why).

Prowler judges every resource of the account; a verdict here speaks for the resources this landing
creates. Policies are judged with aisec's own evaluator (generator/checks/policy_eval.py) on sample
requests from outside the account, not by searching the documents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from generator.checks.policy_eval import Request, evaluate_cross_account
from generator.decide.prowler import PROWLER_VERSION, check_table, where
from generator.decide.prowler import in_reach as prowler_in_reach
from generator.spec import Regime

STATUSES = ("pass", "fail", "depends", "not evaluated")
OUTSIDER = "arn:aws:iam::999988887777:role/outsider"  # a principal of an account that is not ours
_PLACEHOLDER = re.compile(
    r"^[a-z0-9_]+-[0-9a-f]{12}$"
)  # what the offline provider computes for unset attributes


@dataclass(frozen=True)
class Verdict:
    check: str  # Prowler's check name
    status: str  # one of STATUSES
    evidence: tuple[str, ...]  # "address: attribute = value"
    fix: str = ""  # fail: the control that would fix it; depends: what it rests on; not evaluated: why

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["evidence"] = list(self.evidence)
        return out


# --------------------------------------------------------------------------- the landing's state
@dataclass(frozen=True)
class Resource:
    address: str
    type: str
    values: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key, default)
        if isinstance(value, str) and _PLACEHOLDER.match(value):
            return default  # not set by the configuration: the offline provider made it up
        return value

    def ev(self, key: str, value: Any = None) -> str:
        shown = self.get(key) if value is None else value
        return f"{self.address}: {key} = {json.dumps(shown)}"


class Landing:
    """The managed resources of a state, by type."""

    def __init__(self, state: dict[str, Any]):
        self.resources: list[Resource] = []
        self._walk(state.get("values", {}).get("root_module", {}))

    def _walk(self, module: dict[str, Any]) -> None:
        for r in module.get("resources", []):
            if r.get("mode") == "managed":
                self.resources.append(Resource(r["address"], r["type"], r.get("values") or {}))
        for child in module.get("child_modules", []):
            self._walk(child)

    def of(self, *types: str) -> list[Resource]:
        return [r for r in self.resources if r.type in types]

    def by_bucket(self, rtype: str) -> dict[str, Resource]:
        return {r.get("bucket"): r for r in self.of(rtype) if r.get("bucket")}


def _doc(value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            loaded = json.loads(value)
        except ValueError:
            return None
        return loaded if isinstance(loaded, dict) else None
    return None


def _statements(doc: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not doc:
        return []
    stmts = doc.get("Statement", [])
    return [stmts] if isinstance(stmts, dict) else list(stmts)


def _listify(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _outsider_allowed(policy: dict[str, Any], actions: Iterable[str], resource: str) -> list[str]:
    """Actions that an Allow statement of this resource policy grants a principal of another account
    (allowed everything by its own account), without a VPC endpoint, organization or source the
    statement could ask for. Deny statements are left out on purpose: Prowler (like S3's own "public"
    status) calls a policy public by its Allow statements, whatever a Deny elsewhere takes back."""
    allows = {
        "Version": "2012-10-17",
        "Statement": [s for s in _statements(policy) if s.get("Effect") == "Allow"],
    }
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    granted = []
    for action in actions:
        req = Request(OUTSIDER, action, resource, {"aws:SecureTransport": True})
        if evaluate_cross_account(req, resource_policy=allows, identity_policies=[everything]).allowed:
            granted.append(action)
    return granted


# --------------------------------------------------------------------------- the registry
Evaluator = Callable[[Landing], Verdict]
_REGISTRY: dict[str, Evaluator] = {}


def _bind(fn: Callable[[Landing, str], Verdict], name: str) -> Evaluator:
    """One evaluator of several checks, bound to one of their names."""
    return lambda land: fn(land, name)


def _check(*names: str) -> Callable[[Callable[..., Verdict]], Callable[..., Verdict]]:
    def register(fn: Callable[..., Verdict]) -> Callable[..., Verdict]:
        for name in names:
            _REGISTRY[name] = _bind(fn, name) if len(names) > 1 else fn
        return fn

    return register


def _judge(
    check: str,
    items: Iterable[tuple[bool, str]],
    fix: str,
    none: str,
) -> Verdict:
    """pass when every item holds, fail with the failing ones; `none` when there are no items."""
    items = list(items)
    if not items:
        return Verdict(check, "not evaluated", (), none)
    failing = tuple(ev for ok, ev in items if not ok)
    if failing:
        return Verdict(check, "fail", failing, fix)
    return Verdict(check, "pass", tuple(ev for _, ev in items))


# --------------------------------------------------------------------------- S3
_NO_BUCKETS = "the landing creates no S3 bucket"
_LOG_BUCKET_SSE = (
    "no aisec control: AWS delivers server access logs only to buckets encrypted with SSE-S3, so the "
    "access-log bucket cannot use a KMS key"
)


def _buckets(land: Landing) -> list[Resource]:
    return land.of("aws_s3_bucket")


def _name(bucket: Resource) -> str:
    return bucket.get("bucket") or bucket.get("id") or bucket.address


def _sse(land: Landing, bucket: Resource) -> tuple[str | None, Resource | None]:
    conf = land.by_bucket("aws_s3_bucket_server_side_encryption_configuration").get(_name(bucket))
    if conf is None:
        return None, None
    for rule in conf.get("rule") or []:
        for default in rule.get("apply_server_side_encryption_by_default") or []:
            return default.get("sse_algorithm"), conf
    return None, conf


@_check("s3_bucket_default_encryption")
def _s3_default_encryption(land: Landing) -> Verdict:
    def item(b: Resource) -> tuple[bool, str]:
        algorithm, conf = _sse(land, b)
        where = conf.address if conf else b.address
        return bool(algorithm), f"{where}: sse_algorithm = {json.dumps(algorithm)}"

    return _judge("s3_bucket_default_encryption", map(item, _buckets(land)), "S3-1", _NO_BUCKETS)


@_check("s3_bucket_kms_encryption")
def _s3_kms_encryption(land: Landing) -> Verdict:
    logged_to = {r.get("target_bucket") for r in land.of("aws_s3_bucket_logging")}
    items, only_log_buckets = [], True
    for b in _buckets(land):
        algorithm, conf = _sse(land, b)
        ok = algorithm in ("aws:kms", "aws:kms:dsse")
        if not ok and _name(b) not in logged_to:
            only_log_buckets = False
        items.append((ok, f"{conf.address if conf else b.address}: sse_algorithm = {json.dumps(algorithm)}"))
    return _judge(
        "s3_bucket_kms_encryption", items, _LOG_BUCKET_SSE if only_log_buckets else "S3-1", _NO_BUCKETS
    )


def _account_pab(land: Landing) -> Resource | None:
    found = land.of("aws_s3_account_public_access_block")
    return found[0] if found else None


def _pab_restricts(pab: Resource | None) -> bool:
    return bool(pab and pab.get("ignore_public_acls") is True and pab.get("restrict_public_buckets") is True)


@_check("s3_bucket_level_public_access_block")
def _s3_bucket_pab(land: Landing) -> Verdict:
    account = _account_pab(land)
    pabs = land.by_bucket("aws_s3_bucket_public_access_block")

    def item(b: Resource) -> tuple[bool, str]:
        if _pab_restricts(account):
            return True, account.ev("restrict_public_buckets") if account else ""
        pab = pabs.get(_name(b))
        if pab is None:
            return False, f"{b.address}: no aws_s3_bucket_public_access_block"
        ok = _pab_restricts(pab)
        return ok, (
            f"{pab.address}: ignore_public_acls = {json.dumps(pab.get('ignore_public_acls'))}, "
            f"restrict_public_buckets = {json.dumps(pab.get('restrict_public_buckets'))}"
        )

    return _judge("s3_bucket_level_public_access_block", map(item, _buckets(land)), "S3-2", _NO_BUCKETS)


def _bucket_policy(land: Landing, bucket: Resource) -> tuple[dict[str, Any] | None, Resource | None]:
    pol = land.by_bucket("aws_s3_bucket_policy").get(_name(bucket))
    return (_doc(pol.get("policy")), pol) if pol else (None, None)


def _acl_disabled(land: Landing, bucket: Resource) -> Resource | None:
    own = land.by_bucket("aws_s3_bucket_ownership_controls").get(_name(bucket))
    if own and any(r.get("object_ownership") == "BucketOwnerEnforced" for r in own.get("rule") or []):
        return own
    return None


def _public_acl(land: Landing, bucket: Resource, permissions: set[str]) -> list[str]:
    """Grants to everyone or to every AWS account in the bucket's ACL (none when ACLs are disabled)."""
    if _acl_disabled(land, bucket):
        return []
    canned = bucket.get("acl") or ""
    found = (
        [f"acl = {canned}"] if canned in ("public-read", "public-read-write", "authenticated-read") else []
    )
    for acl in land.by_bucket("aws_s3_bucket_acl").values():
        if acl.get("bucket") != _name(bucket):
            continue
        if (acl.get("acl") or "") in ("public-read", "public-read-write", "authenticated-read"):
            found.append(f"{acl.address}: acl = {acl.get('acl')}")
        for policy in acl.get("access_control_policy") or []:
            for grant in policy.get("grant") or []:
                for grantee in grant.get("grantee") or []:
                    if (grantee.get("uri") or "").endswith(("/AllUsers", "/AuthenticatedUsers")) and (
                        grant.get("permission") in permissions
                    ):
                        found.append(
                            f"{acl.address}: grant {grant.get('permission')} to {grantee.get('uri')}"
                        )
    return found


_READ = ("s3:GetObject", "s3:ListBucket")
_WRITE = ("s3:PutObject", "s3:DeleteObject", "s3:PutBucketPolicy")


@_check("s3_bucket_public_access")
def _s3_public_access(land: Landing) -> Verdict:
    account = _account_pab(land)
    pabs = land.by_bucket("aws_s3_bucket_public_access_block")

    def item(b: Resource) -> tuple[bool, str]:
        if _pab_restricts(account):
            return True, f"{account.address}: ignore_public_acls, restrict_public_buckets = true"  # type: ignore[union-attr]
        pab = pabs.get(_name(b))
        if _pab_restricts(pab):
            return True, f"{pab.address}: ignore_public_acls = true, restrict_public_buckets = true"  # type: ignore[union-attr]
        acl = _public_acl(land, b, {"READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"})
        policy, pol = _bucket_policy(land, b)
        granted = _outsider_allowed(policy, _READ + _WRITE, f"{b.get('arn')}/*") if policy else []
        if acl or granted:
            through = [*acl, f"{pol.address if pol else 'its policy'} grants {granted}"] if granted else acl
            return False, f"{b.address}: public through " + ", ".join(through)
        return True, f"{b.address}: no public ACL grant; bucket policy grants nothing outside the account"

    return _judge("s3_bucket_public_access", map(item, _buckets(land)), "S3-2, DP-1", _NO_BUCKETS)


@_check("s3_bucket_acl_prohibited")
def _s3_acl_prohibited(land: Landing) -> Verdict:
    def item(b: Resource) -> tuple[bool, str]:
        own = _acl_disabled(land, b)
        return (True, f"{own.address}: object_ownership = \"BucketOwnerEnforced\"") if own else (
            False, f"{b.address}: object ownership is not BucketOwnerEnforced"
        )  # fmt: skip

    return _judge("s3_bucket_acl_prohibited", map(item, _buckets(land)), "S3-2", _NO_BUCKETS)


@_check("s3_bucket_object_versioning")
def _s3_versioning(land: Landing) -> Verdict:
    vers = land.by_bucket("aws_s3_bucket_versioning")

    def item(b: Resource) -> tuple[bool, str]:
        v = vers.get(_name(b))
        status = (
            next((c.get("status") for c in (v.get("versioning_configuration") or [])), None) if v else None
        )
        return status == "Enabled", f"{v.address if v else b.address}: status = {json.dumps(status)}"

    return _judge("s3_bucket_object_versioning", map(item, _buckets(land)), "S3-3", _NO_BUCKETS)


def _denies_insecure_transport(policy: dict[str, Any] | None) -> bool:
    """Prowler's test: a Deny on s3:PutObject, s3:* or * whose Bool condition has aws:SecureTransport "false"."""
    for stmt in _statements(policy):
        actions = _listify(stmt.get("Action"))
        if stmt.get("Effect") != "Deny" or "Condition" not in stmt or not actions:
            continue
        if not {"s3:PutObject", "s3:*", "*"} & set(actions):
            continue
        value = stmt["Condition"].get("Bool", {}).get("aws:SecureTransport")
        if value == "false" or value == ["false"] or value is False:
            return True
    return False


@_check("s3_bucket_secure_transport_policy")
def _s3_secure_transport(land: Landing) -> Verdict:
    def item(b: Resource) -> tuple[bool, str]:
        policy, pol = _bucket_policy(land, b)
        if pol is None:
            return False, f"{b.address}: no bucket policy"
        ok = _denies_insecure_transport(policy)
        return ok, f"{pol.address}: policy {'denies' if ok else 'does not deny'} aws:SecureTransport = false"

    return _judge("s3_bucket_secure_transport_policy", map(item, _buckets(land)), "S3-2", _NO_BUCKETS)


@_check("s3_bucket_server_access_logging_enabled")
def _s3_access_logging(land: Landing) -> Verdict:
    logging = land.by_bucket("aws_s3_bucket_logging")
    items, fix = [], "S3-3"
    for b in _buckets(land):
        log = logging.get(_name(b))
        if log:
            items.append((True, log.ev("target_bucket")))
            continue
        items.append((False, f"{b.address}: no aws_s3_bucket_logging"))
        if any(r.get("target_bucket") == _name(b) for r in logging.values()):
            fix = (
                "no aisec control: the access-log bucket receives the other buckets' logs; logging it into "
                "itself would log its own deliveries without end (AWS advises against it)"
            )
    return _judge("s3_bucket_server_access_logging_enabled", items, fix, _NO_BUCKETS)


@_check("s3_bucket_lifecycle_enabled")
def _s3_lifecycle(land: Landing) -> Verdict:
    lifecycles = land.by_bucket("aws_s3_bucket_lifecycle_configuration")

    def item(b: Resource) -> tuple[bool, str]:
        lc = lifecycles.get(_name(b))
        enabled = [r.get("id") for r in (lc.get("rule") or []) if r.get("status") == "Enabled"] if lc else []
        return bool(enabled), f"{lc.address if lc else b.address}: rules enabled = {json.dumps(enabled)}"

    return _judge("s3_bucket_lifecycle_enabled", map(item, _buckets(land)), "S3-3", _NO_BUCKETS)


@_check("s3_bucket_object_lock")
def _s3_object_lock(land: Landing) -> Verdict:
    locks = land.by_bucket("aws_s3_bucket_object_lock_configuration")

    def item(b: Resource) -> tuple[bool, str]:
        if b.get("object_lock_enabled") is True or _name(b) in locks:
            where = locks[_name(b)].address if _name(b) in locks else b.address
            return True, f"{where}: object lock enabled"
        return False, b.ev("object_lock_enabled")

    return _judge(
        "s3_bucket_object_lock", map(item, _buckets(land)),
        "TRL-4 locks the trail and findings buckets only; no aisec control locks dataset, artifact and log buckets "
        "(their data must stay deletable, e.g. for GDPR erasure)", _NO_BUCKETS,
    )  # fmt: skip


@_check("s3_bucket_no_mfa_delete")
def _s3_mfa_delete(land: Landing) -> Verdict:
    vers = land.by_bucket("aws_s3_bucket_versioning")
    buckets = _buckets(land)
    if not buckets:
        return Verdict("s3_bucket_no_mfa_delete", "not evaluated", (), _NO_BUCKETS)
    evidence = []
    for b in buckets:
        v = vers.get(_name(b))
        mfa = (
            next((c.get("mfa_delete") for c in (v.get("versioning_configuration") or [])), None)
            if v
            else None
        )
        if mfa != "Enabled":
            evidence.append(f"{v.address if v else b.address}: mfa_delete = {json.dumps(mfa)}")
    if not evidence:
        return Verdict(
            "s3_bucket_no_mfa_delete", "pass", tuple(f"{b.address}: mfa_delete = Enabled" for b in buckets)
        )
    return Verdict(
        "s3_bucket_no_mfa_delete", "depends", tuple(evidence),
        "the account's root user: only root with its MFA device can turn MFA Delete on (put-bucket-versioning "
        "--mfa), which Terraform cannot do; TRL-4's object lock protects the audit buckets instead",
    )  # fmt: skip


@_check("s3_bucket_policy_public_write_access")
def _s3_public_write_policy(land: Landing) -> Verdict:
    account = _account_pab(land)
    pabs = land.by_bucket("aws_s3_bucket_public_access_block")

    def item(b: Resource) -> tuple[bool, str]:
        policy, pol = _bucket_policy(land, b)
        if pol is None:
            return True, f"{b.address}: no bucket policy"
        for pab in (account, pabs.get(_name(b))):
            if pab is not None and pab.get("restrict_public_buckets") is True:
                return True, pab.ev("restrict_public_buckets")
        granted = _outsider_allowed(policy or {}, _WRITE, f"{b.get('arn')}/*")
        return not granted, f"{pol.address}: grants outside the account {json.dumps(granted)}"

    return _judge(
        "s3_bucket_policy_public_write_access", map(item, _buckets(land)), "S3-2, DP-1", _NO_BUCKETS
    )


@_check("s3_bucket_public_write_acl")
def _s3_public_write_acl(land: Landing) -> Verdict:
    account = _account_pab(land)
    pabs = land.by_bucket("aws_s3_bucket_public_access_block")

    def item(b: Resource) -> tuple[bool, str]:
        for pab in (account, pabs.get(_name(b))):
            if pab is not None and pab.get("ignore_public_acls") is True:
                return True, pab.ev("ignore_public_acls")
        grants = _public_acl(land, b, {"WRITE", "WRITE_ACP", "FULL_CONTROL"})
        own = _acl_disabled(land, b)
        return not grants, (f"{b.address}: " + ", ".join(grants)) if grants else (
            f"{own.address}: ACLs disabled (BucketOwnerEnforced)" if own else f"{b.address}: no public write grant"
        )  # fmt: skip

    return _judge("s3_bucket_public_write_acl", map(item, _buckets(land)), "S3-2", _NO_BUCKETS)


@_check("s3_bucket_cross_account_access")
def _s3_cross_account(land: Landing) -> Verdict:
    def item(b: Resource) -> tuple[bool, str]:
        policy, pol = _bucket_policy(land, b)
        if pol is None:
            return True, f"{b.address}: no bucket policy"
        granted = _outsider_allowed(policy or {}, _READ + _WRITE, f"{b.get('arn')}/*")
        return not granted, f"{pol.address}: grants another account {json.dumps(granted)}"

    return _judge("s3_bucket_cross_account_access", map(item, _buckets(land)), "DP-1", _NO_BUCKETS)


@_check("s3_bucket_event_notifications_enabled")
def _s3_notifications(land: Landing) -> Verdict:
    notes = land.by_bucket("aws_s3_bucket_notification")

    def item(b: Resource) -> tuple[bool, str]:
        n = notes.get(_name(b))
        return (
            (True, f"{n.address}: notification configured")
            if n
            else (False, f"{b.address}: no aws_s3_bucket_notification")
        )

    return _judge(
        "s3_bucket_event_notifications_enabled", map(item, _buckets(land)),
        "no aisec control: the landing sends S3 events through CloudTrail data events (TRL-2) and Macie (MAC-2), "
        "not bucket notifications", _NO_BUCKETS,
    )  # fmt: skip


@_check("s3_account_level_public_access_blocks")
def _s3_account_pab(land: Landing) -> Verdict:
    account = _account_pab(land)
    if account is None:
        return Verdict(
            "s3_account_level_public_access_blocks", "depends", (),
            "the account's S3 Block Public Access setting (ignore_public_acls, restrict_public_buckets), an "
            "account-wide setting outside the landing; every bucket the landing creates blocks public access itself",
        )  # fmt: skip
    ok = _pab_restricts(account)
    return Verdict("s3_account_level_public_access_blocks", "pass" if ok else "fail",
                   (account.ev("ignore_public_acls"), account.ev("restrict_public_buckets")), "" if ok else "S3-2")  # fmt: skip


@_check("s3_access_point_public_access_block")
def _s3_access_points(land: Landing) -> Verdict:
    points = land.of("aws_s3_access_point")
    items = []
    for p in points:
        conf = (p.get("public_access_block_configuration") or [{}])[0]
        keys = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")
        items.append(
            (
                all(conf.get(k) is True for k in keys),
                f"{p.address}: public_access_block_configuration = {json.dumps(conf)}",
            )
        )
    return _judge(
        "s3_access_point_public_access_block", items, "S3-2", "the landing creates no S3 access point"
    )


# --------------------------------------------------------------------------- KMS
def _keys(land: Landing) -> list[Resource]:
    return land.of("aws_kms_key")


_NO_KEYS = "the landing creates no KMS key"


@_check("kms_cmk_rotation_enabled")
def _kms_rotation(land: Landing) -> Verdict:
    items = [
        (k.get("enable_key_rotation") is True, k.ev("enable_key_rotation"))
        for k in _keys(land)
        if k.get("is_enabled", True)
        and "SYMMETRIC" in (k.get("customer_master_key_spec") or "SYMMETRIC_DEFAULT")
    ]
    return _judge("kms_cmk_rotation_enabled", items, "KMS-1", _NO_KEYS)


@_check("kms_cmk_are_used", "kms_cmk_not_deleted_unintentionally")
def _kms_enabled(land: Landing, check: str) -> Verdict:
    # Prowler reads the key state: a key the landing keeps in its state is Enabled (or Disabled when
    # is_enabled is false) and never PendingDeletion, which only a destroy or a manual schedule causes.
    items = [(k.get("is_enabled") is not False, k.ev("is_enabled")) for k in _keys(land)]
    return _judge(check, items, "KMS-2", _NO_KEYS)


_KMS_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:PutKeyPolicy")


@_check("kms_key_not_publicly_accessible")
def _kms_public(land: Landing) -> Verdict:
    def item(k: Resource) -> tuple[bool, str]:
        policy = _doc(k.get("policy")) or {}
        granted = _outsider_allowed(policy, _KMS_ACTIONS, k.get("arn") or "*")
        return not granted, f"{k.address}: policy grants another account {json.dumps(granted)}"

    return _judge("kms_key_not_publicly_accessible", map(item, _keys(land)), "KMS-3, DP-1", _NO_KEYS)


# --------------------------------------------------------------------------- CloudTrail
_EXISTING_TRAIL = (
    "the organization's or account's existing trail (foundation: existing): the landing creates no trail"
)


def _trails(land: Landing) -> list[Resource]:
    return land.of("aws_cloudtrail")


def _trail_check(
    check: str, land: Landing, test: Callable[[Resource], tuple[bool, str]], fix: str
) -> Verdict:
    trails = _trails(land)
    if not trails:
        return Verdict(check, "depends", (), _EXISTING_TRAIL)
    results = [test(t) for t in trails]
    if any(ok for ok, _ in results):  # Prowler: one trail that does it is enough
        return Verdict(check, "pass", tuple(ev for ok, ev in results if ok))
    return Verdict(check, "fail", tuple(ev for _, ev in results), fix)


def _logging(t: Resource) -> bool:
    return t.get("enable_logging", True) is not False


@_check("cloudtrail_multi_region_enabled")
def _ct_multi_region(land: Landing) -> Verdict:
    return _trail_check(
        "cloudtrail_multi_region_enabled", land,
        lambda t: (t.get("is_multi_region_trail") is True and _logging(t), t.ev("is_multi_region_trail")), "TRL-1",
    )  # fmt: skip


def _management_events(t: Resource) -> tuple[bool, str]:
    for sel in t.get("advanced_event_selector") or []:
        fields = {f.get("field"): f for f in sel.get("field_selector") or []}
        category = fields.get("eventCategory")
        if category and "Management" in (category.get("equals") or []) and "readOnly" not in fields:
            return (
                True,
                f"{t.address}: advanced_event_selector {json.dumps(sel.get('name'))} records read and write management events",
            )
    for sel in t.get("event_selector") or []:
        if sel.get("include_management_events") is not False and sel.get("read_write_type", "All") == "All":
            return True, f"{t.address}: event_selector read_write_type = All with management events"
    if not (t.get("advanced_event_selector") or t.get("event_selector")):
        return True, f"{t.address}: no selector (CloudTrail records all management events)"
    return False, f"{t.address}: no selector records read and write management events"


@_check("cloudtrail_multi_region_enabled_logging_management_events")
def _ct_management(land: Landing) -> Verdict:
    def test(t: Resource) -> tuple[bool, str]:
        ok, ev = _management_events(t)
        return ok and t.get("is_multi_region_trail") is True and _logging(
            t
        ), f"{ev}; {t.ev('is_multi_region_trail')}"

    return _trail_check("cloudtrail_multi_region_enabled_logging_management_events", land, test, "TRL-1")


@_check("cloudtrail_bedrock_logging_enabled")
def _ct_bedrock(land: Landing) -> Verdict:
    def test(t: Resource) -> tuple[bool, str]:
        ok, ev = _management_events(t)
        return ok and _logging(t), ev

    return _trail_check("cloudtrail_bedrock_logging_enabled", land, test, "TRL-1")


@_check("cloudtrail_log_file_validation_enabled")
def _ct_validation(land: Landing) -> Verdict:
    return _trail_check(
        "cloudtrail_log_file_validation_enabled", land,
        lambda t: (t.get("enable_log_file_validation") is True, t.ev("enable_log_file_validation")), "TRL-1",
    )  # fmt: skip


@_check("cloudtrail_kms_encryption_enabled")
def _ct_kms(land: Landing) -> Verdict:
    return _trail_check(
        "cloudtrail_kms_encryption_enabled",
        land,
        lambda t: (bool(t.get("kms_key_id")), t.ev("kms_key_id")),
        "TRL-1",
    )


@_check("cloudtrail_cloudwatch_logging_enabled")
def _ct_cloudwatch(land: Landing) -> Verdict:
    # Prowler also wants a delivery in the last 24 hours, which a logging trail with a log group makes.
    return _trail_check(
        "cloudtrail_cloudwatch_logging_enabled", land,
        lambda t: (bool(t.get("cloud_watch_logs_group_arn")), t.ev("cloud_watch_logs_group_arn")), "TRL-1",
    )  # fmt: skip


def _s3_data_events(t: Resource, kinds: tuple[str, ...]) -> tuple[bool, str]:
    for sel in t.get("advanced_event_selector") or []:
        for f in sel.get("field_selector") or []:
            if f.get("field") == "resources.type" and (f.get("equals") or [None])[0] == "AWS::S3::Object":
                return (
                    True,
                    f"{t.address}: advanced_event_selector {json.dumps(sel.get('name'))} records AWS::S3::Object",
                )
    for sel in t.get("event_selector") or []:
        if sel.get("read_write_type", "All") not in kinds:
            continue
        for res in sel.get("data_resource") or []:
            values = res.get("values") or []
            if res.get("type") == "AWS::S3::Object" and {
                "arn:aws:s3",
                "arn:aws:s3:::",
                "arn:aws:s3:::*/*",
            } & set(values):
                return True, f"{t.address}: event_selector records AWS::S3::Object for all buckets"
    return False, f"{t.address}: no selector records S3 object-level events"


@_check("cloudtrail_s3_dataevents_read_enabled")
def _ct_s3_read(land: Landing) -> Verdict:
    return _trail_check(
        "cloudtrail_s3_dataevents_read_enabled",
        land,
        lambda t: _s3_data_events(t, ("All", "ReadOnly")),
        "TRL-2",
    )


@_check("cloudtrail_s3_dataevents_write_enabled")
def _ct_s3_write(land: Landing) -> Verdict:
    return _trail_check(
        "cloudtrail_s3_dataevents_write_enabled",
        land,
        lambda t: _s3_data_events(t, ("All", "WriteOnly")),
        "TRL-2",
    )


@_check("cloudtrail_insights_exist")
def _ct_insights(land: Landing) -> Verdict:
    return _trail_check(
        "cloudtrail_insights_exist", land,
        lambda t: (bool(t.get("insight_selector")) and _logging(t), t.ev("insight_selector")), "TRL-1",
    )  # fmt: skip


def _trail_bucket_check(
    check: str, land: Landing, test: Callable[[Resource, Resource], tuple[bool, str]], fix: str
) -> Verdict:
    trails = _trails(land)
    if not trails:
        return Verdict(check, "depends", (), _EXISTING_TRAIL)
    buckets = {_name(b): b for b in _buckets(land)}
    items = []
    for t in trails:
        bucket = buckets.get(t.get("s3_bucket_name"))
        if bucket is None:
            return Verdict(check, "depends", (t.ev("s3_bucket_name"),),
                           "the trail's bucket in the log-archive account, outside the landing")  # fmt: skip
        items.append(test(t, bucket))
    return _judge(check, items, fix, "")


@_check("cloudtrail_logs_s3_bucket_access_logging_enabled")
def _ct_bucket_logging(land: Landing) -> Verdict:
    logging = land.by_bucket("aws_s3_bucket_logging")

    def test(t: Resource, b: Resource) -> tuple[bool, str]:
        log = logging.get(_name(b))
        return (True, log.ev("target_bucket")) if log else (False, f"{b.address}: no aws_s3_bucket_logging")

    return _trail_bucket_check("cloudtrail_logs_s3_bucket_access_logging_enabled", land, test, "S3-3")


@_check("cloudtrail_logs_s3_bucket_is_not_publicly_accessible")
def _ct_bucket_public(land: Landing) -> Verdict:
    def test(t: Resource, b: Resource) -> tuple[bool, str]:
        grants = _public_acl(land, b, {"READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"})
        own = _acl_disabled(land, b)
        return not grants, (f"{b.address}: " + ", ".join(grants)) if grants else (
            f"{own.address}: ACLs disabled (BucketOwnerEnforced)" if own else f"{b.address}: no AllUsers grant"
        )  # fmt: skip

    return _trail_bucket_check("cloudtrail_logs_s3_bucket_is_not_publicly_accessible", land, test, "S3-2")


# --------------------------------------------------------------------------- CloudWatch
@_check("cloudwatch_log_group_kms_encryption_enabled")
def _cw_kms(land: Landing) -> Verdict:
    items = [(bool(g.get("kms_key_id")), g.ev("kms_key_id")) for g in land.of("aws_cloudwatch_log_group")]
    return _judge(
        "cloudwatch_log_group_kms_encryption_enabled",
        items,
        "LOG-1, TRL-3",
        "the landing creates no log group",
    )


@_check("cloudwatch_log_group_retention_policy_specific_days_enabled")
def _cw_retention(land: Landing) -> Verdict:
    def item(g: Resource) -> tuple[bool, str]:
        days = g.get("retention_in_days") or 0  # 0: never expire
        return days == 0 or days >= 365, g.ev("retention_in_days", days)

    return _judge(
        "cloudwatch_log_group_retention_policy_specific_days_enabled", map(item, land.of("aws_cloudwatch_log_group")),
        "LOG-1, TRL-3 (retention per regime; Prowler's default threshold is 365 days)", "the landing creates no log group",
    )  # fmt: skip


# What each metric-filter check looks for in a filter on a trail's log group (Prowler 5.46's
# patterns: the events named, each `$.eventName = X`, with the event source or other clauses).
_FILTERS: dict[str, dict[str, Any]] = {
    "cloudwatch_log_metric_filter_unauthorized_api_calls": {
        "regex": r"\$\.errorCode\s*=\s*.?\*UnauthorizedOperation.+\$\.errorCode\s*=\s*.?AccessDenied\*.?"},
    "cloudwatch_log_metric_filter_root_usage": {
        "regex": r"\$\.userIdentity\.type\s*=\s*.?Root.+\$\.userIdentity\.invokedBy NOT EXISTS.+\$\.eventType\s*!=\s*.?AwsServiceEvent.?"},
    "cloudwatch_log_metric_filter_sign_in_without_mfa": {
        "names": ["ConsoleLogin"], "clauses": [("additionalEventData.MFAUsed", "!=", "Yes")]},
    "cloudwatch_log_metric_filter_authentication_failures": {
        "names": ["ConsoleLogin"], "clauses": [("errorMessage", "=", "Failed authentication")]},
    "cloudwatch_log_metric_filter_policy_changes": {"names": [
        "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy", "PutUserPolicy",
        "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion", "AttachRolePolicy",
        "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy"]},
    "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled": {
        "names": ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"]},
    "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk": {
        "source": "kms.amazonaws.com", "names": ["DisableKey", "ScheduleKeyDeletion"]},
    "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes": {"source": "s3.amazonaws.com", "names": [
        "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
        "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication"]},
    "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled": {
        "source": "config.amazonaws.com",
        "names": ["StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"]},
    "cloudwatch_log_metric_filter_security_group_changes": {"names": [
        "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup"]},
    "cloudwatch_changes_to_network_acls_alarm_configured": {"names": [
        "CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
        "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"]},
    "cloudwatch_changes_to_network_gateways_alarm_configured": {"names": [
        "CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
        "DeleteInternetGateway", "DetachInternetGateway"]},
    "cloudwatch_changes_to_network_route_tables_alarm_configured": {"source": "ec2.amazonaws.com", "names": [
        "CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
        "DeleteRoute", "DisassociateRouteTable"]},
    "cloudwatch_changes_to_vpcs_alarm_configured": {"names": [
        "CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
        "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
        "DisableVpcClassicLink", "EnableVpcClassicLink"]},
    "cloudwatch_log_metric_filter_aws_organizations_changes": {"source": "organizations.amazonaws.com", "names": [
        "AcceptHandshake", "AttachPolicy", "CancelHandshake", "CreateAccount", "CreateOrganization",
        "CreateOrganizationalUnit", "CreatePolicy", "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit",
        "DeletePolicy", "EnableAllFeatures", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization",
        "DetachPolicy", "DisablePolicyType", "MoveAccount", "RemoveAccountFromOrganization", "UpdateOrganizationalUnit",
        "UpdatePolicy"]},
}  # fmt: skip


def _filter_regex(spec: dict[str, Any]) -> str:
    if "regex" in spec:
        return str(spec["regex"])
    parts = []
    if spec.get("source"):
        parts.append(rf"(?=.*\$\.eventSource\s*=\s*.?{re.escape(spec['source'])})")
    for name in spec.get("names", []):
        parts.append(rf"(?=.*\$\.eventName\s*=\s*.?{re.escape(name)}\b)")
    for field, op, value in spec.get("clauses", []):
        sep = r"\s*!=\s*" if op == "!=" else r"\s*=\s*"
        parts.append(rf"(?=.*\$\.{re.escape(field)}{sep}.?{re.escape(value)})")
    return "".join(parts)


def _metric_filter(land: Landing, check: str) -> Verdict:
    trails = _trails(land)
    if not trails:
        return Verdict(check, "depends", (), _EXISTING_TRAIL)
    groups = {(t.get("cloud_watch_logs_group_arn") or "").split(":")[6:7][0] for t in trails
              if len((t.get("cloud_watch_logs_group_arn") or "").split(":")) > 6}  # fmt: skip
    if not groups:
        return Verdict(
            check, "fail", tuple(t.ev("cloud_watch_logs_group_arn") for t in trails), "TRL-1, MON-1"
        )
    regex = re.compile(_filter_regex(_FILTERS[check]), re.DOTALL)
    alarms = land.of("aws_cloudwatch_metric_alarm")
    matching = []
    for f in land.of("aws_cloudwatch_log_metric_filter"):
        if f.get("log_group_name") not in groups or not regex.search(f.get("pattern") or ""):
            continue
        for mt in f.get("metric_transformation") or []:
            alarm = next((a for a in alarms if a.get("metric_name") == mt.get("name")
                          and a.get("namespace") in (None, mt.get("namespace"))), None)  # fmt: skip
            if alarm:
                return Verdict(check, "pass", (f"{f.address}: pattern matches; alarm {alarm.address}",))
            matching.append(f"{f.address}: pattern matches but no alarm on metric {mt.get('name')}")
    return Verdict(
        check, "fail", tuple(matching) or (f"no metric filter on {sorted(groups)} matches",), "MON-1"
    )


for _name_ in _FILTERS:
    _REGISTRY[_name_] = _bind(_metric_filter, _name_)


@_check("cloudwatch_alarm_actions_alarm_state_configured")
def _cw_alarm_actions(land: Landing) -> Verdict:
    items = [
        (bool(a.get("alarm_actions")), a.ev("alarm_actions")) for a in land.of("aws_cloudwatch_metric_alarm")
    ]
    return _judge(
        "cloudwatch_alarm_actions_alarm_state_configured", items, "MON-1", "the landing creates no alarm"
    )


@_check("cloudwatch_log_group_not_publicly_accessible")
def _cw_public(land: Landing) -> Verdict:
    groups = land.of("aws_cloudwatch_log_group")
    if not groups:
        return Verdict(
            "cloudwatch_log_group_not_publicly_accessible",
            "not evaluated",
            (),
            "the landing creates no log group",
        )
    items = []
    for rp in land.of("aws_cloudwatch_log_resource_policy"):
        policy = _doc(rp.get("policy_document")) or {}
        granted = _outsider_allowed(policy, ("logs:PutLogEvents", "logs:GetLogEvents"), "*")
        items.append((not granted, f"{rp.address}: grants another account {json.dumps(granted)}"))
    if not items:
        return Verdict("cloudwatch_log_group_not_publicly_accessible", "depends", (),
                       "the account's CloudWatch Logs resource policies: the landing adds none")  # fmt: skip
    return _judge("cloudwatch_log_group_not_publicly_accessible", items, "LOG-1", "")


# --------------------------------------------------------------------------- IAM
def _customer_policies(land: Landing) -> list[tuple[Resource, dict[str, Any]]]:
    return [(p, _doc(p.get("policy")) or {}) for p in land.of("aws_iam_policy")]


def _inline_policies(land: Landing) -> list[tuple[Resource, dict[str, Any]]]:
    return [(p, _doc(p.get("policy")) or {}) for p in land.of("aws_iam_role_policy")]


def _allows(doc: dict[str, Any], action: str, resource: str = "*") -> bool:
    """An Allow statement whose Action names exactly `action` (or a wildcard that is it) on `resource`."""
    for stmt in _statements(doc):
        if stmt.get("Effect") != "Allow" or "Action" not in stmt:
            continue
        if action in _listify(stmt.get("Action")) and (
            resource == "" or resource in _listify(stmt.get("Resource"))
        ):
            return True
    return False


def _policy_check(check: str, policies: list[tuple[Resource, dict[str, Any]]], bad: Callable[[dict[str, Any]], bool],
                  what: str, fix: str, none: str) -> Verdict:  # fmt: skip
    items = [
        (not bad(doc), f"{p.address}: policy {'allows' if bad(doc) else 'does not allow'} {what}")
        for p, doc in policies
    ]
    return _judge(check, items, fix, none)


_NO_POLICY = "the landing creates no customer-managed policy"
_NO_INLINE = "the landing creates no inline policy"


@_check("iam_customer_attached_policy_no_administrative_privileges")
def _iam_admin(land: Landing) -> Verdict:
    # Prowler judges customer-managed policies attached to a principal; a permission boundary is not an attachment
    attached = {arn for _, arn in _managed_attachments(land)}
    policies = [(p, d) for p, d in _customer_policies(land) if p.get("arn") in attached]
    return _policy_check("iam_customer_attached_policy_no_administrative_privileges", policies,
                         lambda d: _allows(d, "*"), '"Action": "*" on "*"', "IAM-4",
                         "the landing attaches no customer-managed policy (its policies are permission boundaries)")  # fmt: skip


@_check("iam_inline_policy_no_administrative_privileges")
def _iam_inline_admin(land: Landing) -> Verdict:
    return _policy_check("iam_inline_policy_no_administrative_privileges", _inline_policies(land),
                         lambda d: _allows(d, "*"), '"Action": "*" on "*"', "IAM-4", _NO_INLINE)  # fmt: skip


@_check("iam_policy_no_full_access_to_kms")
def _iam_kms(land: Landing) -> Verdict:
    return _policy_check("iam_policy_no_full_access_to_kms", _customer_policies(land),
                         lambda d: _allows(d, "kms:*", ""), '"kms:*"', "IAM-1, DP-4", _NO_POLICY)  # fmt: skip


@_check("iam_inline_policy_no_full_access_to_kms")
def _iam_inline_kms(land: Landing) -> Verdict:
    return _policy_check("iam_inline_policy_no_full_access_to_kms", _inline_policies(land),
                         lambda d: _allows(d, "kms:*", ""), '"kms:*"', "IAM-1, DP-4", _NO_INLINE)  # fmt: skip


@_check("iam_policy_no_full_access_to_cloudtrail")
def _iam_cloudtrail(land: Landing) -> Verdict:
    return _policy_check("iam_policy_no_full_access_to_cloudtrail", _customer_policies(land),
                         lambda d: _allows(d, "cloudtrail:*", ""), '"cloudtrail:*"', "IAM-1", _NO_POLICY)  # fmt: skip


@_check("iam_no_custom_policy_permissive_role_assumption")
def _iam_assume(land: Landing) -> Verdict:
    def bad(d: dict[str, Any]) -> bool:
        return any(_allows(d, a) for a in ("sts:AssumeRole", "sts:*", "*"))

    return _policy_check("iam_no_custom_policy_permissive_role_assumption", _customer_policies(land), bad,
                         "sts:AssumeRole on every role", "IAM-1", _NO_POLICY)  # fmt: skip


@_check("iam_policy_no_wildcard_marketplace_subscribe")
def _iam_marketplace(land: Landing) -> Verdict:
    return _policy_check("iam_policy_no_wildcard_marketplace_subscribe", _customer_policies(land),
                         lambda d: _allows(d, "aws-marketplace:Subscribe") or _allows(d, "aws-marketplace:*"),
                         "aws-marketplace:Subscribe on *", "AI-1", _NO_POLICY)  # fmt: skip


@_check("iam_inline_policy_no_wildcard_marketplace_subscribe")
def _iam_inline_marketplace(land: Landing) -> Verdict:
    return _policy_check("iam_inline_policy_no_wildcard_marketplace_subscribe", _inline_policies(land),
                         lambda d: _allows(d, "aws-marketplace:Subscribe") or _allows(d, "aws-marketplace:*"),
                         "aws-marketplace:Subscribe on *", "AI-1", _NO_INLINE)  # fmt: skip


_AWS_ADMIN = ("arn:aws:iam::aws:policy/AdministratorAccess",)


def _managed_attachments(land: Landing) -> list[tuple[str, str]]:
    """(role resource address, attached policy ARN)."""
    out = [(r.address, r.get("policy_arn") or "") for r in land.of("aws_iam_role_policy_attachment")]
    out += [(r.address, a) for r in land.of("aws_iam_role") for a in (r.get("managed_policy_arns") or [])]
    return out


def _attachment_check(check: str, land: Landing, arns: tuple[str, ...], fix: str) -> Verdict:
    roles = land.of("aws_iam_role")
    if not roles:
        return Verdict(check, "not evaluated", (), "the landing creates no IAM role")
    bad = tuple(
        f"{addr}: policy_arn = {json.dumps(arn)}" for addr, arn in _managed_attachments(land) if arn in arns
    )
    if bad:
        return Verdict(check, "fail", bad, fix)
    return Verdict(
        check,
        "pass",
        (
            f"{len(roles)} roles of the landing: none has {', '.join(a.split('/')[-1] for a in arns)} attached",
        ),
    )


@_check("iam_role_administratoraccess_policy")
def _iam_role_admin(land: Landing) -> Verdict:
    return _attachment_check("iam_role_administratoraccess_policy", land, _AWS_ADMIN, "IAM-4")


@_check("iam_aws_attached_policy_no_administrative_privileges")
def _iam_aws_admin(land: Landing) -> Verdict:
    return _attachment_check(
        "iam_aws_attached_policy_no_administrative_privileges", land, _AWS_ADMIN, "IAM-4"
    )


@_check("bedrock_full_access_policy_attached")
def _bedrock_full(land: Landing) -> Verdict:
    return _attachment_check("bedrock_full_access_policy_attached", land,
                             ("arn:aws:iam::aws:policy/AmazonBedrockFullAccess",), "AI-1")  # fmt: skip


@_check("iam_policy_attached_only_to_group_or_roles")
def _iam_users(land: Landing) -> Verdict:
    users = land.of("aws_iam_user_policy_attachment", "aws_iam_user_policy", "aws_iam_user")
    if users:
        return Verdict(
            "iam_policy_attached_only_to_group_or_roles",
            "fail",
            tuple(f"{u.address}" for u in users),
            "IAM-4",
        )
    return Verdict("iam_policy_attached_only_to_group_or_roles", "depends", ("the landing creates no IAM user",),
                   "the account's existing IAM users and their policies, outside the landing")  # fmt: skip


@_check("iam_role_cross_service_confused_deputy_prevention")
def _iam_confused_deputy(land: Landing) -> Verdict:
    """Service roles (trusting an AWS service) must restrict the service to the account (aws:SourceAccount,
    aws:SourceArn, aws:SourceOrgID): judged by asking whether the service acting for another account could assume it."""
    items = []
    for role in land.of("aws_iam_role"):
        trust = _doc(role.get("assume_role_policy")) or {}
        services = sorted({s for st in _statements(trust) if st.get("Effect") == "Allow"
                           for s in _listify((st.get("Principal") or {}).get("Service") if isinstance(st.get("Principal"), dict) else None)})  # fmt: skip
        if not services or "aws-service-role" in (role.get("arn") or ""):
            continue
        from generator.checks.policy_eval import evaluate

        open_to = [
            s for s in services
            if evaluate(Request(s, "sts:AssumeRole", role.get("arn") or "*",
                                {"aws:SourceAccount": "999988887777", "aws:SourceArn": "arn:aws:sagemaker:us-east-1:999988887777:x/y",
                                 "aws:SourceOrgID": "o-other"}), resource_policy=trust).allowed
        ]  # fmt: skip
        items.append((not open_to, f"{role.address}: trust lets {json.dumps(open_to or services)} assume it "
                      + ("for another account" if open_to else "only for this account")))  # fmt: skip
    return _judge("iam_role_cross_service_confused_deputy_prevention", items, "KMS-4, IAM-1",
                  "the landing creates no service role")  # fmt: skip


# --------------------------------------------------------------------------- network
@_check("vpc_flow_logs_enabled")
def _vpc_flow_logs(land: Landing) -> Verdict:
    vpcs = {r.get("vpc_id") for r in land.of("aws_vpc_endpoint", "aws_security_group") if r.get("vpc_id")}
    vpcs |= {r.get("id") for r in land.of("aws_vpc")}
    if not vpcs:
        return Verdict("vpc_flow_logs_enabled", "depends", (),
                       "the existing foundation's VPC and its flow logs: the landing creates no network resource")  # fmt: skip
    flows = {r.get("vpc_id"): r for r in land.of("aws_flow_log") if r.get("vpc_id")}
    items = [
        (v in flows, flows[v].ev("vpc_id") if v in flows else f"VPC {v}: no aws_flow_log")
        for v in sorted(vpcs)
    ]
    return _judge("vpc_flow_logs_enabled", items, "DET-5 (detective.flow_logs: create)", "")


@_check("vpc_endpoint_connections_trust_boundaries")
def _vpce_trust(land: Landing) -> Verdict:
    def item(e: Resource) -> tuple[bool, str]:
        policy = _doc(e.get("policy"))
        if policy is None:
            return False, f"{e.address}: no endpoint policy (full access for any principal)"
        service = (e.get("service_name") or "").split(".")[-1]
        granted = _outsider_allowed(policy, (f"{service}:*",), "*")
        return (
            not granted,
            f"{e.address}: policy lets another account's principals through {json.dumps(granted)}",
        )

    endpoints = land.of("aws_vpc_endpoint")
    if not endpoints:
        return Verdict("vpc_endpoint_connections_trust_boundaries", "depends", (), _FOUNDATION_ENDPOINTS)
    verdict = _judge(
        "vpc_endpoint_connections_trust_boundaries", map(item, endpoints), "NET-1, NET-2, DP-5", ""
    )
    if verdict.status == "fail" and all(
        _NO_POLICY_ENDPOINT.search(e) and "no endpoint policy" in e for e in verdict.evidence
    ):
        return Verdict(
            verdict.check,
            "fail",
            verdict.evidence,
            "no aisec control: SageMaker's notebook and Studio endpoints take no endpoint policy; who may open a "
            "notebook is decided by IAM (CreatePresignedNotebookInstanceUrl, ML-4)",
        )
    return verdict


_NO_POLICY_ENDPOINT = re.compile(r'\["sagemaker\.(notebook|studio)"\]')


_FOUNDATION_ENDPOINTS = "the existing foundation's VPC endpoints: the landing creates none"
_BEDROCK_ENDPOINTS = (
    "bedrock",
    "bedrock-runtime",
    "bedrock-agent",
    "bedrock-agent-runtime",
    "bedrock-mantle",
)


def _bedrock_in_use(land: Landing) -> bool:
    return bool(
        land.of(
            "aws_bedrock_guardrail",
            "aws_bedrock_model_invocation_logging_configuration",
            "aws_bedrockagent_agent",
        )
    )


@_check("bedrock_vpc_endpoints_configured")
def _bedrock_endpoints(land: Landing) -> Verdict:
    if not _bedrock_in_use(land):
        return Verdict("bedrock_vpc_endpoints_configured", "not evaluated", (),
                       "no Bedrock guardrail, agent or invocation logging in the landing: Prowler skips the region")  # fmt: skip
    found = {e.get("service_name", "").split(".", 3)[-1]: e for e in land.of("aws_vpc_endpoint")}
    present = [s for s in _BEDROCK_ENDPOINTS if s in found]
    missing = [s for s in _BEDROCK_ENDPOINTS if s not in found]
    evidence = tuple(found[s].ev("service_name") for s in present)
    if missing:
        return Verdict("bedrock_vpc_endpoints_configured", "fail", (*evidence, f"no endpoint for {', '.join(missing)}"),
                       "NET-1 creates the Bedrock endpoints the workloads use; Prowler wants all five in every VPC")  # fmt: skip
    return Verdict("bedrock_vpc_endpoints_configured", "pass", evidence)


@_check("vpc_endpoint_for_ec2_enabled")
def _vpce_ec2(land: Landing) -> Verdict:
    endpoints = land.of("aws_vpc_endpoint")
    if not endpoints:
        return Verdict("vpc_endpoint_for_ec2_enabled", "depends", (), _FOUNDATION_ENDPOINTS)
    ec2 = [e for e in endpoints if (e.get("service_name") or "").endswith(".ec2")]
    if ec2:
        return Verdict("vpc_endpoint_for_ec2_enabled", "pass", tuple(e.ev("service_name") for e in ec2))
    return Verdict("vpc_endpoint_for_ec2_enabled", "fail", (f"{len(endpoints)} endpoints, none for com.amazonaws.<region>.ec2",),
                   "no aisec control: the workloads do not call the EC2 API, so NET-1 creates no ec2 endpoint")  # fmt: skip


_INTERNET = ("0.0.0.0/0", "::/0")


def _ingress_rules(land: Landing) -> list[tuple[Resource, str, int, int, str]]:
    """(rule, cidr, from, to, protocol) of every ingress rule of the landing's security groups."""
    rules = []
    for r in land.of("aws_vpc_security_group_ingress_rule"):
        cidr = r.get("cidr_ipv4") or r.get("cidr_ipv6") or ""
        rules.append(
            (r, cidr, r.get("from_port") or 0, r.get("to_port") or 65535, r.get("ip_protocol") or "-1")
        )
    for sg in land.of("aws_security_group"):
        for i in sg.get("ingress") or []:
            for cidr in (i.get("cidr_blocks") or []) + (i.get("ipv6_cidr_blocks") or []):
                rules.append(
                    (sg, cidr, i.get("from_port") or 0, i.get("to_port") or 65535, i.get("protocol") or "-1")
                )
    for r in land.of("aws_security_group_rule"):
        if r.get("type") == "ingress":
            for cidr in (r.get("cidr_blocks") or []) + (r.get("ipv6_cidr_blocks") or []):
                rules.append(
                    (r, cidr, r.get("from_port") or 0, r.get("to_port") or 65535, r.get("protocol") or "-1")
                )
    return rules


_SG_PORTS: dict[str, tuple[int, ...] | None] = {
    "ec2_securitygroup_allow_ingress_from_internet_to_all_ports": None,
    "ec2_securitygroup_allow_ingress_from_internet_to_any_port": (),
    "ec2_securitygroup_allow_wide_open_public_ipv4": (),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22": (22,),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389": (3389,),
    "ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports": (25, 110, 135, 143, 445, 3000, 4333, 5000, 5500, 8080, 8088),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_cassandra_7199_9160_8888": (7199, 9160, 8888),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_elasticsearch_kibana_9200_9300_5601": (9200, 9300, 5601),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_ftp_20_21": (20, 21),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_kafka_9092": (9092,),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_memcached_11211": (11211,),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mongodb_27017_27018": (27017, 27018),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mysql_3306": (3306,),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_oracle_1521_2483": (1521, 2483),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_postgres_5432": (5432,),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_redis_6379": (6379,),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_sql_server_1433_1434": (1433, 1434),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_telnet_23": (23,),
}  # fmt: skip


def _sg_check(land: Landing, check: str) -> Verdict:
    groups = land.of("aws_security_group")
    if not groups:
        return Verdict(check, "not evaluated", (), "the landing creates no security group")
    ports = _SG_PORTS[check]
    bad = []
    for rule, cidr, lo, hi, proto in _ingress_rules(land):
        if cidr not in _INTERNET:
            continue
        all_ports = proto == "-1" or (lo <= 0 and hi >= 65535)
        if ports is None and not all_ports:
            continue
        if ports and not all_ports and not any(lo <= p <= hi for p in ports):
            continue
        bad.append(f"{rule.address}: ingress {proto} {lo}-{hi} from {cidr}")
    if bad:
        return Verdict(check, "fail", tuple(bad), "NET-3, ML-2")
    return Verdict(check, "pass", tuple(f"{g.address}: no ingress from the internet" for g in groups))


for _name_ in _SG_PORTS:
    _REGISTRY[_name_] = _bind(_sg_check, _name_)


@_check("ec2_securitygroup_default_restrict_traffic")
def _sg_default(land: Landing) -> Verdict:
    found = land.of("aws_default_security_group")
    if found:
        open_ = [g.address for g in found if g.get("ingress") or g.get("egress")]
        return Verdict("ec2_securitygroup_default_restrict_traffic", "fail" if open_ else "pass",
                       tuple(f"{g.address}: ingress/egress rules" for g in found), "NET-3" if open_ else "")  # fmt: skip
    return Verdict("ec2_securitygroup_default_restrict_traffic", "depends", (),
                   "the default security group of the spec's VPC, which the landing does not manage")  # fmt: skip


@_check("ec2_ebs_default_encryption")
def _ebs_default(land: Landing) -> Verdict:
    found = land.of("aws_ebs_encryption_by_default")
    if found:
        ok = found[0].get("enabled") is True
        return Verdict(
            "ec2_ebs_default_encryption",
            "pass" if ok else "fail",
            (found[0].ev("enabled"),),
            "" if ok else "ML-3",
        )
    return Verdict("ec2_ebs_default_encryption", "depends", (),
                   "the account's EBS encryption-by-default setting, per region, outside the landing; SageMaker volumes "
                   "the landing's roles create use the stage's key (ML-3)")  # fmt: skip


@_check("vpc_subnet_no_public_ip_by_default", "vpc_subnet_separate_private_public")
def _subnets(land: Landing, check: str) -> Verdict:
    subnets = land.of("aws_subnet")
    if not subnets:
        return Verdict(
            check,
            "depends",
            (),
            "the subnets of the spec's VPC (network.subnet_ids), which the landing does not create",
        )
    if check == "vpc_subnet_no_public_ip_by_default":
        items = [
            (s.get("map_public_ip_on_launch") is not True, s.ev("map_public_ip_on_launch")) for s in subnets
        ]
        return _judge(check, items, "NET-1", "")
    return Verdict(check, "fail", tuple(s.address for s in subnets),
                   "no aisec control: the landing's created VPC has private subnets only (no internet route)")  # fmt: skip


# --------------------------------------------------------------------------- detective services
_EXISTING_DETECTIVE = (
    "the account's {what}, which the spec says exists already (detective/foundation: existing)"
)


def _single(
    land: Landing, check: str, rtype: str, test: Callable[[Resource], tuple[bool, str]], fix: str, what: str
) -> Verdict:
    found = land.of(rtype)
    if not found:
        return Verdict(check, "depends", (), _EXISTING_DETECTIVE.format(what=what))
    return _judge(check, [test(r) for r in found], fix, "")


@_check("macie_is_enabled")
def _macie(land: Landing) -> Verdict:
    return _single(land, "macie_is_enabled", "aws_macie2_account",
                   lambda r: (r.get("status") == "ENABLED", r.ev("status")), "MAC-1", "Macie")  # fmt: skip


@_check("macie_automated_sensitive_data_discovery_enabled")
def _macie_auto(land: Landing) -> Verdict:
    found = land.of("aws_macie2_automated_discovery_configuration")  # not yet in the AWS provider
    if found:
        return _judge("macie_automated_sensitive_data_discovery_enabled",
                      [(r.get("status") == "ENABLED", r.ev("status")) for r in found], "MAC-2", "")  # fmt: skip
    if not land.of("aws_macie2_account"):
        return Verdict("macie_automated_sensitive_data_discovery_enabled", "depends", (),
                       _EXISTING_DETECTIVE.format(what="Macie"))  # fmt: skip
    jobs = land.of("aws_macie2_classification_job")
    return Verdict(
        "macie_automated_sensitive_data_discovery_enabled", "fail",
        tuple(j.ev("job_type") for j in jobs) or ("no classification job",),
        "no aisec control: MAC-2 runs scheduled classification jobs over the sensitive buckets instead; automated "
        "discovery is an account setting the AWS provider cannot set",
    )  # fmt: skip


def _detector(land: Landing) -> list[Resource]:
    return land.of("aws_guardduty_detector")


@_check("guardduty_is_enabled")
def _gd(land: Landing) -> Verdict:
    return _single(land, "guardduty_is_enabled", "aws_guardduty_detector",
                   lambda r: (r.get("enable") is not False, r.ev("enable")), "DET-1", "GuardDuty detector")  # fmt: skip


_GD_FEATURES = {
    "guardduty_s3_protection_enabled": (("S3_DATA_EVENTS",), "DET-1"),
    "guardduty_ai_protection_enabled": (("AI_PROTECTION",), ""),
    "guardduty_runtime_monitoring_enabled": (("RUNTIME_MONITORING",), ""),
    "guardduty_eks_runtime_monitoring_enabled": (("EKS_RUNTIME_MONITORING", "RUNTIME_MONITORING"), ""),
    "guardduty_eks_audit_log_enabled": (("EKS_AUDIT_LOGS",), ""),
    "guardduty_lambda_protection_enabled": (("LAMBDA_NETWORK_LOGS",), ""),
    "guardduty_rds_protection_enabled": (("RDS_LOGIN_EVENTS",), ""),
    "guardduty_ec2_malware_protection_enabled": (("EBS_MALWARE_PROTECTION",), ""),
}


def _gd_feature(land: Landing, check: str) -> Verdict:
    detectors = _detector(land)
    if not detectors:
        return Verdict(check, "depends", (), _EXISTING_DETECTIVE.format(what="GuardDuty detector"))
    names, control = _GD_FEATURES[check]
    features = [f for f in land.of("aws_guardduty_detector_feature") if f.get("name") in names]
    enabled = [f for f in features if f.get("status") == "ENABLED"]
    if enabled:
        return Verdict(
            check, "pass", tuple(f"{f.address}: {f.get('name')} status = ENABLED" for f in enabled)
        )
    return Verdict(
        check, "fail", tuple(f.ev("status") for f in features) or (f"{detectors[0].address}: no {' or '.join(names)} feature",),
        control or f"no aisec control: the landing's detector enables S3 protection only (DET-1), not {names[0]}",
    )  # fmt: skip


for _name_ in _GD_FEATURES:
    _REGISTRY[_name_] = _bind(_gd_feature, _name_)


@_check("guardduty_centrally_managed", "guardduty_delegated_admin_enabled_all_regions")
def _gd_org(land: Landing, check: str) -> Verdict:
    return Verdict(check, "depends", tuple(d.address for d in _detector(land)),
                   "AWS Organizations: a GuardDuty delegated administrator with auto-enable for every member and region")  # fmt: skip


@_check("config_recorder_all_regions_enabled")
def _config_all(land: Landing) -> Verdict:
    status = land.of("aws_config_configuration_recorder_status")
    if not status:
        return Verdict(
            "config_recorder_all_regions_enabled",
            "depends",
            (),
            _EXISTING_DETECTIVE.format(what="AWS Config recorder"),
        )
    bad = [s for s in status if s.get("is_enabled") is not True]
    if bad:
        return Verdict(
            "config_recorder_all_regions_enabled", "fail", tuple(s.ev("is_enabled") for s in bad), "DET-3"
        )
    return Verdict("config_recorder_all_regions_enabled", "depends", tuple(s.ev("is_enabled") for s in status),
                   "AWS Config recorders in the account's other regions: the landing records its own region only")  # fmt: skip


@_check("config_recorder_using_aws_service_role")
def _config_role(land: Landing) -> Verdict:
    return _single(land, "config_recorder_using_aws_service_role", "aws_config_configuration_recorder",
                   lambda r: ("AWSServiceRoleForConfig" in (r.get("role_arn") or ""), r.ev("role_arn")),
                   "DET-3", "AWS Config recorder")  # fmt: skip


@_check("securityhub_enabled")
def _securityhub(land: Landing) -> Verdict:
    hubs = land.of("aws_securityhub_account")
    if not hubs:
        return Verdict("securityhub_enabled", "depends", (), _EXISTING_DETECTIVE.format(what="Security Hub"))
    standards = land.of("aws_securityhub_standards_subscription")
    if standards or hubs[0].get("enable_default_standards") is True:
        return Verdict(
            "securityhub_enabled",
            "pass",
            (f"{hubs[0].address}: enabled", *tuple(s.ev("standards_arn") for s in standards)),
        )
    return Verdict("securityhub_enabled", "fail", (f"{hubs[0].address}: no standard subscribed",), "DET-2")


@_check("accessanalyzer_enabled")
def _access_analyzer(land: Landing) -> Verdict:
    found = land.of("aws_accessanalyzer_analyzer")
    if not found:
        return Verdict(
            "accessanalyzer_enabled", "depends", (), _EXISTING_DETECTIVE.format(what="IAM Access Analyzer")
        )
    return Verdict(
        "accessanalyzer_enabled",
        "pass",
        tuple(f"{a.address}: type = {json.dumps(a.get('type'))}" for a in found),
    )


@_check("sns_topics_kms_encryption_at_rest_enabled")
def _sns(land: Landing) -> Verdict:
    items = [(bool(t.get("kms_master_key_id")), t.ev("kms_master_key_id")) for t in land.of("aws_sns_topic")]
    return _judge(
        "sns_topics_kms_encryption_at_rest_enabled", items, "MON-3", "the landing creates no SNS topic"
    )


@_check("sqs_queues_server_side_encryption_enabled")
def _sqs(land: Landing) -> Verdict:
    items = [(bool(q.get("kms_master_key_id")) or q.get("sqs_managed_sse_enabled") is True,
              q.ev("kms_master_key_id")) for q in land.of("aws_sqs_queue")]  # fmt: skip
    return _judge("sqs_queues_server_side_encryption_enabled", items, "", "the landing creates no SQS queue")


# --------------------------------------------------------------------------- SageMaker
_NO_NOTEBOOK = "the landing creates no SageMaker notebook instance"


def _notebook_check(check: str, land: Landing, test: Callable[[Resource], tuple[bool, str]]) -> Verdict:
    return _judge(check, [test(n) for n in land.of("aws_sagemaker_notebook_instance")], "ML-4", _NO_NOTEBOOK)


@_check("sagemaker_notebook_instance_encryption_enabled")
def _nb_kms(land: Landing) -> Verdict:
    return _notebook_check(
        "sagemaker_notebook_instance_encryption_enabled",
        land,
        lambda n: (bool(n.get("kms_key_id")), n.ev("kms_key_id")),
    )


@_check("sagemaker_notebook_instance_root_access_disabled")
def _nb_root(land: Landing) -> Verdict:
    return _notebook_check("sagemaker_notebook_instance_root_access_disabled", land,
                           lambda n: (n.get("root_access") == "Disabled", n.ev("root_access")))  # fmt: skip


@_check("sagemaker_notebook_instance_vpc_settings_configured")
def _nb_vpc(land: Landing) -> Verdict:
    return _notebook_check("sagemaker_notebook_instance_vpc_settings_configured", land,
                           lambda n: (bool(n.get("subnet_id")), n.ev("subnet_id")))  # fmt: skip


@_check("sagemaker_notebook_instance_without_direct_internet_access_configured")
def _nb_internet(land: Landing) -> Verdict:
    return _notebook_check("sagemaker_notebook_instance_without_direct_internet_access_configured", land,
                           lambda n: (n.get("direct_internet_access") == "Disabled", n.ev("direct_internet_access")))  # fmt: skip


_RUNTIME_SAGEMAKER = {
    "sagemaker_training_jobs_vpc_settings_configured": "in the spec's subnets",
    "sagemaker_training_jobs_network_isolation_enabled": "with network isolation",
    "sagemaker_training_jobs_intercontainer_encryption_enabled": "with inter-container traffic encryption",
    "sagemaker_training_jobs_volume_and_output_encryption_enabled": "with the stage's volume and output keys (ML-3)",
    "sagemaker_models_network_isolation_enabled": "with network isolation",
    "sagemaker_models_vpc_settings_configured": "in the spec's subnets",
}


def _sagemaker_runtime(land: Landing, check: str) -> Verdict:
    kind = "training jobs" if "training" in check else "models"
    return Verdict(
        check,
        "depends",
        (),
        f"the {kind} created at run time, not by the landing: the landing's launcher roles can create them only "
        f"{_RUNTIME_SAGEMAKER[check]} (ML-1 Denies); {kind} created by other principals of the account are outside it",
    )


for _name_ in _RUNTIME_SAGEMAKER:
    _REGISTRY[_name_] = _bind(_sagemaker_runtime, _name_)


@_check("sagemaker_models_registry_in_use")
def _sm_registry(land: Landing) -> Verdict:
    groups = land.of("aws_sagemaker_model_package_group")
    return Verdict("sagemaker_models_registry_in_use", "depends", tuple(g.address for g in groups),
                   "an Approved model package registered at run time by the team's pipeline")  # fmt: skip


@_check("sagemaker_domain_sso_configured")
def _sm_domain(land: Landing) -> Verdict:
    items = [(d.get("auth_mode") == "SSO", d.ev("auth_mode")) for d in land.of("aws_sagemaker_domain")]
    return _judge(
        "sagemaker_domain_sso_configured", items, "IAM-3", "the landing creates no SageMaker domain"
    )


# --------------------------------------------------------------------------- Bedrock
def _invocation_logging(land: Landing) -> list[Resource]:
    return land.of("aws_bedrock_model_invocation_logging_configuration")


def _logging_config(r: Resource) -> dict[str, Any]:
    return next(iter(r.get("logging_config") or []), {}) or {}


@_check("bedrock_model_invocation_logging_enabled")
def _br_logging(land: Landing) -> Verdict:
    found = _invocation_logging(land)
    if not found and not _trails(land):
        return Verdict("bedrock_model_invocation_logging_enabled", "depends", (),
                       "the existing foundation's Bedrock invocation logging (an account setting per region)")  # fmt: skip
    if not found:
        return Verdict("bedrock_model_invocation_logging_enabled", "fail", ("no aws_bedrock_model_invocation_logging_configuration",),
                       "AI-3 (on for workloads that use Bedrock)")  # fmt: skip

    def item(r: Resource) -> tuple[bool, str]:
        conf = _logging_config(r)
        dest = [k for k in ("cloudwatch_config", "s3_config") if conf.get(k)]
        return bool(dest), f"{r.address}: logging_config destinations = {json.dumps(dest)}"

    return _judge("bedrock_model_invocation_logging_enabled", map(item, found), "AI-3", "")


@_check("bedrock_model_invocation_logging_text_data_enabled")
def _br_text(land: Landing) -> Verdict:
    items = [(_logging_config(r).get("text_data_delivery_enabled") is True,
              f"{r.address}: text_data_delivery_enabled = {json.dumps(_logging_config(r).get('text_data_delivery_enabled'))}")
             for r in _invocation_logging(land)]  # fmt: skip
    return _judge("bedrock_model_invocation_logging_text_data_enabled", items, "AI-3",
                  "no Bedrock invocation logging in the landing: Prowler skips regions without it")  # fmt: skip


@_check("bedrock_model_invocation_logs_encryption_enabled")
def _br_logs_kms(land: Landing) -> Verdict:
    groups = {g.get("name"): g for g in land.of("aws_cloudwatch_log_group")}
    items = []
    for r in _invocation_logging(land):
        for cw in _logging_config(r).get("cloudwatch_config") or []:
            g = groups.get(cw.get("log_group_name"))
            items.append(
                (
                    bool(g and g.get("kms_key_id")),
                    g.ev("kms_key_id")
                    if g
                    else f"{r.address}: log group {cw.get('log_group_name')} outside the landing",
                )
            )
        for s3 in _logging_config(r).get("s3_config") or []:
            b = next((b for b in _buckets(land) if _name(b) == s3.get("bucket_name")), None)
            algorithm = _sse(land, b)[0] if b else None
            items.append(
                (
                    bool(algorithm),
                    f"{r.address}: bucket {s3.get('bucket_name')} sse_algorithm = {json.dumps(algorithm)}",
                )
            )
    return _judge("bedrock_model_invocation_logs_encryption_enabled", items, "AI-3",
                  "no Bedrock invocation logging in the landing: Prowler skips regions without it")  # fmt: skip


def _guardrails(land: Landing) -> list[Resource]:
    return land.of("aws_bedrock_guardrail")


_NO_GUARDRAIL = "the landing creates no Bedrock guardrail"


@_check("bedrock_guardrails_configured")
def _br_guardrails(land: Landing) -> Verdict:
    found = _guardrails(land)
    if found:
        return Verdict("bedrock_guardrails_configured", "pass", tuple(g.ev("name") for g in found))
    if _invocation_logging(land):
        return Verdict(
            "bedrock_guardrails_configured",
            "fail",
            ("no aws_bedrock_guardrail",),
            "AI-2: `bedrock: {guardrail: true}` on the workload (on by default only for sensitive data categories)",
        )
    return Verdict("bedrock_guardrails_configured", "not evaluated", (), "no Bedrock use in the landing")


@_check("bedrock_guardrail_prompt_attack_filter_enabled")
def _br_prompt_attack(land: Landing) -> Verdict:
    def item(g: Resource) -> tuple[bool, str]:
        strengths = [f.get("input_strength") for c in (g.get("content_policy_config") or [])
                     for f in (c.get("filters_config") or []) if f.get("type") == "PROMPT_ATTACK"]  # fmt: skip
        return "HIGH" in strengths, f"{g.address}: PROMPT_ATTACK input_strength = {json.dumps(strengths)}"

    return _judge(
        "bedrock_guardrail_prompt_attack_filter_enabled", map(item, _guardrails(land)), "AI-2", _NO_GUARDRAIL
    )


def _pii_entries(g: Resource) -> list[dict[str, Any]]:
    out = []
    for c in g.get("sensitive_information_policy_config") or []:
        out += list(c.get("pii_entities_config") or []) + list(c.get("regexes_config") or [])
    return out


@_check("bedrock_guardrail_sensitive_information_filter_enabled")
def _br_pii(land: Landing) -> Verdict:
    items = [
        (bool(_pii_entries(g)), f"{g.address}: {len(_pii_entries(g))} sensitive-information entries")
        for g in _guardrails(land)
    ]
    return _judge("bedrock_guardrail_sensitive_information_filter_enabled", items, "AI-2", _NO_GUARDRAIL)


def _known(value: Any) -> Any:
    """None for what the offline provider made up for an attribute the configuration left unset."""
    return None if isinstance(value, str) and _PLACEHOLDER.match(value) else value


def _enforced_on_output(entry: dict[str, Any]) -> bool:
    """Prowler: the output action (else `action`) must be BLOCK or ANONYMIZE and the output path not
    switched off. When the configuration sets neither output attribute, AWS applies `action` on the
    output path (outputEnabled defaults to true); the stand-in then holds a placeholder action and a
    made-up false, which are not what AWS would return."""
    output_action = _known(entry.get("output_action"))
    if output_action is None:
        return entry.get("action") in ("BLOCK", "ANONYMIZE")
    return entry.get("output_enabled") is not False and output_action in ("BLOCK", "ANONYMIZE")


@_check("bedrock_guardrail_sensitive_information_filter_enforced")
def _br_pii_enforced(land: Landing) -> Verdict:
    items = []
    for g in _guardrails(land):
        entries = _pii_entries(g)
        if not entries:
            continue
        weak = sorted(str(e.get("type") or e.get("name")) for e in entries if not _enforced_on_output(e))
        items.append((not weak, f"{g.address}: entries not blocked or masked on output = {json.dumps(weak)}"))
    return _judge(
        "bedrock_guardrail_sensitive_information_filter_enforced",
        items,
        "AI-2",
        "no guardrail with sensitive-information entries",
    )


@_check("bedrock_guardrail_contextual_grounding_filter_enabled")
def _br_grounding(land: Landing) -> Verdict:
    def item(g: Resource) -> tuple[bool, str]:
        kinds = sorted({f.get("type") for c in (g.get("contextual_grounding_policy_config") or [])
                        for f in (c.get("filters_config") or [])})  # fmt: skip
        return {"GROUNDING", "RELEVANCE"} <= set(
            kinds
        ), f"{g.address}: contextual grounding filters = {json.dumps(kinds)}"

    return _judge("bedrock_guardrail_contextual_grounding_filter_enabled", map(item, _guardrails(land)),
                  "AI-2 adds contextual grounding for RAG workloads only", _NO_GUARDRAIL)  # fmt: skip


@_check("bedrock_agent_guardrail_enabled")
def _br_agents(land: Landing) -> Verdict:
    items = [
        (bool(a.get("guardrail_configuration")), a.ev("guardrail_configuration"))
        for a in land.of("aws_bedrockagent_agent")
    ]
    return _judge("bedrock_agent_guardrail_enabled", items, "AI-2", "the landing creates no Bedrock agent")


@_check("bedrock_knowledge_base_encrypted_with_cmk")
def _br_kb(land: Landing) -> Verdict:
    items = []
    for ds in land.of("aws_bedrockagent_data_source"):
        sse: dict[str, Any] = next(iter(ds.get("server_side_encryption_configuration") or []), {}) or {}
        items.append(
            (
                bool(sse.get("kms_key_arn")),
                f"{ds.address}: kms_key_arn = {json.dumps(sse.get('kms_key_arn'))}",
            )
        )
    return _judge("bedrock_knowledge_base_encrypted_with_cmk", items, "AI-4",
                  "the landing creates no knowledge-base data source (the team's pipeline does)")  # fmt: skip


# --------------------------------------------------------------------------- ECR
_NO_REPO = "the landing creates no ECR repository"


@_check("ecr_repositories_scan_images_on_push_enabled")
def _ecr_scan(land: Landing) -> Verdict:
    items = [(any(c.get("scan_on_push") is True for c in (r.get("image_scanning_configuration") or [])),
              f"{r.address}: image_scanning_configuration = {json.dumps(r.get('image_scanning_configuration'))}")
             for r in land.of("aws_ecr_repository")]  # fmt: skip
    return _judge("ecr_repositories_scan_images_on_push_enabled", items, "ML-6", _NO_REPO)


@_check("ecr_repositories_lifecycle_policy_enabled")
def _ecr_lifecycle(land: Landing) -> Verdict:
    policies = {p.get("repository") for p in land.of("aws_ecr_lifecycle_policy")}
    items = [(r.get("name") in policies, f"{r.address}: lifecycle policy {'set' if r.get('name') in policies else 'missing'}")
             for r in land.of("aws_ecr_repository")]  # fmt: skip
    return _judge("ecr_repositories_lifecycle_policy_enabled", items, "ML-6", _NO_REPO)


@_check("ecr_registry_enhanced_scanning_enabled")
def _ecr_enhanced(land: Landing) -> Verdict:
    if not land.of("aws_ecr_repository"):
        return Verdict("ecr_registry_enhanced_scanning_enabled", "not evaluated", (), _NO_REPO)
    conf = land.of("aws_ecr_registry_scanning_configuration")
    if conf and conf[0].get("scan_type") == "ENHANCED":
        return Verdict("ecr_registry_enhanced_scanning_enabled", "pass", (conf[0].ev("scan_type"),))
    return Verdict("ecr_registry_enhanced_scanning_enabled", "depends", tuple(c.ev("scan_type") for c in conf),
                   "the account's ECR registry scanning configuration (Amazon Inspector enhanced scanning), an "
                   "account-wide setting; ML-6 scans each repository's images on push (basic scanning)")  # fmt: skip


# --------------------------------------------------------------------------- account and organization
_ACCOUNT = {
    "iam_root_mfa_enabled": "the root user's MFA device",
    "iam_root_hardware_mfa_enabled": "the root user's hardware MFA device",
    "iam_no_root_access_key": "the root user's access keys",
    "iam_avoid_root_usage": "how the account's root user is used",
    "iam_root_credentials_management_enabled": "AWS Organizations' centralized root access",
    "iam_support_role_created": "a role with AWSSupportAccess in the account",
    "iam_password_policy_minimum_length_14": "the account's IAM password policy",
    "iam_password_policy_reuse_24": "the account's IAM password policy",
    "iam_password_policy_expires_passwords_within_90_days_or_less": "the account's IAM password policy",
    "iam_password_policy_lowercase": "the account's IAM password policy",
    "iam_password_policy_uppercase": "the account's IAM password policy",
    "iam_password_policy_number": "the account's IAM password policy",
    "iam_password_policy_symbol": "the account's IAM password policy",
    "iam_user_mfa_enabled_console_access": "the account's IAM users (the landing creates none)",
    "iam_user_hardware_mfa_enabled": "the account's IAM users (the landing creates none)",
    "iam_rotate_access_key_90_days": "the account's IAM users' access keys (the landing creates none)",
    "iam_user_accesskey_unused": "the account's IAM users' access keys (the landing creates none)",
    "iam_user_console_access_unused": "the account's IAM users (the landing creates none)",
    "iam_user_two_active_access_key": "the account's IAM users' access keys (the landing creates none)",
    "iam_user_no_setup_initial_access_key": "the account's IAM users' access keys (the landing creates none)",
    "iam_administrator_access_with_mfa": "the account's IAM groups with AdministratorAccess",
    "iam_group_administrator_access_policy": "the account's IAM groups with AdministratorAccess",
    "iam_user_administrator_access_policy": "the account's IAM users (the landing creates none)",
    "account_maintain_current_contact_details": "the account's contact details",
    "account_security_contact_information_is_registered": "the account's security contact",
    "account_maintain_different_contact_details_to_security_billing_and_operations": "the account's alternate contacts",
    "organizations_account_part_of_organizations": "AWS Organizations membership",
    "organizations_scp_check_deny_regions": "AWS Organizations: an SCP denying unused regions",
    "organizations_delegated_administrators": "AWS Organizations' delegated administrators",
    "organizations_tags_policies_enabled_and_attached": "AWS Organizations tag policies",
    "organizations_opt_out_ai_services_policy": "AWS Organizations: an AI services opt-out policy",
    "cloudwatch_cross_account_sharing_disabled": "the account's CloudWatch cross-account sharing role",
}


def _fixed(check: str, status: str, why: str) -> Evaluator:
    """A verdict the landing's resources cannot change."""
    return lambda land: Verdict(check, status, (), why)


for _name_, _what in _ACCOUNT.items():
    _REGISTRY[_name_] = _fixed(_name_, "depends", f"{_what}, outside the landing")


# --------------------------------------------------------------------------- judged only at run time
NOT_EVALUATED: dict[str, str] = {
    "guardduty_no_high_severity_findings": "GuardDuty's findings exist only once the account runs",
    "accessanalyzer_enabled_without_findings": "IAM Access Analyzer's findings exist only once the account runs",
    "cloudtrail_threat_detection_enumeration": "judges CloudTrail activity, which exists only once the account runs",
    "cloudtrail_threat_detection_llm_jacking": "judges CloudTrail activity, which exists only once the account runs",
    "cloudtrail_threat_detection_privilege_escalation": "judges CloudTrail activity, which exists only once the account runs",
    "cloudwatch_log_group_no_secrets_in_logs": "judges log events, which exist only once the workloads run",
    "iam_policy_allows_privilege_escalation": "Prowler's privilege-escalation combinations are not reimplemented here; "
    "aisec's plan gate judges the roles' policies (bar items 17-20)",
    "iam_inline_policy_allows_privilege_escalation": "Prowler's privilege-escalation combinations are not reimplemented "
    "here; aisec's plan gate judges the roles' policies (bar items 17-20)",
    "iam_role_access_not_stale_to_bedrock": "judges last-accessed data, which exists only once the account runs",
    "iam_user_access_not_stale_to_bedrock": "judges last-accessed data, which exists only once the account runs",
    "iam_user_access_not_stale_to_sagemaker": "judges last-accessed data, which exists only once the account runs",
}

for _name_, _why in NOT_EVALUATED.items():
    _REGISTRY[_name_] = _fixed(_name_, "not evaluated", _why)

CHECKS: tuple[str, ...] = tuple(sorted(_REGISTRY))


# --------------------------------------------------------------------------- API
def evaluate(state: dict[str, Any], checks: Iterable[str] | None = None) -> list[Verdict]:
    """The verdict of each Prowler check (default: every check in CHECKS) on a `terraform show -json`
    state. A check this module does not know is "not evaluated"."""
    land = Landing(state)
    out = []
    for name in sorted(set(checks) if checks is not None else CHECKS):
        fn = _REGISTRY.get(name)
        out.append(
            fn(land) if fn else Verdict(name, "not evaluated", (), "no evaluator for this check in aisec")
        )
    return out


def totals(verdicts: Iterable[Verdict]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for v in verdicts:
        counts[v.status] += 1
    return counts


def by_regime(verdicts: Iterable[Verdict], regimes: Iterable[Regime]) -> dict[str, dict[str, Any]]:
    """Per selected regime: the Prowler checks of its requirements in reach of the landing (technical,
    not out of scope in our catalogue) and how many of them pass, fail, depend on something outside
    the landing or are not evaluated; a check nobody evaluates is "not applicable" when it judges a
    service the landing does not create (our check table says so), "not evaluated" otherwise."""
    status = {v.check: v.status for v in verdicts}
    table = check_table()

    def judged(check: str) -> str:
        if check in status:
            return status[check]
        try:
            return "not applicable" if where(check, table)[0] == "outside" else "not evaluated"
        except KeyError:
            return "not evaluated"

    out: dict[str, dict[str, Any]] = {}
    for regime in regimes:
        in_reach = prowler_in_reach(regime)
        names = sorted({c for r in in_reach for c in r["checks"]})
        counts = dict.fromkeys((*STATUSES, "not applicable"), 0)
        for name in names:
            counts[judged(name)] += 1
        out[regime.value] = {
            "requirements_in_reach": len(in_reach),
            "checks": len(names),
            **counts,
            "failing": [c for c in names if status.get(c) == "fail"],
        }
    return out


def report(verdicts: list[Verdict], regimes: Iterable[Regime] = ()) -> dict[str, Any]:
    return {
        "prowler_version": PROWLER_VERSION,
        "totals": totals(verdicts),
        "regimes": by_regime(verdicts, regimes),
        "checks": [v.as_dict() for v in verdicts],
    }
