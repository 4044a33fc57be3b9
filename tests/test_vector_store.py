"""A knowledge base's vector store (SECURITY-BAR 33, issue 15 item 4): each stage's knowledge-base
role reaches its own stage's store and nothing else, proven on the policies as applied offline with
generator.checks.policy_eval; the spec refuses stores that would mix stages or leave the account."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.checks.policy_eval import Request, evaluate
from generator.decide.policy import decide
from generator.errors import SpecError
from generator.render import render
from generator.render.writer import write
from generator.spec import Stage, parse_spec
from tests.conftest import BLUEPRINTS, run_aisec
from tests.offline import Rehearsal, all_resources
from tests.test_data_perimeter import Landing

RAG = yaml.safe_load(BLUEPRINTS["gdpr-rag-assistant"].read_text())
A, R = "333344445555", "eu-central-1"
DEV_CLUSTER = f"arn:aws:rds:{R}:{A}:cluster:support-rag-dev-vectors"
DEV_SECRET = f"arn:aws:secretsmanager:{R}:{A}:secret:support-rag-dev-kb-AbCdEf"
PROD_COLLECTION = f"arn:aws:aoss:{R}:{A}:collection/supportragprd01"


def with_stores(stores: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(RAG)
    data["workloads"][0].setdefault("bedrock", {})["vector_stores"] = stores
    return data


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(data, "spec.yaml")
    assert info.value.exit_code == 2
    return info.value.details or [info.value.message]


# ------------------------------------------------------------------ spec
def test_the_blueprint_gives_each_stage_its_own_collection() -> None:
    spec = parse_spec(RAG, "spec.yaml")
    stores = spec.workloads[0].bedrock.vector_stores  # type: ignore[union-attr]
    assert set(stores) == {Stage.DEV, Stage.PROD}
    assert stores[Stage.DEV].opensearch_serverless != stores[Stage.PROD].opensearch_serverless


@pytest.mark.parametrize(
    ("stores", "field", "message"),
    [
        ({"dev": {"opensearch_serverless": PROD_COLLECTION}, "prod": {"opensearch_serverless": PROD_COLLECTION}},
         "vector_stores.prod.opensearch_serverless", "already the store of dev: stages never share"),
        ({"dev": {"opensearch_serverless": PROD_COLLECTION.replace(A, "999988887777")}},
         "vector_stores.dev.opensearch_serverless", "must be in the landing's account 333344445555"),
        ({"dev": {"aurora": {"cluster_arn": DEV_CLUSTER.replace(R, "us-east-1"), "credentials_arn": DEV_SECRET}}},
         "vector_stores.dev.aurora.cluster_arn", "and region eu-central-1"),
        ({"dev": {}}, "vector_stores.dev", "name exactly one of opensearch_serverless or aurora"),
        ({"dev": {"opensearch_serverless": PROD_COLLECTION,
                  "aurora": {"cluster_arn": DEV_CLUSTER, "credentials_arn": DEV_SECRET}}},
         "vector_stores.dev", "name exactly one"),
        ({"test": {"opensearch_serverless": PROD_COLLECTION}}, "vector_stores.test", "not a stage of this workload"),
        ({"dev": {"opensearch_serverless": 'x"}\nresource "aws_iam_user" "x" {'}},
         "vector_stores.dev.opensearch_serverless", "OpenSearch Serverless collection ARN"),
    ],
)  # fmt: skip
def test_stores_are_checked(stores: dict[str, Any], field: str, message: str) -> None:
    found = problems(with_stores(stores))
    assert any(f"workloads[0].bedrock.{field}: " in p and message in p for p in found), found


def test_only_rag_workloads_have_a_store() -> None:
    data = copy.deepcopy(yaml.safe_load(BLUEPRINTS["healthcare-training"].read_text()))
    data["workloads"][0]["services"] = ["sagemaker", "bedrock", "s3"]
    data["workloads"][0]["bedrock"] = {"vector_stores": {"dev": {"opensearch_serverless": PROD_COLLECTION}}}
    assert any("bedrock.vector_stores: only for rag workloads" in p for p in problems(data))


def test_the_cli_names_the_file_and_field(tmp_path: Path) -> None:
    spec = tmp_path / "rag.yaml"
    spec.write_text(yaml.safe_dump(with_stores({"dev": {"opensearch_serverless": "arn:aws:aoss:x"}})))
    done = run_aisec("render", str(spec), "-o", str(tmp_path / "out"))
    assert done.returncode == 2
    assert f"{spec}: workloads[0].bedrock.vector_stores.dev.opensearch_serverless:" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


# ------------------------------------------------------------------ applied
@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    """gdpr-rag-assistant with an Aurora store in dev and a collection in prod, applied offline."""
    spec = parse_spec(
        with_stores({"dev": {"aurora": {"cluster_arn": DEV_CLUSTER, "credentials_arn": DEV_SECRET}},
                     "prod": {"opensearch_serverless": PROD_COLLECTION}}),
        "spec.yaml",
    )  # fmt: skip
    out = tmp_path_factory.mktemp("vector-store")
    write(out, render(spec))
    r = Rehearsal.of(out)
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    return Landing(decide(spec), all_resources(r.show_json()["values"]["root_module"]))


def _decide(landing: Landing, principal: str, action: str, resource: str) -> str:
    role = landing.roles[principal]
    request = Request(principal, action, resource, {"aws:SecureTransport": True})
    return evaluate(request, identity_policies=role["policies"], boundary=role["boundary"]).outcome


@pytest.mark.terraform
def test_each_knowledge_base_role_reaches_its_own_store_only(landing: Landing) -> None:
    roles = {(s.stage, r.persona, r.service): r.arn for s in landing.controls.stages for r in s.roles}
    kb = {stage: arn for (stage, _, service), arn in roles.items() if service == "bedrock.amazonaws.com"}
    others = [arn for (_, _, service), arn in roles.items() if service != "bedrock.amazonaws.com"]
    other_collection = f"arn:aws:aoss:{R}:{A}:collection/someoneelse01"
    # prod: its collection, nothing else.
    assert _decide(landing, kb[Stage.PROD], "aoss:APIAccessAll", PROD_COLLECTION) == "allow"
    assert _decide(landing, kb[Stage.PROD], "aoss:APIAccessAll", other_collection) != "allow"
    assert _decide(landing, kb[Stage.PROD], "rds-data:ExecuteStatement", DEV_CLUSTER) != "allow"
    assert _decide(landing, kb[Stage.PROD], "secretsmanager:GetSecretValue", DEV_SECRET) != "allow"
    # dev: its cluster through the Data API with its secret, nothing else.
    for action in ("rds-data:ExecuteStatement", "rds-data:BatchExecuteStatement", "rds:DescribeDBClusters"):
        assert _decide(landing, kb[Stage.DEV], action, DEV_CLUSTER) == "allow", action
    assert _decide(landing, kb[Stage.DEV], "secretsmanager:GetSecretValue", DEV_SECRET) == "allow"
    assert _decide(landing, kb[Stage.DEV], "rds-data:ExecuteStatement", DEV_CLUSTER + "-other") != "allow"
    assert _decide(landing, kb[Stage.DEV], "secretsmanager:GetSecretValue", DEV_SECRET + "x") != "allow"
    assert _decide(landing, kb[Stage.DEV], "aoss:APIAccessAll", PROD_COLLECTION) != "allow"
    assert _decide(landing, kb[Stage.DEV], "rds-data:ExecuteSql", DEV_CLUSTER) != "allow"  # the old API
    # The application and the people reach no store directly (retrieval goes through Bedrock).
    for arn in others:
        assert _decide(landing, arn, "aoss:APIAccessAll", PROD_COLLECTION) != "allow", arn
        assert _decide(landing, arn, "rds-data:ExecuteStatement", DEV_CLUSTER) != "allow", arn


@pytest.mark.terraform
def test_the_boundary_caps_the_store_rights(landing: Landing) -> None:
    """Whatever is attached to a stage's roles later, the boundary admits that stage's store only."""
    everything = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    for s in landing.controls.stages:
        kb = next(r.arn for r in s.roles if r.service == "bedrock.amazonaws.com")
        boundary = landing.roles[kb]["boundary"]

        def capped(action: str, resource: str, who: str = kb, cap: Any = boundary) -> bool:
            request = Request(who, action, resource)
            return evaluate(request, identity_policies=[everything], boundary=cap).allowed

        own = s.stage is Stage.PROD
        assert capped("aoss:APIAccessAll", PROD_COLLECTION) is own
        assert capped("rds-data:ExecuteStatement", DEV_CLUSTER) is not own
        assert not capped("aoss:APIAccessAll", f"arn:aws:aoss:{R}:{A}:collection/someoneelse01")
