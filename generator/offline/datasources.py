"""Data sources with values real configurations can use offline.

What a data source returns, when the configuration does not give the value itself:

- networks: a VPC's ``cidr_block`` is a CIDR (the configuration's ``cidr_block`` or ``cidr`` /
  ``cidr-block`` filter, else 10.0.0.0/16; a default VPC 172.31.0.0/16), with its association,
  main route table and ARN; subnets' CIDRs are inside their VPC's, in the region's zones;
  ``aws_subnets``, ``aws_vpcs``, ``aws_route_tables`` and ``aws_security_groups`` return the ids
  the configuration filters on (``subnet-id``, ``vpc-id``, ``route-table-id``, ``group-id``), else
  ids derived from the query (three subnets, one per zone; three route tables; one VPC; one group):
  never an empty list.
- ``aws_vpc_endpoint_service``: ``com.amazonaws.<region>.<service>`` (``cn.com.amazonaws`` in
  China), Gateway for s3 and dynamodb unless the configuration says otherwise, else Interface.
- ``aws_iam_policy``: the ARN and name the configuration gives (AWS managed policies under
  ``arn:<partition>:iam::aws:policy/``) and ``policy`` as JSON: the real document for a few AWS
  managed policies (see ``MANAGED_POLICIES``), else a placeholder that grants nothing.
- ``aws_default_tags``: the provider block's ``default_tags``.
- ``aws_availability_zones`` / ``aws_availability_zone``: three zones ``<region>a..c`` with zone ids
  in AWS's form (``use1-az1``, ``euw1-az1``), exclusions honoured.
- ``aws_arn`` parses as ``provider::aws::arn_parse`` does; ``aws_iam_role``, ``aws_kms_key``,
  ``aws_s3_bucket``, ``aws_iam_session_context`` give ARNs in their services' formats.
- any other data source: every computed value of its type and shape. Lists and sets get one
  element (an id, ARN, CIDR or name shaped by the attribute's name; objects filled alike), so
  ``element(x, 0)``, ``x[0].attr`` and ``for_each = toset(x)`` work as they would against a real
  account that has the thing looked up; maps are empty; numbers 0; booleans false. One element
  rather than none: an empty list would silently drop every resource counted over it from the
  rehearsal, and ``[0]`` on it fails where AWS would have answered.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Mapping
from typing import Any

from generator.offline import functions
from generator.offline.values import Block

_DEFAULT_VPC_CIDR = "10.0.0.0/16"
_DEFAULT_VPC_OF_ACCOUNT = "172.31.0.0/16"  # AWS's default VPC in every region
_ZONES = "abc"
_DIRECTIONS = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c", "northeast": "ne",
               "northwest": "nw", "southeast": "se", "southwest": "sw", "gov": "g"}  # fmt: skip
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
_GLOBAL_SERVICES = frozenset({"iam", "s3", "cloudfront", "route53", "organizations", "waf", "sts"})

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


def _h(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def zone_id_prefix(region: str) -> str:
    """AWS's short form of a region in zone ids: us-east-1 -> use1, ap-southeast-2 -> apse2."""
    parts = region.split("-")
    if len(parts) < 3:
        return region.replace("-", "")
    return parts[0] + "".join(_DIRECTIONS.get(p, p) for p in parts[1:-1]) + parts[-1]


def _filters(cfg: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in cfg.get("filter") or []:
        if isinstance(f, dict) and isinstance(f.get("name"), str):
            out.setdefault(f["name"], []).extend(str(v) for v in (f.get("values") or []))
    return out


def _cidr(text: Any) -> str | None:
    try:
        return str(ipaddress.ip_network(str(text), strict=False)) if text else None
    except ValueError:
        return None


def _subnet_cidr(vpc_cidr: str, index: int) -> str:
    net = ipaddress.ip_network(vpc_cidr, strict=False)
    newbits = max(0, min(8, 28 - net.prefixlen))
    subnets = 1 << newbits
    return str(list(net.subnets(new_prefix=net.prefixlen + newbits))[index % subnets] if newbits else net)


def _index_of(resource_id: str) -> int:
    """The subnet number an id stands for: its last two hex digits (generated ids carry it there)."""
    tail = resource_id[-2:]
    try:
        return int(tail, 16)
    except ValueError:
        return int(_h(resource_id)[:2], 16)


class DataSources:
    """Realistic values for data sources; remembers the VPCs it described (in one Terraform run,
    a subnet read after its VPC lies inside that VPC's CIDR)."""

    def __init__(self, ctx: dict[str, str], default_tags: dict[str, Any], provider_version: str) -> None:
        self.ctx = ctx
        self.default_tags = default_tags
        self.provider_version = provider_version
        self._vpc_cidrs: dict[str, str] = {}
        self._subnet_vpcs: dict[str, str] = {}

    # ---- helpers
    def _arn(self, service: str, resource: str, region: str | None = None, account: str | None = None) -> str:
        c = self.ctx
        glob = service in _GLOBAL_SERVICES
        reg = "" if glob else (region or c["region"])
        acct = "" if service == "s3" else (account if account is not None else c["account"])
        return f"arn:{c['partition']}:{service}:{reg}:{acct}:{resource}"

    def _zones(self, region: str | None = None) -> list[tuple[str, str]]:
        r = region or self.ctx["region"]
        return [(f"{r}{z}", f"{zone_id_prefix(r)}-az{i + 1}") for i, z in enumerate(_ZONES)]

    def _reverse_dns(self) -> str:
        return "cn.com.amazonaws" if self.ctx["partition"] == "aws-cn" else "com.amazonaws"

    def _vpc_cidr(self, vpc_id: str | None) -> str:
        return self._vpc_cidrs.get(vpc_id or "", _DEFAULT_VPC_CIDR)

    @staticmethod
    def _gen_id(prefix: str, seed: str, index: int) -> str:
        return f"{prefix}-0{_h(seed)[:14]}{index:02x}"

    # ---- dispatch
    def read(self, type_name: str, cfg: dict[str, Any]) -> None:
        """Fill what the type's reader knows; the generic filler completes the rest."""
        reader = getattr(self, "_" + type_name, None)
        if reader is not None:
            reader(cfg)

    # ---- networks
    def _aws_vpc(self, cfg: dict[str, Any]) -> None:
        f = _filters(cfg)
        vpc_id = cfg.get("id") or next(iter(f.get("vpc-id", [])), None)
        cidr = (
            _cidr(cfg.get("cidr_block"))
            or next((_cidr(v) for k in ("cidr", "cidr-block", "cidrBlock", "cidr-block-association.cidr-block")
                     for v in f.get(k, []) if _cidr(v)), None)
            or (self._vpc_cidrs.get(vpc_id) if vpc_id else None)
            or (_DEFAULT_VPC_OF_ACCOUNT if cfg.get("default") or f.get("is-default") == ["true"] else None)
            or _DEFAULT_VPC_CIDR
        )  # fmt: skip
        vpc_id = vpc_id or self._gen_id("vpc", f"vpc{cfg.get('tags')}{f}{cidr}", 0)
        self._vpc_cidrs[vpc_id] = cidr
        h = _h(vpc_id)
        cfg.update(
            id=vpc_id,
            cidr_block=cidr,
            arn=self._arn("ec2", f"vpc/{vpc_id}"),
            cidr_block_associations=[
                {"association_id": f"vpc-cidr-assoc-0{h[:16]}", "cidr_block": cidr, "state": "associated"}
            ],
            default=bool(cfg.get("default")),
            dhcp_options_id=cfg.get("dhcp_options_id") or f"dopt-0{h[16:32]}",
            enable_dns_hostnames=True,
            enable_dns_support=True,
            enable_network_address_usage_metrics=False,
            instance_tenancy="default",
            ipv6_association_id="",
            ipv6_cidr_block="",
            main_route_table_id=f"rtb-0{h[32:48]}",
            owner_id=self.ctx["account"],
            state=cfg.get("state") or "available",
            tags=cfg.get("tags") or {},
        )

    def _vpc_of(self, cfg: dict[str, Any], f: dict[str, list[str]]) -> str | None:
        return cfg.get("vpc_id") or next(iter(f.get("vpc-id", [])), None)

    def _aws_subnets(self, cfg: dict[str, Any]) -> None:
        f = _filters(cfg)
        ids = f.get("subnet-id")
        if not ids:
            seed = f"subnets{cfg.get('tags')}{sorted(f.items())}"
            base = (int(_h(seed)[:4], 16) % 80) * len(_ZONES)  # other queries, other CIDRs
            ids = [self._gen_id("subnet", seed, base + i) for i in range(len(_ZONES))]  # zone i
        vpc = self._vpc_of(cfg, f)
        for i in ids:
            if vpc:
                self._subnet_vpcs.setdefault(i, vpc)
        cfg.update(id=self.ctx["region"], ids=list(ids), tags=cfg.get("tags") or {})

    def _aws_subnet(self, cfg: dict[str, Any]) -> None:
        f = _filters(cfg)
        subnet_id = cfg.get("id") or next(iter(f.get("subnet-id", [])), None)
        vpc_id = self._vpc_of(cfg, f) or (self._subnet_vpcs.get(subnet_id) if subnet_id else None)
        zones = self._zones()
        az = cfg.get("availability_zone") or next(iter(f.get("availability-zone", [])), None)
        names = [z for z, _ in zones]
        if (
            subnet_id is None
        ):  # one subnet found by its VPC, zone, tags: numbered so its zone is the one asked
            seed = f"subnet{vpc_id}{az}{cfg.get('tags')}{sorted(f.items())}"
            base = (int(_h(seed)[:4], 16) % 80) * len(names)
            subnet_id = self._gen_id("subnet", seed, base + (names.index(az) if az in names else 0))
        index = _index_of(subnet_id)
        vpc_id = vpc_id or self._gen_id("vpc", "default-of-subnets", 0)
        zone = az if az in names else names[index % len(names)]
        zone_id = dict(zones).get(
            zone, cfg.get("availability_zone_id") or f"{zone_id_prefix(self.ctx['region'])}-az1"
        )
        cidr = _cidr(cfg.get("cidr_block")) or _subnet_cidr(self._vpc_cidr(vpc_id), index)
        usable = max(0, ipaddress.ip_network(cidr).num_addresses - 5)  # AWS reserves five per subnet
        cfg.update(
            id=subnet_id,
            arn=self._arn("ec2", f"subnet/{subnet_id}"),
            vpc_id=vpc_id,
            cidr_block=cidr,
            availability_zone=zone,
            availability_zone_id=cfg.get("availability_zone_id") or zone_id,
            available_ip_address_count=usable,
            assign_ipv6_address_on_creation=False,
            customer_owned_ipv4_pool="",
            default_for_az=bool(cfg.get("default_for_az")),
            enable_dns64=False,
            enable_lni_at_device_index=0,
            enable_resource_name_dns_a_record_on_launch=False,
            enable_resource_name_dns_aaaa_record_on_launch=False,
            ipv6_cidr_block=cfg.get("ipv6_cidr_block") or "",
            ipv6_cidr_block_association_id="",
            ipv6_native=False,
            map_customer_owned_ip_on_launch=False,
            map_public_ip_on_launch=False,
            outpost_arn="",
            owner_id=self.ctx["account"],
            private_dns_hostname_type_on_launch="ip-name",
            state=cfg.get("state") or "available",
            tags=cfg.get("tags") or {},
        )

    def _aws_vpcs(self, cfg: dict[str, Any]) -> None:
        f = _filters(cfg)
        ids = f.get("vpc-id") or [self._gen_id("vpc", f"vpcs{cfg.get('tags')}{sorted(f.items())}", 0)]
        cfg.update(id=self.ctx["region"], ids=list(ids))

    def _aws_route_tables(self, cfg: dict[str, Any]) -> None:
        f = _filters(cfg)
        ids = f.get("route-table-id") or [
            self._gen_id("rtb", f"rtbs{cfg.get('vpc_id')}{cfg.get('tags')}{sorted(f.items())}", i)
            for i in range(len(_ZONES))
        ]
        cfg.update(id=self.ctx["region"], ids=list(ids))

    def _aws_route_table(self, cfg: dict[str, Any]) -> None:
        f = _filters(cfg)
        rtb = cfg.get("route_table_id") or next(iter(f.get("route-table-id", [])), None)
        subnet = cfg.get("subnet_id") or next(iter(f.get("association.subnet-id", [])), None)
        vpc_id = self._vpc_of(cfg, f) or (self._subnet_vpcs.get(subnet) if subnet else None)
        rtb = rtb or self._gen_id("rtb", f"rtb{vpc_id}{subnet}{cfg.get('gateway_id')}{cfg.get('tags')}", 0)
        vpc_id = vpc_id or self._gen_id("vpc", "default-of-subnets", 0)
        h = _h(rtb)
        associations = [
            {"gateway_id": cfg.get("gateway_id") or "", "main": subnet is None and not cfg.get("gateway_id"),
             "route_table_association_id": f"rtbassoc-0{h[:16]}", "route_table_id": rtb,
             "subnet_id": subnet or ""}
        ]  # fmt: skip
        route_keys = ("carrier_gateway_id", "core_network_arn", "destination_prefix_list_id",
                      "egress_only_gateway_id", "instance_id", "ipv6_cidr_block", "local_gateway_id",
                      "nat_gateway_id", "network_interface_id", "transit_gateway_id", "vpc_endpoint_id",
                      "vpc_peering_connection_id")  # fmt: skip
        local = {**dict.fromkeys(route_keys, ""), "cidr_block": self._vpc_cidr(vpc_id), "gateway_id": "local"}
        cfg.update(
            id=rtb,
            route_table_id=rtb,
            arn=self._arn("ec2", f"route-table/{rtb}"),
            owner_id=self.ctx["account"],
            vpc_id=vpc_id,
            subnet_id=subnet or "",
            gateway_id=cfg.get("gateway_id") or "",
            associations=associations,
            routes=[local],
            tags=cfg.get("tags") or {},
        )

    def _aws_security_groups(self, cfg: dict[str, Any]) -> None:
        f = _filters(cfg)
        ids = f.get("group-id") or [self._gen_id("sg", f"sgs{cfg.get('tags')}{sorted(f.items())}", 0)]
        vpc = next(iter(f.get("vpc-id", [])), None) or self._gen_id("vpc", "default-of-subnets", 0)
        cfg.update(
            id=self.ctx["region"],
            ids=list(ids),
            arns=[self._arn("ec2", f"security-group/{i}") for i in ids],
            vpc_ids=[vpc for _ in ids],
        )

    def _aws_vpc_endpoint_service(self, cfg: dict[str, Any]) -> None:
        region = self.ctx["region"]
        service = cfg.get("service")
        name = cfg.get("service_name") or f"{self._reverse_dns()}.{region}.{service or 'unknown'}"
        short = name.rsplit(f".{region}.", 1)[-1] if f".{region}." in name else (service or name)
        kind = cfg.get("service_type") or ("Gateway" if short in ("s3", "dynamodb") else "Interface")
        h = _h(name, kind)
        dns = f"{short}.{region}.{self.ctx['dns_suffix']}"
        svc_id = f"vpce-svc-0{h[:16]}"
        cfg.update(
            id=cfg.get("id") or svc_id,
            service_name=name,
            service_type=kind,
            service_id=svc_id,
            arn=self._arn("ec2", f"vpc-endpoint-service/{svc_id}"),
            acceptance_required=False,
            availability_zones=[z for z, _ in self._zones()],
            base_endpoint_dns_names=[dns],
            manages_vpc_endpoints=False,
            owner="amazon",
            private_dns_name="" if kind == "Gateway" else dns,
            private_dns_names=[] if kind == "Gateway" else [dns],
            region=region,
            service_region=region,
            supported_ip_address_types=["ipv4"],
            tags=cfg.get("tags") or {},
            vpc_endpoint_policy_supported=True,
        )

    def _aws_availability_zones(self, cfg: dict[str, Any]) -> None:
        region = cfg.get("region") or self.ctx["region"]
        zones = [
            (n, z) for n, z in self._zones(region)
            if n not in (cfg.get("exclude_names") or []) and z not in (cfg.get("exclude_zone_ids") or [])
        ]  # fmt: skip
        cfg.update(
            id=region, names=[n for n, _ in zones], zone_ids=[z for _, z in zones], group_names=[region]
        )

    def _aws_availability_zone(self, cfg: dict[str, Any]) -> None:
        region = cfg.get("region") or self.ctx["region"]
        zones = self._zones(region)
        by_id = {z: n for n, z in zones}
        name = cfg.get("name") or by_id.get(cfg.get("zone_id") or "") or zones[0][0]
        zone_id = cfg.get("zone_id") or dict(zones).get(name) or f"{zone_id_prefix(region)}-az1"
        cfg.update(
            id=name, name=name, zone_id=zone_id, name_suffix=name[len(region):] or name[-1:],
            group_name=region, group_long_name=region, network_border_group=region,
            opt_in_status="opt-in-not-required", parent_zone_id="", parent_zone_name="",
            state=cfg.get("state") or "available", zone_type="availability-zone", region=region,
        )  # fmt: skip

    # ---- identity, policies, tags
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
            policy_id="ANPA" + _h(arn)[:17].upper(),
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
            assume_role_policy=json.dumps(trust), unique_id="AROA" + _h("role", name)[:17].upper(),
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
                   issuer_id="AROA" + _h("role", name)[:17].upper())  # fmt: skip

    def _aws_arn(self, cfg: dict[str, Any]) -> None:
        parts = functions.arn_parse(cfg.get("arn") or "")  # the caller turns an error into a diagnostic
        cfg.update(id=cfg["arn"], account=parts["account_id"],
                   **{k: parts[k] for k in ("partition", "service", "region", "resource")})  # fmt: skip

    def _aws_kms_key(self, cfg: dict[str, Any]) -> None:
        c = self.ctx
        given = str(cfg.get("key_id") or "")
        key = given.rsplit("/", 1)[-1] if given.startswith("arn:") and ":key/" in given else None
        if key is None:
            h = _h("kms", given)
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


# --------------------------------------------------------------------------- unknown data sources
def _ec2(type_name: str) -> tuple[str, str] | None:
    short = type_name[4:] if type_name.startswith("aws_") else type_name
    return _EC2.get(short) or (_EC2.get(short[:-1]) if short.endswith("s") else None)


def _service_of(type_name: str) -> str:
    from generator.offline.rules import SERVICE_OF_PREFIX

    if _ec2(type_name):
        return "ec2"
    word = type_name.split("_")[1] if "_" in type_name else type_name
    return SERVICE_OF_PREFIX.get(word, word)


def shaped_value(ty: Any, name: str, seed: str, type_name: str, ds: DataSources, ident: str = "") -> Any:
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
    h = _h(seed, name)
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
        return _DEFAULT_VPC_CIDR
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


def fill_unknown_type(cfg: dict[str, Any], block: Block, type_name: str, ds: DataSources) -> None:
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
        cfg["value"] = cfg.get("value") or f"ami-0{_h(seed)[:16]}"  # AWS's public parameters of AMI ids
    for name, a in attrs.items():
        if a.get("computed") and cfg.get(name) is None:
            cfg[name] = shaped_value(a["type"], name, seed, type_name, ds, ident)
