"""Problems of a spec that one field cannot show: the names aisec derives from it (roles, buckets,
repositories) and the checks of each workload's services against them and each other."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from generator.spec.macie import MACIE_IDENTIFIERS_PER_JOB, MACIE_IGNORE_WORDS_MAX
from generator.spec.model import Spec
from generator.spec.types import REGIONS, ROLE_ARN_RE, STAGE_MAX, Sensitivity, Service, Stage, WorkloadType
from generator.spec.workload import Workload, bedrock_models


# --------------------------------------------------------------------------- contradictions
@dataclass(frozen=True)
class Problem:
    loc: tuple[str | int, ...]
    message: str

    def render(self, source: str) -> str:
        return f"{source}: {format_loc(self.loc)}: {self.message}"

    def record(self, source: str) -> dict[str, str | None]:
        return {"file": source, "field": format_loc(self.loc), "message": self.message}


def format_loc(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def state_key_problems(spec: Spec) -> list[Problem]:
    """``accounts.state_kms_key_arn``: the key of aisec bootstrap-state, in the main account and the
    state's region (the backend's KMS key must be where the state bucket is)."""
    arn = spec.accounts.state_kms_key_arn if spec.accounts is not None else None
    if arn is None:
        return []
    where = ("accounts", "state_kms_key_arn")
    if spec.state.backend != "s3":
        return [
            Problem(
                where,
                "only with state.backend s3 (the key of the state bucket aisec bootstrap-state creates)",
            )
        ]
    if spec.state.kms_key_id is not None and not spec.state.kms_key_id.startswith("alias/"):
        return [Problem(where, "leave it out: state.kms_key_id names the state key by its ARN already")]
    _arn, _aws, _kms, region, account, _key = arn.split(":", 5)
    wanted = spec.state.region or spec.aws.region
    out = "; set it to the output state_kms_key of aisec bootstrap-state"
    if account != spec.aws.account_id:
        return [
            Problem(
                where,
                f"must be a key of aws.account_id {spec.aws.account_id} (the state's account), not {account}{out}",
            )
        ]
    if region != wanted:
        return [Problem(where, f"must be a key of the state's region {wanted}, not {region}{out}")]
    return []


def role_name(spec_name: str, workload: str, stage: str, persona: str) -> str:
    return f"{spec_name}-{workload}-{stage}-{persona}"


# The roles `aisec ci` renders live under their own path, out of reach of the IAM rights they hold
# over the landing's roles (/aisec/); the apply role is the landing's default deployer.
DEPLOY_PATH = "/aisec-deploy/"


def ci_role_name(spec_name: str, kind: Literal["plan", "apply"], root: str = "") -> str:
    """The CI role of a landing (``NAME-aisec-apply``) or, for ``layout: stages``, of one of its
    roots (``NAME-aisec-dev-apply``, ``NAME-aisec-foundation-plan``)."""
    return f"{spec_name}-aisec-{root}-{kind}" if root else f"{spec_name}-aisec-{kind}"


def ci_role_arn(account_id: str, spec_name: str, kind: Literal["plan", "apply"], root: str = "") -> str:
    return f"arn:aws:iam::{account_id}:role{DEPLOY_PATH}{ci_role_name(spec_name, kind, root)}"


def bucket_name(spec_name: str, workload: str, stage: str, domain: str, account_id: str) -> str:
    return f"{spec_name}-{workload}-{stage}-{domain}-{account_id}"


def ecr_stage_namespace(spec_name: str, workload: str, stage: str) -> str:
    """The stage's own ECR namespace: the default pull pattern and the prefix of created repositories."""
    return f"{spec_name}/{workload}/{stage}"


def _images_problems(spec: Spec, wl: Workload, where: tuple[str | int, ...]) -> list[Problem]:
    images = wl.images
    if images is None:
        return []
    if Service.ECR not in wl.effective_services:
        return [Problem((*where, "images"), "only for workloads using the ecr service (add it to services)")]
    problems = _pusher_problems(spec, wl, where)
    if images.pushers and not images.create:
        problems.append(
            Problem((*where, "images", "pushers"), "only with images.create (repositories to push to)")
        )
    longest = ecr_stage_namespace(spec.name, wl.name, "x" * STAGE_MAX)
    for j, name in enumerate(images.create):
        if len(f"{longest}/{name}") > 256:
            problems.append(
                Problem(
                    (*where, "images", "create", j),
                    f"the repository name {longest}/{name} would exceed ECR's 256 characters",
                )
            )
    return problems


def stage_accounts(spec: Spec, wl: Workload) -> dict[str, list[str]]:
    """The accounts holding the workload's stages (``accounts``: a stage may have its own), each
    with its stages, the landing's account first."""
    own = spec.accounts.stages if spec.accounts is not None else {}
    found: dict[str, list[str]] = {}
    for stage in wl.stages:
        account = own[stage].account_id if stage in own else spec.aws.account_id
        found.setdefault(account, []).append(stage.value)
    return dict(sorted(found.items(), key=lambda kv: kv[0] != spec.aws.account_id))


def _pusher_problems(spec: Spec, wl: Workload, where: tuple[str | int, ...]) -> list[Problem]:
    """Pushers are roles of an account holding one of the workload's stages. The repositories a
    stage creates live in its account, and their policy only denies (it grants no other account
    anything), so each account's repositories admit that account's pushers alone: with pushers
    listed, every account holding a stage needs one of its own (none would be a silent drop)."""
    assert wl.images is not None
    held = stage_accounts(spec, wl)
    problems = []
    if spec.accounts is None:
        allowed = f"must be a role of this account {spec.aws.account_id}"
    else:
        allowed = "must be a role of an account holding one of this workload's stages: " + ", ".join(
            f"{a} ({', '.join(st)})" for a, st in held.items()
        )
    pushing: set[str] = set()
    for j, arn in enumerate(wl.images.pushers):
        m = ROLE_ARN_RE.match(arn)
        if m and m.group(1) not in held:
            problems.append(Problem((*where, "images", "pushers", j), allowed))
        elif m:
            pushing.add(m.group(1))
    if spec.accounts is not None and pushing and wl.images.create:
        for account, stages in held.items():
            if account not in pushing:
                problems.append(
                    Problem(
                        (*where, "images", "pushers"),
                        f"none is a role of account {account}, which holds this workload's "
                        f"{' and '.join(stages)} stage: the repositories created there admit only "
                        "pushers of that account (their policy grants another account nothing); add a "
                        f"role of {account}, or list no pushers (the deployers push)",
                    )
                )
    return problems


def _bedrock_problems(spec: Spec, wl: Workload, where: tuple[str | int, ...]) -> list[Problem]:
    if Service.BEDROCK not in wl.effective_services:
        if wl.bedrock is not None:
            return [
                Problem(
                    (*where, "bedrock"), "only for workloads using the bedrock service (add it to services)"
                )
            ]
        return []
    problems = _vector_store_problems(spec, wl, where)
    table = bedrock_models()
    offered = table.offered(spec.aws.region)
    if wl.bedrock is None or wl.bedrock.models is None:
        if REGIONS[spec.aws.region].bedrock and not wl.bedrock_models(spec.aws.region):
            problems.append(
                Problem(
                    (*where, "bedrock", "models"), f"name the models to allow, one of: {', '.join(offered)}"
                )
            )
        return problems
    return problems + [
        Problem(
            (*where, "bedrock", "models", j),
            f"{model!r} is not offered in {spec.aws.region} per the model table of {table.as_of}; "
            f"allowed: {', '.join(offered) or 'none'}",
        )
        for j, model in enumerate(wl.bedrock.models)
        if model not in offered
    ]


def _vector_store_problems(spec: Spec, wl: Workload, where: tuple[str | int, ...]) -> list[Problem]:
    """Knowledge bases' stores: rag only, one kind each, per stage, never shared between stages, in
    the landing's account and region."""
    stores = wl.bedrock.vector_stores if wl.bedrock is not None else {}
    if not stores:
        return []
    at = (*where, "bedrock", "vector_stores")
    if wl.type is not WorkloadType.RAG:
        return [Problem(at, "only for rag workloads (their knowledge bases' stores)")]
    problems = []
    seen: dict[str, Stage] = {}
    for stage, store in stores.items():
        here = (*at, stage.value)
        if stage not in wl.stages:
            problems.append(
                Problem(here, f"not a stage of this workload ({', '.join(s.value for s in wl.stages)})")
            )
        if (store.opensearch_serverless is None) == (store.aurora is None):
            problems.append(Problem(here, "name exactly one of opensearch_serverless or aurora"))
        # accounts: a stage in an account of its own keeps its store there
        own = spec.accounts.stages.get(stage) if spec.accounts is not None else None
        expected = own.account_id if own is not None else spec.aws.account_id
        for field, arn in store.arns:
            region, account = arn.split(":")[3:5]
            if (region, account) != (spec.aws.region, expected):
                problems.append(
                    Problem(
                        (*here, *field),
                        f"must be in the {'stage' if own else 'landing'}'s account {expected} and region {spec.aws.region} "
                        f"(a knowledge base uses a store of its own account and region), not {account} {region}",
                    )
                )
            if field[-1] != "credentials_arn" and arn in seen:
                problems.append(
                    Problem(
                        (*here, *field),
                        f"already the store of {seen[arn].value}: stages never share a vector store "
                        "(it would mix their data)",
                    )
                )
            seen.setdefault(arn, stage)
    return problems


def macie_scanned(wl: Workload) -> bool:
    """Whether Macie jobs classify the workload's buckets: confidential and restricted data, and the
    corpus of every RAG workload whatever its label (what the model retrieves reaches its answers)."""
    return wl.data.sensitivity.rank >= Sensitivity.CONFIDENTIAL.rank or wl.type is WorkloadType.RAG


def _macie_problems(wl: Workload, where: tuple[str | int, ...]) -> list[Problem]:
    settings = wl.macie
    if settings is None:
        return []
    here = (*where, "macie")
    if not macie_scanned(wl):
        return [
            Problem(
                here,
                f"no Macie job scans this workload ({wl.data.sensitivity.value} data, type {wl.type.value}): "
                "Macie runs for confidential or restricted data and for rag corpora; remove macie",
            )
        ]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for j, identifier in enumerate(settings.identifiers):
        if identifier.name in seen:
            problems.append(
                Problem(
                    (*here, "identifiers", j, "name"),
                    f"duplicate identifier name {identifier.name!r} (also identifiers[{seen[identifier.name]}])",
                )
            )
        seen.setdefault(identifier.name, j)
    chosen = wl.macie_identifiers()
    if len(chosen) > MACIE_IDENTIFIERS_PER_JOB:
        problems.append(
            Problem(
                (*here, "identifiers"),
                f"{len(chosen)} custom identifiers with the defaults; a Macie job takes at most "
                f"{MACIE_IDENTIFIERS_PER_JOB}",
            )
        )
    for identifier in chosen:
        if len(identifier.ignore_words) > MACIE_IGNORE_WORDS_MAX:
            problems.append(
                Problem(
                    (*here, "ignore_words"),
                    f"identifier {identifier.name!r} would have {len(identifier.ignore_words)} ignore words "
                    f"with these; Macie allows at most {MACIE_IGNORE_WORDS_MAX}",
                )
            )
    if settings.archive_synthetic and wl.data.non_production != "synthetic":
        problems.append(
            Problem(
                (*here, "archive_synthetic"),
                "only when data.non_production is synthetic: findings in dev and test are real otherwise",
            )
        )
    return problems


def _notebook_problems(spec: Spec, wl: Workload, where: tuple[str | int, ...]) -> list[Problem]:
    nb = wl.compute.notebook if wl.compute is not None else None
    if nb is None:
        return []
    at = (*where, "compute", "notebook")
    if wl.type is not WorkloadType.NOTEBOOK:
        return [
            Problem(
                at, f"only for workloads of type notebook (its role runs the notebook), not {wl.type.value}"
            )
        ]
    if Service.SAGEMAKER not in wl.effective_services:
        return [Problem(at, "only for workloads using the sagemaker service (add it to services)")]
    if not spec.creates_foundation:
        return [
            Problem(
                at, "needs foundation: create (the notebook runs in the landing's compute security group)"
            )
        ]
    problems = []
    for j, st in enumerate(nb.stages or []):
        if st is Stage.PROD:
            problems.append(
                Problem(
                    (*at, "stages", j), "prod gets no notebook: people do not work in prod; use dev or test"
                )
            )
        elif st not in wl.stages:
            problems.append(
                Problem(
                    (*at, "stages", j),
                    f"{st.value} is not a stage of this workload ({', '.join(s.value for s in wl.stages)})",
                )
            )
    if nb.stages is None and not wl.notebook_stages:
        problems.append(
            Problem(at, "the workload has only prod, which gets no notebook; add dev or test to its stages")
        )
    return problems
