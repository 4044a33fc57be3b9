"""SECURITY-BAR.md items 1-20, checked on what AWS would receive: every blueprint planned and applied
offline (the session's `applied` fixture), every value and policy document read from the state.

Expectations come from the spec (its workloads, stages, data sensitivity and network), never from the
decisions that produced the code, so a wrong decision fails here. Policies are evaluated against sample
requests with generator.checks.policy_eval (allowed and denied), not searched for strings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import pytest
from policy_sentry.querying.actions import get_action_data

from generator.checks.policy_eval import Request, evaluate
from generator.decide.policy import decide
from generator.spec import Sensitivity, Service, Spec, WorkloadType, load_spec
from tests.conftest import BLUEPRINTS
from tests.offline import all_resources
from tests.test_data_perimeter import Landing

pytestmark = pytest.mark.terraform

ADMINISTRATOR_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
DATA_DOMAINS = ("datasets", "artifacts")
NAMES = sorted(BLUEPRINTS)


def _one(value: Any) -> Any:
    """Nested blocks are lists in Terraform's JSON; most of ours hold one element."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _statements(document: str) -> list[dict[str, Any]]:
    statements = json.loads(document)["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class StageRef:
    """A stage of a workload as the spec names it, and the AWS names the landing gives it."""

    spec: Spec
    workload: str
    stage: str
    sensitive: bool
    rag: bool = False

    @property
    def prefix(self) -> str:
        return f"{self.spec.name}-{self.workload}-{self.stage}"

    def bucket(self, domain: str) -> str:
        return f"{self.prefix}-{domain}-{self.spec.aws.account_id}"

    def alias(self, domain: str) -> str:
        return f"alias/aisec/{self.spec.name}/{self.workload}/{self.stage}/{domain}"


class Applied(Landing):
    """An applied blueprint's resources (the documents as Landing reads them), named from the spec."""

    @property
    def spec(self) -> Spec:
        return self.controls.spec

    def values(self, rtype: str) -> list[dict[str, Any]]:
        return self._values(rtype)

    @cached_property
    def stages(self) -> list[StageRef]:
        return [
            StageRef(
                self.spec,
                wl.name,
                st.value,
                wl.data.sensitivity.rank >= Sensitivity.CONFIDENTIAL.rank,
                wl.type.value == "rag",
            )
            for wl in self.spec.workloads
            for st in wl.stages
        ]

    @cached_property
    def keys(self) -> dict[str, dict[str, Any]]:  # alias -> key values
        return {v["tags"]["Name"]: v for v in self.values("aws_kms_key")}

    @cached_property
    def buckets(self) -> dict[str, dict[str, dict[str, Any]]]:  # bucket -> resource type -> values
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for r in self.resources:
            if r["type"].startswith("aws_s3_bucket") and "bucket" in r["values"]:
                out.setdefault(r["values"]["bucket"], {})[r["type"]] = r["values"]
        return out

    def stage_roles(self, stage: StageRef) -> dict[str, dict[str, Any]]:
        return {
            arn: r for arn, r in self.roles.items() if arn.rsplit("/", 1)[1].startswith(stage.prefix + "-")
        }


@pytest.fixture(scope="module")
def landings(applied: dict[str, dict[str, Any]]) -> dict[str, Applied]:
    return {
        name: Applied(
            decide(load_spec(BLUEPRINTS[name])), all_resources(run["state"]["values"]["root_module"])
        )  # type: ignore[index]
        for name, run in applied.items()
    }


# ------------------------------------------------------------------ keys (1-7)
@pytest.mark.parametrize("name", NAMES)
def test_keys_rotate_and_keep_their_deletion_window(name: str, landings: dict[str, Applied]) -> None:
    landing = landings[name]
    assert landing.keys
    for alias, key in landing.keys.items():
        assert key["customer_master_key_spec"] == "SYMMETRIC_DEFAULT", alias
        assert key["enable_key_rotation"] is True and 90 <= key["rotation_period_in_days"] <= 365, alias  # 1
        assert key["bypass_policy_lockout_safety_check"] is False, alias  # 2
        production = (
            "/prod/" in alias or alias.count("/") == 3
        )  # the landing's own keys: alias/aisec/<name>/<use>
        assert key["deletion_window_in_days"] >= (30 if production else 7), alias
        assert key["policy"] and _statements(key["policy"]), alias  # 3: one explicit policy
    assert not landing.values("aws_kms_key_policy")  # 3: never a second one


@pytest.mark.parametrize("name", NAMES)
def test_key_policy_statements_keep_roles_apart(name: str, landings: dict[str, Applied]) -> None:
    landing = landings[name]
    root = f"arn:aws:iam::{landing.spec.aws.account_id}:root"
    management = (
        "kms:Put",
        "kms:ScheduleKeyDeletion",
        "kms:Disable",
        "kms:Delete",
        "kms:Create",
        "kms:Update",
    )
    crypto = ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncrypt")
    for alias, key in landing.keys.items():
        for st in _statements(key["policy"]):
            if st["Effect"] != "Allow":
                continue
            actions = _list(st.get("Action", []))
            principal = st.get("Principal", {})
            if "kms:*" in actions or "*" in actions:  # 4
                assert principal == {"AWS": root} or principal == {"AWS": [root]}, (alias, st.get("Sid"))
                continue
            # 5: no statement both manages the key and uses it
            manages = any(a.startswith(management) for a in actions)
            uses = any(a.startswith(crypto) for a in actions)
            assert not (manages and uses), (alias, st.get("Sid"))
            # 6: a service or anyone is held to a service, the account or a context
            if "Service" in principal or principal == "*" or principal == {"AWS": "*"}:
                keys = {k for op in st.get("Condition", {}).values() for k in op}
                assert keys & {
                    "kms:ViaService",
                    "kms:CallerAccount",
                    "aws:SourceArn",
                    "aws:SourceAccount",
                } or any(k.startswith("kms:EncryptionContext:") for k in keys), (alias, st.get("Sid"))


@pytest.mark.parametrize("name", NAMES)
def test_each_data_bucket_has_its_own_stage_key(name: str, landings: dict[str, Applied]) -> None:
    landing = landings[name]
    for stage in landing.stages:
        arns = {domain: landing.keys[stage.alias(domain)]["arn"] for domain in (*DATA_DOMAINS, "logs")}
        assert len(set(arns.values())) == 3, stage.prefix  # 7: datasets, artifacts and logs apart
        for domain in DATA_DOMAINS:
            sse = _one(
                landing.buckets[stage.bucket(domain)]["aws_s3_bucket_server_side_encryption_configuration"][
                    "rule"
                ]
            )
            default = _one(sse["apply_server_side_encryption_by_default"])
            assert default["sse_algorithm"] == "aws:kms" and default["kms_master_key_id"] == arns[domain]
            assert sse["bucket_key_enabled"] is True


# ------------------------------------------------------------------ storage and logs (8-11)
def _owner_request(landing: Applied, bucket: str, action: str, resource: str, secure: bool) -> bool:
    """Whether an account administrator's request reaches the bucket (only its own policy can stop it)."""
    request = Request(
        landing.spec.access.admin_principals[0],
        action,
        resource,
        {"aws:SecureTransport": secure, "aws:SourceVpc": landing.spec.network.vpc_id},
    )
    policy = landing.buckets[bucket]["aws_s3_bucket_policy"]["policy"]
    return evaluate(request, resource_policy=policy, identity_policies=[ADMINISTRATOR_ACCESS]).allowed


@pytest.mark.parametrize("name", NAMES)
def test_every_bucket_is_private_versioned_logged_and_refuses_plain_http(
    name: str, landings: dict[str, Applied]
) -> None:
    landing = landings[name]
    targets = {v["target_bucket"] for v in landing.values("aws_s3_bucket_logging")}
    for bucket, parts in landing.buckets.items():
        if "aws_s3_bucket" not in parts:
            continue  # a bucket of another account or team, only referenced
        pab = parts["aws_s3_bucket_public_access_block"]
        assert all(
            pab[f]
            for f in (
                "block_public_acls",
                "block_public_policy",
                "ignore_public_acls",
                "restrict_public_buckets",
            )
        ), bucket  # 8
        assert _one(parts["aws_s3_bucket_versioning"]["versioning_configuration"])["status"] == "Enabled", (
            bucket
        )
        assert "aws_s3_bucket_logging" in parts or bucket in targets, bucket
        for action, resource in (
            ("s3:GetObject", f"arn:aws:s3:::{bucket}/data/x"),
            ("s3:PutObject", f"arn:aws:s3:::{bucket}/data/x"),
            ("s3:ListBucket", f"arn:aws:s3:::{bucket}"),
        ):
            assert not _owner_request(landing, bucket, action, resource, secure=False), (bucket, action)


@pytest.mark.parametrize("name", NAMES)
def test_trail_records_everything_and_the_data_events_of_every_stage(
    name: str, landings: dict[str, Applied]
) -> None:
    landing = landings[name]
    trails = landing.values("aws_cloudtrail")
    if not landing.spec.creates_foundation:
        assert not trails  # the central team's trail records the account
        return
    (trail,) = trails
    assert trail["is_multi_region_trail"] and trail["enable_log_file_validation"]  # 9
    assert (
        trail["include_global_service_events"] and trail["kms_key_id"] and trail["cloud_watch_logs_group_arn"]
    )
    logged = {
        prefix
        for selector in trail["advanced_event_selector"]
        for field in selector["field_selector"]
        if field["field"] == "resources.ARN"
        for prefix in field["starts_with"] or []
    }
    for stage in landing.stages:
        for domain in DATA_DOMAINS:
            assert f"arn:aws:s3:::{stage.bucket(domain)}/" in logged, (stage.prefix, domain)


@pytest.mark.parametrize("name", NAMES)
def test_every_log_group_is_encrypted_and_kept(name: str, landings: dict[str, Applied]) -> None:
    landing = landings[name]
    groups = landing.values("aws_cloudwatch_log_group")
    assert groups
    minimum = 2192 if {"hipaa"} & {r.value for r in landing.spec.regimes} else 365
    for group in groups:
        assert group["kms_key_id"] and group["retention_in_days"] >= minimum, group["name"]  # 10


@pytest.mark.parametrize("name", NAMES)
def test_alarms_reach_an_encrypted_topic(name: str, landings: dict[str, Applied]) -> None:
    landing = landings[name]
    alarms = landing.values("aws_cloudwatch_metric_alarm")
    if not landing.spec.creates_foundation:
        return
    topics = {t["arn"]: t for t in landing.values("aws_sns_topic")}
    assert len(alarms) >= 5  # 11: the CIS items' patterns are matched against events in test_monitoring
    for alarm in alarms:
        (action,) = alarm["alarm_actions"]
        assert topics[action]["kms_master_key_id"], alarm["alarm_name"]


# ------------------------------------------------------------------ Macie (12-13)
@pytest.mark.parametrize("name", NAMES)
def test_macie_classifies_every_sensitive_bucket(name: str, landings: dict[str, Applied]) -> None:
    landing = landings[name]
    if landing.spec.creates_foundation:
        (account,) = landing.values("aws_macie2_account")
        assert (
            account["status"] == "ENABLED" and account["finding_publishing_frequency"] == "FIFTEEN_MINUTES"
        )  # 12
        (export,) = landing.values("aws_macie2_classification_export_configuration")
        assert _one(export["s3_destination"])["kms_key_arn"]
        rules = [json.loads(r["event_pattern"]) for r in landing.values("aws_cloudwatch_event_rule")]
        assert {
            "source": ["aws.macie"],
            "detail-type": ["Macie Finding"],
        } in rules  # findings reach the topic
    scanned = {
        bucket: job
        for job in landing.values("aws_macie2_classification_job")
        for definition in _one(job["s3_job_definition"])["bucket_definitions"]
        for bucket in definition["buckets"]
    }
    for stage in landing.stages:
        for domain in DATA_DOMAINS:
            bucket = stage.bucket(domain)
            # 13: sensitive data; and a RAG corpus (the datasets its knowledge base ingests) whatever its label
            expected = stage.sensitive or (stage.rag and domain == "datasets")
            assert (bucket in scanned) == expected, bucket
            if expected:
                assert scanned[bucket]["job_type"] == "SCHEDULED"
                # Macie reads through S3 with its service-linked role: the bucket's key must let it decrypt.
                macie = (
                    f"arn:aws:iam::{landing.spec.aws.account_id}:role/aws-service-role/macie.amazonaws.com/"
                    "AWSServiceRoleForAmazonMacie"
                )
                key = landing.keys[stage.alias(domain)]
                request = Request(
                    macie,
                    "kms:Decrypt",
                    key["arn"],
                    {
                        "kms:ViaService": f"s3.{landing.spec.aws.region}.amazonaws.com",
                        "kms:CallerAccount": landing.spec.aws.account_id,
                        "aws:ViaAWSService": True,
                    },
                )
                # Its managed policy grants no kms:Decrypt: the key policy itself must name it.
                assert evaluate(request, resource_policy=key["policy"], resource_must_allow=True).allowed, (
                    bucket
                )


# What each data category adds to Macie's managed identifiers (34), as the README states it.
CATEGORY_IDENTIFIERS = {
    "phi": {"mrn"},
    "cardholder": {"merchant-id", "account-number"},
    "financial": {"account-number"},
}


@pytest.mark.parametrize("name", NAMES)
def test_macie_jobs_use_custom_identifiers_for_the_data_categories(
    name: str, landings: dict[str, Applied]
) -> None:
    landing = landings[name]
    identifiers = {i["name"]: i for i in landing.values("aws_macie2_custom_data_identifier")}
    jobs = {j["name"]: j for j in landing.values("aws_macie2_classification_job")}
    expected_all = set()
    for wl in landing.spec.workloads:
        wanted = {
            f"{landing.spec.name}-{wl.name}-{i}"
            for c in wl.data.categories
            for i in CATEGORY_IDENTIFIERS.get(c.value, ())
        }
        for st in wl.stages:
            job = jobs.get(f"{landing.spec.name}-{wl.name}-{st.value}")
            if job is None:
                continue
            # layout: stages: each stage root has its own copies, named `<identifier>-<stage>`
            own = {f"{w}-{st.value}" for w in wanted} if landing.spec.layout == "stages" else wanted
            expected_all |= own
            names = {
                n for n, i in identifiers.items() if i["id"] in (job.get("custom_data_identifier_ids") or [])
            }
            assert names == own, (job["name"], names, own)
    assert set(identifiers) == expected_all
    for identifier in identifiers.values():  # a keyword must precede every match: no bare numbers reported
        assert identifier["keywords"] and 1 <= identifier["maximum_match_distance"] <= 300


# ------------------------------------------------------------------ PrivateLink (14-15)
EXPECTED_ENDPOINTS = {
    Service.SAGEMAKER: {"sagemaker.api", "sagemaker.runtime"},
    Service.BEDROCK: {"bedrock", "bedrock-runtime", "bedrock-agent", "bedrock-agent-runtime"},
    Service.ECR: {"ecr.api", "ecr.dkr"},
}


@pytest.mark.parametrize("name", NAMES)
def test_endpoints_for_every_service_used(name: str, landings: dict[str, Applied]) -> None:
    landing = landings[name]
    endpoints = landing.values("aws_vpc_endpoint")
    if not landing.spec.creates_foundation:
        assert not endpoints
        return
    region = landing.spec.aws.region
    services = [e["service_name"].removeprefix(f"com.amazonaws.{region}.") for e in endpoints]
    assert len(services) == len(set(services))  # 14: one per service and VPC
    expected = {"kms", "sts", "logs", "s3"}
    for wl in landing.spec.workloads:
        for service in wl.effective_services:
            expected |= EXPECTED_ENDPOINTS.get(service, set())
        if wl.type is WorkloadType.NOTEBOOK and Service.SAGEMAKER in wl.effective_services:
            expected.add(f"aws.sagemaker.{region}.notebook")  # the notebooks' Jupyter traffic
    assert expected <= set(services)
    account = landing.spec.aws.account_id
    for endpoint in endpoints:
        if endpoint["service_name"].startswith("aws.sagemaker."):
            # SageMaker's notebook endpoint takes no endpoint policy (none is sent: test_notebook.py)
            assert endpoint["service_name"] == f"aws.sagemaker.{region}.notebook"
        else:
            assert endpoint["policy"] and account in endpoint["policy"], endpoint["service_name"]
        if endpoint["vpc_endpoint_type"] == "Interface":
            assert endpoint["private_dns_enabled"] is True and len(endpoint["subnet_ids"]) >= 2
        else:
            assert endpoint["route_table_ids"]


@pytest.mark.parametrize("name", NAMES)
def test_endpoint_security_group_admits_https_from_the_vpc_only(
    name: str, landings: dict[str, Applied]
) -> None:
    landing = landings[name]
    endpoint_groups = {
        g for e in landing.values("aws_vpc_endpoint") for g in e.get("security_group_ids") or []
    }
    ingress = [
        r
        for r in landing.values("aws_vpc_security_group_ingress_rule")
        if r["security_group_id"] in endpoint_groups
    ]
    if landing.spec.creates_foundation:
        assert ingress
    for rule in ingress:  # 15
        assert (rule["from_port"], rule["to_port"], rule["ip_protocol"]) == (443, 443, "tcp")
        assert rule["cidr_ipv4"] == landing.spec.network.vpc_cidr and rule["description"]
    for rule in [
        *landing.values("aws_vpc_security_group_ingress_rule"),
        *landing.values("aws_vpc_security_group_egress_rule"),
    ]:
        assert rule.get("cidr_ipv4") != "0.0.0.0/0" and rule["description"], rule["security_group_rule_id"]


# ------------------------------------------------------------------ ML services (16, where generated)
@pytest.mark.parametrize("name", NAMES)
def test_generated_sagemaker_resources_are_closed(name: str, landings: dict[str, Applied]) -> None:
    landing = landings[name]
    notebooks = landing.values("aws_sagemaker_notebook_instance")
    if name == "soc2-notebooks":  # the blueprint that asks for one (compute.notebook): not vacuous
        assert notebooks
    for notebook in notebooks:
        assert notebook["direct_internet_access"] == "Disabled" and notebook["root_access"] == "Disabled"
        assert notebook["subnet_id"] and notebook["kms_key_id"] and notebook["security_groups"]
        assert (
            notebook["instance_metadata_service_configuration"][0][
                "minimum_instance_metadata_service_version"
            ]
            == "2"
        )
        assert not notebook.get("lifecycle_config_name")
    for domain in landing.values("aws_sagemaker_domain"):
        assert domain["app_network_access_type"] == "VpcOnly" and domain["kms_key_id"]
    for model in landing.values("aws_sagemaker_model"):
        assert model["enable_network_isolation"] is True
    for config in landing.values("aws_sagemaker_endpoint_configuration"):
        assert config["kms_key_arn"]


# ------------------------------------------------------------------ identity (17-20)
@cache
def _unscopable(action: str) -> bool:
    """An action that takes no resource ARN in AWS's Service Authorization Reference."""
    prefix, name = action.split(":", 1)
    data = get_action_data(prefix, name).get(prefix, [])
    return bool(data) and all(entry["resource_arn_format"] == "*" for entry in data)


@pytest.mark.parametrize("name", NAMES)
def test_role_policies_name_actions_and_resources(name: str, landings: dict[str, Applied]) -> None:
    for arn, role in landings[name].roles.items():
        for document in role["policies"]:
            for st in _statements(document):
                if st["Effect"] != "Allow":
                    continue
                actions = _list(st["Action"])
                assert not [a for a in actions if a == "*" or a.endswith(":*")], (arn, st.get("Sid"))  # 17
                if "*" in _list(st["Resource"]):
                    assert all(_unscopable(a) for a in actions), (arn, st.get("Sid"), actions)


@pytest.mark.parametrize("name", NAMES)
def test_every_role_is_bounded_and_trusts_no_bare_account(name: str, landings: dict[str, Applied]) -> None:
    for arn, role in landings[name].roles.items():
        assert role["boundary"], arn  # 18 (and the deployer can create every role of a landing)
        for st in _statements(role["trust"]):
            principals = _list(st.get("Principal", {}).get("AWS", []))
            if st["Effect"] == "Allow" and any(p.endswith(":root") or p == "*" for p in principals):
                assert st.get("Condition"), (arn, st.get("Sid"))


def _reaches(landing: Applied, arn: str, action: str, resource: str, *, boundary_only: bool = False) -> bool:
    """Whether the role's own policies (or, with boundary_only, its boundary alone) allow the request,
    made the way the role works: from the VPC, keys used through S3."""
    role = landing.roles[arn]
    identity = [ADMINISTRATOR_ACCESS] if boundary_only else role["policies"]
    context: dict[str, Any] = {"aws:SourceVpc": landing.spec.network.vpc_id}
    if action.startswith("kms:"):
        context = {
            "kms:ViaService": f"s3.{landing.spec.aws.region}.amazonaws.com",
            "kms:CallerAccount": landing.spec.aws.account_id,
            "aws:ViaAWSService": True,
            "kms:ResourceAliases": [alias for alias, key in landing.keys.items() if key["arn"] == resource],
        }
    request = Request(arn, action, resource, context)
    return evaluate(request, identity_policies=identity, boundary=role["boundary"]).allowed


@pytest.mark.parametrize("name", NAMES)
def test_stage_roles_and_their_boundary_reach_no_other_stage(name: str, landings: dict[str, Applied]) -> None:
    landing = landings[name]
    for stage in landing.stages:
        for other in landing.stages:
            if other == stage:
                continue
            for arn in landing.stage_roles(stage):  # 19
                own = [landing.keys[stage.alias(d)]["arn"] for d in DATA_DOMAINS]
                assert any(_reaches(landing, arn, "kms:Decrypt", k, boundary_only=True) for k in own), arn
                for domain in DATA_DOMAINS:
                    key = landing.keys[other.alias(domain)]["arn"]
                    obj = f"arn:aws:s3:::{other.bucket(domain)}/data/x"
                    for boundary_only in (False, True):
                        assert not _reaches(landing, arn, "kms:Decrypt", key, boundary_only=boundary_only), (
                            arn,
                            key,
                        )
                        assert not _reaches(landing, arn, "s3:GetObject", obj, boundary_only=boundary_only), (
                            arn,
                            obj,
                        )


@pytest.mark.parametrize("name", NAMES)
def test_roles_use_a_key_only_where_they_use_its_bucket(name: str, landings: dict[str, Applied]) -> None:
    """A persona is a key user of a domain only if it reads or writes that domain's bucket."""
    landing = landings[name]
    users = 0
    for stage in landing.stages:
        for arn in landing.stage_roles(stage):
            for domain in DATA_DOMAINS:
                objects = [f"arn:aws:s3:::{stage.bucket(domain)}/{p}x" for p in ("data/", "approved/")]
                uses_bucket = any(
                    _reaches(landing, arn, action, obj)
                    for action in ("s3:GetObject", "s3:PutObject")
                    for obj in objects
                )
                key = landing.keys[stage.alias(domain)]["arn"]
                uses_key = _reaches(landing, arn, "kms:Decrypt", key) or _reaches(
                    landing, arn, "kms:GenerateDataKey", key
                )
                assert uses_key <= uses_bucket, (arn, domain)
                users += uses_key
    assert users  # the check above is not vacuous


@pytest.mark.parametrize("name", NAMES)
def test_no_users_access_keys_or_administrator_access(name: str, landings: dict[str, Applied]) -> None:
    landing = landings[name]
    assert not landing.values("aws_iam_user") and not landing.values("aws_iam_access_key")  # 20
    for attachment in landing.values("aws_iam_role_policy_attachment"):
        assert not attachment["policy_arn"].endswith("/AdministratorAccess")
    for policy in [*landing.values("aws_iam_policy"), *landing.values("aws_iam_role_policy")]:
        for st in _statements(policy["policy"]):
            if st["Effect"] == "Allow":
                assert not ("*" in _list(st["Action"]) and "*" in _list(st["Resource"])), st.get("Sid")
