"""SECURITY-BAR.md rules that can be read from the rendered HCL (module calls and module code).

Rules that need computed values (the policy JSON as AWS would see it, resource counts) are
checked on offline plans once the offline verification test bed exists; see the README.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import hcl2
import pytest

from generator.catalog import data_dir
from generator.policy import MONITORING, decide
from generator.spec import Sensitivity, load_spec
from tests.conftest import BLUEPRINTS

MODULES = data_dir("modules")


def _unwrap(body: dict[str, Any]) -> dict[str, Any]:
    """python-hcl2 wraps each attribute value and nested block in a one-element list; drop that."""
    return {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in body.items()}


def module_calls(folder: Path) -> dict[str, dict[str, Any]]:
    calls: dict[str, dict[str, Any]] = {}
    for tf in sorted(folder.glob("*.tf")):
        for block in hcl2.loads(tf.read_text()).get("module", []):
            for name, body in block.items():
                calls[name] = _unwrap(body)
    return calls


def module_source(name: str) -> dict[str, Any]:
    return hcl2.loads((MODULES / name / "main.tf").read_text())


def resources(name: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for block in module_source(name).get("resource", []):
        for rtype, named in block.items():
            for rname, body in named.items():
                out[f"{rtype}.{rname}"] = _unwrap(body)
    return out


@pytest.fixture(scope="module")
def calls(rendered: dict[str, Path]) -> dict[str, dict[str, dict[str, Any]]]:
    return {name: module_calls(folder) for name, folder in rendered.items()}


def kms_calls(c: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {n: b for n, b in c.items() if b["source"] == "./modules/kms"}


# ------------------------------------------------------------------ keys (1-7)
def test_kms_module_rotates_and_never_bypasses_lockout() -> None:
    key = resources("kms")["aws_kms_key.this"]
    assert key["enable_key_rotation"] is True
    assert key["bypass_policy_lockout_safety_check"] is False
    assert key["policy"].startswith(
        "${try(data.aws_iam_policy_document.perimeter["
    )  # one explicit policy (3)
    assert "aws_kms_key_policy" not in str(module_source("kms").get("resource"))


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_key_settings(name: str, calls: dict[str, dict[str, dict[str, Any]]]) -> None:
    keys = {f"{m}.{k}": v for m, b in kms_calls(calls[name]).items() for k, v in b["keys"].items()}
    assert keys
    for where, key in keys.items():
        assert 90 <= key["rotation_period_in_days"] <= 365, where  # 1
        expected = 30 if ("_prod_" in where or where.startswith("foundation_")) else 14
        assert key["deletion_window_in_days"] == expected, where  # 2
        assert key["administrators"], where
        for use in key.get("service_users", []):  # 6: every service principal is conditioned
            variables = {c["variable"] for c in use["conditions"]}
            assert variables & {
                "kms:ViaService",
                "kms:CallerAccount",
                "aws:SourceArn",
                "aws:SourceAccount",
            } or any(v.startswith("kms:EncryptionContext:") for v in variables), where


def test_key_policy_roles_are_split() -> None:
    text = (MODULES / "kms" / "main.tf").read_text()
    admin = re.search(r"administrator_actions = \[(.*?)\]", text, re.S)
    user = re.search(r"user_actions = \[(.*?)\]", text, re.S)
    assert admin and user
    admin_actions = re.findall(r'"(kms:\w+)"', admin.group(1))
    user_actions = re.findall(r'"(kms:\w+)"', user.group(1))
    assert not [
        a for a in admin_actions if re.match(r"kms:(Encrypt|Decrypt|GenerateDataKey|ReEncrypt)", a)
    ]  # 5
    assert not [a for a in user_actions if re.match(r"kms:(Put|ScheduleKeyDeletion|Disable|Delete)", a)]  # 5
    assert '"kms:*"' not in admin.group(1) + user.group(1)  # 4: kms:* only for the account root


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_buckets_use_their_own_stage_key(name: str, calls: dict[str, dict[str, dict[str, Any]]]) -> None:
    for mod, body in calls[name].items():
        if body["source"] != "./modules/storage":
            continue
        for domain, bucket in body["buckets"].items():
            if bucket.get("access_log_target"):
                continue  # S3 log delivery supports only SSE-S3 on its target bucket
            key = bucket["kms_key_arn"]
            if mod.startswith("foundation_"):
                assert key == '${module.foundation_kms.key_arns["audit"]}'
            else:
                stage = mod.removesuffix("_storage")
                assert key == f'${{module.{stage}_kms.key_arns["{domain}"]}}', (mod, domain)  # 7


# ------------------------------------------------------------------ storage and logs (8-11)
def test_storage_module_controls() -> None:
    res = resources("storage")
    pab = res["aws_s3_bucket_public_access_block.this"]
    assert all(
        pab[f] is True
        for f in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    assert _unwrap(res["aws_s3_bucket_versioning.this"]["versioning_configuration"])["status"] == "Enabled"
    sse = _unwrap(res["aws_s3_bucket_server_side_encryption_configuration.this"]["rule"])
    assert "each.value.kms_key_arn" in sse["bucket_key_enabled"]
    assert "aws_s3_bucket_logging.this" in res
    text = (MODULES / "storage" / "main.tf").read_text()
    assert '"DenyInsecureTransport"' in text and '"aws:SecureTransport"' in text


def test_trail_settings() -> None:
    trail = resources("audit")["aws_cloudtrail.this"]
    assert trail["is_multi_region_trail"] is True
    assert trail["enable_log_file_validation"] is True
    assert trail["include_global_service_events"] is True
    assert trail["kms_key_id"] == "${var.trail.kms_key_arn}"
    assert "aws_cloudwatch_log_group.trail" in trail["cloud_watch_logs_group_arn"]


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_data_events_log_groups_and_jobs_cover_every_stage(
    name: str, calls: dict[str, dict[str, dict[str, Any]]]
) -> None:
    spec = load_spec(BLUEPRINTS[name])
    controls = decide(spec)
    audit = calls[name]["audit"]
    for stage in controls.stages:
        group = audit["log_groups"][stage.ident]
        assert group["retention_in_days"] >= 365 and group["kms_key_arn"], stage.ident  # 10
        if spec.creates_foundation:  # 9
            for domain in ("datasets", "artifacts"):
                assert (
                    f'${{module.{stage.ident}_storage.bucket_arns["{domain}"]}}'
                    in audit["trail"]["data_event_bucket_arns"]
                )
    jobs = calls[name]["macie"]["jobs"]
    for wl in controls.workloads:  # 13
        sensitive = wl.workload.data.sensitivity.rank >= Sensitivity.CONFIDENTIAL.rank
        for stage in wl.stages:
            job = jobs.get(f"{wl.workload.name}-{stage.stage.value}")
            assert (job is not None) == sensitive, stage.ident
            if job:
                assert len(job["bucket_names"]) == 2


def test_alarms_and_macie_settings() -> None:
    # 11 (and 31: every CIS v3 item, tested on sample events and on the plans in test_monitoring.py)
    assert {
        "unauthorized-api-calls",
        "root-account-usage",
        "iam-policy-changes",
        "kms-key-disable-or-deletion",
        "cloudtrail-changes",
    } <= {f.key for f in MONITORING}
    assert "local.topic_arn" in resources("audit")["aws_cloudwatch_metric_alarm.this"]["alarm_actions"]
    assert resources("audit")["aws_sns_topic.alerts"]["kms_master_key_id"] == "${var.alerts.kms_key_arn}"
    macie = resources("macie")
    assert macie["aws_macie2_account.this"]["status"] == "ENABLED"  # 12
    assert "FIFTEEN_MINUTES" in (MODULES / "macie" / "variables.tf").read_text()
    assert macie["aws_macie2_classification_job.this"]["job_type"] == "SCHEDULED"  # 13
    assert "aws_macie2_account.this" in str(macie["aws_macie2_classification_job.this"]["depends_on"])
    assert _unwrap(macie["aws_macie2_classification_export_configuration.this"]["s3_destination"])[
        "kms_key_arn"
    ]


# ------------------------------------------------------------------ PrivateLink (14-15)
def test_endpoints() -> None:
    res = resources("privatelink")
    ep = res["aws_vpc_endpoint.interface"]
    assert ep["private_dns_enabled"] is True and ep["policy"] and ep["vpc_endpoint_type"] == "Interface"
    assert (
        res["aws_vpc_endpoint.s3"]["vpc_endpoint_type"] == "Gateway" and res["aws_vpc_endpoint.s3"]["policy"]
    )
    rule = res["aws_vpc_security_group_ingress_rule.https_from_vpc"]
    assert (rule["from_port"], rule["to_port"], rule["ip_protocol"]) == (443, 443, "tcp")
    assert rule["cidr_ipv4"] == "${var.vpc_cidr}" and rule["description"]
    assert (
        "aws_vpc_security_group_egress_rule" not in str(res)
        and "0.0.0.0/0" not in (MODULES / "privatelink" / "main.tf").read_text()
    )


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_endpoint_arguments(name: str, calls: dict[str, dict[str, dict[str, Any]]]) -> None:
    pl = calls[name].get("privatelink")
    if pl is None:
        assert not load_spec(BLUEPRINTS[name]).creates_foundation
        return
    assert len(pl["subnet_ids"]) >= 2
    services = pl["interface_services"]
    assert len(services) == len(set(services)) and {"kms", "sts", "logs"} <= set(services)


# ------------------------------------------------------------------ identity (17-20)
def test_iam_module_grants_no_wildcard_actions() -> None:
    text = (MODULES / "iam" / "main.tf").read_text()
    actions = re.findall(r'"([a-z0-9-]+:[A-Za-z*]+)"', text)
    assert actions
    assert not [a for a in actions if a.endswith(":*") or a == "*"]  # 17
    star_statements = re.findall(
        r'sid\s*=\s*"(\w+)"\s*\n\s*actions\s*=\s*\[([^\]]*)\]\s*\n\s*resources\s*=\s*\["\*"\]', text
    )
    assert star_statements and all(
        acts.strip() == '"ecr:GetAuthorizationToken"' for _, acts in star_statements
    )
    role = resources("iam")["aws_iam_role.this"]
    assert role["permissions_boundary"] == "${aws_iam_policy.boundary[0].arn}"  # 18
    # Who may assume people's roles is checked on the applied trust policies (test_data_perimeter).
    assert '"aws:MultiFactorAuthPresent"' in text


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_stage_isolation(name: str, calls: dict[str, dict[str, dict[str, Any]]]) -> None:
    spec = load_spec(BLUEPRINTS[name])
    for mod, body in calls[name].items():
        if body["source"] != "./modules/iam":
            continue
        stage = body["name_prefix"].rsplit("-", 1)[1]
        text = str({k: v for k, v in body.items() if k != "source"})
        for other in {"dev", "test", "prod"} - {stage}:  # 19
            assert f"-{other}-" not in text and f"_{other}_" not in text, (mod, other)
        assert body["human_access"] == spec.access.human_access.value


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_no_users_keys_or_admin_policies(name: str, rendered: dict[str, Path]) -> None:
    for tf in rendered[name].rglob("*.tf"):
        text = tf.read_text()
        for forbidden in ('"aws_iam_user"', '"aws_iam_access_key"', "AdministratorAccess"):  # 20
            assert forbidden not in text, (tf, forbidden)
