"""Data sources and provider functions of the offline stand-in, as real configurations use them.

The root in tests/fixtures/offline_data is planned by the real terraform binary: data sources feed
resources (`cidrsubnet(data.aws_vpc.x.cidr_block, 8, 1)`, `element(data.aws_subnets.x.ids, 0)`,
a managed policy's JSON as another policy's document) and provider functions
(`provider::aws::arn_parse`, `arn_build`, `trim_iam_role_path`).
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest
from tf.gen import tfplugin_pb2 as pb

from generator.checks.policy_eval import Request, evaluate
from generator.offline import datasources, functions
from generator.offline.provider import StandIn
from generator.offline.schema import load
from generator.offline.values import conform, decode, encode
from tests.conftest import REPO
from tests.offline import Rehearsal

ROOT = REPO / "tests" / "fixtures" / "offline_data"


def _within(inner: str, outer: str) -> bool:
    return ipaddress.ip_network(inner).subnet_of(ipaddress.ip_network(outer))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def planned() -> dict[str, Any]:
    r = Rehearsal.of(ROOT)
    r.ok("plan", "-input=false", "-out=tfplan")
    return r.show_json("tfplan")


@pytest.mark.terraform
def test_data_sources_feed_resources(planned: dict[str, Any]) -> None:
    out = {k: v["value"] for k, v in planned["planned_values"]["outputs"].items()}
    resources = {r["address"]: r["values"] for r in planned["planned_values"]["root_module"]["resources"]}
    # a VPC's CIDR is a CIDR: cidrsubnet() on it works and the new subnet lies inside it
    assert out["vpc_cidr"] == "10.0.0.0/16"
    assert resources["aws_subnet.extra"]["cidr_block"] == "10.0.1.0/24"
    assert resources["aws_subnet.extra"]["availability_zone"] == "eu-west-1a"
    # subnets found by the VPC filter: three, in distinct zones, with distinct CIDRs inside the VPC
    assert len(out["subnet_cidrs"]) == 3 == len(set(out["subnet_cidrs"]))
    assert all(_within(c, out["vpc_cidr"]) for c in out["subnet_cidrs"])
    assert sorted(out["subnet_zones"]) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    # a VPC found by its CIDR has that CIDR, and a subnet read after it lies inside it
    assert out["given_vpc_cidr"] == "172.20.0.0/16" and _within(out["in_given_cidr"], "172.20.0.0/16")
    # ids the configuration filters on come back as they are (here from a variable)
    assert out["given_ids"] == ["subnet-0aaaaaaaaaaaaaa01", "subnet-0bbbbbbbbbbbbbb02"]
    assert len(out["route_tables"]) == 3 and all(i.startswith("rtb-") for i in out["route_tables"])
    assert resources["aws_vpc_endpoint.s3"]["route_table_ids"] == sorted(out["route_tables"])
    assert resources["aws_vpc_endpoint.kms"]["subnet_ids"][0].startswith("subnet-")
    # endpoint services, managed policies, default tags, zones
    assert out["s3_service"] == "com.amazonaws.eu-west-1.s3"
    assert out["kms_service"] == resources["aws_vpc_endpoint.kms"]["service_name"]
    assert out["kms_service"] == "com.amazonaws.eu-west-1.kms"
    assert out["admin_statements"] == [{"Action": "*", "Effect": "Allow", "Resource": "*"}]
    assert out["lambda_arn"] == "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    copied = json.loads(resources["aws_iam_policy.copy"]["policy"])
    assert copied["Statement"][0]["Action"] == [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ]
    assert out["default_tags"] == {"team": "ml", "env": "test"}
    assert out["zone_ids"] == ["euw1-az1", "euw1-az2", "euw1-az3"]
    # a data source without a dedicated reader: values of the right shape, lists not empty
    assert out["eks_ca"] and out["eks_arn"] == "arn:aws:eks:eu-west-1:123456789012:cluster/platform"


@pytest.mark.terraform
def test_provider_functions(planned: dict[str, Any]) -> None:
    out = {k: v["value"] for k, v in planned["planned_values"]["outputs"].items()}
    assert out["me_account"] == "123456789012"
    assert out["built"] == "arn:aws:iam::123456789012:role/x"
    assert out["trimmed"] == "arn:aws:iam::444455556666:role/deployer"


@pytest.mark.terraform
def test_bad_arguments_fail_with_the_providers_message(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n\n'
        'output "bad_arn" {\n  value = provider::aws::arn_parse("not-an-arn")\n}\n\n'
        'output "not_a_role" {\n'
        '  value = provider::aws::trim_iam_role_path("arn:aws:iam::444455556666:user/ci/deployer")\n}\n'
    )
    r = Rehearsal.of(tmp_path)
    result = r.run("plan", "-input=false")
    assert not result.ok
    text = " ".join((result.stdout + result.stderr).split())  # Terraform wraps long lines
    assert 'Call to function "provider::aws::arn_parse" failed: arn: invalid prefix' in text
    assert 'resource must begin with "role/"' in text


# --------------------------------------------------------------------------- functions, called directly
def test_arn_parse_and_build_as_the_sdk_splits() -> None:
    parts = functions.arn_parse("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/x:*")
    assert parts == {
        "partition": "aws",
        "service": "logs",
        "region": "eu-west-1",
        "account_id": "123456789012",
        "resource": "log-group:/aws/x:*",
    }
    assert functions.arn_build(*parts.values()) == "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/x:*"
    with pytest.raises(functions.FunctionError, match=r"^arn: not enough sections$"):
        functions.arn_parse("arn:aws:s3:bucket")
    with pytest.raises(functions.FunctionError, match=r'^service must be "iam"$'):
        functions.trim_iam_role_path("arn:aws:sts::1:assumed-role/x/y")
    with pytest.raises(functions.FunctionError, match=r"^region must be empty$"):
        functions.trim_iam_role_path("arn:aws:iam:us-east-1:1:role/x")
    assert functions.user_agent("aisec", "1.2", "offline") == "aisec/1.2 (offline)"
    assert functions.user_agent("aisec", "", "") == "aisec"
    with pytest.raises(functions.FunctionError, match=r"^product_name must be set$"):
        functions.user_agent("", "1", "")


def test_functions_served_by_the_versions_that_have_them() -> None:
    assert set(functions.served("5.39.0")) == set()
    assert set(functions.served("5.40.0")) == {"arn_parse", "arn_build"}
    assert set(functions.served("6.25.0")) == {"arn_parse", "arn_build", "trim_iam_role_path"}
    assert "user_agent" in functions.served("6.27.0")
    provider = StandIn(load())
    schema = provider.GetProviderSchema(pb.GetProviderSchema.Request(), None)
    assert set(schema.functions) == set(functions.served(load().version))
    parse = schema.functions["arn_parse"]
    assert [p.name for p in parse.parameters] == ["arn"]
    assert json.loads(getattr(parse, "return").type)[0] == "object"
    response = provider.CallFunction(
        pb.CallFunction.Request(
            name="arn_parse", arguments=[pb.DynamicValue(msgpack=encode("arn:aws:s3:::b"))]
        ),
        None,
    )
    assert decode(response.result.msgpack)["resource"] == "b"


# --------------------------------------------------------------------------- data sources, called directly
def read(provider: StandIn, type_name: str, config: dict[str, Any]) -> pb.ReadDataSource.Response:
    cfg = conform(config, load().data_source_block(type_name))
    return provider.ReadDataSource(
        pb.ReadDataSource.Request(type_name=type_name, config=pb.DynamicValue(msgpack=encode(cfg))), None
    )


def test_default_vpc_and_unknown_policies() -> None:
    provider = StandIn(load())
    vpc = decode(read(provider, "aws_vpc", {"default": True}).state.msgpack)
    assert vpc["cidr_block"] == "172.31.0.0/16" and vpc["arn"].endswith(f":vpc/{vpc['id']}")
    subnet = decode(read(provider, "aws_subnet", {"vpc_id": vpc["id"], "default_for_az": True}).state.msgpack)
    assert _within(subnet["cidr_block"], "172.31.0.0/16")
    by_zone = {
        z: decode(read(provider, "aws_subnet", {"vpc_id": vpc["id"], "availability_zone": z}).state.msgpack)
        for z in ("us-east-1a", "us-east-1b")
    }
    assert [s["availability_zone"] for s in by_zone.values()] == ["us-east-1a", "us-east-1b"]
    assert by_zone["us-east-1a"]["cidr_block"] != by_zone["us-east-1b"]["cidr_block"]
    assert all(_within(s["cidr_block"], "172.31.0.0/16") for s in by_zone.values())
    # a customer policy's content is not known offline: valid JSON that grants nothing
    policy = decode(read(provider, "aws_iam_policy", {"name": "team-readers"}).state.msgpack)
    assert policy["arn"] == "arn:aws:iam::123456789012:policy/team-readers"
    request = Request("arn:aws:iam::123456789012:role/r", "s3:GetObject", "arn:aws:s3:::b/k")
    assert not evaluate(request, identity_policies=[policy["policy"]]).allowed
    assert evaluate(
        request, identity_policies=[json.dumps(datasources.MANAGED_POLICIES["AdministratorAccess"][1])]
    ).allowed
    bad = read(provider, "aws_arn", {"arn": "s3:::bucket"})
    assert bad.diagnostics[0].summary == "parsing ARN (s3:::bucket): arn: invalid prefix"
    assert decode(read(provider, "aws_arn", {"arn": "arn:aws:s3:::b/k"}).state.msgpack)["resource"] == "b/k"


def test_unknown_types_get_values_of_their_shape() -> None:
    provider = StandIn(load())
    nat = decode(read(provider, "aws_nat_gateways", {}).state.msgpack)
    assert len(nat["ids"]) == 1 and nat["ids"][0].startswith("nat-0")
    eks = decode(read(provider, "aws_eks_cluster", {"name": "c"}).state.msgpack)
    assert eks["vpc_config"][0]["subnet_ids"] and eks["identity"][0]["oidc"][0]["issuer"]
    assert eks["tags"] == {}
    sg = decode(read(provider, "aws_security_group", {"name": "web"}).state.msgpack)
    assert sg["id"].startswith("sg-0") and sg["arn"].endswith(f":security-group/{sg['id']}")
    fn = decode(read(provider, "aws_lambda_function", {"function_name": "f"}).state.msgpack)
    assert fn["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:f"
    ami = decode(
        read(provider, "aws_ssm_parameter", {"name": "/aws/service/ami-amazon-linux-latest/x"}).state.msgpack
    )
    assert ami["value"].startswith("ami-0") and ami["arn"].endswith(
        ":parameter/aws/service/ami-amazon-linux-latest/x"
    )
    assert datasources.zone_id_prefix("ap-southeast-2") == "apse2"
    assert datasources.zone_id_prefix("us-gov-west-1") == "usgw1"
