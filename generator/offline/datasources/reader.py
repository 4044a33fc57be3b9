"""What the data source readers share: the provider's context (account, region, partition), ARNs
and ids in AWS's forms, the region's zones, and the VPCs described so far in this run."""

from __future__ import annotations

import hashlib
import ipaddress
import json
from typing import Any

DEFAULT_VPC_CIDR = "10.0.0.0/16"
DEFAULT_VPC_OF_ACCOUNT = "172.31.0.0/16"  # AWS's default VPC in every region
ZONES = "abc"
_DIRECTIONS = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c", "northeast": "ne",
               "northwest": "nw", "southeast": "se", "southwest": "sw", "gov": "g"}  # fmt: skip
_GLOBAL_SERVICES = frozenset({"iam", "s3", "cloudfront", "route53", "organizations", "waf", "sts"})


def stable_hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def zone_id_prefix(region: str) -> str:
    """AWS's short form of a region in zone ids: us-east-1 -> use1, ap-southeast-2 -> apse2."""
    parts = region.split("-")
    if len(parts) < 3:
        return region.replace("-", "")
    return parts[0] + "".join(_DIRECTIONS.get(p, p) for p in parts[1:-1]) + parts[-1]


def filters(cfg: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in cfg.get("filter") or []:
        if isinstance(f, dict) and isinstance(f.get("name"), str):
            out.setdefault(f["name"], []).extend(str(v) for v in (f.get("values") or []))
    return out


def parse_cidr(text: Any) -> str | None:
    try:
        return str(ipaddress.ip_network(str(text), strict=False)) if text else None
    except ValueError:
        return None


def subnet_cidr(vpc_cidr: str, index: int) -> str:
    net = ipaddress.ip_network(vpc_cidr, strict=False)
    newbits = max(0, min(8, 28 - net.prefixlen))
    subnets = 1 << newbits
    return str(list(net.subnets(new_prefix=net.prefixlen + newbits))[index % subnets] if newbits else net)


def index_of(resource_id: str) -> int:
    """The subnet number an id stands for: its last two hex digits (generated ids carry it there)."""
    tail = resource_id[-2:]
    try:
        return int(tail, 16)
    except ValueError:
        return int(stable_hash(resource_id)[:2], 16)


class Reader:
    """What every reader works with: the provider's context and default tags, and the VPCs and
    subnets described so far (in one Terraform run, a subnet read after its VPC lies inside that
    VPC's CIDR)."""

    def __init__(self, ctx: dict[str, str], default_tags: dict[str, Any], provider_version: str) -> None:
        self.ctx = ctx
        self.default_tags = default_tags
        self.provider_version = provider_version
        self._vpc_cidrs: dict[str, str] = {}
        self._subnet_vpcs: dict[str, str] = {}

    def _arn(self, service: str, resource: str, region: str | None = None, account: str | None = None) -> str:
        c = self.ctx
        glob = service in _GLOBAL_SERVICES
        reg = "" if glob else (region or c["region"])
        acct = "" if service == "s3" else (account if account is not None else c["account"])
        return f"arn:{c['partition']}:{service}:{reg}:{acct}:{resource}"

    def _zones(self, region: str | None = None) -> list[tuple[str, str]]:
        r = region or self.ctx["region"]
        return [(f"{r}{z}", f"{zone_id_prefix(r)}-az{i + 1}") for i, z in enumerate(ZONES)]

    def _reverse_dns(self) -> str:
        return "cn.com.amazonaws" if self.ctx["partition"] == "aws-cn" else "com.amazonaws"

    def _vpc_cidr(self, vpc_id: str | None) -> str:
        return self._vpc_cidrs.get(vpc_id or "", DEFAULT_VPC_CIDR)

    @staticmethod
    def _gen_id(prefix: str, seed: str, index: int) -> str:
        return f"{prefix}-0{stable_hash(seed)[:14]}{index:02x}"
