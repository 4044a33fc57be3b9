"""`aisec ci github|gitlab`: a pipeline for a spec, and the AWS roles it assumes through OIDC.

Pure functions: (spec, settings) -> file texts. Pipelines are built as data and dumped with
PyYAML, so no value can break out of its YAML string; every value comes from the validated spec
or from settings checked here. Actions are pinned by commit SHA.

- :mod:`.settings`: the pipeline's settings, checked, and the roles' names and OIDC subjects
- :mod:`.pipelines`: the GitHub workflow and the GitLab pipeline
- :mod:`.access`: what the CI roles may do, per resource type; :mod:`.statements`: their policies;
  :mod:`.roles`: which role gets which
- this module: the roles' policy documents and the notes printed with them
"""

from __future__ import annotations

from typing import Any

from generator import __version__
from generator.ci.access import (
    ACCOUNT_WRITES,
    BLINDING_ACTIONS,
    DATA_KEY_ACTIONS,
    DATA_OBJECT_ACTIONS,
    DEPLOYER_DENY,
    GRANT_SERVICES,
    IAM_ROLE_AND_POLICY_CHANGES,
    ISSUERS,
    NAMED_WRITES,
    PASS_TO_SERVICES,
    RESOURCE_ACCESS,
    SCOPED_READS,
    SERVICE_LINKED_ROLES,
    SID_NOUNS,
    TAGGED_CREATES,
    TAGGED_WRITES,
    UNSCOPED_READS,
    Access,
    Condition,
    Statement,
    landing_arns,
    landing_resources,
)
from generator.ci.pipelines import _dump, github_setup_steps, github_top, github_workflow, gitlab_pipeline
from generator.ci.roles import (
    BOUNDARY_PARTS,
    POLICIES,
    ROLE_POLICIES,
    STAGE_NAMED,
    STAGE_TAGGED,
    scope_statements,
    stage_key_names,
    stage_resources,
    stage_tag_statements,
)
from generator.ci.settings import (
    _PATH_RE,
    ACTIONS,
    GATE_EXTRA,
    GITLAB_IMAGE,
    LANDING_PATH,
    CiSettings,
    Platform,
    boundary_name,
    ci_roots,
    install_notes,
    oidc_subjects,
    role_arns,
    role_names,
    root_environment,
    root_subjects,
)
from generator.ci.statements import (
    CEILING_ACTIONS,
    UNSCOPABLE_WRITES,
    ceiling_statements,
    deploy_statements,
    detection_statements,
    guardrail_statements,
    iam_statements,
    key_statements,
    network_statements,
    plan_statements,
)
from generator.render import render_small_root
from generator.render.hcl import Hcl
from generator.render.stages import state_key
from generator.spec import DEPLOY_PATH, DETECTIVE_CONTROLS, Spec


def policy_name(spec: Spec, part: str) -> str:
    return f"{spec.name}-aisec-{part.replace('_', '-')}"


def _state(spec: Spec) -> dict[str, Any] | None:
    """The S3 backend's bucket, object, lock file and key, when the spec uses one."""
    if spec.state.backend != "s3" or not spec.state.bucket or not spec.state.key:
        return None
    key = spec.backend_kms_key()  # with accounts, by ARN once bootstrap-state made it
    alias = key if key.startswith("alias/") else None
    bucket = f"arn:aws:s3:::{spec.state.bucket}"
    # layout: stages: a state per root, <prefix>/<root>.tfstate (generator/render/stages.py), all of them
    objects = state_key(spec, "*") if spec.layout == "stages" else spec.state.key
    return {
        "alias": alias,
        "bucket_arn": bucket,
        "object_arn": f"{bucket}/{objects}",
        "lock_arn": f"{bucket}/{objects}.tflock",
        "key_arn": Hcl("data.aws_kms_alias.state.target_key_arn") if alias else key,
    }


def _part(root: str) -> str:
    """A root's name as a policy part (an HCL identifier: foundation-prod -> foundation_prod)."""
    return root.replace("-", "_")


_OWN = object()  # ci_roles: the state as the spec's own account sees it


def ci_roles(
    spec: Spec, s: CiSettings, roots: tuple[str, ...] | None = None, state: Any = _OWN, assume_role: str | None = None
) -> dict[str, str]:  # fmt: skip
    """The root module with the OIDC provider, the plan and apply roles the pipeline assumes and
    their own permission boundary. Deleting is not granted: removing protected resources stays a
    person's job (aisec destroy). ``roots``, ``state`` and ``assume_role``: the CI roles of one
    account of a landing with ``accounts`` (generator.ci.accounts)."""
    s.check()
    state = _state(spec) if state is _OWN else state
    documents = {part: build(spec, state) for part, build in POLICIES.items()}
    names = role_names(spec)
    subjects = oidc_subjects(s)
    attachments = {f"{role}/{part}": [role, part] for role, parts in ROLE_POLICIES.items() for part in parts}
    if spec.layout == "stages":
        # A plan and an apply role per root, each with the landing's policies and its root's scope.
        roots = roots or ci_roots(spec)
        documents |= {f"scope_{_part(root)}": scope_statements(spec, state, root) for root in roots}
        # the stage tag's scope in a policy of its own (AWS's 6,144 characters per managed policy)
        documents |= {f"scope_{_part(root)}_tags": stage_tag_statements(root) for root in roots}
        names = {f"{root}-{kind}": name for root in roots for kind, name in role_names(spec, root).items()}
        subjects = root_subjects(spec, s, roots)
        attachments = {
            f"{root}-{kind}/{part}": [f"{root}-{kind}", part]
            for root in roots
            for kind, parts in ROLE_POLICIES.items()
            for part in (*parts, f"scope_{_part(root)}", f"scope_{_part(root)}_tags")
        }
    ctx = {
        "platform": s.platform,
        "issuer_url": f"https://{ISSUERS[s.platform]}",
        "issuer_host": ISSUERS[s.platform],
        "subjects": subjects,
        "role_names": names,
        "role_path": DEPLOY_PATH,
        "boundary_name": boundary_name(spec),
        "documents": {**documents, "ceiling": ceiling_statements(spec, state)},
        "policy_names": {part: policy_name(spec, part) for part in documents},
        "attachments": attachments,
        "boundary_parts": BOUNDARY_PARTS,
        "state": state,
        "assume_role_arn": assume_role,
    }
    return render_small_root(spec, "ci", ("main.tf", "variables.tf", "outputs.tf"), ctx)


def notes(spec: Spec, s: CiSettings) -> list[str]:
    """What the spec must hold for the pipeline to work; said when the roles are generated."""
    found = []
    if spec.state.backend != "s3":
        found.append(
            "state.backend is local: a pipeline needs the S3 backend (state: {backend: s3, ...} and "
            "aisec bootstrap-state), or every run starts from an empty state"
        )
    created = [name for name in DETECTIVE_CONTROLS if spec.detective_mode(name) == "create"]
    if created:
        found.append(
            "detective controls are created here ("
            + ", ".join(f"detective.{n}" for n in created)
            + "): the CI roles create and update them, but may not switch them off or delete them (nor "
            "drop a Security Hub standard or a conformance pack): a change that removes one is an "
            "administrator's to apply (aisec apply with administrator credentials)"
        )
    return found


__all__ = [
    "ACCOUNT_WRITES",
    "ACTIONS",
    "BLINDING_ACTIONS",
    "BOUNDARY_PARTS",
    "CEILING_ACTIONS",
    "DATA_KEY_ACTIONS",
    "DATA_OBJECT_ACTIONS",
    "DEPLOYER_DENY",
    "GATE_EXTRA",
    "GITLAB_IMAGE",
    "GRANT_SERVICES",
    "IAM_ROLE_AND_POLICY_CHANGES",
    "ISSUERS",
    "LANDING_PATH",
    "NAMED_WRITES",
    "PASS_TO_SERVICES",
    "POLICIES",
    "RESOURCE_ACCESS",
    "ROLE_POLICIES",
    "SCOPED_READS",
    "SERVICE_LINKED_ROLES",
    "SID_NOUNS",
    "STAGE_NAMED",
    "STAGE_TAGGED",
    "TAGGED_CREATES",
    "TAGGED_WRITES",
    "UNSCOPABLE_WRITES",
    "UNSCOPED_READS",
    "_PATH_RE",
    "Access",
    "CiSettings",
    "Condition",
    "Platform",
    "Statement",
    "__version__",
    "_dump",
    "boundary_name",
    "ceiling_statements",
    "ci_roles",
    "ci_roots",
    "deploy_statements",
    "detection_statements",
    "github_setup_steps",
    "github_top",
    "github_workflow",
    "gitlab_pipeline",
    "guardrail_statements",
    "iam_statements",
    "install_notes",
    "key_statements",
    "landing_arns",
    "landing_resources",
    "network_statements",
    "notes",
    "oidc_subjects",
    "plan_statements",
    "policy_name",
    "role_arns",
    "role_names",
    "root_environment",
    "root_subjects",
    "scope_statements",
    "stage_key_names",
    "stage_resources",
    "stage_tag_statements",
]
