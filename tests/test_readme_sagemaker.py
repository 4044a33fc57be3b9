"""The README's boto3 example of the SageMaker guardrails (issue 15 item 3), kept honest: the very
code block of README.md is run against a stand-in client that records its calls, and each recorded
CreateTrainingJob request, turned into the condition keys SageMaker sends for it (Service
Authorization Reference), is evaluated against the applied policies of the blueprint it names:
the first allowed, the second (no VpcConfig) denied explicitly.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from generator.checks.policy_eval import Request, evaluate
from generator.decide.policy import decide
from generator.spec import Stage, load_spec
from tests.conftest import BLUEPRINTS
from tests.offline import all_resources

pytestmark = pytest.mark.terraform
README = Path(__file__).parent.parent / "README.md"


def readme_example() -> str:
    """The python block under "## SageMaker compute guardrails" that calls create_training_job."""
    section = README.read_text(encoding="utf-8").split("## SageMaker compute guardrails", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    return next(b for b in blocks if "create_training_job" in b)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def client(self, service: str) -> Any:
        assert service == "sagemaker"
        recorder = self

        class Client:
            def __getattr__(self, name: str) -> Any:
                return lambda **kwargs: recorder.calls.append((name, kwargs))

        return Client()


def condition_keys(params: dict[str, Any]) -> dict[str, Any]:
    """What SageMaker puts in the request context of CreateTrainingJob for these parameters; a key
    is absent when its parameter is."""
    keys: dict[str, Any] = {}
    vpc = params.get("VpcConfig")
    if vpc:
        keys["sagemaker:VpcSubnets"] = list(vpc["Subnets"])
        keys["sagemaker:VpcSecurityGroupIds"] = list(vpc["SecurityGroupIds"])
    for param, key in (
        ("EnableNetworkIsolation", "sagemaker:NetworkIsolation"),
        ("EnableInterContainerTrafficEncryption", "sagemaker:InterContainerTrafficEncryption"),
    ):
        if param in params:
            keys[key] = params[param]
    if "VolumeKmsKeyId" in params.get("ResourceConfig", {}):
        keys["sagemaker:VolumeKmsKey"] = params["ResourceConfig"]["VolumeKmsKeyId"]
    if "KmsKeyId" in params.get("OutputDataConfig", {}):
        keys["sagemaker:OutputKmsKey"] = params["OutputDataConfig"]["KmsKeyId"]
    if "InstanceType" in params.get("ResourceConfig", {}):
        keys["sagemaker:InstanceTypes"] = [params["ResourceConfig"]["InstanceType"]]
    return keys


def test_the_readme_example_is_allowed_and_its_refusal_denied(
    applied: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = load_spec(BLUEPRINTS["healthcare-training"])
    resources = all_resources(applied["healthcare-training"]["state"]["values"]["root_module"])

    def values(rtype: str) -> list[dict[str, Any]]:
        return [x["values"] for x in resources if x["type"] == rtype]

    dev = next(s for s in decide(spec).stages if s.stage is Stage.DEV)
    key = {
        k.domain: next(v["arn"] for v in values("aws_kms_key") if v["tags"]["Name"] == k.alias)
        for k in dev.keys
    }
    bucket = {b.domain: b.name for b in dev.buckets}
    sg = next(v["id"] for v in values("aws_security_group") if v["name"] == f"{spec.name}-compute")
    ds = next(x for x in dev.roles if x.persona == "ds")
    role = next(v for v in values("aws_iam_role") if v["arn"] == ds.arn)
    policies = [v["policy"] for v in values("aws_iam_role_policy") if v["role"] == role["name"]]
    boundary = next(v["policy"] for v in values("aws_iam_policy") if v["arn"] == role["permissions_boundary"])

    recorder = Recorder()
    monkeypatch.setitem(sys.modules, "boto3", types.SimpleNamespace(client=recorder.client))
    exec(  # the README's own example, run against the stand-in client
        readme_example(),
        {
            "IMAGE": f"{spec.aws.account_id}.dkr.ecr.{spec.aws.region}.amazonaws.com/{dev.prefix}:1",
            "DATASETS_BUCKET": bucket["datasets"],
            "ARTIFACTS_BUCKET": bucket["artifacts"],
            "DATASETS_KEY_ARN": key["datasets"],
            "ARTIFACTS_KEY_ARN": key["artifacts"],
            "COMPUTE_SG_ID": sg,
        },
    )
    assert [name for name, _ in recorder.calls] == ["create_training_job", "create_training_job"]

    def outcome(params: dict[str, Any]) -> str:
        arn = f"arn:aws:sagemaker:{spec.aws.region}:{spec.aws.account_id}:training-job/{params['TrainingJobName']}"
        request = Request(ds.arn, "sagemaker:CreateTrainingJob", arn, condition_keys(params))
        return evaluate(request, identity_policies=policies, boundary=boundary).outcome

    (_, allowed), (_, refused) = recorder.calls
    assert allowed["TrainingJobName"].startswith(dev.prefix)  # the example names the blueprint's stage
    assert outcome(allowed) == "allow"
    assert outcome(refused) == "explicit-deny"
    # The role the example passes is the stage's execution role, and the launcher may pass it.
    passed = Request(
        ds.arn, "iam:PassRole", allowed["RoleArn"], {"iam:PassedToService": "sagemaker.amazonaws.com"}
    )
    assert evaluate(passed, identity_policies=policies, boundary=boundary).outcome == "allow"
