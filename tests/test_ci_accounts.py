"""`aisec ci` for a landing with `accounts` (issue #17): each root's CI roles in that root's account.

A folder with one landing, prod in an account of its own: `aisec ci github` writes a CI-roles root
per account, `aisec bootstrap-state` the state bucket and key of the main account. The three are
applied offline and the policies AS APPLIED are evaluated (generator/checks/policy_eval.py): prod's
roles (prod's account) reach prod.tfstate and its lock file across accounts, through their own
policies AND the bucket's and the key's; no other root's state; nobody else from that account."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.checks.policy_eval import Request, evaluate, evaluate_cross_account
from tests.conftest import run_aisec
from tests.offline import Rehearsal, all_resources, ci_role
from tests.test_accounts import KEY_LINE, MAIN, PROD, PROD_ACCOUNT, _write_spec

STATE = f"arn:aws:s3:::agency-docs-tfstate-{MAIN}"
PREFIX = f"{STATE}/aisec/agency-docs"
ROLES = "infra/agency-docs-ci-roles"


def _apply(folder: Path) -> dict[str, dict[str, Any]]:
    r = Rehearsal.of(folder)
    r.ok("plan", "-input=false", "-out=tfplan")
    r.ok("apply", "-input=false", "tfplan")
    return {x["address"]: x["values"] for x in all_resources(r.show_json()["values"]["root_module"])}


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The README's order: bootstrap-state (the spec names no state key yet), apply it, set
    accounts.state_kms_key_arn to the key it created, then render and aisec ci."""
    tmp = tmp_path_factory.mktemp("ci-accounts")
    (tmp / "specs").mkdir()
    spec = _write_spec(tmp / "specs", PROD_ACCOUNT.replace(KEY_LINE, ""))
    proc = run_aisec("bootstrap-state", "specs/agency-docs.yaml", "-o", "state", cwd=tmp)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    state = _apply(tmp / "state")
    key_arn = state['module.state_kms.aws_kms_key.this["state"]']["arn"]
    spec.write_text(spec.read_text().replace("accounts:\n", f"accounts:\n  state_kms_key_arn: {key_arn}\n"))
    proc = run_aisec("render", "specs", "-o", "infra", cwd=tmp)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run_aisec("ci", "github", "specs", "--root", "infra", "--repo", "o/r", cwd=tmp)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {
        "tmp": tmp,
        "state": state,
        "main": _apply(tmp / ROLES / "foundation"),
        "prod": _apply(tmp / ROLES / "foundation-prod"),
    }


def _policies(applied: dict[str, Any]) -> tuple[str, str, str]:
    state = applied["state"]
    bucket = next(v["policy"] for k, v in state.items() if k.endswith('aws_s3_bucket_policy.this["state"]'))
    key = next(v for k, v in state.items() if k.endswith('aws_kms_key.this["state"]'))
    return bucket, key["policy"], key["arn"]


def _cross(
    applied: dict[str, Any],
    role: dict[str, Any],
    action: str,
    resource: str,
    extra: dict[str, Any] | None = None,
) -> bool:
    """A request of a role of another account on the main account's state (both sides must allow)."""
    bucket, key_policy, _arn = _policies(applied)
    policy = key_policy if action.startswith("kms:") else bucket
    ctx: dict[str, Any] = {"aws:SecureTransport": True, **(extra or {})}
    if action.startswith("kms:"):
        # S3 with the state bucket's bucket key names the bucket as the encryption context.
        ctx = {
            "kms:CallerAccount": role["arn"].split(":")[4],
            "kms:ViaService": f"s3.{resource.split(':')[3]}.amazonaws.com",
            "kms:EncryptionContext:aws:s3:arn": STATE,
            **ctx,
        }
    if action == "s3:ListBucket":
        ctx["s3:prefix"] = resource.split("/", 1)[1] if "/" in resource else ""
        resource = STATE
    request = Request(role["arn"], action, resource, ctx)
    return evaluate_cross_account(
        request, resource_policy=policy, identity_policies=role["policies"], boundary=role["boundary"]
    ).allowed


def test_each_accounts_roles_root_assumes_into_it_and_holds_its_roots_roles(applied: dict[str, Any]) -> None:
    tmp = applied["tmp"]
    prod_provider = (tmp / ROLES / "foundation-prod" / "providers.tf").read_text()
    assert f'allowed_account_ids = ["{PROD}"]' in prod_provider
    assert f"arn:aws:iam::{PROD}:role/OrganizationAccountAccessRole" in prod_provider
    main_provider = (tmp / ROLES / "foundation" / "providers.tf").read_text()
    assert f'allowed_account_ids = ["{MAIN}"]' in main_provider
    prod_roles = {k for k in applied["prod"] if k.startswith("aws_iam_role.ci[")}
    assert prod_roles == {
        f'aws_iam_role.ci["{r}-{k}"]' for r in ("foundation-prod", "prod") for k in ("plan", "apply")
    }
    main_roles = {k for k in applied["main"] if k.startswith("aws_iam_role.ci[")}
    assert main_roles == {
        f'aws_iam_role.ci["{r}-{k}"]' for r in ("foundation", "dev") for k in ("plan", "apply")
    }
    assert "aws_iam_openid_connect_provider.ci[0]" in applied["prod"]
    apply = ci_role(applied["prod"], "prod-apply")
    assert apply["arn"].startswith(f"arn:aws:iam::{PROD}:role/")
    subjects = apply["trust"]["Statement"][0]["Condition"]["StringLike"][
        "token.actions.githubusercontent.com:sub"
    ]
    assert subjects in (
        "repo:o/r:environment:aisec-agency-docs-prod",
        ["repo:o/r:environment:aisec-agency-docs-prod"],
    )
    # the scope names prod's account: its stage roles' ARNs, not the main account's
    scope = next(v["policy"] for k, v in applied["prod"].items() if k == 'aws_iam_policy.ci["scope_prod"]')
    assert f":{PROD}:" in scope and f":{MAIN}:" not in scope.replace(STATE, "")


def test_prods_roles_reach_their_own_state_across_accounts_and_no_other(applied: dict[str, Any]) -> None:
    for kind in ("plan", "apply"):
        role = ci_role(applied["prod"], f"prod-{kind}")
        assert _cross(applied, role, "s3:GetObject", f"{PREFIX}/prod.tfstate"), kind
        assert _cross(applied, role, "s3:ListBucket", f"{PREFIX}/prod.tfstate"), kind
        for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
            assert _cross(applied, role, action, f"{PREFIX}/prod.tfstate.tflock"), (kind, action)
        _bucket, _key, key_arn = _policies(applied)
        for action in ("kms:Decrypt", "kms:GenerateDataKey"):
            assert _cross(applied, role, action, key_arn), (kind, action)
        for other in ("dev", "foundation", "foundation-prod"):
            assert not _cross(applied, role, "s3:GetObject", f"{PREFIX}/{other}.tfstate"), (kind, other)
            assert not _cross(applied, role, "s3:PutObject", f"{PREFIX}/{other}.tfstate"), (kind, other)
            assert not _cross(applied, role, "s3:ListBucket", f"{PREFIX}/{other}.tfstate"), (kind, other)
    apply = ci_role(applied["prod"], "prod-apply")
    assert _cross(applied, apply, "s3:PutObject", f"{PREFIX}/prod.tfstate")
    assert not _cross(
        applied, ci_role(applied["prod"], "prod-plan"), "s3:PutObject", f"{PREFIX}/prod.tfstate"
    )
    foundation = ci_role(applied["prod"], "foundation-prod-apply")
    assert _cross(applied, foundation, "s3:PutObject", f"{PREFIX}/foundation-prod.tfstate")
    assert not _cross(applied, foundation, "s3:GetObject", f"{PREFIX}/prod.tfstate")


def test_prods_state_writes_name_the_state_key_by_arn_which_the_bucket_admits(
    applied: dict[str, Any],
) -> None:
    """prod's roots name the state key by ARN (the spec's accounts.state_kms_key_arn, set from
    bootstrap-state's output); the bucket's DenyOtherKeys refuses a write naming anything else: the
    alias (which KMS would look up in prod's account) or a key of prod's account."""
    _bucket, _key, key_arn = _policies(applied)
    for root in ("prod", "foundation-prod", "dev", "foundation"):
        backend = (applied["tmp"] / "infra" / "agency-docs" / root / "backend.tf").read_text()
        assert f'kms_key_id   = "{key_arn}"' in backend, root
    apply = ci_role(applied["prod"], "prod-apply")
    prods_key = f"arn:aws:kms:us-west-2:{PROD}:key/{key_arn.rsplit('/', 1)[1]}"
    for named, allowed in ((key_arn, True), ("alias/agency-docs-tfstate", False), (prods_key, False)):
        sse = {
            "s3:x-amz-server-side-encryption": "aws:kms",
            "s3:x-amz-server-side-encryption-aws-kms-key-id": named,
        }
        assert _cross(applied, apply, "s3:PutObject", f"{PREFIX}/prod.tfstate", sse) is allowed, named
    # with the ARN in the spec, prod's roles are granted that key, not any key of the main account
    other = key_arn[: -len("0000-000000000000")] + "0000-000000000000"
    assert other != key_arn and _cross(applied, apply, "kms:Decrypt", key_arn)
    assert not _cross(applied, apply, "kms:Decrypt", other)


def test_prods_roles_use_the_state_key_through_s3_for_the_state_bucket_only(applied: dict[str, Any]) -> None:
    """Audit finding C: the key policy held prod's roles to S3 (kms:ViaService) but not to a
    bucket, so prod's apply role could have S3 encrypt any bucket of its own account with the main
    account's state key. Now only the state bucket: its ARN (S3's encryption context with the
    bucket key) or one of its objects' (without), on the key policy alone (identity widened)."""
    _bucket, _key_policy, key_arn = _policies(applied)
    broad = [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]
    context = "kms:EncryptionContext:aws:s3:arn"
    for kind in ("plan", "apply"):
        role = ci_role(applied["prod"], f"prod-{kind}")
        for policies in (role["policies"], broad):
            who = {**role, "policies": policies}
            for action in ("kms:GenerateDataKey", "kms:Decrypt"):
                assert _cross(applied, who, action, key_arn, {context: STATE}), (kind, action)
                assert _cross(applied, who, action, key_arn, {context: f"{PREFIX}/prod.tfstate"}), kind
                for elsewhere in (
                    f"arn:aws:s3:::prods-own-bucket-{PROD}",
                    f"arn:aws:s3:::prods-own-bucket-{PROD}/x",
                    f"{STATE}-logs",
                    f"arn:aws:s3:::agency-docs-tfstate-{MAIN}x/y",
                ):
                    assert not _cross(applied, who, action, key_arn, {context: elsewhere}), (kind, elsewhere)
    # Terraform's own backend (the main account's administrators, in-account users) keeps the key.
    admin = {"arn": f"arn:aws:iam::{MAIN}:role/FedRAMPPlatformAdmin", "policies": broad, "boundary": None}
    request = Request(admin["arn"], "kms:GenerateDataKey", key_arn, {context: STATE})
    assert evaluate(
        request, resource_policy=_key_policy, identity_policies=broad, resource_must_allow=True
    ).allowed


def test_another_principal_of_prods_account_is_denied_the_state(applied: dict[str, Any]) -> None:
    _bucket, _key_policy, key_arn = _policies(applied)
    broad = [
        json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        )
    ]
    for outsider in (
        f"arn:aws:iam::{PROD}:role/ProdPlatformAdmin",
        f"arn:aws:iam::{PROD}:role/aisec-deploy/x-apply",
    ):
        role = {"arn": outsider, "policies": broad, "boundary": None}
        assert not _cross(applied, role, "s3:GetObject", f"{PREFIX}/prod.tfstate"), outsider
        assert not _cross(applied, role, "s3:PutObject", f"{PREFIX}/prod.tfstate.tflock"), outsider
        assert not _cross(applied, role, "kms:Decrypt", key_arn), outsider


def test_the_bucket_itself_admits_each_role_to_its_own_roots_state_only(applied: dict[str, Any]) -> None:
    """The bucket's side alone (the role's own policies widened to everything): prod's roles get
    prod.tfstate and its lock file, no other root's object, not even foundation-prod's."""
    broad = [
        json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        )
    ]
    for kind in ("plan", "apply"):
        role = {**ci_role(applied["prod"], f"prod-{kind}"), "policies": broad, "boundary": None}
        assert _cross(applied, role, "s3:GetObject", f"{PREFIX}/prod.tfstate"), kind
        # the plan role (pull requests assume it) never writes the state, whatever its own policies say
        assert _cross(applied, role, "s3:PutObject", f"{PREFIX}/prod.tfstate") == (kind == "apply"), kind
        assert _cross(applied, role, "s3:PutObject", f"{PREFIX}/prod.tfstate.tflock"), kind
        assert _cross(applied, role, "s3:DeleteObject", f"{PREFIX}/prod.tfstate.tflock"), kind
        assert not _cross(applied, role, "s3:DeleteObject", f"{PREFIX}/prod.tfstate"), kind
        for other in ("dev", "foundation", "foundation-prod", "test"):
            for action in ("s3:GetObject", "s3:PutObject", "s3:ListBucket"):
                assert not _cross(applied, role, action, f"{PREFIX}/{other}.tfstate"), (kind, other, action)


def test_the_main_accounts_principals_are_denied_prods_state_by_the_bucket(applied: dict[str, Any]) -> None:
    """The bucket's own Denies, with every identity policy widened to everything: within the main
    account an IAM Allow would otherwise suffice, so any of its principals with s3:* (dev's roles, an
    auditor's role, a workload's) could read prod's secrets in prod.tfstate or rewrite what prod's
    next apply acts on. Only prod's roots' own roles and the main account's stewards of the state
    (admin_principals, state.users, break_glass) reach prod's objects; the main account's own
    state stays the main account's."""
    bucket, _key, _arn = _policies(applied)
    broad = [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]

    def own(principal: str, action: str, resource: str) -> bool:
        request = Request(principal, action, resource, {"aws:SecureTransport": True})
        return evaluate(request, resource_policy=bucket, identity_policies=broad).allowed

    outsiders = (
        f"arn:aws:iam::{MAIN}:role/aisec-deploy/agency-docs-aisec-dev-apply",
        f"arn:aws:iam::{MAIN}:role/aisec-deploy/agency-docs-aisec-foundation-apply",
        f"arn:aws:iam::{MAIN}:role/aisec/agency-docs-doc-classifier-dev-pipeline",
        f"arn:aws:iam::{MAIN}:role/SecurityAudit",
        f"arn:aws:iam::{MAIN}:root",
    )
    for root in ("prod", "foundation-prod"):
        for obj in (f"{PREFIX}/{root}.tfstate", f"{PREFIX}/{root}.tfstate.tflock"):
            for who in outsiders:
                for action in ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"):
                    assert not own(who, action, obj), (who, action, obj)
            admin = f"arn:aws:iam::{MAIN}:role/FedRAMPPlatformAdmin"  # admin_principals run Terraform
            assert own(admin, "s3:GetObject", obj) and own(admin, "s3:PutObject", obj), obj
    for who in outsiders:
        assert own(who, "s3:GetObject", f"{PREFIX}/dev.tfstate"), who  # IAM decides, as before


def test_devs_roles_in_the_main_account_are_denied_prods_state(applied: dict[str, Any]) -> None:
    bucket, _key, _arn = _policies(applied)
    for kind in ("plan", "apply"):
        role = ci_role(applied["main"], f"dev-{kind}")
        assert role["arn"].startswith(f"arn:aws:iam::{MAIN}:role/")

        def own(action: str, resource: str, role: dict[str, Any] = role) -> bool:
            r = Request(role["arn"], action, resource, {"aws:SecureTransport": True})
            return evaluate(
                r, resource_policy=bucket, identity_policies=role["policies"], boundary=role["boundary"]
            ).allowed

        assert own("s3:GetObject", f"{PREFIX}/dev.tfstate"), kind
        assert not own("s3:GetObject", f"{PREFIX}/prod.tfstate"), kind
        assert not own("s3:GetObject", f"{PREFIX}/foundation-prod.tfstate"), kind


def test_the_matrix_names_each_roots_role_in_its_account(applied: dict[str, Any]) -> None:
    tmp = applied["tmp"]
    proc = run_aisec("ci", "matrix", "--all", "specs", "--root", "infra", cwd=tmp)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    every = next(line for line in proc.stdout.splitlines() if line.startswith("all="))
    rows = {r["root"]: r for r in json.loads(every.removeprefix("all="))}
    assert set(rows) == {"foundation", "foundation-prod", "dev", "prod"}
    for root, account in (("foundation", MAIN), ("dev", MAIN), ("foundation-prod", PROD), ("prod", PROD)):
        for kind in ("plan", "apply"):
            arn = rows[root][f"{kind}_role"]
            assert arn == f"arn:aws:iam::{account}:role/aisec-deploy/agency-docs-aisec-{root}-{kind}", arn
    assert rows["prod"]["environment"] != rows["foundation-prod"]["environment"]
