"""Rendering: (spec, controls, catalog) -> {relative path: text}. Pure: no disk writes, no prompts.

The module arguments are built here as Python data (references to other modules as :class:`Hcl`
expressions, everything else as plain values that :func:`generator.render.hcl.encode` escapes); the
templates only lay them out. The same spec always gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jinja2

from generator import __version__
from generator.cache import cache_root
from generator.catalog import Catalog, Module, load_catalog, parse_version, satisfies
from generator.decide.bedrock import bedrock_iam_args
from generator.decide.policy import (
    DETECTIVE,
    LAYERS,
    OBJECT_LOCK_MODE,
    SESSION_TAG_KEYS,
    UNUSED_ACCESS_DAYS,
    ArchivePlan,
    Controls,
    KeyPlan,
    Perimeter,
    StagePlan,
    bedrock_invocation_log_group,
    decide,
    log_group_key,
)
from generator.errors import SpecError, UserInputError
from generator.landing import MANIFEST as MANIFEST  # where the writer keeps its record
from generator.render.hcl import Hcl, align, encode, ident, string
from generator.reports.compliance import control_addresses, coverage_line
from generator.reports.compliance import report as compliance_report
from generator.reports.cost import estimate, estimate_line
from generator.reports.diagram import build as build_diagram
from generator.reports.diagram import mermaid
from generator.spec import DETECTIVE_CONTROLS, ModuleName, Spec, dump_spec

SPEC_COPY = ".aisec/spec.yaml"
MODULE_NAMES: tuple[ModuleName, ...] = (
    "kms",
    "storage",
    "audit",
    "macie",
    "privatelink",
    "iam",
    "detective",
    "compute",
)


def _refuse_raw(value: Any) -> Any:
    """Template finalizer: only pre-escaped HCL may be printed into a .tf file."""
    if isinstance(value, Hcl):
        return value
    raise jinja2.TemplateError(f"refusing to print an unescaped value into HCL: {value!r}")


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates are cached per user: compiling them is half of a cold `aisec render`.

    jinja checks a template's source before using its compiled code, not the options it was
    compiled with (trim_blocks, finalize...) nor its own version: the folder is named by jinja's
    version and the digest of this file, which sets those options, so none can go stale."""
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    try:
        return jinja2.FileSystemBytecodeCache(str(cache_root(f"jinja-{jinja2.__version__}-{digest}")))
    except OSError:
        return None


def _environment(hcl: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        bytecode_cache=_bytecode_cache(),
        loader=jinja2.PackageLoader("generator", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_refuse_raw if hcl else None,
    )
    env.filters["hcl"] = lambda value, indent=0: encode(value, indent)
    env.filters["ident"] = ident
    env.filters["str"] = string
    env.filters["comment"] = _comment
    env.filters["md"] = _md
    env.filters["code"] = _code
    return env


def _comment(text: str) -> Hcl:
    """Text for inside a ``#`` comment: one line, nothing that could end the comment."""
    return Hcl("".join(ch if ch.isprintable() else " " for ch in str(text)))


def _md(text: str) -> str:
    """Markdown-escape free text so it stays text (no links, HTML, table breaks or emphasis)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()<>#+!|~" else ch for ch in text)


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


_HCL_ENV = _environment(hcl=True)
_DOC_ENV = _environment(hcl=False)


def _ref(module: str, output: str, key: str | None = None) -> Hcl:
    expr = f"module.{ident(module)}.{ident(output)}"
    return Hcl(expr + (f"[{string(key)}]" if key is not None else ""))


def _perimeter_args(
    p: Perimeter, key: bool, prefix_readers: tuple[tuple[str, str], ...] = ()
) -> dict[str, Any]:
    """The storage and kms modules' `perimeter` input: the key one also names managers."""
    args: dict[str, Any] = {}
    if p.principals is not None:
        args["principals"] = list(p.principals)
    args["managers"] = list(p.managers)
    if key:
        args["lifecycle"] = list(p.lifecycle)
    if p.vpc_ids:
        args.update(vpc_ids=list(p.vpc_ids), network_exempt=list(p.network_exempt))
    if prefix_readers:
        args["prefix_readers"] = dict(prefix_readers)
    if key and p.grantors:
        args.update(grantors=list(p.grantors), grant_services=list(p.grant_services))
    return args


def _key_args(key: KeyPlan, stage: StagePlan | None, controls: Controls) -> dict[str, Any]:
    args: dict[str, Any] = {
        "alias": key.alias,
        "description": key.description,
        "rotation_period_in_days": key.rotation_days,
        "deletion_window_in_days": key.deletion_window_days,
        "administrators": list(controls.spec.access.admin_principals),
    }
    if stage is not None and key.user_personas:
        args["users"] = [_ref(f"{stage.ident}_iam", "role_arns", p) for p in key.user_personas]
    if key.macie_reads:
        args["readers"] = [_ref("macie", "service_role_arn")]
    if key.via_services:
        args["via_services"] = list(key.via_services)
    if key.perimeter is not None:
        args["perimeter"] = _perimeter_args(key.perimeter, key=True)
    if key.service_uses:
        args["service_users"] = [
            {
                "sid": use.sid,
                "principal": use.principal,
                "actions": list(use.actions),
                "conditions": [
                    {"test": c.test, "variable": c.variable, "values": list(c.values)} for c in use.conditions
                ],
            }
            for use in key.service_uses
        ]
    return args


def _log_group_arn(spec: Spec, name: str) -> str:
    return f"arn:aws:logs:{spec.aws.region}:{spec.aws.account_id}:log-group:{name}"


def _stage_args(stage: StagePlan, controls: Controls) -> dict[str, Any]:
    spec = controls.spec
    bucket_arn = {b.domain: f"arn:aws:s3:::{b.name}" for b in stage.buckets}
    # The stage's own groups for everyone; the account-wide SageMaker groups only for the roles
    # whose jobs write there (people read their stage's groups, not every stage's job logs).
    own_groups = [_log_group_arn(spec, g) for g in (stage.log_group, *stage.service_log_groups)]
    shared_groups = [_log_group_arn(spec, g) for g in stage.shared_log_groups]
    kms_ref = f"{stage.ident}_kms"
    return {
        "keys": {k.domain: _key_args(k, stage, controls) for k in stage.keys},
        "buckets": {
            b.domain: {
                "name": b.name,
                "kms_key_arn": _ref(kms_ref, "key_arns", b.domain),
                "access_log_bucket": _ref("foundation_storage", "bucket_names", "access_logs")
                if controls.foundation is not None
                else controls.access_log_bucket,
                "access_log_prefix": b.log_prefix,
                **(
                    {"perimeter": _perimeter_args(b.perimeter, key=False, prefix_readers=b.prefix_readers)}
                    if b.perimeter is not None
                    else {}
                ),
            }
            for b in stage.buckets
        },
        "roles": {
            r.persona: {
                "description": r.description,
                "human": r.human,
                **({"service": r.service} if r.service else {}),
                "read_bucket_arns": [bucket_arn[d] for d in r.reads],
                "write_bucket_arns": [bucket_arn[d] for d in r.writes],
                "log_group_arns": own_groups,
                # Account-wide groups every stage's jobs share: write only, never read (LOG-2).
                **({"write_log_group_arns": shared_groups} if shared_groups and not r.human else {}),
                **({"pass_roles": list(r.pass_roles)} if r.pass_roles else {}),
                **({"bedrock_invoke": True} if r.bedrock else {}),
                **({"ecr_pull": True} if r.ecr else {}),
                **({"read_prefix": r.read_prefix} if r.read_prefix else {}),
                **({"trusted_principals": list(r.trusted)} if r.trusted else {}),
                **({"source_arns": list(r.source_arns)} if r.source_arns else {}),
                **({"aoss_collection_arns": list(r.aoss_collections)} if r.aoss_collections else {}),
                **(
                    {"rds_data": {"cluster_arn": r.rds_data[0], "secret_arn": r.rds_data[1]}}
                    if r.rds_data
                    else {}
                ),
            }
            for r in stage.roles
        },
        # The logs key goes to nobody: CloudWatch Logs uses it as itself (bar 24).
        "role_keys": {
            r.persona: [_ref(kms_ref, "key_arns", d) for d in r.keys] for r in stage.roles if r.keys
        },
        "via_services": list(next(k.via_services for k in stage.keys if k.via_services)),
        "session_tag_keys": list(SESSION_TAG_KEYS) if any(r.human for r in stage.roles) else [],
        "key_aliases": [k.alias for k in stage.keys],
        "notebook_instances": _notebook_args(stage, controls),
        **_images_args(stage, controls),
        **({"sagemaker": _sagemaker_args(stage, controls)} if stage.sagemaker is not None else {}),
        **(
            {
                "sagemaker_keys": {
                    "volume": [_ref(kms_ref, "key_arns", "datasets"), _ref(kms_ref, "key_arns", "artifacts")],
                    "output": [_ref(kms_ref, "key_arns", "artifacts")],
                }
            }
            if stage.sagemaker is not None
            else {}
        ),
    }


def _images_args(stage: StagePlan, controls: Controls) -> dict[str, Any]:
    """The iam module's `ecr_repository_arns` and the storage module's `repositories` (ML-5, ML-6)."""
    images = stage.images
    if images is None:
        return {}
    spec = controls.spec
    args: dict[str, Any] = {
        "ecr_repository_arns": list(images.repository_arns(spec.aws.region, spec.aws.account_id))
    }
    if images.repositories:
        key = _ref(f"{stage.ident}_kms", "key_arns", "images")
        args["repositories"] = {
            name: {
                "name": name,
                "kms_key_arn": key,
                "pull_principals": list(images.pullers),
                **({"push_principals": list(images.pushers)} if images.pushers else {}),
                "managers": list(images.managers),
                "untagged_expiry_days": images.untagged_expiry_days,
            }
            for name in images.repositories
        }
    return args


def _sagemaker_args(stage: StagePlan, controls: Controls) -> dict[str, Any]:
    """The iam module's `sagemaker` input: launchers, the spec's subnets, the compute security group
    (the stage's keys go apart, in `sagemaker_kms_key_arns`: volumes on the datasets or artifacts
    key, outputs on the artifacts key)."""
    assert stage.sagemaker is not None
    net = controls.spec.network
    return {
        "launchers": {persona: list(kinds) for persona, kinds in stage.sagemaker.launchers},
        "execution_role": stage.sagemaker.execution_role,
        "vpc_id": net.vpc_id,
        "subnet_ids": list(net.subnet_ids),
        "security_group_ids": [_ref("privatelink", "compute_security_group_id")],
    }


def _replicated_to_archive(archive: ArchivePlan | None) -> dict[str, Any]:
    """The access-log bucket's replication into the log archive (S3 delivers access logs only in
    the source's own account and region): every new version, never a delete."""
    if archive is None:
        return {}
    return {
        "replication": {
            "destination_bucket_arn": f"arn:aws:s3:::{archive.server_logs_bucket}",
            "destination_account_id": archive.account,
            "role_name": archive.replication_role,
        }
    }


def _notebook_args(stage: StagePlan, controls: Controls) -> dict[str, Any] | None:
    """The compute module's `notebook_instances` input of a stage (ML-4), or None."""
    nb = stage.notebook
    if nb is None:
        return None
    return {
        nb.name: {
            "instance_type": nb.instance_type,
            "volume_size_gb": nb.volume_size_gb,
            "platform_identifier": nb.platform,
            "role_arn": _ref(f"{stage.ident}_iam", "role_arns", nb.execution_role),
            "kms_key_arn": _ref(f"{stage.ident}_kms", "key_arns", nb.volume_key),
            "subnet_id": controls.spec.network.subnet_ids[0],
            "security_group_ids": [_ref("privatelink", "compute_security_group_id")],
        }
    }


def _macie_args(controls: Controls) -> dict[str, Any]:
    """The macie module's jobs, custom data identifiers (bar 34) and archive rules for the stages
    holding synthetic data."""
    jobs: dict[str, Any] = {}
    archive: dict[str, Any] = {}
    for s in controls.stages:
        job = s.macie_job
        if job is None:
            continue
        names = [
            _ref(f"{s.ident}_storage", "bucket_names", b.domain) for b in s.buckets if b.domain in job.domains
        ]
        jobs[job.key] = {"bucket_names": names, "schedule": job.schedule}
        if job.identifiers:
            jobs[job.key]["custom_data_identifiers"] = list(job.identifiers)
        if job.archive_findings:
            archive[job.key] = {
                "description": f"Synthetic data in {s.prefix}: findings archived, no alert",
                "bucket_names": names,
            }
    identifiers = {
        i.key: {
            "regex": i.regex,
            "keywords": list(i.keywords),
            "ignore_words": list(i.ignore_words),
            "maximum_match_distance": i.maximum_match_distance,
            "description": i.description,
        }
        for w in controls.workloads
        if any(s.macie_job for s in w.stages)
        for i in w.macie_identifiers
    }
    return {"jobs": jobs, "custom_data_identifiers": identifiers, "archive_rules": archive}


def _foundation_args(controls: Controls) -> dict[str, Any]:
    spec = controls.spec
    stages = controls.stages
    log_groups = {
        log_group_key(s, name): {
            "name": name,
            "kms_key_arn": _ref(f"{s.ident}_kms", "key_arns", "logs"),
            "retention_in_days": controls.retention_days,
        }
        for s in stages
        for name in (s.log_group, *s.service_log_groups)
    }
    args: dict[str, Any] = {"log_groups": log_groups, **_macie_args(controls)}
    f = controls.foundation
    if f is None:
        assert spec.foundation_refs is not None
        args["alert_topic_arn"] = spec.foundation_refs.alert_topic_arn
        return args
    audit_key = _ref("foundation_kms", "key_arns", "audit")
    # Audit evidence: old versions kept as long as the logs, deletion and weakening denied (TRL-4).
    evidence = {"noncurrent_version_expiration_days": f.object_lock_days, "protect_logs": True}
    locked = {"object_lock": {"mode": OBJECT_LOCK_MODE, "days": f.object_lock_days}}
    for name in f.shared_log_groups:
        log_groups[log_group_key(None, name)] = {
            "name": name,
            "kms_key_arn": _ref("foundation_kms", "key_arns", "service-logs"),
            "retention_in_days": controls.retention_days,
        }
    bedrock_logs = bedrock_invocation_log_group(spec)
    if bedrock_logs in f.shared_log_groups:
        args["bedrock_invocation_logging"] = {"log_group": log_group_key(None, bedrock_logs)}
    args.update(
        audit_keys={k.domain: _key_args(k, None, controls) for k in f.keys},
        buckets={
            "access_logs": {
                "name": f.access_log_bucket,
                "access_log_target": True,
                "access_log_source_arns": [f"arn:aws:s3:::{spec.name}-*"],
                **evidence,
                **_replicated_to_archive(f.archive),
            },
            **(
                {}
                if f.archive is not None
                else {
                    "trail": {
                        "name": f.trail_bucket,
                        "kms_key_arn": audit_key,
                        "access_log_bucket": f.access_log_bucket,
                        "access_log_prefix": "trail/",
                        "cloudtrail_trail_arns": [f.trail_arn],
                        **evidence,
                        **locked,
                    }
                }
            ),
            "findings": {
                "name": f.findings_bucket,
                "kms_key_arn": audit_key,
                "access_log_bucket": f.access_log_bucket,
                "access_log_prefix": "findings/",
                "macie_export": True,
                **evidence,
                **locked,
            },
        },
        # Deleting evidence, and changing the audit buckets' policy, lifecycle, versioning or lock:
        # break-glass alone (bar 28). The storage module puts the policy after the settings it
        # protects, so the first apply sets them all; later changes are applied as break-glass (S3
        # always lets the account's root user replace a bucket policy, the way back without one).
        deployer_principals=[],
        break_glass_principals=list(controls.access.break_glass),
        # With a log archive the trail writes to that account's bucket with that account's key (named
        # by alias ARN, which CloudTrail resolves); its CloudWatch Logs copy keeps this account's key.
        trail={
            "bucket_name": f.archive.bucket
            if f.archive
            else _ref("foundation_storage", "bucket_names", "trail"),
            "kms_key_arn": f.archive.trail_key if f.archive else audit_key,
            **({"log_group_kms_key_arn": audit_key} if f.archive else {}),
            "log_retention_days": controls.retention_days,
            "data_event_bucket_arns": [
                _ref(f"{s.ident}_storage", "bucket_arns", b.domain) for s in stages for b in s.buckets
            ],
        },
        alerts={
            "kms_key_arn": _ref("foundation_kms", "key_arns", "alerts"),
            "emails": list(spec.alerts.email),
            "admin_principals": list(f.alert_topic_admins),
        },
        export={
            "bucket_name": _ref("foundation_storage", "bucket_names", "findings"),
            "kms_key_arn": audit_key,
        },
        privatelink={
            "vpc_id": spec.network.vpc_id,
            "vpc_cidr": spec.network.vpc_cidr,
            "subnet_ids": list(spec.network.subnet_ids),
            "route_table_ids": list(spec.network.route_table_ids),
            "interface_services": list(controls.interface_endpoints),
            "image_accounts": list(controls.access.image_accounts),
            "compute_security_group": any(s.sagemaker is not None for s in stages),
        },
    )
    if f.config_bucket is not None:
        # AWS Config refuses Object Lock buckets: deletion is denied by the policy instead (TRL-4).
        args["buckets"]["config"] = {
            "name": f.config_bucket,
            "kms_key_arn": audit_key,
            "access_log_bucket": f.access_log_bucket,
            "access_log_prefix": "config/",
            "config_delivery": True,
            **evidence,
        }
    return args


def _detective_args(controls: Controls) -> dict[str, Any] | None:
    """The detective module's inputs (DET-1..5), or None when every control is a prerequisite."""
    d, spec, f = controls.detective, controls.spec, controls.foundation
    if d is None or not d.module_needed:
        return None

    def mode(name: str) -> str:
        return "none" if d.mode(name) == "prerequisite" else d.mode(name)

    args: dict[str, Any] = {
        "guardduty": mode("guardduty"),
        "security_hub": {"mode": mode("security_hub"), "standards": list(d.standards)},
    }
    if d.mode("config") == "create" and f is not None:
        args["config"] = {
            "bucket_name": _ref("foundation_storage", "bucket_names", "config"),
            "kms_key_arn": _ref("foundation_kms", "key_arns", "audit"),
            "conformance_packs": {
                pack: {rule: {"description": text, **({"parameters": dict(params)} if params else {})}
                       for rule, text, params in rules}
                for pack, rules in d.conformance_packs.items()
            },
        }  # fmt: skip
    if d.mode("access_analyzer") == "create":
        args["access_analyzer"] = {"unused_access_age": UNUSED_ACCESS_DAYS}
    if d.mode("flow_logs") == "create" and f is not None:
        args["flow_logs"] = {
            "vpc_id": spec.network.vpc_id,
            "kms_key_arn": _ref("foundation_kms", "key_arns", "audit"),
            "retention_in_days": d.flow_log_retention_days,
        }
    if d.mode("guardduty") != "prerequisite" or d.mode("security_hub") != "prerequisite":
        args["alerts"] = {
            "topic_arn": _ref("audit", "alert_topic_arn")
            if f is not None
            else (spec.foundation_refs.alert_topic_arn if spec.foundation_refs else None)
        }
    return args


# The oldest version of each module whose interface takes what this generator renders: older ones
# lack inputs the templates pass (the data perimeter: kms perimeter/via_services, storage perimeter,
# iam trusted_principals/kms_via_services, privatelink image_accounts; tamper-proof audit: storage
# object_lock/protect_logs, audit alert keys and filters; log archive: storage
# cloudtrail_source_accounts and the policy after the settings it protects, audit log_group_kms_key_arn;
# SageMaker guardrails: iam sagemaker, privatelink compute_security_group; Bedrock: iam
# bedrock_model_ids/bedrock_guardrail, audit bedrock_invocation_logging; generated notebooks: kms
# perimeter grantors, privatelink sagemaker.notebook, the compute module; container images: iam
# ecr_repository_arns, storage repositories; log archive replication and knowledge-base stores:
# storage replication, iam vector stores). Terraform would refuse the
# unknown arguments, or worse, drop unknown object attributes and the protection with them.
# audit 1.4.0 and 1.5.0 take no new input the render passes: the Organizations-changes filter
# watches the three events CIS 4.15 leaves out and Prowler requires, and the trail records
# CloudTrail Insights (its default); COMPLIANCE.md predicts both checks to pass on them.
RENDERS_WITH: Mapping[str, str] = MappingProxyType(
    {
        "kms": "1.3.0",
        "storage": "1.4.0",
        "iam": "2.2.0",
        "privatelink": "1.3.0",
        "audit": "1.5.0",
        "detective": "1.0.0",
        "compute": "1.0.0",
    }
)


# Floors that hold only when the render passes a module's newer inputs: macie 1.2.0 takes the custom
# data identifiers and archive rules (bar 34); a landing with neither still renders with older macie.
def _uses_macie_identifiers(spec: Spec) -> bool:
    args = _macie_args(decide(spec))
    return bool(args["custom_data_identifiers"] or args["archive_rules"])


CONDITIONAL_FLOORS: Mapping[str, tuple[str, Callable[[Spec], bool]]] = MappingProxyType(
    {"macie": ("1.2.0", _uses_macie_identifiers)}
)


def module_floor(spec: Spec, name: str) -> str:
    """The oldest version of module ``name`` this aisec can render ``spec`` with."""
    floor = RENDERS_WITH.get(name, "0.0.0")
    conditional = CONDITIONAL_FLOORS.get(name)
    if conditional is not None and conditional[1](spec):
        floor = max(floor, conditional[0], key=parse_version)
    return floor


def resolve_modules(
    spec: Spec, catalog: Catalog, source: str = "spec", pinned: Mapping[str, str] | None = None
) -> dict[str, Module]:
    """The version of each module: the newest its constraint allows, or the ``pinned`` one (what an
    output already uses) while that still satisfies the constraint. `aisec upgrade` moves pins on.
    Versions older than :data:`RENDERS_WITH` are never chosen (a pin on one moves forward)."""
    found: dict[str, Module] = {}
    for name in MODULE_NAMES:
        if name == "detective" and not uses_detective_module(spec):
            continue
        if name == "compute" and not uses_compute_module(spec):
            continue
        constraint = spec.modules.get(name)
        floor = module_floor(spec, name)
        usable = ">= " + floor
        keep = (pinned or {}).get(name)
        candidates = [m for m in catalog.modules.get(name, ()) if m.version == keep]
        if (
            candidates
            and satisfies(parse_version(keep or ""), usable)
            and (constraint is None or satisfies(parse_version(keep or ""), constraint))
        ):
            found[name] = candidates[0]
            continue
        try:
            found[name] = catalog.resolve(name, f"{constraint}, {usable}" if constraint else usable, source)
        except SpecError:
            catalog.resolve(name, constraint, source)  # no version at all: that message
            raise SpecError(
                f"{source}: modules.{name}: {constraint!r} allows only versions older than {floor}, which lack "
                f"inputs this aisec renders (the data perimeter, tamper-proof audit); allow {floor} or newer"
            ) from None
    return found


def uses_compute_module(spec: Spec) -> bool:
    """The root module calls the compute module only where the spec asks for generated compute."""
    return spec.creates_foundation and any(wl.notebook_stages for wl in spec.workloads)


def uses_detective_module(spec: Spec) -> bool:
    """The root module calls the detective module unless every detective control is a prerequisite."""
    return any(spec.detective_mode(name) != "prerequisite" for name in DETECTIVE_CONTROLS)


def module_source(spec: Spec, module: Module) -> Hcl:
    """The ``source`` (and, from a registry, ``version``) arguments of a module call."""
    src = spec.module_source
    if src.mode == "git":
        ref = f"modules/{module.name}/v{module.version}"
        return Hcl(f"source = {string(f'git::{src.git_url}//modules/{module.name}?ref={ref}')}")
    if src.mode == "registry":
        return Hcl(
            f"source  = {string(f'{src.registry}/{module.name}/aws')}\n  version = {string(module.version)}"
        )
    return Hcl(f"source = {string(f'./modules/{module.name}')}")


# On every resource (provider default_tags): the CI apply role reaches resources with random ids
# (keys, endpoints, security groups, Macie jobs) by this tag (generator/ci.py).
LANDING_TAG = "aisec-landing"


def _tags(spec: Spec) -> dict[str, str]:
    return {**spec.tags, "managed-by": "aisec", LANDING_TAG: spec.name}


def render(
    spec: Spec,
    controls: Controls | None = None,
    catalog: Catalog | None = None,
    pinned: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every file of the root module, by relative path. Pure and deterministic."""
    controls = controls or decide(spec)
    catalog = catalog or load_catalog()
    modules = resolve_modules(spec, catalog, pinned=pinned)
    report = compliance_report(controls)
    ctx: dict[str, Any] = {
        "spec": spec,
        "region": spec.aws.region,
        "state_kms_key": spec.state.kms_key(spec.name),
        "c": controls,
        "f": controls.foundation,
        "foundation": _foundation_args(controls),
        "stage_args": {s.ident: _stage_args(s, controls) for s in controls.stages},
        "bedrock_args": {w.ident: bedrock_iam_args(spec, w.workload) for w in controls.workloads},
        "tags": _tags(spec),
        "modules": modules,
        "generator_version": __version__,
        "source": lambda name: module_source(spec, modules[name]),
        "compliance": report,
        "layers": LAYERS,
        "coverage": coverage_line(report),
        "cost_line": estimate_line(estimate(controls)),
        "mermaid": mermaid(build_diagram(controls)),
        "addresses": control_addresses(controls),
        "detective": _detective_args(controls),
        "detective_table": DETECTIVE,
    }
    files: dict[str, str] = {}
    for name in ("versions.tf", "providers.tf", "backend.tf", "main.tf", "outputs.tf"):
        files[name] = align(_HCL_ENV.get_template(name + ".j2").render(ctx))
    for wl in controls.workloads:
        text = _HCL_ENV.get_template("workload.tf.j2").render({**ctx, "w": wl})
        files[f"workload-{wl.workload.name}.tf"] = align(text)
    for name in ("README.md", "COMPLIANCE.md"):
        files[name] = _DOC_ENV.get_template(name + ".j2").render(ctx)
    if controls.foundation is not None and controls.foundation.archive is not None:
        archive = render_log_archive(controls, modules)
        # The landing's spec copy and manifest cover this folder: no second copy to review.
        nested = (SPEC_COPY, MANIFEST)
        files.update({f"{ARCHIVE_FOLDER}/{r}": t for r, t in archive.items() if r not in nested})
    return _with_modules(files, modules, spec)


# The log-archive account's root module, beside the landing's files in the output folder.
ARCHIVE_FOLDER = "log-archive"


def render_log_archive(controls: Controls, modules: Mapping[str, Module]) -> dict[str, str]:
    """The root module for the log-archive account: the bucket the trail delivers to (Object Lock
    in the regime's retention, versioning, SSE-KMS with that account's key, TLS only, public access
    blocked, deletes and policy changes denied to all but break-glass) and its key."""
    spec, f = controls.spec, controls.foundation
    assert f is not None and f.archive is not None
    a = f.archive
    workload = spec.aws.account_id
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
                    {"test": "StringEquals", "variable": "aws:SourceArn", "values": [f.trail_arn]},
                    {
                        "test": "StringEquals",
                        "variable": "kms:EncryptionContext:aws:cloudtrail:arn",
                        "values": [f.trail_arn],
                    },
                ],
            },
            {
                "sid": "CloudTrailDescribesKeyForThisTrail",
                "principal": "cloudtrail.amazonaws.com",
                "actions": ["kms:DescribeKey"],
                "conditions": [
                    {"test": "StringEquals", "variable": "aws:SourceArn", "values": [f.trail_arn]}
                ],
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
            "cloudtrail_trail_arns": [f.trail_arn],
            "cloudtrail_source_accounts": [workload],
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
            "replication_sources": [a.replication_role_arn],
            "object_lock": {"mode": OBJECT_LOCK_MODE, "days": f.object_lock_days},
            **evidence,
        },
    }
    ctx: dict[str, Any] = {
        "region": a.region,
        "account_id": a.account,
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
    buckets = {
        "access_logs": {"name": log_bucket, "access_log_target": True},
        "state": {
            "name": bucket,
            "kms_key_arn": key_ref,
            "access_log_bucket": log_bucket,
            "access_log_prefix": "state/",
        },
    }
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
    manifest = {
        "generator": {"name": "aisec", "version": __version__},
        "modules": {
            m.name: {"version": m.version, "sha256": m.sha256, "source": source} for m in modules.values()
        },
        "files": {path: sha256(text) for path, text in sorted(files.items()) if path != MANIFEST},
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def with_source(
    files: Mapping[str, str], source: str | None, imports: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``files`` with the spec file they were rendered from recorded in the manifest (a path
    relative to the output folder): the one source later renders must come from. ``imports``
    (path relative to the output folder -> sha256 of the file) records the files the spec imports,
    so `render --check` sees a change in a shared defaults file and `aisec affected` finds the
    landings that use it."""
    if source is None:
        return dict(files)
    manifest = json.loads(files[MANIFEST])
    manifest["source"] = {"spec": source, **({"imports": dict(sorted(imports.items()))} if imports else {})}
    return {**files, MANIFEST: json.dumps(manifest, indent=2, sort_keys=True) + "\n"}
