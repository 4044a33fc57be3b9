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
from tests.offline import Rehearsal, all_resources

pytestmark = pytest.mark.terraform

ACCOUNT, REGION = "222233334444", "us-east-2"
STATE = f"arn:aws:s3:::payments-ml-tfstate-{ACCOUNT}/aisec/payments-ml"


def _apply(folder: Path) -> list[dict[str, Any]]:
    r = Rehearsal.of(folder)
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    return all_resources(r.show_json()["values"]["root_module"])


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The split fraud-inference landing (foundation, dev, prod applied) and its CI roles root."""
    tmp = tmp_path_factory.mktemp("stage-roles")
    spec_file = tmp / "fraud.yaml"
    spec_file.write_text(BLUEPRINTS["fraud-inference"].read_text().rstrip("\n") + "\nlayout: stages\n")
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
    state = applied["roles"]
    docs = {v["arn"]: v["policy"] for k, v in state.items() if k.startswith("aws_iam_policy.")}
    role = state[f'aws_iam_role.ci["{key}"]']
    attached = [
        docs[v["policy_arn"]]
        for k, v in state.items()
        if k.startswith("aws_iam_role_policy_attachment.ci[") and v["role"] == role["name"]
    ]
    return {
        "arn": role["arn"],
        "trust": json.loads(role["assume_role_policy"]),
        "policies": attached,
        "boundary": docs[role["permissions_boundary"]],
    }


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
    if t in ("aws_sagemaker_notebook_instance", "aws_ecr_repository"):
        return str(v["arn"])
    return None


@pytest.mark.parametrize("root", ["foundation", "dev", "prod"])
def test_the_scope_denies_nothing_a_root_deploys_of_its_own(applied: dict[str, Any], root: str) -> None:
    """Every write ci.RESOURCE_ACCESS lists for a resource of the root, on that resource as applied
    (its tags in the request), is not denied by the root's scope policy: the denies keep a role out
    of other roots, not out of its own."""
    scope = next(
        json.loads(v["policy"])
        for k, v in applied["roles"].items()
        if k == f'aws_iam_policy.ci["scope_{root}"]'
    )
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
        for action in (*access.writes, *access.built):
            if action.split(":")[0] != arn.split(":")[2]:
                continue  # e.g. kms:CreateGrant of a notebook: made on its key, checked with the key
            checked.add(r["type"])
            decision = evaluate(Request(role, action, arn, context), identity_policies=[scope])
            if decision.outcome == "explicit-deny":
                blocked.append(f"{action} on {arn}")
    assert blocked == []
    assert {"aws_kms_key", "aws_kms_alias", "aws_iam_role", "aws_s3_bucket_policy"} <= checked, checked
