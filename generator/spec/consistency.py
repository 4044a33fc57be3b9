"""Contradictions between the parts of a spec (:func:`consistency_problems`), each a
``path.to.field: message`` that names what is allowed."""

from __future__ import annotations

from generator.spec.model import Spec
from generator.spec.problems import (
    Problem,
    _bedrock_problems,
    _images_problems,
    _macie_problems,
    _notebook_problems,
    bucket_name,
    role_name,
    state_key_problems,
)
from generator.spec.types import (
    BUCKET_DOMAIN_MAX,
    CATEGORY_RULES,
    HUMAN_ARN_RE,
    KMS_KEY_ARN_RE,
    NONPROD_GUARDED,
    PERSONA_MAX,
    REGIONS,
    RESERVED_BUCKET_PREFIXES,
    ROLE_ARN_RE,
    STAGE_MAX,
    TYPES_WITH_PEOPLE,
    HumanAccess,
    Regime,
    Sensitivity,
    Service,
    Stage,
)


def consistency_problems(spec: Spec) -> list[Problem]:
    """Cross-field rules: contradictions and AWS name limits. Empty when the spec is coherent."""
    problems: list[Problem] = []
    region = REGIONS[spec.aws.region]
    regimes = spec.regimes

    if Regime.FEDRAMP_MODERATE in regimes and not region.fedramp_moderate:
        problems.append(
            Problem(
                ("aws", "region"),
                f"fedramp-moderate needs a region inside the FedRAMP Moderate boundary "
                f"({', '.join(r for r, i in REGIONS.items() if i.fedramp_moderate)}), not {spec.aws.region}",
            )
        )
    if spec.foundation == "existing" and spec.foundation_refs is None:
        problems.append(
            Problem(
                ("foundation_refs",),
                "foundation: existing needs foundation_refs (access_log_bucket, alert_topic_arn)",
            )
        )
    if spec.layout == "stages" and spec.foundation == "existing":
        problems.append(
            Problem(
                ("layout",),
                "stages needs foundation: create (the foundation/ root holds the account-level "
                "resources); with foundation: existing use layout: single",
            )
        )
    problems += stage_segment_problems(spec)
    if spec.foundation == "create" and spec.foundation_refs is not None:
        problems.append(
            Problem(("foundation_refs",), "foundation_refs is only allowed with foundation: existing")
        )
    for control, needs in (
        ("config", "its delivery bucket"),
        ("flow_logs", "the audit key of its log group"),
    ):
        if spec.foundation == "existing" and getattr(spec.detective, control) == "create":
            problems.append(
                Problem(
                    ("detective", control),
                    f"create needs foundation: create ({needs} is a foundation resource); "
                    "with foundation: existing use prerequisite",
                )
            )
    archive = spec.log_archive
    if archive is not None:
        if archive.account_id == spec.aws.account_id:
            problems.append(
                Problem(("log_archive", "account_id"), "must be another account than aws.account_id")
            )
        if spec.foundation == "existing":
            problems.append(
                Problem(("log_archive",), "only with foundation: create (the trail is then aisec's)")
            )
        key = KMS_KEY_ARN_RE.match(archive.kms_key_arn or "")
        if key and key.group(1) != archive.account_id:
            problems.append(
                Problem(
                    ("log_archive", "kms_key_arn"),
                    f"must be a key of the log-archive account {archive.account_id}",
                )
            )
        for field in ("break_glass", "deployers"):
            for i, arn in enumerate(getattr(archive, field)):
                m = ROLE_ARN_RE.match(arn)
                if m and m.group(1) != archive.account_id:
                    problems.append(
                        Problem(
                            ("log_archive", field, i),
                            f"must be a role of the log-archive account {archive.account_id}",
                        )
                    )
    source = spec.module_source
    needed = {"git": "git_url", "registry": "registry"}.get(source.mode)
    if needed and getattr(source, needed) is None:
        problems.append(
            Problem(("module_source", needed), f"required when module_source.mode is {source.mode}")
        )
    for field in ("git_url", "registry"):
        if field != needed and getattr(source, field) is not None:
            problems.append(
                Problem(("module_source", field), f"not used with module_source.mode {source.mode}")
            )
    if spec.state.backend == "s3":
        for field in ("bucket", "key"):
            if getattr(spec.state, field) is None:
                problems.append(Problem(("state", field), "required when state.backend is s3"))
    elif (
        any(
            v is not None
            for v in (spec.state.bucket, spec.state.key, spec.state.region, spec.state.kms_key_id)
        )
        or spec.state.users
    ):
        problems.append(
            Problem(("state",), "bucket, key, region, kms_key_id and users are only allowed with backend: s3")
        )

    problems += _people_problems(spec)
    problems += account_problems(spec)
    problems += _alert_problems(spec)

    reserved = next((p for p in RESERVED_BUCKET_PREFIXES if spec.name.startswith(p)), None)
    if reserved is not None:
        problems.append(
            Problem(
                ("name",),
                f"bucket names are prefixed with the spec name, and S3 reserves names starting with {reserved!r}",
            )
        )
    seen: dict[str, int] = {}
    for i, wl in enumerate(spec.workloads):
        where: tuple[str | int, ...] = ("workloads", i)
        if wl.name in seen:
            problems.append(
                Problem(
                    (*where, "name"), f"duplicate workload name {wl.name!r} (also workloads[{seen[wl.name]}])"
                )
            )
        seen.setdefault(wl.name, i)
        sens = wl.data.sensitivity
        if sens is Sensitivity.PUBLIC and (regimes & {Regime.HIPAA, Regime.PCI_DSS}):
            problems.append(
                Problem(
                    (*where, "data", "sensitivity"),
                    "public data contradicts hipaa/pci-dss in compliance; use internal, confidential or restricted",
                )
            )
        for category in wl.data.categories:
            minimum, regime = CATEGORY_RULES[category]
            if sens.rank < minimum.rank:
                problems.append(
                    Problem(
                        (*where, "data", "sensitivity"),
                        f"{category.value} data needs sensitivity {minimum.value} or stricter, not {sens.value}",
                    )
                )
            if regime is not None and regime not in regimes:
                problems.append(
                    Problem(
                        (*where, "data", "categories"),
                        f"{category.value} data requires {regime.value} in compliance",
                    )
                )
        guarded = sorted(c.value for c in wl.data.categories if c in NONPROD_GUARDED)
        nonprod_people = wl.type in TYPES_WITH_PEOPLE and any(st is not Stage.PROD for st in wl.stages)
        if guarded and nonprod_people and wl.data.non_production is None:
            problems.append(
                Problem(
                    (*where, "data", "non_production"),
                    f"people read the datasets of {', '.join(st.value for st in wl.stages if st is not Stage.PROD)}: "
                    f"with {' and '.join(guarded)} data, state what those stages hold "
                    "(deidentified, tokenized or synthetic), or keep the workload to prod",
                )
            )
        problems.extend(_bedrock_problems(spec, wl, where))
        problems.extend(_macie_problems(wl, where))
        problems.extend(_notebook_problems(spec, wl, where))
        problems.extend(_images_problems(spec, wl, where))
        if Service.BEDROCK in wl.effective_services and not region.bedrock:
            problems.append(
                Problem(
                    (*where, "services"),
                    f"Amazon Bedrock (with Agents and Knowledge Bases) is not offered in {spec.aws.region}; "
                    f"choose one of {', '.join(r for r, info in REGIONS.items() if info.bedrock)}",
                )
            )
        longest_role = role_name(spec.name, wl.name, "x" * STAGE_MAX, "x" * PERSONA_MAX)
        if len(longest_role) > 64:
            problems.append(
                Problem(
                    (*where, "name"),
                    f"IAM role names would be {len(longest_role)} characters (limit 64): "
                    f"shorten the spec name or the workload name by {len(longest_role) - 64}",
                )
            )
        longest_bucket = bucket_name(
            spec.name, wl.name, "x" * STAGE_MAX, "x" * BUCKET_DOMAIN_MAX, spec.aws.account_id
        )
        if len(longest_bucket) > 63:
            problems.append(
                Problem(
                    (*where, "name"),
                    f"S3 bucket names would be {len(longest_bucket)} characters (limit 63): "
                    f"shorten the spec name or the workload name by {len(longest_bucket) - 63}",
                )
            )
    return problems


def _alert_problems(spec: Spec) -> list[Problem]:
    """A regulated landing's alarms must reach someone: its addresses, or the existing alert topic.
    The AWS AI Security Framework is guidance, not a regulation (and the default for rag and
    inference workloads): alone, it does not make a landing regulated."""
    regulated = [r for r in spec.compliance if r is not Regime.AI_SECURITY]
    if not regulated or spec.alerts.email or not spec.creates_foundation:
        return []  # foundation: existing sends them to foundation_refs.alert_topic_arn
    regimes = ", ".join(r.value for r in regulated)
    return [
        Problem(
            ("alerts", "email"),
            f"with compliance {regimes}, security alarms and findings need at least one destination: "
            "name one or more e-mail addresses (or use foundation: existing with its alert_topic_arn)",
        )
    ]


def _people_problems(spec: Spec) -> list[Problem]:
    """Who assumes the people's roles must be named; iam-mfa names principals, not permission sets."""
    problems: list[Problem] = []
    stages_with_people = {st for wl in spec.workloads if wl.type in TYPES_WITH_PEOPLE for st in wl.stages}
    if spec.access.human_access is HumanAccess.IAM_MFA:
        for stage, refs in spec.access.people.items():
            for i, ref in enumerate(refs):
                if not HUMAN_ARN_RE.fullmatch(ref):
                    problems.append(
                        Problem(
                            ("access", "people", stage.value, i),
                            f"{ref!r}: with human_access iam-mfa, name IAM role or user ARNs "
                            "(permission sets belong to IAM Identity Center, human_access sso)",
                        )
                    )
        for stage in sorted(stages_with_people - set(spec.access.people), key=list(Stage).index):
            problems.append(
                Problem(
                    ("access", "people"),
                    f"stage {stage.value} has roles for people: with human_access iam-mfa, list who may "
                    f"assume them (access.people.{stage.value}: [IAM role or user ARNs])",
                )
            )
    for stage in sorted(set(spec.access.people) - stages_with_people, key=list(Stage).index):
        problems.append(
            Problem(("access", "people", stage.value), f"no workload has people in stage {stage.value}")
        )
    return problems


def stage_segment_problems(spec: Spec) -> list[Problem]:
    """layout: stages scopes each root's CI roles by name patterns (``NAME-*-dev-*``,
    ``NAME/*/dev/*``): a workload name with a stage as one of its ``-``-separated parts, or an image
    with one as a ``/``-separated part, would make another stage's names match them."""
    if spec.layout != "stages":
        return []
    stages = [s.value for s in Stage]
    allowed = f"none of its parts may be {', '.join(stages)}"
    problems = []
    for i, wl in enumerate(spec.workloads):
        hit = next((p for p in wl.name.split("-") if p in stages), None)
        if hit is not None:
            problems.append(
                Problem(
                    ("workloads", i, "name"),
                    f"{wl.name!r} holds the stage {hit!r} as a part of the name: with layout: stages the "
                    f"CI roles of a stage reach names like <name>-*-{hit}-*, so another stage's resources "
                    f"of this workload would match them; {allowed} (separated by -)",
                )
            )
        for j, entry in enumerate(wl.images.create if wl.images else []):
            hit = next((p for p in entry.split("/") if p in stages), None)
            if hit is not None:
                problems.append(
                    Problem(
                        ("workloads", i, "images", "create", j),
                        f"{entry!r} holds the stage {hit!r} as a part: with layout: stages the CI roles "
                        f"of a stage reach repositories <name>/*/{hit}/*; {allowed} (separated by /)",
                    )
                )
    return problems


def account_problems(spec: Spec) -> list[Problem]:
    """The rules of ``accounts``: each a Problem naming the field."""
    a = spec.accounts
    if a is None:
        return []
    problems: list[Problem] = state_key_problems(spec)
    if spec.layout != "stages":
        problems.append(
            Problem(("accounts",), "needs layout: stages (a root and a state per stage, each in its account)")
        )
    if spec.foundation != "create":
        problems.append(
            Problem(
                ("accounts",), "needs foundation: create (each account gets a foundation root of its own)"
            )
        )
    if spec.log_archive is None:
        problems.append(
            Problem(
                ("accounts",),
                "needs log_archive: every account's trail and access logs are delivered to the "
                "log-archive account, out of reach of each workload account",
            )
        )
    present = {s for w in spec.workloads for s in w.stages}
    seen: dict[str, str] = {}
    for stage, sa in a.stages.items():
        where: tuple[str | int, ...] = ("accounts", "stages", stage.value)
        if stage not in present:
            problems.append(Problem(where, f"no workload has the stage {stage.value}"))
        if sa.account_id == spec.aws.account_id:
            problems.append(
                Problem(
                    (*where, "account_id"),
                    "must be another account than aws.account_id (leave the stage out)",
                )
            )
        if spec.log_archive is not None and sa.account_id == spec.log_archive.account_id:
            problems.append(
                Problem((*where, "account_id"), "must be another account than log_archive.account_id")
            )
        if sa.account_id in seen:
            problems.append(
                Problem(
                    (*where, "account_id"),
                    f"already the account of stage {seen[sa.account_id]}: one stage per account",
                )
            )
        seen.setdefault(sa.account_id, stage.value)
        for field in ("admin_principals", "deployers", "break_glass"):
            for i, arn in enumerate(getattr(sa.access, field)):
                m = ROLE_ARN_RE.match(arn)
                if m and m.group(1) != sa.account_id:
                    problems.append(
                        Problem(
                            (*where, "access", field, i),
                            f"must be a role of the stage's account {sa.account_id}",
                        )
                    )
    return problems
