"""The offline stand-in for hashicorp/aws: a tfplugin6 provider serving the real schema.

Validation of names and types is Terraform's own (it checks configurations against the schema
we serve). The stand-in adds what the provider itself would check (computed-only attributes
cannot be set) and plays the provider's part in plan and apply: defaults, replacement on
ForceNew attributes, unknown computed values at plan, realistic ids and ARNs at apply,
`default_tags`, and the data sources a configuration needs without AWS.

Its parts: protocol.py (the schema as protobuf, diagnostics, what every served provider checks and
plans alike), applyvalues.py (the values invented at apply), datasources/ (the data sources'
values), validation.py (the provider's own argument checks), functions.py and policydoc.py.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import string
import time
from typing import Any

from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc

from generator.offline import datasources, functions, policydoc, validation
from generator.offline.applyvalues import Tokens, coerce, fill_block, service_of
from generator.offline.protocol import (
    attribute_path,
    computed_only_errors,
    error_diagnostic,
    mark_computed_unknown,
    schema_response,
)
from generator.offline.rules import rules_for
from generator.offline.schema import ProviderSchema
from generator.offline.values import (
    UNKNOWN,
    canonical,
    conform,
    decode,
    encode,
    has_unknown,
    unique_seed,
)

log = logging.getLogger("aisec.offline")

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


class StandIn(rpc.ProviderServicer):  # type: ignore[misc]
    def __init__(self, schema: ProviderSchema, schema_bytes: bytes | None = None) -> None:
        self.schema = schema
        self._schema_bytes = schema_bytes
        self._schema_pb: pb.GetProviderSchema.Response | None = None
        self.ctx = {
            "account": os.environ.get("AISEC_OFFLINE_ACCOUNT_ID", DEFAULT_ACCOUNT),
            "region": DEFAULT_REGION,
            "partition": "aws",
            "dns_suffix": "amazonaws.com",
        }
        self.default_tags: dict[str, Any] = {}
        self.data = datasources.DataSources(self.ctx, self.default_tags, schema.version)
        self._seeds: set[str] = set()
        # Seconds each create/update/delete takes: lets tests interrupt an apply half-way.
        self.apply_seconds = float(os.environ.get("AISEC_OFFLINE_APPLY_SECONDS", "0") or 0)

    # ---- schema and configuration
    def GetProviderSchema(self, request: Any, context: Any) -> pb.GetProviderSchema.Response:
        if self._schema_pb is None:
            if self._schema_bytes is not None:
                self._schema_pb = pb.GetProviderSchema.Response.FromString(self._schema_bytes)
            else:
                self._schema_pb = schema_response(self.schema)
            for name, definition in functions.definitions(self.schema.version).items():
                self._schema_pb.functions[name].CopyFrom(definition)
        return self._schema_pb

    def GetMetadata(self, request: Any, context: Any) -> pb.GetMetadata.Response:
        return pb.GetMetadata.Response(
            resources=[pb.GetMetadata.ResourceMetadata(type_name=t) for t in self.schema.resources],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=t) for t in self.schema.data_sources],
            functions=[
                pb.GetMetadata.FunctionMetadata(name=n) for n in functions.served(self.schema.version)
            ],
        )

    def GetFunctions(self, request: Any, context: Any) -> pb.GetFunctions.Response:
        return pb.GetFunctions.Response(functions=functions.definitions(self.schema.version))

    def ValidateProviderConfig(self, request: Any, context: Any) -> pb.ValidateProviderConfig.Response:
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request: Any, context: Any) -> pb.ValidateResourceConfig.Response:
        cfg = decode(request.config.msgpack, request.config.json)
        block = self.schema.resource_block(request.type_name)
        diags = computed_only_errors(cfg, block, []) + validation.diagnostics(
            "resource", request.type_name, cfg, block
        )
        return pb.ValidateResourceConfig.Response(diagnostics=diags)

    def ValidateDataResourceConfig(
        self, request: Any, context: Any
    ) -> pb.ValidateDataResourceConfig.Response:
        cfg = decode(request.config.msgpack, request.config.json)
        block = self.schema.data_source_block(request.type_name)
        diags = computed_only_errors(cfg, block, []) + validation.diagnostics(
            "data", request.type_name, cfg, block
        )
        return pb.ValidateDataResourceConfig.Response(diagnostics=diags)

    def ConfigureProvider(self, request: Any, context: Any) -> pb.ConfigureProvider.Response:
        cfg = decode(request.config.msgpack, request.config.json) or {}
        region = cfg.get("region")
        if isinstance(region, str):
            self.ctx["region"] = region
        allowed = cfg.get("allowed_account_ids")
        if isinstance(allowed, list) and len(allowed) == 1 and isinstance(allowed[0], str):
            self.ctx["account"] = allowed[0]  # the only account this configuration may touch
        # assume_role: the session is in the role's account, as the real provider's caller identity
        # is; an account allowed_account_ids leaves out is refused, as the real provider does.
        for ar in cfg.get("assume_role") or []:
            role = ar.get("role_arn") if isinstance(ar, dict) else None
            parts = role.split(":") if isinstance(role, str) else []
            if len(parts) < 6 or not parts[4]:
                continue
            if isinstance(allowed, list) and allowed and parts[4] not in allowed:
                return pb.ConfigureProvider.Response(
                    diagnostics=[
                        error_diagnostic(
                            "Invalid account ID",
                            f"AWS account ID not allowed: {parts[4]} (assume_role {role}; "
                            f"allowed_account_ids {', '.join(map(str, allowed))})",
                        )
                    ]
                )
            self.ctx["account"] = parts[4]
            self.ctx["assumed_role"] = parts[5].split("/")[-1]
        self.default_tags = {}
        for dt in cfg.get("default_tags") or []:
            if isinstance(dt, dict):
                self.default_tags.update(dt.get("tags") or {})
        return pb.ConfigureProvider.Response()

    def StopProvider(self, request: Any, context: Any) -> pb.StopProvider.Response:
        return pb.StopProvider.Response()

    # ---- resources
    def UpgradeResourceState(self, request: Any, context: Any) -> pb.UpgradeResourceState.Response:
        raw = json.loads(request.raw_state.json) if request.raw_state.json else {}
        state = conform(raw, self.schema.resource_block(request.type_name))
        return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(msgpack=encode(state)))

    def ReadResource(self, request: Any, context: Any) -> pb.ReadResource.Response:
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    def PlanResourceChange(self, request: Any, context: Any) -> pb.PlanResourceChange.Response:
        type_name = request.type_name
        block = self.schema.resource_block(type_name)
        rules = rules_for(type_name)
        prior = decode(request.prior_state.msgpack, request.prior_state.json)
        proposed = decode(request.proposed_new_state.msgpack, request.proposed_new_state.json)
        config = decode(request.config.msgpack, request.config.json)
        if proposed is None:  # destroy
            return pb.PlanResourceChange.Response(planned_state=request.proposed_new_state)
        attrs = block.get("attributes", {})
        planned = copy.deepcopy(proposed)
        defaulted = set()
        for name, default in rules.defaults.items():
            if name in attrs and (config or {}).get(name) is None:
                planned[name] = default
                defaulted.add(name)
        replace: list[str] = []
        if prior is None:
            mark_computed_unknown(planned, config, block, keep=frozenset(defaulted))
        else:
            replace = [n for n in rules.force_new if canonical(prior.get(n)) != canonical(planned.get(n))]
            if replace:
                mark_computed_unknown(planned, config, block, keep=frozenset(defaulted))
        if "region" in attrs and (config or {}).get("region") is None:
            planned["region"] = self.ctx["region"]
        if "tags_all" in attrs and (config or {}).get("tags_all") is None:
            tags = (config or {}).get("tags")
            planned["tags_all"] = (
                UNKNOWN if has_unknown(tags) else {**self.default_tags, **(tags or {})} or None
            )
        return pb.PlanResourceChange.Response(
            planned_state=pb.DynamicValue(msgpack=encode(planned)),
            requires_replace=[attribute_path([n]) for n in replace],
            legacy_type_system=True,
        )

    def ApplyResourceChange(self, request: Any, context: Any) -> pb.ApplyResourceChange.Response:
        type_name = request.type_name
        if self.apply_seconds:
            time.sleep(self.apply_seconds)
        planned = decode(request.planned_state.msgpack, request.planned_state.json)
        if planned is None:  # destroyed
            return pb.ApplyResourceChange.Response(new_state=request.planned_state, legacy_type_system=True)
        prior = decode(request.prior_state.msgpack, request.prior_state.json)
        config = decode(request.config.msgpack, request.config.json)
        block = self.schema.resource_block(type_name)
        seed = f"{type_name}:{canonical(config)}"
        if prior is not None and not has_unknown(planned.get("id")):
            seed = f"{type_name}:{prior.get('id')}"
        seed = unique_seed(self._seeds, seed)
        ctx = {**self.ctx, "service": service_of(type_name)}
        tokens = Tokens(seed, planned, ctx)
        attrs = block.get("attributes", {})
        for name, template in rules_for(type_name).computed.items():
            if name in attrs and planned.get(name) is UNKNOWN:
                value = coerce(string.Formatter().vformat(template, (), tokens), attrs[name]["type"])
                if value is not None:
                    planned[name] = value
        fill_block(planned, block, tokens, type_name)
        return pb.ApplyResourceChange.Response(
            new_state=pb.DynamicValue(msgpack=encode(planned)), legacy_type_system=True
        )

    def ImportResourceState(self, request: Any, context: Any) -> pb.ImportResourceState.Response:
        return pb.ImportResourceState.Response(
            diagnostics=[
                error_diagnostic(
                    "Import is not available offline", "The offline stand-in cannot read real AWS resources."
                )
            ]
        )

    def MoveResourceState(self, request: Any, context: Any) -> pb.MoveResourceState.Response:
        return pb.MoveResourceState.Response(
            diagnostics=[error_diagnostic("Moving state across resource types is not available offline")]
        )

    # ---- data sources
    def ReadDataSource(self, request: Any, context: Any) -> pb.ReadDataSource.Response:
        type_name = request.type_name
        block = self.schema.data_source_block(type_name)
        cfg = conform(decode(request.config.msgpack, request.config.json), block) or {}
        c = self.ctx
        if type_name == "aws_caller_identity":
            cfg.update(
                account_id=c["account"],
                id=c["account"],
                user_id="AROAOFFLINESTANDIN:rehearsal",
                arn=f"arn:{c['partition']}:sts::{c['account']}:assumed-role/{c.get('assumed_role', 'aisec-offline')}/rehearsal",
            )
        elif type_name == "aws_region":
            region = cfg.get("region") or cfg.get("name") or c["region"]
            for key in ("name", "region", "id"):
                if key in cfg and cfg[key] is None:
                    cfg[key] = region
            if "endpoint" in cfg and cfg["endpoint"] is None:
                cfg["endpoint"] = f"ec2.{region}.{c['dns_suffix']}"
            if "description" in cfg and cfg["description"] is None:
                cfg["description"] = f"Region {region} (offline rehearsal)"
        elif type_name == "aws_partition":
            cfg.update(partition=c["partition"], id=c["partition"], dns_suffix=c["dns_suffix"],
                       reverse_dns_prefix="com.amazonaws")  # fmt: skip
        elif type_name == "aws_guardduty_detector":
            # The rehearsal's account has the prerequisites a landing checks at plan time (its
            # detector, enabled with S3 protection), so a plan can be rehearsed before they exist.
            cfg.update(status="ENABLED", finding_publishing_frequency="FIFTEEN_MINUTES",
                       features=[{"name": "S3_DATA_EVENTS", "status": "ENABLED", "additional_configuration": []}])  # fmt: skip
        elif type_name == "aws_iam_policy_document":
            try:
                pretty, minified = policydoc.render(cfg)
            except policydoc.PolicyDocumentError as exc:
                return pb.ReadDataSource.Response(
                    diagnostics=[error_diagnostic("Invalid policy document", str(exc))]
                )
            cfg.update(
                json=pretty,
                minified_json=minified,
                id=str(int(hashlib.sha256(minified.encode()).hexdigest()[:8], 16)),
            )
        tokens = Tokens(type_name + canonical(cfg), cfg, {**c, "service": service_of(type_name)})
        if type_name == "aws_kms_alias" and cfg.get("name"):
            # ARNs shaped like AWS's: policies that name the key pass IAM-reference checks.
            key_id = tokens["uuid"]
            prefix = f"arn:{c['partition']}:kms:{c['region']}:{c['account']}:"
            cfg.update(
                id=cfg["name"],
                arn=prefix + cfg["name"],
                target_key_id=key_id,
                target_key_arn=f"{prefix}key/{key_id}",
            )
        self.data.default_tags = self.default_tags
        try:
            self.data.read(type_name, cfg)
        except functions.FunctionError as exc:  # aws_arn on a malformed ARN
            summary = f"parsing ARN ({cfg.get('arn')}): {exc}"
            return pb.ReadDataSource.Response(diagnostics=[error_diagnostic(summary, "", ["arn"])])
        datasources.fill_unknown_type(cfg, block, type_name, self.data)
        return pb.ReadDataSource.Response(state=pb.DynamicValue(msgpack=encode(cfg)))

    def CallFunction(self, request: Any, context: Any) -> pb.CallFunction.Response:
        arguments = [decode(a.msgpack, a.json) for a in request.arguments]
        try:
            result = functions.call(self.schema.version, request.name, arguments)
        except functions.FunctionError as exc:
            return pb.CallFunction.Response(error=pb.FunctionError(text=str(exc)))
        return pb.CallFunction.Response(result=pb.DynamicValue(msgpack=encode(result)))
