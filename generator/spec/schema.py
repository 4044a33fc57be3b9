"""The spec as data: plain values, YAML and the JSON Schema (`aisec schema`)."""

from __future__ import annotations

from typing import Any

import yaml

from generator.spec.load import _DUMPER
from generator.spec.model import Spec


def spec_to_data(spec: Spec) -> dict[str, Any]:
    """The spec as plain data, with aliases, as it is recorded in `.aisec/spec.yaml`."""
    data: dict[str, Any] = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    if data.get("layout") == "single":  # the default layout: the copies of older renders stay as they were
        del data["layout"]
    return data


def dump_spec(spec: Spec) -> str:
    return yaml.dump(
        spec_to_data(spec), Dumper=_DUMPER, sort_keys=False, default_flow_style=False, allow_unicode=True
    )


def json_schema() -> dict[str, Any]:
    schema: dict[str, Any] = Spec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://aisec.dev/schemas/aisec-v1.json"
    schema["title"] = "aisec spec (apiVersion aisec/v1)"
    # read by load_spec_file before validation (never a field of Spec): the shared defaults
    schema["properties"] = {
        "imports": {
            "title": "Imports",
            "description": "YAML files of shared settings, relative to this file (inside the "
            "repository), merged in order before this file: mappings merge key by key, a list or "
            "a value of a later file replaces the earlier one, this file wins.",
            "type": "array",
            "items": {"type": "string", "minLength": 1},
        },
        **schema["properties"],
    }
    return schema


# Why each question of the wizard matters, in words for an engineer who is not a security
# specialist. Keyed by "Model.field"; the wizard shows it next to the field's description.
WHY: dict[str, str] = {
    "Spec.name": "Every bucket, key, role and log group is named after it, so resources stay traceable.",
    "Aws.region": "Endpoints, keys and buckets are regional; Bedrock and FedRAMP are only in some regions.",
    "Aws.account_id": "Policies trust only this account; the AWS provider refuses to touch any other.",
    "Workload.name": "Names the workload's own keys, buckets and roles, isolated from other workloads.",
    "Workload.type": "Decides the personas (people, pipelines, serving) and the services to reach privately.",
    "Data.categories": "Regulated data decides the compliance regimes and what Macie looks for.",
    "Data.sensitivity": "Confidential and restricted data get scheduled Macie scans and data-event logging.",
    "Workload.services": "Each service gets a private endpoint, so traffic never crosses the internet.",
    "Workload.stages": "Each stage gets its own keys, buckets and roles: dev can never read prod data.",
    "Spec.compliance": "Each regime maps to controls and evidence, and may tighten retention and rotation.",
    "Network.vpc_id": "The workloads' VPC, where the private endpoints go.",
    "Network.vpc_cidr": "Only this range may reach the endpoints (HTTPS).",
    "Network.subnet_ids": "Endpoints in two or more availability zones survive the loss of one.",
    "Network.route_table_ids": "S3 is reached through a gateway endpoint added to these route tables.",
    "Spec.foundation": "The trail, Macie account and endpoints exist once per account; a central team may own them.",
    "LogArchive.account_id": "Logs kept in another account survive a compromise of this one (AWS SRA's log archive).",
    "LogArchive.break_glass": "Only these roles of the archive account may delete logs or change the archive's policy.",
    "StageAccount.account_id": "An account of its own puts the stage behind the account boundary, not only IAM (AWS SRA).",
    "Accounts.assume_role": "Each root assumes this role in its account only; the provider refuses any other account.",
    "Access.admin_principals": "These roles manage keys but can never decrypt data (separation of duties).",
    "Access.human_access": "People never hold long-lived keys: they come through SSO or with MFA.",
    "Alerts.email": "Security alarms and Macie findings are mailed here.",
    "Spec.detective": "Threat detection, configuration history and access analysis are what an auditor asks for first.",
}
