"""An AWS account per stage (issue #17 item 2, `accounts`): a foundation root per account, every
root's provider assuming a role in its account. A landing with prod in its own account is applied
offline (real terraform, the stand-in), root by root in the manifest's order; what is checked is
the plan's provider configuration and the resources and policies as applied."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from generator import core, fleet
from generator.checks import policy_eval
from generator.checks.policy_eval import Request
from generator.decide.policy import decide
from generator.render import ARCHIVE_FOLDER, accounts
from generator.spec import load_spec
from tests import test_security_bar as bar
from tests.conftest import BLUEPRINTS, run_aisec
from tests.offline import Rehearsal, all_resources

MAIN, PROD, ARCHIVE = "666677778888", "444455556666", "666677779999"  # fedramp-moderate's, and prod's
# the state key `aisec bootstrap-state` created (its output state_kms_key): fedramp-moderate's state
STATE_KEY = f"arn:aws:kms:us-west-2:{MAIN}:key/5e1f7a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
KEY_LINE = f"  state_kms_key_arn: {STATE_KEY}\n"
PROD_ACCOUNT = f"""layout: stages
accounts:
{KEY_LINE}  stages:
    prod:
      account_id: "{PROD}"
      network:
        vpc_id: vpc-0a1b2c3d4e5f60718
        vpc_cidr: 10.200.0.0/16
        subnet_ids: [subnet-0a1b2c3d4e5f60718, subnet-1a1b2c3d4e5f60718]
        route_table_ids: [rtb-0a1b2c3d4e5f60718]
      access:
        admin_principals: ["arn:aws:iam::{PROD}:role/ProdPlatformAdmin"]
        break_glass: ["arn:aws:iam::{PROD}:role/ProdBreakGlass"]
"""
MAIN_PUSHER = f"arn:aws:iam::{MAIN}:role/ImageBuilder"
PROD_PUSHER = f"arn:aws:iam::{PROD}:role/ProdImageBuilder"


def with_images(spec: Path, *pushers: str) -> Path:
    """The workload creates a repository per stage, pushed to by ``pushers``."""
    images = "    images:\n      create: [trainer]\n" + (
        f"      pushers: [{', '.join(json.dumps(p) for p in pushers)}]\n" if pushers else ""
    )
    text = spec.read_text()
    assert "    stages: [dev, prod]\n" in text
    spec.write_text(text.replace("    stages: [dev, prod]\n", "    stages: [dev, prod]\n" + images))
    return spec


ACCOUNT_IN_ARN = re.compile(r"arn:aws:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):")


def _spec_text(extra: str = PROD_ACCOUNT, stages: str = "[dev, prod]") -> str:
    text = (
        BLUEPRINTS["fedramp-moderate"].read_text().replace("stages: [dev, test, prod]", f"stages: {stages}")
    )
    return text.rstrip("\n") + "\n" + extra


def _write_spec(tmp_path: Path, extra: str = PROD_ACCOUNT, **kw: str) -> Path:
    spec = tmp_path / "agency-docs.yaml"
    spec.write_text(_spec_text(extra, **kw))
    return spec


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every root planned and applied offline in the manifest's order, and log-archive/; the
    workload creates an image repository in each stage, with a pusher of each account."""
    tmp = tmp_path_factory.mktemp("accounts")
    spec_path = with_images(_write_spec(tmp), MAIN_PUSHER, PROD_PUSHER)
    out = tmp / "landing"
    core.render_spec(spec_path, out)
    runs: dict[str, Any] = {}
    for root in [*fleet.landing_roots(out), fleet.Root(out, ARCHIVE_FOLDER, out / ARCHIVE_FOLDER)]:
        r = Rehearsal.of(root.path)
        r.ok("plan", "-input=false", "-out=tfplan")
        plan = r.show_json("tfplan")
        r.ok("apply", "-input=false", "tfplan")
        state = r.show_json()
        runs[root.name] = {
            "plan": plan,
            "state": state,
            "resources": all_resources(state["values"]["root_module"]),
        }
    return {"out": out, "spec": load_spec(spec_path), "runs": runs}


def test_a_foundation_root_per_account_and_the_order(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    core.render_spec(_write_spec(tmp_path, stages="[dev, test, prod]"), out)
    assert [(r.name, r.needs) for r in fleet.landing_roots(out)] == [
        ("foundation", ()),
        ("foundation-prod", ()),
        ("dev", ("foundation",)),
        ("test", ("foundation",)),
        ("prod", ("foundation-prod",)),
    ]
    # prod's account holds its own account-level part; the main account's foundation nothing of prod
    main, own = (
        (out / "foundation" / "main.tf").read_text(),
        (out / "foundation-prod" / "main.tf").read_text(),
    )
    assert PROD not in main and MAIN not in own
    assert "vpc-0a1b2c3d4e5f60718" in own and "vpc-0a1b2c3d4e5f60718" not in main
    assert f"agency-docs-doc-classifier-prod-datasets-{PROD}" in own  # the prod trail's data events
    assert "-prod-" not in main.replace("aisec/agency-docs/doc-classifier/", "")
    # every root's state key is its own
    keys = {p.parent.name for p in out.glob("*/backend.tf")}
    assert keys == {"foundation", "foundation-prod", "dev", "test", "prod"}
    assert (
        'key          = "aisec/agency-docs/foundation-prod.tfstate"'
        in (out / "foundation-prod" / "backend.tf").read_text()
    )
    # every root names the state key by its ARN (accounts.state_kms_key_arn): an alias would be
    # looked up in the account of the role that runs prod's roots, a key of prod's account
    for root in keys:
        backend = (out / root / "backend.tf").read_text()
        assert f'kms_key_id   = "{STATE_KEY}"' in backend and "alias/" not in backend, root


@pytest.mark.terraform
def test_each_root_targets_its_account(landing: dict[str, Any]) -> None:
    role = "OrganizationAccountAccessRole"
    expected = {
        "foundation": MAIN,
        "dev": MAIN,
        "foundation-prod": PROD,
        "prod": PROD,
        ARCHIVE_FOLDER: ARCHIVE,
    }
    assert set(landing["runs"]) == set(expected)
    for name, account in expected.items():
        aws = landing["runs"][name]["plan"]["configuration"]["provider_config"]["aws"]["expressions"]
        assert aws["allowed_account_ids"]["constant_value"] == [account], name
        assert aws["assume_role"][0]["role_arn"]["constant_value"] == f"arn:aws:iam::{account}:role/{role}", (
            name
        )


@pytest.mark.terraform
def test_prod_names_only_prods_account_and_dev_nothing_of_prods(landing: dict[str, Any]) -> None:
    runs = landing["runs"]
    for name, own, other in (
        ("foundation-prod", PROD, MAIN),
        ("prod", PROD, MAIN),
        ("foundation", MAIN, PROD),
        ("dev", MAIN, PROD),
    ):
        text = json.dumps(runs[name]["state"]["values"])
        assert other not in text, (name, other)  # no bucket name, ARN or policy condition of the other
        found = set(ACCOUNT_IN_ARN.findall(text))
        assert own in found and found <= {own, ARCHIVE}, (name, found)
    # The prod roles, key and bucket policies as applied: prod's account, and the archive's only
    # where the trail and the replicas go there.
    prod = [
        r
        for r in runs["prod"]["resources"]
        if r["type"] in ("aws_iam_role", "aws_kms_key", "aws_s3_bucket_policy")
    ]
    assert prod
    for r in prod:
        doc = json.dumps(r["values"])
        assert set(ACCOUNT_IN_ARN.findall(doc)) <= {PROD}, r["address"]


def _applied(landing: dict[str, Any], roots: tuple[str, ...], account_spec: Any) -> bar.Applied:
    resources = [r for name in roots for r in landing["runs"][name]["resources"]]
    return bar.Applied(decide(account_spec), resources)


def _per_account(landing: dict[str, Any]) -> dict[str, bar.Applied]:
    specs = {root: spec for root, _stages, spec in accounts.account_specs(landing["spec"])}
    return {
        "main": _applied(landing, ("foundation", "dev"), specs["foundation"]),
        "prod": _applied(landing, ("foundation-prod", "prod"), specs["foundation-prod"]),
    }


# The security bar's checks that judge one account's resources, run on each account's roots.
BAR_CHECKS = (
    bar.test_keys_rotate_and_keep_their_deletion_window,
    bar.test_key_policy_statements_keep_roles_apart,
    bar.test_each_data_bucket_has_its_own_stage_key,
    bar.test_every_bucket_is_private_versioned_logged_and_refuses_plain_http,
    bar.test_trail_records_everything_and_the_data_events_of_every_stage,
    bar.test_every_log_group_is_encrypted_and_kept,
    bar.test_alarms_reach_an_encrypted_topic,
    bar.test_macie_classifies_every_sensitive_bucket,
    bar.test_endpoints_for_every_service_used,
    bar.test_endpoint_security_group_admits_https_from_the_vpc_only,
)


@pytest.mark.terraform
@pytest.mark.parametrize("check", BAR_CHECKS, ids=lambda c: c.__name__)
def test_the_security_bar_holds_in_each_account(landing: dict[str, Any], check: Any) -> None:
    for name, applied in _per_account(landing).items():
        check(name, {name: applied})


@pytest.mark.terraform
def test_the_other_account_is_denied_prods_data(landing: dict[str, Any]) -> None:
    prod = _per_account(landing)["prod"]
    stage = next(s for s in prod.stages if s.stage == "prod")
    bucket, alias = stage.bucket("datasets"), stage.alias("datasets")
    assert bucket.endswith(PROD) and bucket in prod.bucket_policies and alias in prod.key_policies
    own_role = next(iter(prod.stage_roles(stage)))
    assert own_role.startswith(f"arn:aws:iam::{PROD}:role/")
    for outsider in (
        f"arn:aws:iam::{MAIN}:role/FedRAMPPlatformAdmin",  # the main account's administrators
        f"arn:aws:iam::{MAIN}:role/aisec/agency-docs-doc-classifier-dev-engineer",  # a dev role
    ):
        ctx = {"aws:PrincipalAccount": MAIN}
        assert not prod.s3(outsider, "s3:GetObject", bucket, **ctx).allowed, outsider
        assert not prod.s3(outsider, "s3:PutObject", bucket, **ctx).allowed, outsider
        assert not prod.kms(outsider, "kms:Decrypt", alias, **ctx).allowed, outsider
        assert not prod.via_s3(outsider, "kms:Decrypt", alias).allowed, outsider
        for arn in prod.stage_roles(stage):
            assert not prod.assume(outsider, arn).allowed, (outsider, arn)


@pytest.mark.terraform
def test_prods_administrators_cannot_expire_or_weaken_its_data(landing: dict[str, Any]) -> None:
    """The key administrators of prod's account (admin_principals: "never use the data"), given
    `*` on `*`, are denied the object calls; they must be denied as well the bucket settings that
    destroy or weaken the data without one: a lifecycle rule expiring every object, versioning
    suspended, SSE-S3 as the default for writes that name no key, ACLs reopened, access logging off.
    Prod's deployer keeps them (it applies those settings)."""
    prod = _per_account(landing)["prod"]
    stage = next(s for s in prod.stages if s.stage == "prod")
    admin = f"arn:aws:iam::{PROD}:role/ProdPlatformAdmin"
    deployer = f"arn:aws:iam::{PROD}:role/aisec-deploy/agency-docs-aisec-prod-apply"
    settings = (
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketAcl",
        "s3:PutBucketLogging",
        "s3:PutBucketPolicy",
        "s3:PutBucketPublicAccessBlock",
    )
    for domain in ("datasets", "artifacts"):
        bucket = stage.bucket(domain)
        assert prod.s3(admin, "s3:DeleteObject", bucket).outcome == "explicit-deny", bucket
        for action in settings:
            assert prod.s3(admin, action, bucket, key=None).outcome == "explicit-deny", (bucket, action)
            policy = prod.bucket_policies[bucket]
            request = Request(deployer, action, f"arn:aws:s3:::{bucket}", {"aws:SecureTransport": True})
            assert policy_eval.evaluate(request, resource_policy=policy).outcome != "explicit-deny", action


@pytest.mark.terraform
def test_the_archive_takes_each_accounts_trail_under_its_own_prefix(landing: dict[str, Any]) -> None:
    archive = {r["address"]: r["values"] for r in landing["runs"][ARCHIVE_FOLDER]["resources"]}
    policy = archive['module.archive_storage.aws_s3_bucket_policy.this["archive"]']["policy"]
    key_arn = archive['module.archive_kms.aws_kms_key.this["archive"]']["arn"]
    bucket = f"arn:aws:s3:::agency-docs-log-archive-{ARCHIVE}"
    put = {"s3:x-amz-acl": "bucket-owner-full-control", "s3:x-amz-server-side-encryption": "aws:kms",
           "s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn, "aws:SecureTransport": True}  # fmt: skip

    def put_as(trail_account: str, prefix_account: str) -> bool:
        trail = f"arn:aws:cloudtrail:us-west-2:{trail_account}:trail/agency-docs-trail"
        obj = f"{bucket}/AWSLogs/{prefix_account}/CloudTrail/us-west-2/2026/12/05/x.json.gz"
        request = Request("cloudtrail.amazonaws.com", "s3:PutObject", obj, {**put, "aws:SourceArn": trail})
        return policy_eval.evaluate(request, resource_policy=policy).allowed

    assert put_as(MAIN, MAIN) and put_as(PROD, PROD)
    assert not put_as(PROD, "111122223333") and not put_as("111122223333", "111122223333")
    # one account's trail never writes under another's prefix (a trail's S3 key prefix is its
    # owner's to set: "AWSLogs/<main>/..." would otherwise land prod's files among main's)
    assert not put_as(PROD, MAIN) and not put_as(MAIN, PROD)


@pytest.mark.terraform
def test_each_accounts_access_logs_replicate_under_its_own_prefix(landing: dict[str, Any]) -> None:
    """Audit finding D: each account's replication role wrote replicas under any key of the shared
    server-logs bucket (versioning and Object Lock: whatever it writes stays), so prod's could add
    files among the main account's. Each account's access logs are now under its account id, its
    rule replicates that prefix, and its role writes only there: on its own policy within its
    boundary, and on the archive bucket's policy alone (the role's policies widened)."""
    archive = {r["address"]: r["values"] for r in landing["runs"][ARCHIVE_FOLDER]["resources"]}
    replicas = archive['module.archive_storage.aws_s3_bucket_policy.this["server_logs"]']["policy"]
    target = f"arn:aws:s3:::agency-docs-log-archive-s3logs-{ARCHIVE}"
    tls = {"aws:SecureTransport": True, "aws:ResourceAccount": ARCHIVE}
    broad = [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]
    for root, account, other in (("foundation", MAIN, PROD), ("foundation-prod", PROD, MAIN)):
        values = {r["address"]: r["values"] for r in landing["runs"][root]["resources"]}
        storage = "module.foundation_storage"
        rule = values[f'{storage}.aws_s3_bucket_replication_configuration.this["access_logs"]']["rule"][0]
        assert rule["filter"][0]["prefix"] == f"{account}/", root
        logs = values[f'{storage}.aws_s3_bucket.this["access_logs"]']["bucket"]
        prefixes = [
            r["values"]["target_prefix"]
            for name in ((root, "dev") if account == MAIN else (root, "prod"))
            for r in landing["runs"][name]["resources"]
            if r["type"] == "aws_s3_bucket_logging" and r["values"]["target_bucket"] == logs
        ]
        assert len(prefixes) >= 3 and all(p.startswith(f"{account}/") for p in prefixes), (root, prefixes)
        role = values[f'{storage}.aws_iam_role.replication["access_logs"]']["arn"]
        assert role == f"arn:aws:iam::{account}:role/aisec/agency-docs-access-logs-to-archive"
        inline = values[f'{storage}.aws_iam_role_policy.replication["access_logs"]']["policy"]
        boundary = values[f'{storage}.aws_iam_policy.replication_boundary["access_logs"]']["policy"]
        own_key = f"{target}/{account}/doc-classifier/x/datasets/2026-12-05-10-00-00-0123456789ABCDEF"
        for action in ("s3:ReplicateObject", "s3:ReplicateTags"):
            request = Request(role, action, own_key, tls)
            both_sides = policy_eval.evaluate_cross_account(
                request, resource_policy=replicas, identity_policies=[inline], boundary=boundary
            )
            assert both_sides.allowed, (root, action)
            for elsewhere in (
                f"{target}/{other}/doc-classifier/x/datasets/y",
                f"{target}/x",
                f"{target}/{account}",
            ):
                request = Request(role, action, elsewhere, tls)
                own = policy_eval.evaluate(request, identity_policies=[inline], boundary=boundary)
                theirs = policy_eval.evaluate_cross_account(
                    request, resource_policy=replicas, identity_policies=broad
                )
                assert not own.allowed and not theirs.allowed, (root, action, elsewhere)
        delete = Request(role, "s3:ReplicateDelete", own_key, tls)
        assert not policy_eval.evaluate_cross_account(
            delete, resource_policy=replicas, identity_policies=broad
        ).allowed, root


@pytest.mark.terraform
def test_compliance_evidence_names_resources_each_root_holds(landing: dict[str, Any]) -> None:
    """COMPLIANCE.md's ROOT/ADDRESS of each control, per account, is a resource of ROOT's applied state."""
    from generator.render.accounts_docs import landing_accounts, rooted_addresses

    applied = {name: {r["address"] for r in run["resources"]} for name, run in landing["runs"].items()}
    seen = 0
    for a in landing_accounts(landing["spec"]):
        for control, addresses in rooted_addresses(a).items():
            for rooted in addresses:
                root, address = rooted.split("/", 1)
                assert root in a.roots and address in applied[root], (a.account_id, control, rooted)
                seen += 1
    assert seen > 100


def _repository(landing: dict[str, Any], root: str) -> tuple[str, str]:
    """The ARN and applied policy of the image repository a stage root created."""
    values = {r["address"]: r["values"] for r in landing["runs"][root]["resources"]}
    repo = next(
        v
        for a, v in values.items()
        if a.endswith('aws_ecr_repository.this["agency-docs/doc-classifier/' + root + '/trainer"]')
    )
    policy = next(v["policy"] for a, v in values.items() if ".aws_ecr_repository_policy.this[" in a)
    return repo["arn"], policy


@pytest.mark.terraform
@pytest.mark.parametrize(
    ("root", "own", "other"),
    [("dev", MAIN_PUSHER, PROD_PUSHER), ("prod", PROD_PUSHER, MAIN_PUSHER)],
    ids=["dev", "prod"],
)
def test_each_accounts_repositories_take_pushes_from_its_own_pushers_only(
    landing: dict[str, Any], root: str, own: str, other: str
) -> None:
    """The applied repository policy, with pushers whose own policies allow ecr:* everywhere: the
    account's pusher pushes; the other account's listed pusher, and any other role, cannot."""
    arn, policy = _repository(landing, root)
    account = arn.split(":")[4]
    assert account == own.split(":")[4]
    everything = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}],
    }
    for action in ("ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:BatchGetImage"):
        request = Request(own, action, arn)
        assert policy_eval.evaluate(
            request, resource_policy=policy, identity_policies=[everything]
        ).allowed, action
        cross = policy_eval.evaluate_cross_account(
            Request(other, action, arn), resource_policy=policy, identity_policies=[everything]
        )
        assert not cross.allowed, (other, action, cross)
    stranger = f"arn:aws:iam::{account}:role/SomeoneElse"
    request = Request(stranger, "ecr:PutImage", arn)
    decision = policy_eval.evaluate(request, resource_policy=policy, identity_policies=[everything])
    assert decision.outcome == "explicit-deny", decision
    assert other not in policy  # the other account's pusher is not even named


@pytest.mark.terraform
def test_the_stand_in_refuses_an_assumed_account_outside_allowed_account_ids(
    landing: dict[str, Any], tmp_path: Path
) -> None:
    copy = tmp_path / "landing"
    shutil.copytree(landing["out"], copy, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "tfplan"))
    (copy / "prod" / "whoami.custom.tf").write_text(
        'data "aws_caller_identity" "me" {}\noutput "whoami" { value = data.aws_caller_identity.me.arn }\n'
    )
    work = Rehearsal.of(copy / "prod")
    work.ok("plan", "-input=false", "-out=tfplan")
    whoami = work.show_json("tfplan")["planned_values"]["outputs"]["whoami"]["value"]
    assert whoami.startswith(f"arn:aws:sts::{PROD}:assumed-role/OrganizationAccountAccessRole/"), whoami
    providers = work.work / "providers.tf"
    providers.write_text(providers.read_text().replace(f'["{PROD}"]', f'["{MAIN}"]'))
    result = work.run("plan", "-input=false", "-refresh=false")
    assert not result.ok and f"AWS account ID not allowed: {PROD}" in result.stderr + result.stdout


# --------------------------------------------------------------------------- the spec's rules
@pytest.mark.parametrize(
    ("extra", "field", "says"),
    [
        (
            PROD_ACCOUNT.replace(PROD, MAIN),
            "accounts.stages.prod.account_id",
            "another account than aws.account_id",
        ),
        (PROD_ACCOUNT.replace(PROD, ARCHIVE), "accounts.stages.prod.account_id", "log_archive.account_id"),
        (PROD_ACCOUNT.replace("layout: stages\n", ""), "accounts", "needs layout: stages"),
        (
            PROD_ACCOUNT.replace(f"iam::{PROD}:role/ProdPlatformAdmin", f"iam::{MAIN}:role/X"),
            "accounts.stages.prod.access.admin_principals[0]",
            f"a role of the stage's account {PROD}",
        ),
        (
            PROD_ACCOUNT.replace("    prod:", "    test:"),
            "accounts.stages.test",
            "no workload has the stage test",
        ),
        (PROD_ACCOUNT.replace(f'"{PROD}"', '"12345"'), "accounts.stages.prod.account_id", "12 digits"),
        (
            PROD_ACCOUNT.replace("accounts:\n", "accounts:\n  assume_role: 'x\" }\\nresource'\n"),
            "accounts.assume_role",
            "an IAM role name",
        ),
        (
            PROD_ACCOUNT.replace(STATE_KEY, STATE_KEY.replace(MAIN, PROD)),
            "accounts.state_kms_key_arn",
            f"must be a key of aws.account_id {MAIN} (the state's account), not {PROD}",
        ),
        (
            PROD_ACCOUNT.replace(STATE_KEY, STATE_KEY.replace("us-west-2", "eu-west-1")),
            "accounts.state_kms_key_arn",
            "must be a key of the state's region us-west-2, not eu-west-1",
        ),
        (
            PROD_ACCOUNT.replace(STATE_KEY, f"arn:aws:kms:us-west-2:{MAIN}:alias/agency-docs-tfstate"),
            "accounts.state_kms_key_arn",
            "a KMS key ARN",
        ),
        (PROD_ACCOUNT.replace(STATE_KEY, STATE_KEY[:-3]), "accounts.state_kms_key_arn", "a KMS key ARN"),
    ],
    ids=[
        "main-account",
        "archive-account",
        "single-layout",
        "foreign-admin",
        "no-such-stage",
        "not-12-digits",
        "hostile-role",
        "state-key-of-prod",
        "state-key-other-region",
        "state-key-alias",
        "state-key-malformed",
    ],
)
def test_bad_accounts_are_refused_naming_the_field(tmp_path: Path, extra: str, field: str, says: str) -> None:
    spec = _write_spec(tmp_path, extra)
    proc = run_aisec("check-spec", str(spec))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{spec}: {field}: " in proc.stderr and says in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_accounts_need_the_log_archive(tmp_path: Path) -> None:
    text = re.sub(r"log_archive:\n(  .*\n)+", "", _spec_text())
    spec = tmp_path / "s.yaml"
    spec.write_text(text)
    proc = run_aisec("check-spec", str(spec))
    assert proc.returncode == 2 and f"{spec}: accounts: needs log_archive" in proc.stderr, proc.stderr


def test_a_state_key_arn_only_with_the_s3_backend_and_the_key_aisec_creates(tmp_path: Path) -> None:
    s3 = "  backend: s3\n  bucket: agency-docs-tfstate-666677778888\n  key: aisec/agency-docs.tfstate\n"
    key = f"arn:aws:kms:us-west-2:{MAIN}:key/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f"
    for state, says in (
        ("  backend: local\n", "only with state.backend s3"),
        (s3 + f"  kms_key_id: {key}\n", "leave it out: state.kms_key_id names the state key by its ARN"),
    ):
        spec = _write_spec(tmp_path)
        assert s3 in spec.read_text()
        spec.write_text(spec.read_text().replace(s3, state))
        proc = run_aisec("check-spec", str(spec))
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert f"{spec}: accounts.state_kms_key_arn: {says}" in proc.stderr, proc.stderr
    # the local backend has no state key: nothing to name, and the landing renders without it
    spec.write_text(spec.read_text().replace(state, "  backend: local\n").replace(KEY_LINE, ""))
    out = tmp_path / "local"
    proc = run_aisec("render", str(spec), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'backend "s3"' not in (out / "prod" / "backend.tf").read_text()


def test_render_needs_the_state_key_arn_bootstrap_state_does_not(tmp_path: Path) -> None:
    """The workflow: aisec bootstrap-state creates the key (it needs no ARN), then the spec names the
    key's ARN, then the landing renders. Before the ARN is set, render refuses and writes nothing."""
    spec = _write_spec(tmp_path, PROD_ACCOUNT.replace(KEY_LINE, ""))
    assert run_aisec("check-spec", str(spec)).returncode == 0
    out = tmp_path / "landing"
    proc = run_aisec("render", str(spec), "-o", str(out))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{spec}: accounts.state_kms_key_arn: required" in proc.stderr, proc.stderr
    assert f"aisec bootstrap-state {spec}" in proc.stderr and "output state_kms_key" in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()
    proc = run_aisec("bootstrap-state", str(spec), "-o", str(tmp_path / "state"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r'alias += "alias/agency-docs-tfstate"', (tmp_path / "state" / "main.tf").read_text())
    assert 'output "state_kms_key"' in (tmp_path / "state" / "outputs.tf").read_text()
    assert (
        "set accounts.state_kms_key_arn in the spec to this root's state_kms_key output"
        in (tmp_path / "state" / "README.md").read_text()
    )


def test_ci_refuses_accounts_with_a_state_key_it_does_not_create(tmp_path: Path) -> None:
    """CI roles per account are built (tests/test_ci_accounts.py); their cross-account state access
    rests on the state key's policy that bootstrap-state writes: an existing key is refused."""
    (tmp_path / "specs").mkdir()
    spec = _write_spec(tmp_path / "specs")
    key = f"arn:aws:kms:us-west-2:{MAIN}:key/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f"
    spec.write_text(
        spec.read_text()
        .replace(
            "  key: aisec/agency-docs.tfstate\n", f"  key: aisec/agency-docs.tfstate\n  kms_key_id: {key}\n"
        )
        .replace(KEY_LINE, "")  # the existing key's ARN is the backend's already
    )
    core.render_spec(spec, tmp_path / "infra" / "agency-docs")
    says = "state.kms_key_id: aisec ci with accounts needs the state key that aisec bootstrap-state creates"
    proc = run_aisec("ci", "github", "specs", "--root", "infra", "--repo", "o/r", cwd=tmp_path)
    assert proc.returncode == 2 and says in proc.stderr, proc.stdout + proc.stderr
    # so does the matrix the pipelines fan out from
    proc = run_aisec("ci", "matrix", "--all", "specs", "--root", "infra", cwd=tmp_path)
    assert proc.returncode == 2 and says in proc.stderr, proc.stdout + proc.stderr
    # the single-spec form refuses it too (layout: stages)
    proc = run_aisec("ci", "github", "specs/agency-docs.yaml", "--repo", "o/r", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr


def test_ci_refuses_accounts_before_the_state_key_arn_is_set(tmp_path: Path) -> None:
    """The stage accounts' CI roles reach the state key through S3: before the spec names its ARN
    they would be granted any key of the main account, and their backends could not name it."""
    (tmp_path / "specs").mkdir()
    spec = _write_spec(tmp_path / "specs")
    core.render_spec(spec, tmp_path / "infra" / "agency-docs")  # rendered with the ARN, then removed
    spec.write_text(spec.read_text().replace(KEY_LINE, ""))
    for args in (
        ("github", "specs", "--root", "infra", "--repo", "o/r"),
        ("matrix", "--all", "specs", "--root", "infra"),
    ):
        proc = run_aisec("ci", *args, cwd=tmp_path)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "accounts.state_kms_key_arn: required" in proc.stderr and "Traceback" not in proc.stderr, (
            proc.stderr
        )
    assert not (tmp_path / ".github").exists()


def test_a_stage_in_its_own_account_keeps_its_vector_store_there(tmp_path: Path) -> None:
    """A knowledge base uses a store of its own account: prod's store must move with prod."""
    text = BLUEPRINTS["gdpr-rag-assistant"].read_text()
    archive = (
        'log_archive:\n  account_id: "999900001111"\n  break_glass: ["arn:aws:iam::999900001111:role/BG"]\n'
    )
    own = PROD_ACCOUNT.replace("ProdPlatformAdmin", "Admin").replace(KEY_LINE, "")  # a local backend
    spec = tmp_path / "rag.yaml"
    spec.write_text(text.rstrip("\n") + "\n" + archive + own)
    proc = run_aisec("check-spec", str(spec))
    field = "workloads[0].bedrock.vector_stores.prod.opensearch_serverless"
    assert (
        proc.returncode == 2 and f"{spec}: {field}: must be in the stage's account {PROD}" in proc.stderr
    ), proc.stderr
    assert "vector_stores.dev" not in proc.stderr  # dev stays in the landing's account
    spec.write_text(
        spec.read_text().replace("333344445555:collection/supportragprd01", f"{PROD}:collection/p01")
    )
    proc = run_aisec("check-spec", str(spec))
    assert proc.returncode == 0, proc.stderr


def test_the_foundation_guards_know_each_accounts_foundation(tmp_path: Path) -> None:
    """AISEC-CHG-041: prod's root must not change what foundation-prod owns (its access-log bucket is
    named after prod's account); a foundation-prod root is a foundation, not a stage."""
    from generator.run import stageguard

    out = tmp_path / "landing"
    core.render_spec(_write_spec(tmp_path), out)
    own = f"agency-docs-access-logs-{PROD}"
    assert own in stageguard.foundation_names(out)
    plan = {
        "resource_changes": [
            {
                "address": "aws_s3_bucket_policy.sneaky",
                "type": "aws_s3_bucket_policy",
                "mode": "managed",
                "change": {"actions": ["create"], "after": {"bucket": own}},
            }
        ]
    }
    findings = stageguard.stage_findings(out / "prod", plan, out / "prod")
    assert [f.rule for f in findings] == ["AISEC-CHG-041"], findings
    assert stageguard.stage_findings(out / "foundation-prod", plan, out / "foundation-prod") == []


def test_cost_counts_each_accounts_foundation(tmp_path: Path) -> None:
    with_accounts = core.cost(_write_spec(tmp_path))
    (tmp_path / "one").mkdir()
    one = core.cost(_write_spec(tmp_path / "one", "layout: stages\n"))
    assert set(with_accounts["accounts"]) == {"foundation", "foundation-prod"}
    assert sum(with_accounts["accounts"].values()) == pytest.approx(with_accounts["total_monthly"])
    # a second trail, endpoints, Macie and detective controls: the shared part grows by about one foundation
    assert with_accounts["shared_monthly"] > 1.5 * one["shared_monthly"]
    assert any(line["item"].startswith("foundation-prod: ") for line in with_accounts["lines"])
    # the stages' own resources are the same, split over the accounts
    assert with_accounts["workloads_monthly"] == pytest.approx(one["workloads_monthly"], rel=0.05)


def test_migrate_refuses_to_move_state_into_another_account(tmp_path: Path) -> None:
    """aisec migrate moves a single landing's state within its account; a spec naming accounts is
    refused before anything is read (the old objects live in aws.account_id)."""
    single = tmp_path / "single.yaml"
    single.write_text(_spec_text(extra=""))
    out = tmp_path / "landing"
    assert run_aisec("render", str(single), "-o", str(out)).returncode == 0
    proc = run_aisec("migrate", str(out), "--spec", str(_write_spec(tmp_path)), "--dry-run")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "accounts: migrate moves state within one account" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
