"""The other root modules aisec renders (the log archive's, the state backend's, the small roots of
the CI roles) and the manifest of what a render wrote."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from generator import __version__
from generator.catalog import Catalog, Module, load_catalog
from generator.decide.policy import (
    OBJECT_LOCK_MODE,
    Controls,
    FoundationPlan,
    decide,
)
from generator.errors import UserInputError
from generator.landing import MANIFEST
from generator.render.args import _ref
from generator.render.hcl import Hcl, align, string
from generator.render.modules import SPEC_COPY, _tags, module_source, resolve_modules
from generator.render.templates import _DOC_ENV, _HCL_ENV
from generator.spec import Spec, dump_spec

ARCHIVE_FOLDER = "log-archive"


def render_log_archive(
    controls: Controls, modules: Mapping[str, Module], others: Sequence[FoundationPlan] = ()
) -> dict[str, str]:
    """The root module for the log-archive account: the bucket the trail delivers to (Object Lock
    in the regime's retention, versioning, SSE-KMS with that account's key, TLS only, public access
    blocked, deletes and policy changes denied to all but break-glass) and its key."""
    spec, f = controls.spec, controls.foundation
    assert f is not None and f.archive is not None
    a = f.archive
    workload = spec.aws.account_id
    # An account per stage (generator/render/accounts.py): every account's foundation delivers here.
    trails = [f.trail_arn, *(o.trail_arn for o in others)]
    sources = [workload, *(o.trail_arn.split(":")[4] for o in others)]
    archives = [a, *(o.archive for o in others if o.archive)]
    replicators = [x.replication_role_arn for x in archives]
    # Each account's replicas under its own prefix (its access logs' prefixes start with it).
    replica_prefixes = {x.replication_role_arn: x.replica_prefix for x in archives if x.replica_prefix}
    key = {
        "alias": a.key_alias,
        "description": f"aisec {spec.name}: log archive of account {workload} (trail {f.trail_name})",
        "rotation_period_in_days": controls.rotation_days,
        "deletion_window_in_days": 30,
        # The archive account's deployers (or its root user) administer the key, never use it.
        "administrators": list(a.deployers) or [a.root_user],
        "service_users": [
            {
                "sid": "CloudTrailEncryptsThisTrail",
                "principal": "cloudtrail.amazonaws.com",
                "actions": ["kms:GenerateDataKey*"],
                "conditions": [
                    {"test": "StringEquals", "variable": "aws:SourceArn", "values": trails},
                    {
                        "test": "StringEquals",
                        "variable": "kms:EncryptionContext:aws:cloudtrail:arn",
                        "values": trails,
                    },
                ],
            },
            {
                "sid": "CloudTrailDescribesKeyForThisTrail",
                "principal": "cloudtrail.amazonaws.com",
                "actions": ["kms:DescribeKey"],
                "conditions": [{"test": "StringEquals", "variable": "aws:SourceArn", "values": trails}],
            },
        ],
        "perimeter": {
            "managers": list(a.managers),
            "lifecycle": [*a.break_glass, a.root_user],
        },
    }
    key_ref = _ref("archive_kms", "key_arns", "archive")
    evidence = {"noncurrent_version_expiration_days": f.object_lock_days, "protect_logs": True}
    buckets = {
        "access_logs": {
            "name": a.access_log_bucket,
            "access_log_target": True,
            "access_log_source_arns": [f"arn:aws:s3:::{a.bucket}", f"arn:aws:s3:::{a.server_logs_bucket}"],
            **evidence,
        },
        "archive": {
            "name": a.bucket,
            "kms_key_arn": key_ref,
            "access_log_bucket": a.access_log_bucket,
            "access_log_prefix": "archive/",
            "cloudtrail_trail_arns": trails,
            "cloudtrail_source_accounts": sources,
            "object_lock": {"mode": OBJECT_LOCK_MODE, "days": f.object_lock_days},
            **evidence,
        },
        # The workload account's S3 server access logs, replicated by its replication role (the
        # replicas keep SSE-S3, the only encryption S3 log delivery writes at the source).
        "server_logs": {
            "name": a.server_logs_bucket,
            "kms_key_arn": key_ref,
            "access_log_bucket": a.access_log_bucket,
            "access_log_prefix": "server-logs/",
            "replication_sources": replicators,
            "replication_source_prefixes": replica_prefixes,
            "object_lock": {"mode": OBJECT_LOCK_MODE, "days": f.object_lock_days},
            **evidence,
        },
    }
    from generator.render.accounts import assume_role_arn

    ctx: dict[str, Any] = {
        "region": a.region,
        "account_id": a.account,
        "assume_role_arn": assume_role_arn(spec, a.account),
        "a": a,
        "f": f,
        "key": {"archive": key},
        "buckets": buckets,
        "break_glass": list(a.break_glass),
        "retention": f.object_lock_days,
        "lock_mode": OBJECT_LOCK_MODE,
    }
    mods = {n: m for n, m in modules.items() if n in ("kms", "storage")}
    return render_small_root(spec, ARCHIVE_FOLDER, ("main.tf", "outputs.tf", "README.md"), ctx, mods)


GITIGNORE = """# Generated by aisec. State and saved plans hold values of your infrastructure: never commit them.
.terraform/
*.tfstate
*.tfstate.*
.aisec-plan/
*.tfplan
crash.log
"""


def _with_modules(files: dict[str, str], modules: Mapping[str, Module], spec: Spec) -> dict[str, str]:
    """The vendored modules, .gitignore, the spec copy and the manifest added to a root module's files."""
    files[".gitignore"] = GITIGNORE
    for module in modules.values() if spec.module_source.mode == "vendored" else ():
        for rel, data in module.files():
            if rel.startswith("examples/"):
                continue
            files[f"modules/{module.name}/{rel}"] = data.decode("utf-8")
    files[SPEC_COPY] = dump_spec(spec)
    files[MANIFEST] = manifest_text(files, modules, spec.module_source.mode)
    return dict(sorted(files.items()))


def state_key_arn(spec: Spec) -> str | None:
    """The state key's ARN when the spec names an existing key; None when bootstrap-state creates it."""
    key = spec.state.kms_key(spec.name)
    return None if key.startswith("alias/") else key


def render_state(spec: Spec, folder: str = "STATE-FOLDER", catalog: Catalog | None = None) -> dict[str, str]:
    """The root module that creates the landing's S3 backend: bucket, access-log bucket, KMS key."""
    if spec.state.backend != "s3" or spec.state.bucket is None:
        raise UserInputError(
            "state.backend is local: there is no S3 backend to bootstrap (see `state` in the spec)"
        )
    controls = decide(spec)
    catalog = catalog or load_catalog()
    existing_key = state_key_arn(spec)
    needed = {"kms", "storage"} if existing_key is None else {"storage"}
    modules = {n: m for n, m in resolve_modules(spec, catalog).items() if n in needed}
    region = spec.state.region or spec.aws.region
    bucket = spec.state.bucket
    log_bucket = bucket[:58].rstrip(".-") + "-logs"
    key: dict[str, Any] | None = None
    key_ref = Hcl(string(existing_key or ""))
    if existing_key is None:
        admins = list(spec.access.admin_principals)
        key = {
            "alias": spec.state.kms_key(spec.name),
            "description": f"aisec {spec.name}: Terraform state",
            "rotation_period_in_days": controls.rotation_days,
            "deletion_window_in_days": 30,
            "administrators": admins,
            "users": admins + [u for u in spec.state.users if u not in admins],
        }
        key_ref = _ref("state_kms", "key_arns", "state")
    buckets: dict[str, dict[str, Any]] = {
        "access_logs": {"name": log_bucket, "access_log_target": True},
        "state": {
            "name": bucket,
            "kms_key_arn": key_ref,
            "access_log_bucket": log_bucket,
            "access_log_prefix": "state/",
        },
    }
    # An account per stage: each stage account's CI roles reach their own root's state and lock file
    # (and the key, through S3) in this bucket, named by ARN; nothing else of it.
    from generator.render.accounts import foreign_state_users
    from generator.render.stages import state_key

    foreign = foreign_state_users(spec)
    if foreign:
        keys = {r: str(state_key(spec, r)) for _a, r, _arns in foreign}
        buckets["state"]["object_grants"] = [
            {
                "account_id": a,
                "principal_arns": list(arns),
                "keys": [keys[r]],
                "lock_keys": [f"{keys[r]}.tflock"],
            }
            for a, r, arns in foreign
        ]
        # The grants admit those roles; the guards keep everyone else of this account out of another
        # account's state (its state holds that account's secrets, and what is written there its
        # next apply acts on), and keep its plan role, which pull requests assume, from writing it.
        stewards = list(
            dict.fromkeys([*spec.access.admin_principals, *spec.state.users, *spec.access.break_glass])
        )
        buckets["state"]["object_guards"] = [
            {
                "keys": [keys[r]],
                "lock_keys": [f"{keys[r]}.tflock"],
                "writers": [apply, *stewards],
                "readers": [plan],
            }
            for _a, r, (plan, apply) in foreign
        ]
        if key is not None:
            by_account: dict[str, list[str]] = {}
            for a, _r, arns in foreign:
                by_account.setdefault(a, []).extend(arns)
            # Through S3 and for the state bucket only (the encryption context S3 names: the bucket
            # ARN with the bucket key, else the object's), never for a bucket of their own account.
            state_arns = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
            key["account_users"] = [
                {
                    "account_id": a,
                    "principal_arns": arns,
                    "via_services": [f"s3.{region}.amazonaws.com"],
                    "s3_arns": state_arns,
                }
                for a, arns in by_account.items()
            ]
    ctx: dict[str, Any] = {
        "region": region,
        "key": {"state": key} if key else None,
        "key_ref": key_ref,
        "buckets": buckets,
        "log_bucket": log_bucket,
        "folder": folder,
    }
    return render_small_root(spec, "state", ("main.tf", "outputs.tf", "README.md"), ctx, modules)


def render_small_root(
    spec: Spec,
    folder: str,
    names: tuple[str, ...],
    ctx: dict[str, Any],
    modules: Mapping[str, Module] | None = None,
) -> dict[str, str]:
    """A root module beside the landing (state backend, CI roles): the shared versions.tf and
    providers.tf, and ``templates/<folder>/<name>.j2`` for each name."""
    mods = dict(modules or {})
    ctx = {
        "spec": spec,
        "region": spec.aws.region,
        "tags": _tags(spec),
        "generator_version": __version__,
        "source": lambda name: module_source(spec, mods[name]),
        **ctx,
    }
    files = {
        "versions.tf": align(_HCL_ENV.get_template("versions.tf.j2").render(ctx)),
        "providers.tf": align(_HCL_ENV.get_template("providers.tf.j2").render(ctx)),
    }
    for name in names:
        if name.endswith(".tf"):
            files[name] = align(_HCL_ENV.get_template(f"{folder}/{name}.j2").render(ctx))
        else:
            files[name] = _DOC_ENV.get_template(f"{folder}/{name}.j2").render(ctx)
    return _with_modules(files, mods, spec)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_text(files: Mapping[str, str], modules: Mapping[str, Module], source: str = "vendored") -> str:
    known = {  # a vendored file that is its module's file as it is: the digest its module hashed
        path: m.digests[rel]
        for m in modules.values()
        for rel, data in m.files()
        if (text := files.get(path := f"modules/{m.name}/{rel}")) is not None and text.encode("utf-8") == data
    }
    manifest = {
        "generator": {"name": "aisec", "version": __version__},
        "modules": {
            m.name: {"version": m.version, "sha256": m.sha256, "source": source} for m in modules.values()
        },
        "files": {
            path: known.get(path) or sha256(text) for path, text in sorted(files.items()) if path != MANIFEST
        },
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"
