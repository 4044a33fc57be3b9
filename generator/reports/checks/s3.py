"""Prowler's S3 checks on the landing's buckets: encryption, public access, TLS-only policies,
versioning, logging, object lock, cross-account access."""

from __future__ import annotations

import json
from typing import Any

from generator.reports.checks.base import (
    Landing,
    Resource,
    Verdict,
    _check,
    _doc,
    _judge,
    _listify,
    _outsider_allowed,
    _statements,
)

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
