"""Who can read each key and bucket, and from where (SECURITY-BAR.md 22-27), answered on the policies
as AWS receives them: every blueprint planned and applied offline, every document read from the
state, and sample requests evaluated against them (allowed and denied) with
generator.checks.policy_eval. The principals outside the landing (an administrator, a role of
another stage, a deployer) are given AdministratorAccess-like identity policies, so only the data's
own policies can stop them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest

from generator.checks.policy_eval import Decision, Request, evaluate
from generator.decide.policy import MACIE_ROLE, Controls, StagePlan, decide
from generator.spec import Sensitivity, Stage, load_spec
from tests.conftest import BLUEPRINTS
from tests.offline import all_resources

pytestmark = pytest.mark.terraform

ADMINISTRATOR_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
OTHER_ACCOUNT = "999988887777"
# What Macie's service-linked role may do of itself (AmazonMacieServiceRolePolicy, abridged): read any
# bucket, but no kms:Decrypt, so a key policy must name Macie for it to read SSE-KMS objects.
MACIE_MANAGED_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}],
}


@dataclass
class Landing:
    """The documents of one applied blueprint, by what they protect."""

    controls: Controls
    resources: list[dict[str, Any]]

    def _values(self, rtype: str) -> list[dict[str, Any]]:
        return [r["values"] for r in self.resources if r["type"] == rtype]

    @cached_property
    def key_policies(self) -> dict[str, str]:  # alias -> policy
        return {v["tags"]["Name"]: v["policy"] for v in self._values("aws_kms_key")}

    @cached_property
    def bucket_policies(self) -> dict[str, str]:
        return {v["bucket"]: v["policy"] for v in self._values("aws_s3_bucket_policy")}

    @cached_property
    def roles(self) -> dict[str, dict[str, Any]]:  # role ARN -> its trust, inline policies, boundary
        boundaries = {v["arn"]: v["policy"] for v in self._values("aws_iam_policy")}
        inline: dict[str, list[str]] = {}
        for v in self._values("aws_iam_role_policy"):
            inline.setdefault(v["role"], []).append(v["policy"])
        return {
            v["arn"]: {
                "trust": v["assume_role_policy"],
                "policies": inline.get(v["name"], []),
                "boundary": boundaries.get(v["permissions_boundary"]),
            }
            for v in self._values("aws_iam_role")
        }

    @cached_property
    def endpoint_policies(self) -> dict[str, str]:  # short service name -> policy
        # SageMaker's notebook and Studio endpoints (aws.sagemaker.<region>.*) take no endpoint policy.
        return {
            v["service_name"].split(".", 3)[3]: v["policy"]
            for v in self._values("aws_vpc_endpoint")
            if v["service_name"].startswith("com.amazonaws.")
        }

    # ------------------------------------------------------------ requests
    @property
    def account(self) -> str:
        return self.controls.spec.aws.account_id

    @property
    def region(self) -> str:
        return self.controls.spec.aws.region

    def key_arn(self, alias: str) -> str:
        return f"arn:aws:kms:{self.region}:{self.account}:key/{alias.rsplit('/', 1)[-1]}"

    def identity(self, principal: str) -> dict[str, Any]:
        """Our roles' real policies; anyone else gets administrator rights."""
        role = self.roles.get(principal)
        if principal == MACIE_ROLE.format(account=self.account):
            return {"identity_policies": [MACIE_MANAGED_POLICY]}
        if role is None:
            return {"identity_policies": [ADMINISTRATOR_ACCESS]}
        return {"identity_policies": role["policies"], "boundary": role["boundary"]}

    def kms(self, principal: str, action: str, alias: str, **context: Any) -> Decision:
        request = Request(
            principal, action, self.key_arn(alias), {"kms:CallerAccount": self.account, **context}
        )
        return evaluate(
            request,
            resource_policy=self.key_policies[alias],
            resource_must_allow=True,
            **self.identity(principal),
        )

    def via_s3(self, principal: str, action: str, alias: str) -> Decision:
        """A key used by S3 for the principal (SSE-KMS): a forward access session, from AWS's network."""
        return self.kms(
            principal,
            action,
            alias,
            **{"kms:ViaService": f"s3.{self.region}.amazonaws.com", "aws:ViaAWSService": True},
        )

    def s3(
        self,
        principal: str,
        action: str,
        bucket: str,
        key: str | None = "data/x.parquet",
        vpc: bool = True,
        **context: Any,
    ) -> Decision:
        resource = f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")
        ctx = {"aws:SourceVpc": self.controls.spec.network.vpc_id} if vpc else {}
        request = Request(
            principal, action, resource, {**ctx, "aws:ResourceAccount": self.account, **context}
        )
        return evaluate(request, resource_policy=self.bucket_policies[bucket], **self.identity(principal))

    def assume(self, caller: str, role: str, **context: Any) -> Decision:
        request = Request(caller, "sts:AssumeRole", role, context)
        identity = {} if request.is_service else {"identity_policies": [ADMINISTRATOR_ACCESS]}
        return evaluate(
            request, resource_policy=self.roles[role]["trust"], resource_must_allow=True, **identity
        )


@pytest.fixture(scope="module")
def landings(applied: dict[str, dict[str, Any]]) -> dict[str, Landing]:
    return {
        name: Landing(
            decide(load_spec(BLUEPRINTS[name])), all_resources(run["state"]["values"]["root_module"])
        )  # type: ignore[index]
        for name, run in applied.items()
    }


def _stages(landing: Landing) -> list[StagePlan]:
    return list(landing.controls.stages)


def _sensitive(landing: Landing, stage: StagePlan) -> bool:
    wl = next(w.workload for w in landing.controls.workloads if stage in w.stages)
    return wl.data.sensitivity.rank >= Sensitivity.CONFIDENTIAL.rank


def _other_stage_role(landing: Landing, stage: StagePlan) -> str:
    """A role of another stage (or another workload) of the same landing, else a look-alike name."""
    for other in _stages(landing):
        if other is not stage:
            return other.roles[0].arn
    return f"arn:aws:iam::{landing.account}:role/aisec/{landing.controls.spec.name}-other-dev-pipeline"


def _outsiders(landing: Landing, stage: StagePlan) -> dict[str, str]:
    access = landing.controls.access
    return {
        "administrator": landing.controls.spec.access.admin_principals[0],
        "another stage's role": _other_stage_role(landing, stage),
        "deployer": access.deployers[0],
        "root user": access.root_user,
    }


# ------------------------------------------------------------------ keys (22, 23, 24)
@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_only_the_stage_decrypts_its_data(name: str, landings: dict[str, Landing]) -> None:
    landing = landings[name]
    macie = MACIE_ROLE.format(account=landing.account)
    for stage in _stages(landing):
        for key in (k for k in stage.keys if k.domain != "logs"):
            users = [r for r in stage.roles if key.domain in r.keys]  # may be none (prod inference datasets)
            for role in users:
                for action in ("kms:Decrypt", "kms:GenerateDataKey"):
                    assert landing.via_s3(role.arn, action, key.alias).allowed, (key.alias, role.arn, action)
                # Straight to KMS (no service in between): not how the data is meant to be read (24).
                direct = landing.kms(
                    role.arn,
                    "kms:Decrypt",
                    key.alias,
                    **{"aws:SourceVpc": landing.controls.spec.network.vpc_id},
                )
                assert not direct.allowed, (key.alias, role.arn)
            for who, arn in _outsiders(landing, stage).items():
                d = landing.via_s3(arn, "kms:Decrypt", key.alias)
                assert d.outcome == "explicit-deny", f"{key.alias}: {who} {arn} can decrypt ({d})"
                assert "DenyUseOutsideNamedPrincipals" in d.statements
            if key.macie_reads:
                assert landing.via_s3(macie, "kms:Decrypt", key.alias).allowed, key.alias
            for bg in landing.controls.access.break_glass:
                assert landing.via_s3(bg, "kms:Decrypt", key.alias).allowed


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_nobody_but_cloudwatch_logs_uses_a_logs_key(name: str, landings: dict[str, Landing]) -> None:
    landing = landings[name]
    for stage in _stages(landing):
        key = next(k for k in stage.keys if k.domain == "logs")
        for role in stage.roles:
            assert not landing.via_s3(role.arn, "kms:Decrypt", key.alias).allowed, (key.alias, role.arn)
        request = Request(
            f"logs.{landing.region}.amazonaws.com",
            "kms:Decrypt",
            landing.key_arn(key.alias),
            {
                "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{landing.region}:{landing.account}:log-group:{stage.log_group}"
            },
        )
        assert evaluate(
            request, resource_policy=landing.key_policies[key.alias], resource_must_allow=True
        ).allowed
        other = Request(
            request.principal,
            request.action,
            request.resource,
            {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:x:1:log-group:/other"},
        )
        assert not evaluate(
            other, resource_policy=landing.key_policies[key.alias], resource_must_allow=True
        ).allowed


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_administrators_manage_keys_but_cannot_make_themselves_users(
    name: str, landings: dict[str, Landing]
) -> None:
    landing = landings[name]
    access = landing.controls.access
    admin = landing.controls.spec.access.admin_principals[0]
    for stage in _stages(landing):
        for key in stage.keys:
            assert landing.kms(admin, "kms:EnableKeyRotation", key.alias).allowed
            assert landing.kms(admin, "kms:TagResource", key.alias).allowed
            for action in ("kms:PutKeyPolicy", "kms:DisableKey", "kms:ScheduleKeyDeletion"):
                assert landing.kms(admin, action, key.alias).outcome == "explicit-deny", (key.alias, action)
            grant = landing.kms(admin, "kms:CreateGrant", key.alias, **{"kms:GrantIsForAWSResource": False})
            assert grant.outcome == "explicit-deny", key.alias
            for manager in access.managers:
                assert landing.kms(manager, "kms:PutKeyPolicy", key.alias).allowed, (key.alias, manager)
                assert landing.kms(manager, "kms:ScheduleKeyDeletion", key.alias).allowed, (
                    key.alias,
                    manager,
                )
                # Managing is not using: the deployer changes the policy, never reads the data.
                if manager in access.deployers:
                    assert not landing.via_s3(manager, "kms:Decrypt", key.alias).allowed


@pytest.mark.parametrize("name", sorted(n for n in BLUEPRINTS if n != "existing-foundation"))
def test_only_break_glass_disables_the_audit_key(name: str, landings: dict[str, Landing]) -> None:
    landing = landings[name]
    foundation = landing.controls.foundation
    assert foundation is not None
    alias = foundation.audit_key.alias
    access = landing.controls.access
    for who in (*access.deployers, landing.controls.spec.access.admin_principals[0]):
        for action in ("kms:DisableKey", "kms:ScheduleKeyDeletion"):
            assert landing.kms(who, action, alias).outcome == "explicit-deny", (who, action)
    for who in (*access.break_glass, access.root_user):
        assert landing.kms(who, "kms:DisableKey", alias).allowed, who


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_sensitive_keys_are_used_only_from_the_vpc_or_through_services(
    name: str, landings: dict[str, Landing]
) -> None:
    landing = landings[name]
    vpc = landing.controls.spec.network.vpc_id
    for stage in _stages(landing):
        for key in (k for k in stage.keys if k.domain != "logs"):
            role = next((r for r in stage.roles if key.domain in r.keys and not r.outside_vpc), None)
            if role is None:
                continue  # nobody uses it (prod inference datasets): the use test covers outsiders
            # Stolen credentials used from the internet, straight against KMS with the same ViaService
            # claim are impossible (KMS sets it); the direct call from outside is the case to refuse.
            outside = landing.kms(role.arn, "kms:Decrypt", key.alias)
            inside = landing.kms(role.arn, "kms:Decrypt", key.alias, **{"aws:SourceVpc": vpc})
            assert not outside.allowed and not inside.allowed  # no direct use at all (24)
            if _sensitive(landing, stage):
                assert outside.outcome == "explicit-deny" and "DenyUseFromOutsideTheVpc" in outside.statements
            else:
                assert "DenyUseFromOutsideTheVpc" not in landing.key_policies[key.alias]


# ------------------------------------------------------------------ buckets (22, 23, 26)
@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_only_the_stage_reads_and_writes_its_buckets(name: str, landings: dict[str, Landing]) -> None:
    landing = landings[name]
    macie = MACIE_ROLE.format(account=landing.account)
    for stage in _stages(landing):
        for bucket in stage.buckets:
            readers = [r for r in stage.roles if bucket.domain in r.reads]
            writers = [r for r in stage.roles if bucket.domain in r.writes]
            for role in readers:
                key = f"{role.read_prefix}data/x.parquet"
                assert landing.s3(role.arn, "s3:GetObject", bucket.name, key).allowed, (bucket.name, role.arn)
            for role in writers:
                assert landing.s3(role.arn, "s3:PutObject", bucket.name).allowed, (bucket.name, role.arn)
            for role in (r for r in stage.roles if r not in readers and r not in writers):
                assert landing.s3(role.arn, "s3:GetObject", bucket.name).outcome == "explicit-deny", (
                    bucket.name,
                    role.arn,
                )
            managers = landing.controls.access.managers
            for who, arn in _outsiders(landing, stage).items():
                for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
                    d = landing.s3(arn, action, bucket.name)
                    assert d.outcome == "explicit-deny", f"{bucket.name}: {who} {arn} {action} ({d})"
                # Terraform's refresh reads a bucket with HeadBucket (s3:ListBucket), from anywhere.
                listing = landing.s3(arn, "s3:ListBucket", bucket.name, key=None, vpc=False)
                if arn in managers:
                    assert listing.allowed, f"{bucket.name}: the deployer cannot refresh it ({listing})"
                else:
                    assert listing.outcome == "explicit-deny", f"{bucket.name}: {who} lists it"
                # Settings that would copy object names elsewhere, or lift these Denies.
                for action in (
                    "s3:PutInventoryConfiguration",
                    "s3:PutBucketPolicy",
                    "s3:PutReplicationConfiguration",
                ):
                    setting = landing.s3(arn, action, bucket.name, key=None)
                    assert setting.allowed if arn in managers else setting.outcome == "explicit-deny", (
                        who,
                        action,
                    )
            if _sensitive(landing, stage):
                assert landing.s3(macie, "s3:GetObject", bucket.name, vpc=False).allowed


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_people_never_read_production_datasets_and_only_promoted_artifacts(
    name: str, landings: dict[str, Landing]
) -> None:
    landing = landings[name]
    prod = [s for s in _stages(landing) if s.stage is Stage.PROD]
    people = [(s, r) for s in prod for r in s.roles if r.human]
    if not people:
        pytest.skip(f"{name} has no people in production")
    for stage, role in people:
        buckets = {b.domain: b.name for b in stage.buckets}
        assert landing.s3(role.arn, "s3:GetObject", buckets["datasets"]).outcome == "explicit-deny"
        assert landing.s3(role.arn, "s3:GetObject", buckets["artifacts"], "approved/model.tar.gz").allowed
        unpromoted = landing.s3(role.arn, "s3:GetObject", buckets["artifacts"], "candidates/model.tar.gz")
        assert unpromoted.outcome == "explicit-deny", unpromoted  # by the bucket policy itself
        assert (
            landing.s3(role.arn, "s3:PutObject", buckets["artifacts"], "approved/evil.tar.gz").outcome
            != "allow"
        )


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_sensitive_buckets_answer_only_inside_the_vpc(name: str, landings: dict[str, Landing]) -> None:
    landing = landings[name]
    for stage in _stages(landing):
        for bucket in stage.buckets:
            role = next(
                (r for r in stage.roles if bucket.domain in r.reads or bucket.domain in r.writes), None
            )
            if role is None:
                continue
            key = f"{role.read_prefix}data/x.parquet"
            from_internet = landing.s3(role.arn, "s3:GetObject", bucket.name, key, vpc=False)
            other_vpc = landing.s3(
                role.arn,
                "s3:GetObject",
                bucket.name,
                key,
                vpc=False,
                **{"aws:SourceVpc": "vpc-0fffffffffffffff0"},
            )
            via_service = landing.s3(
                role.arn, "s3:GetObject", bucket.name, key, vpc=False, **{"aws:ViaAWSService": True}
            )
            if _sensitive(landing, stage) and not role.outside_vpc:
                assert from_internet.outcome == "explicit-deny" and other_vpc.outcome == "explicit-deny"
                assert via_service.allowed
            else:
                assert from_internet.allowed


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_writes_use_the_buckets_own_key(name: str, landings: dict[str, Landing]) -> None:
    landing = landings[name]
    for stage in _stages(landing):
        key_arn = {v["tags"]["Name"]: v["arn"] for v in landing._values("aws_kms_key")}
        for bucket in stage.buckets:
            own = key_arn[next(k.alias for k in stage.keys if k.domain == bucket.domain)]
            other = key_arn[next(k.alias for k in stage.keys if k.domain == "logs")]
            writer = next((r for r in stage.roles if bucket.domain in r.writes), None)
            if writer is None:
                continue
            enc = "s3:x-amz-server-side-encryption"
            assert landing.s3(writer.arn, "s3:PutObject", bucket.name).allowed  # bucket default applies
            assert landing.s3(
                writer.arn, "s3:PutObject", bucket.name, **{enc: "aws:kms", f"{enc}-aws-kms-key-id": own}
            ).allowed
            assert (
                landing.s3(writer.arn, "s3:PutObject", bucket.name, **{enc: "AES256"}).outcome
                == "explicit-deny"
            )
            assert (
                landing.s3(
                    writer.arn,
                    "s3:PutObject",
                    bucket.name,
                    **{enc: "aws:kms", f"{enc}-aws-kms-key-id": other},
                ).outcome
                == "explicit-deny"
            )
            # aws:kms without a key would get the account's aws/s3 key, outside this key's policy.
            aws_managed = landing.s3(writer.arn, "s3:PutObject", bucket.name, **{enc: "aws:kms"})
            assert aws_managed.outcome == "explicit-deny" and "DenyKmsWithoutTheKey" in aws_managed.statements
            sse_c = landing.s3(
                writer.arn, "s3:PutObject", bucket.name, **{f"{enc}-customer-algorithm": "AES256"}
            )
            assert sse_c.outcome == "explicit-deny" and "DenySseC" in sse_c.statements


# ------------------------------------------------------------------ endpoints (25)
@pytest.mark.parametrize("name", sorted(n for n in BLUEPRINTS if n != "existing-foundation"))
def test_endpoints_reach_only_this_accounts_resources(name: str, landings: dict[str, Landing]) -> None:
    landing = landings[name]
    role = _stages(landing)[0].roles[0].arn
    policies = landing.endpoint_policies
    for service, policy in policies.items():
        prefix = {"s3": "s3"}.get(service, service.split(".")[0].split("-")[0])
        action = {"s3": "s3:GetObject", "kms": "kms:Decrypt", "sts": "sts:AssumeRole"}.get(
            service, f"{prefix}:Describe"
        )

        def through(
            resource_account: str, principal: str = role, act: str = action, doc: str = policy
        ) -> Decision:
            request = Request(principal, act, "*", {"aws:ResourceAccount": resource_account})
            return evaluate(
                request,
                resource_policy=doc,
                resource_must_allow=True,
                identity_policies=[ADMINISTRATOR_ACCESS],
            )

        assert through(landing.account).allowed, service
        assert not through(OTHER_ACCOUNT).allowed, f"{service}: reaches another account's resources"
        outsider = f"arn:aws:iam::{OTHER_ACCOUNT}:role/x"
        assert not through(landing.account, principal=outsider).allowed, (
            f"{service}: lets another account's principals in"
        )
    if "ecr.dkr" in policies:  # ECR's AWS-owned layer bucket, read through URLs ECR's account presigns
        layers = f"arn:aws:s3:::prod-{landing.region}-starport-layer-bucket/sha256/abc"
        presigner = f"arn:aws:iam::{OTHER_ACCOUNT}:role/ecr-layer-presigner"
        for who, action, allowed in ((presigner, "s3:GetObject", True), (role, "s3:PutObject", False)):
            request = Request(who, action, layers, {"aws:ResourceAccount": OTHER_ACCOUNT})
            decision = evaluate(
                request,
                resource_policy=policies["s3"],
                resource_must_allow=True,
                identity_policies=[ADMINISTRATOR_ACCESS],
            )
            assert decision.allowed is allowed, (who, action)
    if "bedrock-runtime" in policies:  # foundation models belong to AWS
        model = f"arn:aws:bedrock:{landing.region}::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
        request = Request(role, "bedrock:InvokeModel", model, {"aws:ResourceAccount": OTHER_ACCOUNT})
        assert evaluate(
            request,
            resource_policy=policies["bedrock-runtime"],
            resource_must_allow=True,
            identity_policies=[ADMINISTRATOR_ACCESS],
        ).allowed


# ------------------------------------------------------------------ trust (27)
def _sso_role(account: str, permission_set: str, suffix: str = "0123456789abcdef") -> str:
    return (
        f"arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{permission_set}_{suffix}"
    )


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_people_roles_trust_named_people_with_a_source_identity(
    name: str, landings: dict[str, Landing]
) -> None:
    landing = landings[name]
    spec = landing.controls.spec
    mfa = (
        {"aws:MultiFactorAuthPresent": True, "aws:MultiFactorAuthAge": 300}
        if spec.access.human_access.value == "iam-mfa"
        else {}
    )
    for stage in _stages(landing):
        for role in (r for r in stage.roles if r.human):
            refs = spec.access.people.get(stage.stage) or [f"{spec.name}-{stage.stage.value}"]
            callers = [ref if ref.startswith("arn:") else _sso_role(landing.account, ref) for ref in refs]
            for caller in callers:
                assert landing.assume(caller, role.arn, **{"sts:SourceIdentity": "alice", **mfa}).allowed, (
                    role.arn,
                    caller,
                )
                assert not landing.assume(caller, role.arn, **mfa).allowed, "no source identity"
            # Every other permission set of the account, or the administrators, are refused; so is a
            # permission set whose name merely starts with a named one.
            lookalikes = [
                _sso_role(landing.account, ref, "Contractors_0123456789abcdef")
                for ref in refs
                if not ref.startswith("arn:")
            ]
            for stranger in (
                _sso_role(landing.account, "AdministratorAccess"),
                spec.access.admin_principals[0],
                *lookalikes,
            ):
                assert not landing.assume(
                    stranger, role.arn, **{"sts:SourceIdentity": "mallory", **mfa}
                ).allowed, stranger
            tag = Request(callers[0], "sts:TagSession", role.arn, {"aws:TagKeys": ["aisec-requester"]})
            assert evaluate(
                tag,
                resource_policy=landing.roles[role.arn]["trust"],
                resource_must_allow=True,
                identity_policies=[ADMINISTRATOR_ACCESS],
            ).allowed
            bad_tag = Request(
                callers[0], "sts:TagSession", role.arn, {"aws:TagKeys": ["CostCenter", "aisec-requester"]}
            )
            assert not evaluate(
                bad_tag,
                resource_policy=landing.roles[role.arn]["trust"],
                resource_must_allow=True,
                identity_policies=[ADMINISTRATOR_ACCESS],
            ).allowed


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_service_roles_act_only_for_this_landing(name: str, landings: dict[str, Landing]) -> None:
    landing = landings[name]
    for stage in _stages(landing):
        for role in (r for r in stage.roles if r.service):
            assert role.service is not None and role.source_arns
            own = role.source_arns[0].replace("*/", "training-job/", 1).replace("*", "job-1")
            foreign = f"arn:aws:sagemaker:{landing.region}:{landing.account}:training-job/someone-else"
            assert landing.assume(
                role.service, role.arn, **{"aws:SourceAccount": landing.account, "aws:SourceArn": own}
            ).allowed, own
            assert not landing.assume(role.service, role.arn, **{"aws:SourceAccount": OTHER_ACCOUNT}).allowed
            if role.service == "sagemaker.amazonaws.com":
                assert not landing.assume(
                    role.service, role.arn, **{"aws:SourceAccount": landing.account, "aws:SourceArn": foreign}
                ).allowed


def test_access_log_delivery_names_the_landings_buckets(landings: dict[str, Landing]) -> None:
    landing = landings["healthcare-training"]
    assert landing.controls.foundation is not None
    policy = landing.bucket_policies[landing.controls.foundation.access_log_bucket]
    target = f"arn:aws:s3:::{landing.controls.foundation.access_log_bucket}/x"

    def deliver(source: str) -> bool:
        request = Request(
            "logging.s3.amazonaws.com",
            "s3:PutObject",
            target,
            {"aws:SourceAccount": landing.account, "aws:SourceArn": source},
        )
        return evaluate(request, resource_policy=policy, resource_must_allow=True).allowed

    assert deliver(f"arn:aws:s3:::{landing.controls.stages[0].buckets[0].name}")
    assert not deliver("arn:aws:s3:::somebody-elses-bucket")


def test_policies_read_here_are_real_json(landings: dict[str, Landing]) -> None:
    """Guard against a vacuous pass: every document the tests evaluate parsed, with Deny statements."""
    landing = landings["healthcare-training"]
    foundation = landing.controls.foundation
    assert foundation is not None
    stage_keys = sum(len(s.keys) for s in landing.controls.stages)
    assert len(landing.key_policies) == stage_keys + len(foundation.keys) == 12
    # six stage buckets and the foundation's access-log, trail, findings and AWS Config buckets
    assert len(landing.bucket_policies) == 6 + len(foundation.bucket_domains) == 10
    for policy in (*landing.key_policies.values(), *landing.bucket_policies.values()):
        assert any(s["Effect"] == "Deny" for s in json.loads(policy)["Statement"])
