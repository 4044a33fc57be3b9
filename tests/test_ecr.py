"""Container supply chain (issue 15 item 6, ML-5 and ML-6), proven on the policies as applied
offline: a PCI inference landing whose stages get their own serving repository, rendered into its
own folder, planned and applied with the stand-in, and sample ECR requests evaluated with
generator.checks.policy_eval against the roles' applied policies, their boundary and the
repositories' applied policies. Also the repositories' settings in the state and the spec's
messages for bad repository names."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.checks.policy_eval import Request, evaluate
from generator.decide.policy import Controls, StagePlan, decide
from generator.errors import SpecError
from generator.render import render
from generator.render.writer import write
from generator.spec import Spec, Stage, parse_spec
from tests.conftest import BLUEPRINTS, run_aisec
from tests.offline import Rehearsal, all_resources

BLUEPRINT = yaml.safe_load(BLUEPRINTS["fraud-inference"].read_text())
ACCOUNT = BLUEPRINT["aws"]["account_id"]
REGION = BLUEPRINT["aws"]["region"]
IMAGE_ACCOUNT = "763104351884"  # AWS Deep Learning Containers' registry account
STRANGER = "arn:aws:iam::999988887777:role/Stranger"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/SomeAdmin"  # of the account, not of the landing
PUSHER = BLUEPRINT["workloads"][0]["images"]["pushers"][0]
DEPLOYER = BLUEPRINT["access"]["deployers"][0]
INSPECTOR = (
    f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2"
)
PULL = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")
EVERYTHING = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}
)


def spec_data(**images: Any) -> dict[str, Any]:
    data = copy.deepcopy(BLUEPRINT)
    if images:
        data["workloads"][0]["images"] = images
    return data


def repo_arn(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:ecr:{REGION}:{account}:repository/{name}"


@dataclass
class Applied:
    controls: Controls
    resources: list[dict[str, Any]]

    def values(self, rtype: str) -> list[dict[str, Any]]:
        return [r["values"] for r in self.resources if r["type"] == rtype]

    def role(self, arn: str) -> tuple[list[str], str | None]:
        boundaries = {v["arn"]: v["policy"] for v in self.values("aws_iam_policy")}
        role = next(v for v in self.values("aws_iam_role") if v["arn"] == arn)
        inline = [v["policy"] for v in self.values("aws_iam_role_policy") if v["role"] == role["name"]]
        return inline, boundaries.get(role["permissions_boundary"])

    def repository(self, name: str) -> dict[str, Any]:
        return next(v for v in self.values("aws_ecr_repository") if v["name"] == name)

    def repository_policy(self, name: str) -> str:
        return next(v["policy"] for v in self.values("aws_ecr_repository_policy") if v["repository"] == name)

    def key(self, alias: str) -> dict[str, Any]:
        return next(v for v in self.values("aws_kms_key") if v["tags"]["Name"] == alias)

    def stage(self, stage: Stage) -> StagePlan:
        return next(s for s in self.controls.stages if s.stage is stage)


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Applied:
    data = spec_data()
    data["network"]["image_accounts"] = [IMAGE_ACCOUNT]
    spec = parse_spec(data, "fraud-inference.yaml")
    folder: Path = tmp_path_factory.mktemp("ecr")
    write(folder, render(spec))
    r = Rehearsal.of(folder)
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    return Applied(decide(spec), all_resources(r.show_json()["values"]["root_module"]))


def serving(landing: Applied, stage: Stage) -> str:
    return next(r.arn for r in landing.stage(stage).roles if r.persona == "serving")


def own_repo(landing: Applied, stage: Stage) -> str:
    images = landing.stage(stage).images
    assert images is not None
    return images.repositories[0]


def pull(
    landing: Applied, principal: str, resource: str, repo: str | None = None, action: str = PULL[0]
) -> str:
    """A request's outcome against the principal's applied policies (an admin-like ecr:* for
    principals outside the landing) and, for a created repository, its applied policy."""
    try:
        policies, boundary = landing.role(principal)
    except StopIteration:
        policies, boundary = [EVERYTHING], None
    policy = landing.repository_policy(repo) if repo else None
    request = Request(principal, action, resource)
    return evaluate(request, identity_policies=policies, boundary=boundary, resource_policy=policy).outcome


# ------------------------------------------------------------------ identity: roles pull only their stage's images
@pytest.mark.terraform
@pytest.mark.parametrize("stage", [Stage.DEV, Stage.PROD])
def test_a_stage_role_pulls_from_its_own_repositories_only(landing: Applied, stage: Stage) -> None:
    role = serving(landing, stage)
    mine = own_repo(landing, stage)
    for action in PULL:
        assert pull(landing, role, repo_arn(mine), mine, action) == "allow", action
    # Another repository in the stage's namespace (pushed outside the landing): the policies allow it.
    assert pull(landing, role, repo_arn(f"payments-ml/fraud-scoring/{stage.value}/other")) == "allow"
    # Any other repository of the account: not in the role's policy nor its boundary.
    for other in ("team/app", "payments-ml/other-workload/dev/serve", "payments-ml/fraud-scoring"):
        assert pull(landing, role, repo_arn(other)) == "implicit-deny", other
    # Another stage's repository: refused by the role's policies and by that repository's policy.
    for st in Stage:
        if st is stage:
            continue
        theirs = own_repo(landing, st)
        assert pull(landing, role, repo_arn(theirs)) == "implicit-deny"
        assert pull(landing, role, repo_arn(theirs), theirs) == "explicit-deny"
    # Registries of the spec's image accounts stay allowed; others' are not.
    assert pull(landing, role, repo_arn("pytorch-inference", IMAGE_ACCOUNT)) == "allow"
    assert pull(landing, role, repo_arn("pytorch-inference", "111100002222")) == "implicit-deny"
    # The registry login cannot be scoped (AWS's service authorization reference).
    assert pull(landing, role, "*", action="ecr:GetAuthorizationToken") == "allow"


@pytest.mark.terraform
def test_people_and_pushes_are_refused_to_the_roles_that_run_images(landing: Applied) -> None:
    mine = own_repo(landing, Stage.DEV)
    ds = next(r.arn for r in landing.stage(Stage.DEV).roles if r.persona == "ds")
    assert pull(landing, ds, repo_arn(mine), mine) != "allow"
    assert pull(landing, serving(landing, Stage.DEV), repo_arn(mine), mine, "ecr:PutImage") == "explicit-deny"


# ------------------------------------------------------------------ the repositories' own policies
@pytest.mark.terraform
def test_repository_policy_refuses_everyone_outside_the_landing(landing: Applied) -> None:
    mine = own_repo(landing, Stage.PROD)
    arn = repo_arn(mine)
    # Another account's principal: no Allow names it, and the Deny covers it.
    assert pull(landing, STRANGER, arn, mine) == "explicit-deny"
    # A role of the account outside the landing, even with ecr:* in its own policies.
    for action in (*PULL, "ecr:PutImage", "ecr:DescribeImages", "ecr:SetRepositoryPolicy"):
        assert pull(landing, ADMIN_ROLE, arn, mine, action) == "explicit-deny", action
    # The pushers push and pull but change nothing; the deployers manage; Inspector scans.
    for action in (
        "ecr:PutImage",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        *PULL,
    ):
        assert pull(landing, PUSHER, arn, mine, action) == "allow", action
    for action in (
        "ecr:SetRepositoryPolicy",
        "ecr:BatchDeleteImage",
        "ecr:PutImageTagMutability",
        "ecr:DeleteRepository",
    ):
        assert pull(landing, PUSHER, arn, mine, action) == "explicit-deny", action
        assert pull(landing, DEPLOYER, arn, mine, action) == "allow", action
    assert pull(landing, INSPECTOR, arn, mine) == "allow"


@pytest.mark.terraform
def test_repositories_are_immutable_scanned_and_encrypted_with_the_stage_images_key(landing: Applied) -> None:
    created = landing.values("aws_ecr_repository")
    assert sorted(r["name"] for r in created) == [
        f"payments-ml/fraud-scoring/{st}/serve" for st in ("dev", "prod", "test")
    ]
    for stage in Stage:
        plan = landing.stage(stage)
        repo = landing.repository(own_repo(landing, stage))
        key = landing.key(f"alias/aisec/payments-ml/fraud-scoring/{stage.value}/images")
        assert repo["image_tag_mutability"] == "IMMUTABLE"
        assert repo["image_scanning_configuration"] == [{"scan_on_push": True}]
        assert repo["encryption_configuration"] == [{"encryption_type": "KMS", "kms_key": key["arn"]}]
        assert repo["force_delete"] is False
        assert key["enable_key_rotation"] is True
        # No role of the stage uses the images key; the deployer creates ECR's grant through ECR.
        policy = key["policy"]
        grant = {"kms:GrantIsForAWSResource": True, "kms:ViaService": f"ecr.{REGION}.amazonaws.com"}
        deployer = Request(DEPLOYER, "kms:CreateGrant", key["arn"], grant)
        assert evaluate(
            deployer,
            resource_policy=policy,
            identity_policies=[EVERYTHING.replace("ecr:*", "kms:*")],
            resource_must_allow=True,
        ).allowed
        # The deployer makes grants for AWS resources only, and never uses the key itself.
        mine = Request(DEPLOYER, "kms:CreateGrant", key["arn"], {"kms:GrantIsForAWSResource": False})
        assert evaluate(mine, resource_policy=policy, resource_must_allow=True).outcome == "explicit-deny"
        decrypt = Request(
            DEPLOYER, "kms:Decrypt", key["arn"], {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}
        )
        assert evaluate(decrypt, resource_policy=policy, resource_must_allow=True).outcome == "explicit-deny"
        for role in plan.roles:
            use = Request(
                role.arn, "kms:Decrypt", key["arn"], {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}
            )
            assert evaluate(use, resource_policy=policy, resource_must_allow=True).outcome == "explicit-deny"
    rules = [json.loads(p["policy"])["rules"] for p in landing.values("aws_ecr_lifecycle_policy")]
    assert len(rules) == 3
    assert all(
        r[0]["selection"]["tagStatus"] == "untagged" and r[0]["action"]["type"] == "expire" for r in rules
    )


# ------------------------------------------------------------------ the plan without applying: defaults and overrides
def _pulls(spec: Spec, stage: Stage) -> tuple[str, ...]:
    plan = next(s for s in decide(spec).stages if s.stage is stage)
    assert plan.images is not None
    return plan.images.repository_arns(REGION, ACCOUNT)


def test_default_pulls_are_the_stage_namespace_and_overrides_replace_it() -> None:
    data = spec_data()
    del data["workloads"][0]["images"]
    assert _pulls(parse_spec(data), Stage.TEST) == (repo_arn("payments-ml/fraud-scoring/test/*"),)
    override = parse_spec(spec_data(repositories=["shared/base-*", "fraud/serve"]))
    assert _pulls(override, Stage.PROD) == (repo_arn("shared/base-*"), repo_arn("fraud/serve"))
    both = parse_spec(spec_data(repositories=["fraud/serve"], create=["serve"]))
    assert _pulls(both, Stage.DEV) == (
        repo_arn("fraud/serve"),
        repo_arn("payments-ml/fraud-scoring/dev/serve"),
    )


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(data, "spec.yaml")
    assert info.value.exit_code == 2
    return info.value.details or [info.value.message]


@pytest.mark.parametrize(
    "bad",
    [
        "*",
        "Team/App",
        "team//app",
        "team/app/",
        "-team",
        "a",
        'x"}\nresource "evil" {',
        "team/*/app",
        "team/app**",
    ],
)
def test_bad_repository_names_are_refused_naming_what_is_allowed(bad: str) -> None:
    found = _problems(spec_data(repositories=[bad]))
    assert len(found) == 1 and found[0].startswith("spec.yaml: workloads[0].images.repositories[0]: "), found
    assert "ECR repository" in found[0]


def test_images_need_the_ecr_service_and_pushers_of_this_account() -> None:
    data = spec_data(create=["serve"], pushers=["arn:aws:iam::999988887777:role/Builder"])
    found = _problems(data)
    assert found == ["spec.yaml: workloads[0].images.pushers[0]: must be a role of this account 222233334444"]
    data = spec_data(create=["serve"])
    data["workloads"][0]["services"] = ["sagemaker", "s3"]
    found = _problems(data)
    assert found == [
        "spec.yaml: workloads[0].images: only for workloads using the ecr service (add it to services)"
    ]
    found = _problems(spec_data(create=["serve/"]))
    assert "workloads[0].images.create[0]" in found[0]


def test_the_cli_exits_2_on_a_bad_repository(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec_data(repositories=["Bad Name"])))
    proc = run_aisec("check-spec", str(path))
    assert proc.returncode == 2
    assert (
        f"{path}: workloads[0].images.repositories[0]: 'Bad Name' is not an ECR repository name"
        in proc.stderr
    )
    assert "Traceback" not in proc.stderr


@pytest.mark.terraform
def test_image_accounts_are_the_same_list_in_the_roles_and_the_endpoint_policies(landing: Applied) -> None:
    role = serving(landing, Stage.PROD)
    policies, boundary = landing.role(role)
    endpoint = next(
        v["policy"] for v in landing.values("aws_vpc_endpoint") if v["service_name"].endswith(".ecr.dkr")
    )
    for account, outcome in ((IMAGE_ACCOUNT, "allow"), ("111100002222", "implicit-deny"), (ACCOUNT, "allow")):
        name = "payments-ml/fraud-scoring/prod/serve" if account == ACCOUNT else "pytorch-inference"
        request = Request(
            role, "ecr:BatchGetImage", repo_arn(name, account), {"aws:ResourceAccount": account}
        )
        through = evaluate(
            request, resource_policy=endpoint, resource_must_allow=True, identity_policies=policies
        )
        assert through.outcome == outcome, account
        assert evaluate(request, identity_policies=policies, boundary=boundary).outcome == outcome, account
