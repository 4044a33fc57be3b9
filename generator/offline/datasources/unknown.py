"""Any data source no reader describes: every computed value of its type and shape (see the
package's docstring), ids and ARNs shaped by the attribute's name and the type's service."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from generator.offline.datasources.identity import UNKNOWN_POLICY
from generator.offline.datasources.reader import (
    DEFAULT_VPC_CIDR,
    Reader,
    stable_hash,
)
from generator.offline.values import Block

# EC2 types by the data source type's name without `aws_` (plural types too): id prefix, ARN type.
_EC2: Mapping[str, tuple[str, str]] = {
    "nat_gateway": ("nat", "natgateway"), "internet_gateway": ("igw", "internet-gateway"),
    "security_group": ("sg", "security-group"), "network_interface": ("eni", "network-interface"),
    "instance": ("i", "instance"), "subnet": ("subnet", "subnet"), "vpc": ("vpc", "vpc"),
    "route_table": ("rtb", "route-table"), "vpc_endpoint": ("vpce", "vpc-endpoint"),
    "network_acl": ("acl", "network-acl"), "ec2_transit_gateway": ("tgw", "transit-gateway"),
    "ami": ("ami", "image"), "ebs_volume": ("vol", "volume"), "ebs_snapshot": ("snap", "snapshot"),
    "eip": ("eipalloc", "elastic-ip"), "key_pair": ("key", "key-pair"),
    "launch_template": ("lt", "launch-template"), "ec2_managed_prefix_list": ("pl", "prefix-list"),
    "vpc_peering_connection": ("pcx", "vpc-peering-connection"),
    "egress_only_internet_gateway": ("eigw", "egress-only-internet-gateway"),
    "customer_gateway": ("cgw", "customer-gateway"), "vpn_gateway": ("vgw", "vpn-gateway"),
}  # fmt: skip
# The resource part of other services' ARNs, where it is not `<type>/<name>`.
_ARN_RESOURCE: Mapping[str, str] = {
    "aws_lambda_function": "function:{}", "aws_sns_topic": "{}", "aws_sqs_queue": "{}",
    "aws_cloudwatch_log_group": "log-group:{}", "aws_secretsmanager_secret": "secret:{}",
    "aws_db_instance": "db:{}", "aws_rds_cluster": "cluster:{}", "aws_dynamodb_table": "table/{}",
    "aws_ssm_parameter": "parameter/{}", "aws_ecr_repository": "repository/{}", "aws_eks_cluster": "cluster/{}",
    "aws_ecs_cluster": "cluster/{}", "aws_iam_user": "user/{}", "aws_iam_instance_profile": "instance-profile/{}",
    "aws_iam_group": "group/{}", "aws_route53_zone": "hostedzone/{}", "aws_sfn_state_machine": "stateMachine:{}",
}  # fmt: skip


def _ec2(type_name: str) -> tuple[str, str] | None:
    short = type_name[4:] if type_name.startswith("aws_") else type_name
    return _EC2.get(short) or (_EC2.get(short[:-1]) if short.endswith("s") else None)


def _service_of(type_name: str) -> str:
    from generator.offline.rules import SERVICE_OF_PREFIX

    if _ec2(type_name):
        return "ec2"
    word = type_name.split("_")[1] if "_" in type_name else type_name
    return SERVICE_OF_PREFIX.get(word, word)


def shaped_value(ty: Any, name: str, seed: str, type_name: str, ds: Reader, ident: str = "") -> Any:
    """A value of type ``ty`` shaped by the attribute's name; lists and sets hold one element.
    ``ident`` is the name the configuration looked the thing up by (it ends its ARN)."""
    if isinstance(ty, list):
        kind = ty[0]
        if kind in ("list", "set"):
            singular = name[:-1] if name.endswith("s") and not name.endswith("ss") else name
            return [shaped_value(ty[1], singular, seed, type_name, ds, ident)]
        if kind == "map":
            return {}
        if kind == "object":
            return {k: shaped_value(t, k, f"{seed}/{name}", type_name, ds) for k, t in ty[1].items()}
        if kind == "tuple":
            return [shaped_value(t, name, f"{seed}/{i}", type_name, ds) for i, t in enumerate(ty[1])]
        return None
    if ty == "number":
        return 0
    if ty == "bool":
        return False
    if ty != "string":
        return None
    c = ds.ctx
    h = stable_hash(seed, name)
    short = type_name[4:] if type_name.startswith("aws_") else type_name
    service = _service_of(type_name)
    if name == "arn" or name.endswith("_arn"):
        key = ident.lstrip("/") if name == "arn" and ident else h[:16]
        ec2 = _ec2(type_name)
        if ec2:
            return ds._arn("ec2", f"{ec2[1]}/{key}", account="" if ec2[0] == "ami" else None)
        if name == "arn" and type_name in _ARN_RESOURCE:
            return ds._arn(service, _ARN_RESOURCE[type_name].format(key))
        resource = short.split("_", 1)[-1].replace("_", "-") if "_" in short else short
        return ds._arn(service, f"{resource}/{key}")
    if name in ("account_id", "owner_id", "owner", "aws_account_id"):
        return c["account"]
    if name == "region" or name.endswith("_region"):
        return c["region"]
    if name.endswith("cidr_block") or name in ("cidr", "cidr_blocks"):
        return DEFAULT_VPC_CIDR
    if name in ("availability_zone", "availability_zones"):
        return ds._zones()[0][0]
    if name.endswith("policy") or name in ("json", "document"):
        return json.dumps(UNKNOWN_POLICY)
    if name.endswith(("_date", "_time", "_at", "timestamp")):
        return "2026-01-01T00:00:00Z"
    if name == "id" or name.endswith("_id") or name == "ids":
        ec2 = _ec2(type_name) if name in ("id", "ids", "image_id") else None
        return "{}-0{}".format(ec2[0] if ec2 else short.replace("_", "")[:8], h[:16])
    if name.endswith(("dns_name", "endpoint", "domain_name", "hostname")):
        return f"{short.replace('_', '-')}-{h[:8]}.{c['region']}.{c['dns_suffix']}"
    if name.endswith("url"):
        return f"https://{short.replace('_', '-')}-{h[:8]}.{c['region']}.{c['dns_suffix']}"
    return f"{name}-{h[:12]}"


def fill_unknown_type(cfg: dict[str, Any], block: Block, type_name: str, ds: Reader) -> None:
    """Every computed attribute the configuration and the type's reader left unset."""
    seed = type_name + json.dumps(cfg, sort_keys=True, default=str)
    attrs = block.get("attributes", {})
    if "id" in attrs and attrs["id"].get("computed") and cfg.get("id") is None:
        cfg["id"] = shaped_value(attrs["id"]["type"], "id", seed, type_name, ds)
    if _service_of(type_name) == "ec2" and isinstance(cfg.get("id"), str):
        ident = cfg["id"]  # EC2's ARNs end in the resource's id (vpc/vpc-0..., security-group/sg-0...)
    else:
        names = ["name", *sorted(k for k in cfg if k.endswith("_name"))]
        ident = next((cfg[k] for k in names if isinstance(cfg.get(k), str) and cfg[k]), "")
    if type_name == "aws_ssm_parameter" and str(cfg.get("name") or "").startswith("/aws/service/ami-"):
        cfg["value"] = (
            cfg.get("value") or f"ami-0{stable_hash(seed)[:16]}"
        )  # AWS's public parameters of AMI ids
    for name, a in attrs.items():
        if a.get("computed") and cfg.get(name) is None:
            cfg[name] = shaped_value(a["type"], name, seed, type_name, ds, ident)
