"""Identity, policies, keys, buckets and tags: ``aws_iam_policy`` (the real document of a few AWS
managed policies), ``aws_iam_role``, ``aws_iam_session_context``, ``aws_arn``, ``aws_kms_key``,
``aws_s3_bucket`` and ``aws_default_tags``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from generator.offline import functions
from generator.offline.datasources.reader import (
    Reader,
    stable_hash,
)

# A placeholder for policies whose content is not known offline: valid JSON and IAM grammar,
# one statement, grants nothing (no action is outside NotAction "*").
UNKNOWN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "OfflineRehearsalUnknownContent", "Effect": "Allow", "NotAction": "*", "Resource": "*"}
    ],
}

# AWS managed policies whose documents are small and stable, as AWS publishes them.
MANAGED_POLICIES: Mapping[str, tuple[str, dict[str, Any]]] = {
    "AdministratorAccess": ("/", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    "AmazonS3ReadOnlyAccess": ("/", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*",
                                       "s3-object-lambda:List*"], "Resource": "*"}]}),
    "AmazonS3FullAccess": ("/", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"}]}),
    "AWSLambdaBasicExecutionRole": ("/service-role/", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"}]}),
}  # fmt: skip


class IdentityReaders(Reader):
    def _aws_default_tags(self, cfg: dict[str, Any]) -> None:
        cfg.update(id=self.ctx["partition"], tags=dict(self.default_tags))

    def _aws_iam_policy(self, cfg: dict[str, Any]) -> None:
        c = self.ctx
        arn = cfg.get("arn")
        if arn:
            parts = functions.arn_parse(arn) if arn.startswith("arn:") else None
            resource = parts["resource"] if parts else arn
            name = resource.rsplit("/", 1)[-1]
            path = (
                resource[len("policy") : len(resource) - len(name)] if resource.startswith("policy/") else "/"
            )
            owner = parts["account_id"] if parts else c["account"]
        else:
            name = cfg.get("name") or "policy"
            managed = MANAGED_POLICIES.get(name)
            owner = "aws" if managed else c["account"]
            path = managed[0] if managed else (cfg.get("path_prefix") or "/")
            arn = f"arn:{c['partition']}:iam::{owner}:policy{path}{name}"
        document = (
            MANAGED_POLICIES[name][1] if owner == "aws" and name in MANAGED_POLICIES else UNKNOWN_POLICY
        )
        cfg.update(
            arn=arn, id=arn, name=name, path=path,
            policy=json.dumps(document, indent=2),
            policy_id="ANPA" + stable_hash(arn)[:17].upper(),
            attachment_count=1, description=cfg.get("description") or "",
            tags=cfg.get("tags") or {},
        )  # fmt: skip

    def _aws_iam_role(self, cfg: dict[str, Any]) -> None:
        c = self.ctx
        name = cfg.get("name") or "role"
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:{c['partition']}:iam::{c['account']}:root"},
            "Action": "sts:AssumeRole"}]}  # fmt: skip
        cfg.update(
            id=name, arn=f"arn:{c['partition']}:iam::{c['account']}:role/{name}", path="/",
            assume_role_policy=json.dumps(trust), unique_id="AROA" + stable_hash("role", name)[:17].upper(),
            create_date="2026-01-01T00:00:00Z", max_session_duration=3600, description="",
            permissions_boundary="", role_last_used=[{"last_used_date": "", "region": ""}],
            tags=cfg.get("tags") or {},
        )  # fmt: skip

    def _aws_iam_session_context(self, cfg: dict[str, Any]) -> None:
        arn = cfg.get("arn") or ""
        issuer, name, session = arn, arn.rsplit("/", 1)[-1], ""
        try:
            parts = functions.arn_parse(arn)
        except functions.FunctionError:
            parts = None
        if parts and parts["service"] == "sts" and parts["resource"].startswith("assumed-role/"):
            pieces = parts["resource"].split("/")
            name, session = pieces[1], pieces[-1]
            issuer = f"arn:{parts['partition']}:iam::{parts['account_id']}:role/{name}"
        cfg.update(id=arn, issuer_arn=issuer, issuer_name=name, session_name=session,
                   issuer_id="AROA" + stable_hash("role", name)[:17].upper())  # fmt: skip

    def _aws_arn(self, cfg: dict[str, Any]) -> None:
        parts = functions.arn_parse(cfg.get("arn") or "")  # the caller turns an error into a diagnostic
        cfg.update(id=cfg["arn"], account=parts["account_id"],
                   **{k: parts[k] for k in ("partition", "service", "region", "resource")})  # fmt: skip

    def _aws_kms_key(self, cfg: dict[str, Any]) -> None:
        c = self.ctx
        given = str(cfg.get("key_id") or "")
        key = given.rsplit("/", 1)[-1] if given.startswith("arn:") and ":key/" in given else None
        if key is None:
            h = stable_hash("kms", given)
            key = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"
        aws_managed = "alias/aws/" in given
        cfg.update(
            id=key, arn=f"arn:{c['partition']}:kms:{c['region']}:{c['account']}:key/{key}",
            aws_account_id=c["account"], enabled=True, key_state="Enabled", key_usage="ENCRYPT_DECRYPT",
            key_spec="SYMMETRIC_DEFAULT", customer_master_key_spec="SYMMETRIC_DEFAULT", origin="AWS_KMS",
            key_manager="AWS" if aws_managed else "CUSTOMER", multi_region=False,
            creation_date="2026-01-01T00:00:00Z", description="",
        )  # fmt: skip

    def _aws_s3_bucket(self, cfg: dict[str, Any]) -> None:
        c = self.ctx
        b = cfg.get("bucket") or ""
        cfg.update(
            id=b, arn=f"arn:{c['partition']}:s3:::{b}", bucket_domain_name=f"{b}.s3.{c['dns_suffix']}",
            bucket_regional_domain_name=f"{b}.s3.{c['region']}.{c['dns_suffix']}",
            bucket_region=c["region"], region=cfg.get("region") or c["region"], hosted_zone_id="Z3AQBSTGFYJSTF",
        )  # fmt: skip
