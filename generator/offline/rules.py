"""What the schema source lacks, per resource type: defaults, ForceNew (requires replace),
sensitive attributes, and how the real provider forms ids and ARNs.

The cdktf-generated schema carries names, types and optional/required/computed flags only.
Every type the catalog modules use is listed here; other types get generic behaviour
(placeholder ids and ARNs, no defaults, in-place updates).

Templates are ``str.format`` strings over: ``partition``, ``region``, ``account``,
``dns_suffix``, the resource's own configured attributes by name, and generated tokens
``uuid``, ``hex8``, ``hex17``, ``hex32`` and ``digits`` (deterministic per resource).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class TypeRules:
    defaults: Mapping[str, Any] = field(default_factory=dict)
    force_new: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()
    computed: Mapping[str, str] = field(default_factory=dict)  # attribute -> template


_REGIONAL = "arn:{partition}:{service}:{region}:{account}:"

RULES: Mapping[str, TypeRules] = MappingProxyType({
    "aws_kms_key": TypeRules(
        defaults={"key_usage": "ENCRYPT_DECRYPT", "customer_master_key_spec": "SYMMETRIC_DEFAULT",
                  "is_enabled": True, "enable_key_rotation": False, "bypass_policy_lockout_safety_check": False},
        force_new=("key_usage", "customer_master_key_spec", "multi_region", "custom_key_store_id", "xks_key_id"),
        computed={"key_id": "{uuid}", "id": "{uuid}", "arn": "arn:{partition}:kms:{region}:{account}:key/{uuid}",
                  "multi_region": "false", "rotation_period_in_days": "365"},
    ),
    "aws_kms_alias": TypeRules(
        force_new=("name", "name_prefix"),
        computed={"id": "{name}", "arn": "arn:{partition}:kms:{region}:{account}:{name}",
                  "target_key_arn": "arn:{partition}:kms:{region}:{account}:key/{target_key_id}"},
    ),
    "aws_s3_bucket": TypeRules(
        defaults={"force_destroy": False},
        force_new=("bucket", "bucket_prefix", "object_lock_enabled"),
        computed={"id": "{bucket}", "arn": "arn:{partition}:s3:::{bucket}",
                  "bucket_domain_name": "{bucket}.s3.{dns_suffix}",
                  "bucket_regional_domain_name": "{bucket}.s3.{region}.{dns_suffix}",
                  "hosted_zone_id": "Z3AQBSTGFYJSTF", "object_lock_enabled": "false",
                  "bucket_region": "{region}", "acceleration_status": "", "request_payer": "BucketOwner"},
    ),
    "aws_s3_bucket_ownership_controls": TypeRules(force_new=("bucket",), computed={"id": "{bucket}"}),
    "aws_s3_bucket_public_access_block": TypeRules(
        defaults={"block_public_acls": False, "block_public_policy": False, "ignore_public_acls": False,
                  "restrict_public_buckets": False, "skip_destroy": False},
        force_new=("bucket",), computed={"id": "{bucket}"},
    ),
    "aws_s3_bucket_versioning": TypeRules(force_new=("bucket", "expected_bucket_owner"), computed={"id": "{bucket}"}),
    "aws_s3_bucket_server_side_encryption_configuration": TypeRules(
        force_new=("bucket", "expected_bucket_owner"), computed={"id": "{bucket}"},
    ),
    "aws_s3_bucket_logging": TypeRules(force_new=("bucket", "expected_bucket_owner"), computed={"id": "{bucket}"}),
    "aws_s3_bucket_lifecycle_configuration": TypeRules(
        force_new=("bucket", "expected_bucket_owner"), computed={"id": "{bucket}"},
    ),
    "aws_s3_bucket_policy": TypeRules(force_new=("bucket",), computed={"id": "{bucket}"}),
    "aws_iam_role": TypeRules(
        defaults={"path": "/", "max_session_duration": 3600, "force_detach_policies": False},
        force_new=("name", "name_prefix", "path"),
        computed={"id": "{name}", "arn": "arn:{partition}:iam::{account}:role{path}{name}",
                  "unique_id": "AROA{hex17}", "create_date": "2026-01-01T00:00:00Z"},
    ),
    "aws_iam_policy": TypeRules(
        defaults={"path": "/"},
        force_new=("name", "name_prefix", "path", "description"),
        computed={"arn": "arn:{partition}:iam::{account}:policy{path}{name}",
                  "id": "arn:{partition}:iam::{account}:policy{path}{name}",
                  "policy_id": "ANPA{hex17}", "attachment_count": "0"},
    ),
    "aws_iam_role_policy": TypeRules(force_new=("name", "name_prefix", "role"), computed={"id": "{role}:{name}"}),
    "aws_iam_role_policy_attachment": TypeRules(force_new=("role", "policy_arn"), computed={"id": "{role}-{digits}"}),
    "aws_security_group": TypeRules(
        defaults={"description": "Managed by Terraform", "revoke_rules_on_delete": False},
        force_new=("name", "name_prefix", "vpc_id", "description"),
        computed={"id": "sg-{hex17}", "arn": "arn:{partition}:ec2:{region}:{account}:security-group/sg-{hex17}",
                  "owner_id": "{account}"},
    ),
    "aws_vpc_security_group_ingress_rule": TypeRules(
        force_new=("security_group_id",),
        computed={"id": "sgr-{hex17}", "security_group_rule_id": "sgr-{hex17}",
                  "arn": "arn:{partition}:ec2:{region}:{account}:security-group-rule/sgr-{hex17}"},
    ),
    "aws_vpc_security_group_egress_rule": TypeRules(
        force_new=("security_group_id",),
        computed={"id": "sgr-{hex17}", "security_group_rule_id": "sgr-{hex17}",
                  "arn": "arn:{partition}:ec2:{region}:{account}:security-group-rule/sgr-{hex17}"},
    ),
    "aws_vpc_endpoint": TypeRules(
        defaults={"vpc_endpoint_type": "Gateway", "auto_accept": False},
        force_new=("vpc_id", "service_name", "vpc_endpoint_type"),
        computed={"id": "vpce-{hex17}", "arn": "arn:{partition}:ec2:{region}:{account}:vpc-endpoint/vpce-{hex17}",
                  "owner_id": "{account}", "state": "available", "requester_managed": "false"},
    ),
    "aws_sns_topic": TypeRules(
        defaults={"fifo_topic": False, "content_based_deduplication": False},
        force_new=("name", "name_prefix", "fifo_topic"),
        computed={"id": "arn:{partition}:sns:{region}:{account}:{name}",
                  "arn": "arn:{partition}:sns:{region}:{account}:{name}", "owner": "{account}"},
    ),
    "aws_sns_topic_policy": TypeRules(force_new=("arn",), computed={"id": "{arn}", "owner": "{account}"}),
    "aws_sns_topic_subscription": TypeRules(
        defaults={"raw_message_delivery": False, "endpoint_auto_confirms": False,
                  "confirmation_timeout_in_minutes": 1},
        force_new=("topic_arn", "protocol", "endpoint"),
        computed={"id": "{topic_arn}:{uuid}", "arn": "{topic_arn}:{uuid}", "owner_id": "{account}",
                  "confirmation_was_authenticated": "false", "pending_confirmation": "true"},
    ),
    "aws_cloudwatch_log_group": TypeRules(
        defaults={"retention_in_days": 0, "skip_destroy": False},
        force_new=("name", "name_prefix", "log_group_class"),
        computed={"id": "{name}", "arn": "arn:{partition}:logs:{region}:{account}:log-group:{name}",
                  "log_group_class": "STANDARD"},
    ),
    "aws_cloudtrail": TypeRules(
        defaults={"enable_logging": True, "include_global_service_events": True, "is_multi_region_trail": False,
                  "is_organization_trail": False, "enable_log_file_validation": False},
        force_new=("name",),
        computed={"id": "arn:{partition}:cloudtrail:{region}:{account}:trail/{name}",
                  "arn": "arn:{partition}:cloudtrail:{region}:{account}:trail/{name}", "home_region": "{region}"},
    ),
    "aws_cloudwatch_log_metric_filter": TypeRules(force_new=("name", "log_group_name"), computed={"id": "{name}"}),
    "aws_cloudwatch_metric_alarm": TypeRules(
        defaults={"actions_enabled": True, "treat_missing_data": "missing"},
        force_new=("alarm_name",),
        computed={"id": "{alarm_name}", "arn": "arn:{partition}:cloudwatch:{region}:{account}:alarm:{alarm_name}",
                  "evaluate_low_sample_count_percentiles": ""},
    ),
    "aws_macie2_account": TypeRules(
        computed={"id": "{account}", "finding_publishing_frequency": "FIFTEEN_MINUTES", "status": "ENABLED",
                  "service_role": "arn:{partition}:iam::{account}:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie",
                  "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"},
    ),
    "aws_macie2_classification_export_configuration": TypeRules(computed={"id": "{region}"}),
    "aws_macie2_classification_job": TypeRules(
        force_new=("job_type", "s3_job_definition", "schedule_frequency", "name", "name_prefix", "initial_run",
                   "sampling_percentage", "custom_data_identifier_ids", "description"),
        computed={"id": "{hex32}", "job_id": "{hex32}",
                  "job_arn": "arn:{partition}:macie2:{region}:{account}:classification-job/{hex32}",
                  "job_status": "RUNNING", "created_at": "2026-01-01T00:00:00Z"},
    ),
    # Macie has no update for custom data identifiers: every argument replaces the identifier.
    "aws_macie2_custom_data_identifier": TypeRules(
        force_new=("name", "name_prefix", "description", "regex", "keywords", "ignore_words",
                   "maximum_match_distance"),
        computed={"id": "{hex32}", "arn": "arn:{partition}:macie2:{region}:{account}:custom-data-identifier/{hex32}",
                  "created_at": "2026-01-01T00:00:00Z", "maximum_match_distance": "50"},
    ),
    "aws_macie2_findings_filter": TypeRules(
        force_new=("name", "name_prefix"),
        computed={"id": "{hex32}", "arn": "arn:{partition}:macie2:{region}:{account}:findings-filter/{hex32}",
                  "position": "1"},
    ),
    "aws_cloudwatch_event_rule": TypeRules(
        defaults={"event_bus_name": "default", "state": "ENABLED"},
        force_new=("name", "name_prefix", "event_bus_name"),
        computed={"id": "{name}", "arn": "arn:{partition}:events:{region}:{account}:rule/{name}"},
    ),
    "aws_cloudwatch_event_target": TypeRules(
        defaults={"event_bus_name": "default"},
        force_new=("rule", "target_id", "event_bus_name"),
        computed={"id": "{rule}-{target_id}"},
    ),
    # The real provider defaults direct internet and root access to Enabled: a module that forgets
    # them shows Enabled in the plan, as AWS would.
    "aws_sagemaker_notebook_instance": TypeRules(
        defaults={"direct_internet_access": "Enabled", "root_access": "Enabled", "volume_size": 5},
        force_new=("name", "instance_type", "role_arn", "kms_key_id", "subnet_id", "security_groups",
                   "direct_internet_access", "platform_identifier"),
        computed={"id": "{name}", "arn": "arn:{partition}:sagemaker:{region}:{account}:notebook-instance/{name}",
                  "url": "{name}.notebook.{region}.sagemaker.aws", "network_interface_id": "eni-{hex17}"},
    ),
    "aws_ecr_repository": TypeRules(
        defaults={"image_tag_mutability": "MUTABLE", "force_delete": False},
        force_new=("name", "encryption_configuration"),
        computed={"id": "{name}", "arn": "arn:{partition}:ecr:{region}:{account}:repository/{name}",
                  "registry_id": "{account}",
                  "repository_url": "{account}.dkr.ecr.{region}.{dns_suffix}/{name}"},
    ),
    "aws_ecr_repository_policy": TypeRules(force_new=("repository",), computed={"id": "{repository}", "registry_id": "{account}"}),
    "aws_ecr_lifecycle_policy": TypeRules(force_new=("repository",), computed={"id": "{repository}", "registry_id": "{account}"}),
    # Guardrail ids are lowercase letters and digits; the ARN has no version (requests add :VERSION).
    "aws_bedrock_guardrail": TypeRules(
        computed={"guardrail_id": "{hex17}", "id": "{hex17},DRAFT", "version": "DRAFT", "status": "READY",
                  "guardrail_arn": "arn:{partition}:bedrock:{region}:{account}:guardrail/{hex17}"},
    ),
})  # fmt: skip

# Sensitive attributes of common types beyond the catalog's, so plans and state mark them and an
# output of one without `sensitive = true` fails as with the real provider ("Output refers to
# sensitive values"). The schema source carries no sensitive flags: these are the provider's
# `Sensitive: true` arguments, from its documentation. Dotted names reach into nested blocks.
SENSITIVE: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "aws_iam_access_key": ("secret", "ses_smtp_password_v4", "encrypted_secret"),
    "aws_db_instance": ("password",),
    "aws_rds_cluster": ("master_password",),
    "aws_docdb_cluster": ("master_password",),
    "aws_redshift_cluster": ("master_password",),
    "aws_redshiftserverless_namespace": ("admin_user_password", "admin_username"),
    "aws_elasticache_replication_group": ("auth_token",),
    "aws_elasticache_user": ("passwords",),
    "aws_memorydb_user": ("authentication_mode.passwords",),
    "aws_mq_broker": ("user.password",),
    "aws_dms_endpoint": ("password",),
    "aws_opensearch_domain": ("advanced_security_options.master_user_options.master_user_password",),
    "aws_elasticsearch_domain": ("advanced_security_options.master_user_options.master_user_password",),
    "aws_directory_service_directory": ("password",),
    "aws_secretsmanager_secret_version": ("secret_string", "secret_binary"),
    "aws_ssm_parameter": ("value",),
    "aws_iam_user_login_profile": ("password", "encrypted_password"),
    "aws_iam_service_specific_credential": ("service_password",),
    "aws_cognito_user_pool_client": ("client_secret",),
    "aws_appsync_api_key": ("key",),
    "aws_api_gateway_api_key": ("value",),
    "aws_iot_certificate": ("private_key",),
    "aws_lightsail_key_pair": ("private_key",),
    "aws_acm_certificate": ("private_key",),
    "aws_iam_server_certificate": ("private_key",),
    "aws_kms_ciphertext": ("plaintext",),
    "aws_amplify_app": ("access_token", "basic_auth_credentials", "oauth_token"),
    "aws_codebuild_source_credential": ("token",),
    "aws_glue_connection": ("connection_properties",),
    "aws_transfer_server": ("host_key",),
})  # fmt: skip

# The same for data sources.
DATA_SENSITIVE: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "aws_secretsmanager_secret_version": ("secret_string", "secret_binary"),
    "aws_secretsmanager_random_password": ("random_password",),
    "aws_ssm_parameter": ("value",),
    "aws_kms_secrets": ("plaintext",),
    "aws_ecr_authorization_token": ("authorization_token", "password"),
    "aws_cognito_user_pool_client": ("client_secret",),
})  # fmt: skip


def mark_sensitive(schemas: dict[str, Any], names: Mapping[str, Collection[str]]) -> None:
    """Set ``sensitive`` on the named attributes (dotted through nested blocks) of ``schemas``."""
    for type_name, attrs in names.items():
        for dotted in attrs:
            block = schemas.get(type_name, {}).get("block", {})
            *blocks, name = dotted.split(".")
            for step in blocks:
                block = block.get("block_types", {}).get(step, {}).get("block", {})
            if name in block.get("attributes", {}):
                block["attributes"][name]["sensitive"] = True


# The IAM-style service name in generic ARNs, where it differs from the type's second word.
SERVICE_OF_PREFIX: Mapping[str, str] = MappingProxyType({
    "cloudwatch": "logs", "vpc": "ec2", "subnet": "ec2", "security": "ec2", "instance": "ec2",
    "lb": "elasticloadbalancing", "alb": "elasticloadbalancing", "db": "rds", "sagemaker": "sagemaker",
    "bedrock": "bedrock", "bedrockagent": "bedrock", "lambda": "lambda", "ecr": "ecr",
})  # fmt: skip


def rules_for(type_name: str) -> TypeRules:
    return RULES.get(type_name) or TypeRules(sensitive=SENSITIVE.get(type_name, ()))
