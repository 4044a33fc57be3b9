"""The decisions about each stage of each workload: its keys, buckets, roles, Macie jobs, images,
notebook and SageMaker guardrails; and the account's detective controls."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from generator.decide.foundation import (
    _logs_service_use,
    _people,
    _source_arns,
    _strictest,
    _vector_store,
    access_log_prefix,
)
from generator.decide.plans import (
    BUCKET_DOMAINS,
    KEY_DOMAINS,
    PROD_HUMAN_READS,
    PROMOTED_PREFIX,
    ROLE_PATH,
    VIA_SERVICE,
    AccessPlan,
    BucketPlan,
    DetectivePlan,
    ImagesPlan,
    KeyPlan,
    MacieIdentifierPlan,
    MacieJobPlan,
    Perimeter,
    RolePlan,
    StagePlan,
    ident,
)
from generator.decide.tables import (
    CONFORMANCE_BASE,
    CONFORMANCE_EXTRA,
    DELETION_WINDOW_DAYS,
    DETECTIVE,
    MACIE_SCHEDULE,
    PERSONAS,
    PERSONAS_BY_TYPE,
    RAG_CORPUS_DOMAINS,
    RAG_CORPUS_SCHEDULE,
    RETENTION_DAYS,
    SECURITY_HUB_REGIME_STANDARDS,
    SECURITY_HUB_STANDARDS,
    SHARED_SERVICE_LOGS,
    STAGE_SERVICE_LOGS,
    notebook_plan,
    sagemaker_plan,
)
from generator.spec import (
    Regime,
    Sensitivity,
    Service,
    Spec,
    Stage,
    Workload,
    WorkloadType,
    bucket_name,
    ecr_stage_namespace,
)


def macie_identifier_plans(wl: Workload) -> tuple[MacieIdentifierPlan, ...]:
    return tuple(
        MacieIdentifierPlan(
            key=f"{wl.name}-{i.name}",
            regex=i.regex,
            keywords=tuple(i.keywords),
            ignore_words=tuple(i.ignore_words),
            maximum_match_distance=i.maximum_match_distance,
            description=i.description or f"aisec custom data identifier {i.name} of workload {wl.name}",
        )
        for i in wl.macie_identifiers()
    )


def _macie_job(wl: Workload, stage: Stage) -> MacieJobPlan | None:
    schedule = MACIE_SCHEDULE[wl.data.sensitivity]
    domains = BUCKET_DOMAINS
    if schedule is None and wl.type is WorkloadType.RAG:
        schedule, domains = RAG_CORPUS_SCHEDULE, RAG_CORPUS_DOMAINS
    if schedule is None:
        return None
    return MacieJobPlan(
        key=f"{wl.name}-{stage.value}",
        schedule=schedule,
        domains=domains,
        identifiers=tuple(p.key for p in macie_identifier_plans(wl)),
        archive_findings=wl.macie_archive_synthetic and stage is not Stage.PROD,
    )


def _stage(spec: Spec, wl: Workload, stage: Stage, rotation: int, access: AccessPlan) -> StagePlan:
    name, account, region = spec.name, spec.aws.account_id, spec.aws.region
    prefix = f"{name}-{wl.name}-{stage.value}"
    services = wl.effective_services
    log_group = f"/aisec/{name}/{wl.name}/{stage.value}"
    uses_sagemaker = Service.SAGEMAKER in services
    service_groups = tuple(
        g.format(prefix=prefix)
        for g in STAGE_SERVICE_LOGS[wl.type]
        if uses_sagemaker or not g.startswith("/aws/sagemaker/")
    )
    shared_groups = SHARED_SERVICE_LOGS[wl.type] if uses_sagemaker else ()
    roles: list[RolePlan] = []
    for key in PERSONAS_BY_TYPE[wl.type]:
        persona = PERSONAS[key]
        reads, writes, read_prefix = persona.reads, persona.writes, ""
        if persona.human and stage is Stage.PROD:
            reads, writes, read_prefix = PROD_HUMAN_READS, (), PROMOTED_PREFIX
        role_name = f"{prefix}-{persona.key}"
        roles.append(
            RolePlan(
                persona=persona.key,
                name=role_name,
                description=f"{wl.name} {stage.value}: {persona.title}",
                human=persona.human,
                service=persona.service,
                reads=reads,
                writes=writes,
                keys=tuple(d for d in BUCKET_DOMAINS if d in reads or d in writes),
                bedrock=Service.BEDROCK in services and not persona.human,
                ecr=Service.ECR in services and not persona.human,
                arn=f"arn:aws:iam::{account}:role{ROLE_PATH}{role_name}",
                read_prefix=read_prefix,
                outside_vpc=persona.outside_vpc,
                trusted=_people(spec, stage) if persona.human else (),
                source_arns=_source_arns(spec, persona.service, prefix) if persona.service else (),
                **(_vector_store(wl, stage) if key == "ingest" else {}),
            )
        )
    services_roles = tuple(r.persona for r in roles if r.service == "sagemaker.amazonaws.com")
    roles = [
        replace(r, pass_roles=services_roles) if r.human and stage is not Stage.PROD else r for r in roles
    ]
    sensitive = wl.data.sensitivity.rank >= Sensitivity.CONFIDENTIAL.rank
    vpc_ids = access.vpc_ids if sensitive else ()
    exempt = (*access.break_glass, access.macie_role)
    outside = tuple(r.arn for r in roles if r.outside_vpc)

    def perimeter(domain: str, users: tuple[str, ...]) -> Perimeter:
        return Perimeter(
            principals=(*users, *exempt) if domain in BUCKET_DOMAINS else (*users, *access.break_glass),
            managers=access.managers,
            lifecycle=access.managers,
            vpc_ids=vpc_ids,
            network_exempt=(*outside, *exempt),
        )

    via = tuple(f"{VIA_SERVICE[s]}.{region}.amazonaws.com" for s in services if s in VIA_SERVICE)
    job = _macie_job(wl, stage)
    notebook = notebook_plan(spec, wl, stage, prefix)
    keys = []
    for domain in KEY_DOMAINS:
        users = tuple(r for r in roles if domain in r.keys)
        key_perimeter = perimeter(domain, tuple(r.arn for r in users))
        if notebook is not None and domain == notebook.volume_key:
            # The deployer creates the notebook; SageMaker creates its volume's grant as the deployer.
            key_perimeter = replace(
                key_perimeter,
                grantors=access.deployers,
                grant_services=(f"sagemaker.{region}.amazonaws.com",),
            )
        keys.append(
            KeyPlan(
                domain=domain,
                alias=f"alias/aisec/{name}/{wl.name}/{stage.value}/{domain}",
                description=f"aisec {name}: {wl.name} {stage.value} {domain}",
                rotation_days=rotation,
                deletion_window_days=DELETION_WINDOW_DAYS[stage],
                user_personas=tuple(r.persona for r in users),
                macie_reads=job is not None and domain in job.domains,
                service_uses=(_logs_service_use(region, account, log_group, *service_groups),)
                if domain == "logs"
                else (),
                via_services=via if domain in BUCKET_DOMAINS else (),
                perimeter=key_perimeter,
            )
        )
    buckets = tuple(
        BucketPlan(
            domain,
            bucket_name(name, wl.name, stage.value, domain, account),
            access_log_prefix(spec, f"{wl.name}/{stage.value}/{domain}/"),
            perimeter=perimeter(
                domain, tuple(r.arn for r in roles if domain in r.reads or domain in r.writes)
            ),
            prefix_readers=tuple(
                (r.arn, r.read_prefix) for r in roles if r.read_prefix and domain in r.reads
            ),
        )
        for domain in BUCKET_DOMAINS
    )
    images = _images(spec, wl, stage, roles, access)
    if images is not None and images.repositories:
        keys.append(_images_key(spec, wl, stage, rotation, access))
    return StagePlan(
        stage=stage,
        ident=ident(wl.name, stage.value),
        prefix=prefix,
        keys=tuple(keys),
        buckets=buckets,
        roles=tuple(roles),
        log_group=log_group,
        macie_job=job,
        service_log_groups=service_groups,
        shared_log_groups=shared_groups,
        sagemaker=sagemaker_plan(spec, wl, stage),
        notebook=notebook,
        images=images,
    )


def _images(
    spec: Spec, wl: Workload, stage: Stage, roles: list[RolePlan], access: AccessPlan
) -> ImagesPlan | None:
    """The stage's image pulls: the spec's repositories or the stage's own namespace (so no stage
    pulls another's images), plus the repositories created there (ML-5, ML-6)."""
    pullers = tuple(r.arn for r in roles if r.ecr)
    if not pullers:
        return None
    namespace = ecr_stage_namespace(spec.name, wl.name, stage.value)
    images = wl.images
    pulls = tuple(images.repositories) if images and images.repositories else (f"{namespace}/*",)
    created = tuple(f"{namespace}/{n}" for n in images.create) if images else ()
    return ImagesPlan(
        pulls=pulls,
        image_accounts=access.image_accounts,
        repositories=created,
        pullers=pullers,
        pushers=tuple(images.pushers) if images else (),
        managers=access.managers,
        untagged_expiry_days=images.untagged_expiry_days if images else 14,
    )


def _images_key(spec: Spec, wl: Workload, stage: Stage, rotation: int, access: AccessPlan) -> KeyPlan:
    """A key of its own for the stage's repositories: ECR uses it through the grant it makes when
    the deployer creates a repository, so no role is a user; the deployers may create grants for
    AWS resources and nothing else, break-glass may use it (data keys would otherwise have to
    admit the deployer)."""
    return KeyPlan(
        domain="images",
        alias=f"alias/aisec/{spec.name}/{wl.name}/{stage.value}/images",
        description=f"aisec {spec.name}: {wl.name} {stage.value} container images (ECR)",
        rotation_days=rotation,
        deletion_window_days=DELETION_WINDOW_DAYS[stage],
        perimeter=Perimeter(
            principals=access.break_glass,
            managers=access.managers,
            lifecycle=access.managers,
            grantors=access.deployers,
            grant_services=(f"ecr.{spec.aws.region}.amazonaws.com",),
        ),
    )


def _detective(spec: Spec, retention: int) -> DetectivePlan:
    regimes = sorted(spec.regimes, key=lambda r: list(Regime).index(r))
    packs: dict[str, tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]] = {}
    # One pack per regime that adds rules to the baseline (ai-security adds none).
    chosen: list[Regime | None] = [r for r in regimes if r in CONFORMANCE_EXTRA] or [None]
    for regime in chosen:
        days = _strictest(RETENTION_DAYS, frozenset({regime}) if regime else frozenset(), longest=True)
        rules = []
        for rule, description in (*CONFORMANCE_BASE, *CONFORMANCE_EXTRA[regime]):
            params: tuple[tuple[str, str], ...] = ()
            if rule == "CW_LOGGROUP_RETENTION_PERIOD_CHECK":
                params = (("MinRetentionTime", str(days)),)
            elif rule == "ACCESS_KEYS_ROTATED":
                params = (("maxAccessKeyAge", "90"),)
            rules.append((rule, description, params))
        packs[regime.value if regime else "baseline"] = tuple(rules)
    return DetectivePlan(
        modes=MappingProxyType({name: spec.detective_mode(name) for name in DETECTIVE}),
        standards=(
            *SECURITY_HUB_STANDARDS,
            *(SECURITY_HUB_REGIME_STANDARDS[r] for r in regimes if r in SECURITY_HUB_REGIME_STANDARDS),
        ),
        conformance_packs=MappingProxyType(packs),
        flow_log_retention_days=retention,
    )
