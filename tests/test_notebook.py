"""Generated SageMaker notebook instances (SECURITY-BAR 16, ML-4) and the notebook interface endpoint,
proven on the applied state: soc2-notebooks (which asks for a dev notebook) rendered into its own
folder, planned and applied offline, and the notebook's settings, the endpoints and the policies
read back from the state. The notebook must satisfy the very conditions the launch guardrails
(ML-1..3) put on people's CreateNotebookInstance requests, and its deployer must be able to create it
(SageMaker creates the volume key's grant with the caller's credentials).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.checks.policy_eval import Request, evaluate
from generator.core import write
from generator.decide.policy import Controls, decide
from generator.errors import SpecError
from generator.render import render
from generator.spec import Stage, load_spec, load_yaml_text, parse_spec
from tests.conftest import BLUEPRINTS
from tests.offline import all_resources

BLUEPRINT = "soc2-notebooks"
# The caller's own policies are not what these tests examine: allow everything, so only the
# resource policy (endpoint, key) decides.
EVERYTHING = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


class Landing:
    def __init__(self, controls: Controls, resources: list[dict[str, Any]], plan: dict[str, Any]) -> None:
        self.controls, self.resources, self.plan = controls, resources, plan

    def values(self, rtype: str) -> list[dict[str, Any]]:
        return [r["values"] for r in self.resources if r["type"] == rtype]

    def key_arn(self, alias: str) -> str:
        return next(v["arn"] for v in self.values("aws_kms_key") if v["tags"]["Name"] == alias)

    def key_policy(self, alias: str) -> str:
        return next(v["policy"] for v in self.values("aws_kms_key") if v["tags"]["Name"] == alias)

    def role(self, arn: str) -> tuple[list[str], str | None]:
        boundaries = {v["arn"]: v["policy"] for v in self.values("aws_iam_policy")}
        role = next(v for v in self.values("aws_iam_role") if v["arn"] == arn)
        inline = [v["policy"] for v in self.values("aws_iam_role_policy") if v["role"] == role["name"]]
        return inline, boundaries.get(role["permissions_boundary"])

    @property
    def compute_sg(self) -> str:
        name = f"{self.controls.spec.name}-compute"
        return next(v["id"] for v in self.values("aws_security_group") if v["name"] == name)


@pytest.fixture(scope="module")
def landing(applied: dict[str, dict[str, Any]]) -> Landing:
    """The blueprint as the session planned and applied it offline."""
    run = applied[BLUEPRINT]
    spec = load_spec(BLUEPRINTS[BLUEPRINT])
    return Landing(decide(spec), all_resources(run["state"]["values"]["root_module"]), run["plan"])


def _dev(landing: Landing) -> Any:
    return next(s for s in landing.controls.stages if s.stage is Stage.DEV)


@pytest.mark.terraform
def test_the_notebook_has_every_bar_16_setting(landing: Landing) -> None:
    notebooks = landing.values("aws_sagemaker_notebook_instance")
    dev = _dev(landing)
    assert [n["name"] for n in notebooks] == [f"{dev.prefix}-notebook"]  # dev only: no notebook in prod
    nb = notebooks[0]
    spec = landing.controls.spec
    role = next(r.arn for r in dev.roles if r.persona == "notebook")
    datasets_key = next(k.alias for k in dev.keys if k.domain == "datasets")
    assert nb["direct_internet_access"] == "Disabled"
    assert nb["root_access"] == "Disabled"
    assert nb["kms_key_id"] == landing.key_arn(datasets_key)
    assert nb["subnet_id"] in spec.network.subnet_ids
    assert nb["security_groups"] == [landing.compute_sg]
    assert nb["role_arn"] == role
    assert nb["instance_type"] == "ml.t3.medium"
    assert nb["volume_size"] == 20
    assert nb["instance_metadata_service_configuration"] == [
        {"minimum_instance_metadata_service_version": "2"}
    ]
    assert not nb.get("lifecycle_config_name")
    assert not nb.get("default_code_repository") and not nb.get("additional_code_repositories")
    assert not landing.values("aws_sagemaker_notebook_instance_lifecycle_configuration")


@pytest.mark.terraform
def test_the_notebook_endpoint_is_there_without_a_policy(landing: Landing) -> None:
    region = landing.controls.spec.aws.region
    endpoints = {e["service_name"]: e for e in landing.values("aws_vpc_endpoint")}
    notebook = endpoints[f"aws.sagemaker.{region}.notebook"]
    assert notebook["vpc_endpoint_type"] == "Interface" and notebook["private_dns_enabled"]
    # The service takes no endpoint policy: none is sent (the plan leaves it to AWS).
    change = next(
        c["change"]
        for c in landing.plan["resource_changes"]
        if c["type"] == "aws_vpc_endpoint"
        and c["change"]["after"].get("service_name") == notebook["service_name"]
    )
    assert change["after_unknown"].get("policy") is True
    for name in ("sagemaker.api", "sagemaker.runtime", "sts", "logs", "kms"):
        doc = json.loads(endpoints[f"com.amazonaws.{region}.{name}"]["policy"])
        condition = doc["Statement"][0]["Condition"]["StringEquals"]["aws:ResourceAccount"]
        assert condition in (landing.controls.spec.aws.account_id, [landing.controls.spec.aws.account_id])
    # Opening a notebook (CreatePresignedNotebookInstanceUrl) goes through sagemaker.api, whose
    # policy admits only the account's principals on the account's notebooks.
    api = json.loads(endpoints[f"com.amazonaws.{region}.sagemaker.api"]["policy"])
    nb_arn = landing.values("aws_sagemaker_notebook_instance")[0]["arn"]
    account = landing.controls.spec.aws.account_id

    def url(principal_account: str, resource_account: str) -> str:
        request = Request(
            f"arn:aws:iam::{principal_account}:role/Someone",
            "sagemaker:CreatePresignedNotebookInstanceUrl",
            nb_arn,
            {"aws:PrincipalAccount": principal_account, "aws:ResourceAccount": resource_account},
        )
        return evaluate(
            request, resource_policy=json.dumps(api), resource_must_allow=True, identity_policies=[EVERYTHING]
        ).outcome

    assert url(account, account) == "allow"
    assert url("999988887777", account) != "allow"


@pytest.mark.terraform
def test_the_applied_notebook_passes_the_launch_guardrails(landing: Landing) -> None:
    """The notebook we generate is one a data scientist of the stage could have launched: its
    CreateNotebookInstance request, built from the applied values, is allowed by the ds role's
    applied policies; with its settings weakened it would be refused."""
    dev = _dev(landing)
    nb = landing.values("aws_sagemaker_notebook_instance")[0]
    ds = next(r.arn for r in dev.roles if r.persona == "ds")
    policies, boundary = landing.role(ds)
    context = {
        "sagemaker:VpcSubnets": [nb["subnet_id"]],
        "sagemaker:VpcSecurityGroupIds": nb["security_groups"],
        "sagemaker:VolumeKmsKey": nb["kms_key_id"],
        "sagemaker:DirectInternetAccess": nb["direct_internet_access"],
        "sagemaker:RootAccess": nb["root_access"],
    }

    def ask(**change: Any) -> str:
        request = Request(ds, "sagemaker:CreateNotebookInstance", nb["arn"], {**context, **change})
        return evaluate(request, identity_policies=policies, boundary=boundary).outcome

    assert ask() == "allow"
    assert ask(**{"sagemaker:RootAccess": "Enabled"}) == "explicit-deny"
    assert ask(**{"sagemaker:DirectInternetAccess": "Enabled"}) == "explicit-deny"
    # ... and the notebook role may be passed to it by that launcher.
    role = nb["role_arn"]
    request = Request(ds, "iam:PassRole", role, {"iam:PassedToService": "sagemaker.amazonaws.com"})
    assert evaluate(request, identity_policies=policies, boundary=boundary).outcome == "allow"


@pytest.mark.terraform
def test_the_deployer_can_create_the_notebook_volume_grant(landing: Landing) -> None:
    """SageMaker creates the volume's grant with the caller's credentials: the deployer applying the
    landing must pass the datasets key's policy for grants for AWS resources through SageMaker, and
    nothing more (no direct use of the data, no grant not for an AWS resource)."""
    dev = _dev(landing)
    alias = next(k.alias for k in dev.keys if k.domain == "datasets")
    key = landing.key_arn(alias)
    policy = landing.key_policy(alias)
    deployer = landing.controls.access.deployers[0]
    region, account = landing.controls.spec.aws.region, landing.controls.spec.aws.account_id

    def ask(action: str, for_aws: bool | None, via: bool) -> str:
        context: dict[str, Any] = {"kms:CallerAccount": account, "aws:PrincipalAccount": account}
        if for_aws is not None:
            context["kms:GrantIsForAWSResource"] = for_aws
        if via:
            context.update({"aws:ViaAWSService": True, "kms:ViaService": f"sagemaker.{region}.amazonaws.com"})
        request = Request(deployer, action, key, context)
        # The deployer's identity policy (the CI roles, generator/ci/) is out of this test: the
        # key policy is what must not refuse it.
        return evaluate(
            request,
            resource_policy=policy,
            identity_policies=[EVERYTHING],
        ).outcome

    assert ask("kms:CreateGrant", True, via=True) == "allow"
    assert ask("kms:CreateGrant", True, via=False) == "explicit-deny"
    assert ask("kms:Decrypt", None, via=True) == "explicit-deny"
    assert ask("kms:Decrypt", None, via=False) == "explicit-deny"


def test_notebooks_are_off_by_default_and_only_where_they_fit(tmp_path: Path) -> None:
    base = BLUEPRINTS[BLUEPRINT].read_text(encoding="utf-8")
    plain = base.split("    compute:")[0] + "tags:" + base.split("\ntags:")[1]
    spec = parse_spec(load_yaml_text(plain, "plain.yaml"), "plain.yaml")
    assert all(s.notebook is None for s in decide(spec).stages)
    assert not any(p.startswith("modules/compute/") for p in render(spec))

    def problem(text: str) -> str:
        with pytest.raises(SpecError) as exc:
            parse_spec(load_yaml_text(text, "bad.yaml"), "bad.yaml")
        return "\n".join(exc.value.details)

    assert "workloads[0].compute.notebook.instance_type" in problem(
        base.replace("instance_type: ml.t3.medium", "instance_type: t3.medium")
    )
    assert "ml.t3.medium" in problem(
        base.replace("instance_type: ml.t3.medium", 'instance_type: "ml.t3.medium\\"}"')
    )
    assert "workloads[0].compute.notebook.stages[0]: prod gets no notebook" in problem(
        base.replace("volume_size_gb: 20", "volume_size_gb: 20\n        stages: [prod]")
    )
    assert "workloads[0].compute.notebook.volume_size_gb" in problem(
        base.replace("volume_size_gb: 20", "volume_size_gb: 2")
    )
    assert "only for workloads of type notebook" in problem(base.replace("type: notebook", "type: training"))


@pytest.mark.terraform
def test_the_stage_people_open_the_notebook_and_nobody_else(landing: Landing) -> None:
    nb = landing.values("aws_sagemaker_notebook_instance")[0]
    for plan in landing.controls.stages:
        for role in (r for r in plan.roles if r.human):
            policies, boundary = landing.role(role.arn)
            request = Request(role.arn, "sagemaker:CreatePresignedNotebookInstanceUrl", nb["arn"], {})
            outcome = evaluate(request, identity_policies=policies, boundary=boundary).outcome
            # dev's data scientists open their stage's notebook; prod's people open none
            assert (outcome == "allow") is (plan.stage is Stage.DEV), (role.arn, outcome)


# checkov's notebook checks: direct internet access, KMS key, IMDSv2, root access.
NOTEBOOK_CHECKS = ("CKV_AWS_122", "CKV_AWS_22", "CKV_AWS_371", "CKV_AWS_307")


@pytest.mark.checkov
def test_checkov_passes_the_notebook_checks(tmp_path: Path) -> None:
    import subprocess
    import sys

    write(tmp_path, render(load_spec(BLUEPRINTS[BLUEPRINT])))
    proc = subprocess.run(
        [sys.executable, "-m", "checkov.main", "-d", str(tmp_path), "--framework", "terraform", "-o", "json",
         "--skip-download", "--compact", "--check", ",".join(NOTEBOOK_CHECKS)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    report = report[0] if isinstance(report, list) else report
    passed = {
        c["check_id"]
        for c in report["results"]["passed_checks"]
        if "aws_sagemaker_notebook_instance" in c["resource"]
    }
    assert set(NOTEBOOK_CHECKS) <= passed, passed
    assert not report["results"]["failed_checks"]


def test_the_cost_estimate_counts_the_notebook_only_when_generated() -> None:
    from generator.reports.cost import estimate

    spec = load_spec(BLUEPRINTS[BLUEPRINT])
    lines = {x["item"]: x for x in estimate(decide(spec))["lines"]}
    hours = next(
        x for i, x in lines.items() if i.startswith("SageMaker notebook instance research-notebooks-dev")
    )
    assert hours["quantity"] == 730 and hours["unit_price"] == 0.05 and hours["monthly"] == 36.5
    assert lines["SageMaker notebook ML storage (research-notebooks-dev-notebook)"]["monthly"] == 2.8
    assert (
        "Interface endpoints (6 services x 2 AZs)" in lines
    )  # kms, logs, sts, sagemaker api/runtime/notebook
    other = load_spec(BLUEPRINTS["healthcare-training"])
    assert not any(
        i.startswith("SageMaker notebook") for i in (x["item"] for x in estimate(decide(other))["lines"])
    )
