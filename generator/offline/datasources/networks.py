"""The network data sources: VPCs and their subnets (inside the VPC's CIDR, in the region's
zones), route tables, security groups, VPC endpoint services and availability zones."""

from __future__ import annotations

import ipaddress
from typing import Any

from generator.offline.datasources.reader import (
    DEFAULT_VPC_CIDR,
    DEFAULT_VPC_OF_ACCOUNT,
    ZONES,
    Reader,
    filters,
    index_of,
    parse_cidr,
    stable_hash,
    subnet_cidr,
    zone_id_prefix,
)


class NetworkReaders(Reader):
    def _aws_vpc(self, cfg: dict[str, Any]) -> None:
        f = filters(cfg)
        vpc_id = cfg.get("id") or next(iter(f.get("vpc-id", [])), None)
        cidr = (
            parse_cidr(cfg.get("cidr_block"))
            or next((parse_cidr(v) for k in ("cidr", "cidr-block", "cidrBlock", "cidr-block-association.cidr-block")
                     for v in f.get(k, []) if parse_cidr(v)), None)
            or (self._vpc_cidrs.get(vpc_id) if vpc_id else None)
            or (DEFAULT_VPC_OF_ACCOUNT if cfg.get("default") or f.get("is-default") == ["true"] else None)
            or DEFAULT_VPC_CIDR
        )  # fmt: skip
        vpc_id = vpc_id or self._gen_id("vpc", f"vpc{cfg.get('tags')}{f}{cidr}", 0)
        self._vpc_cidrs[vpc_id] = cidr
        h = stable_hash(vpc_id)
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
        f = filters(cfg)
        ids = f.get("subnet-id")
        if not ids:
            seed = f"subnets{cfg.get('tags')}{sorted(f.items())}"
            base = (int(stable_hash(seed)[:4], 16) % 80) * len(ZONES)  # other queries, other CIDRs
            ids = [self._gen_id("subnet", seed, base + i) for i in range(len(ZONES))]  # zone i
        vpc = self._vpc_of(cfg, f)
        for i in ids:
            if vpc:
                self._subnet_vpcs.setdefault(i, vpc)
        cfg.update(id=self.ctx["region"], ids=list(ids), tags=cfg.get("tags") or {})

    def _aws_subnet(self, cfg: dict[str, Any]) -> None:
        f = filters(cfg)
        subnet_id = cfg.get("id") or next(iter(f.get("subnet-id", [])), None)
        vpc_id = self._vpc_of(cfg, f) or (self._subnet_vpcs.get(subnet_id) if subnet_id else None)
        zones = self._zones()
        az = cfg.get("availability_zone") or next(iter(f.get("availability-zone", [])), None)
        names = [z for z, _ in zones]
        if (
            subnet_id is None
        ):  # one subnet found by its VPC, zone, tags: numbered so its zone is the one asked
            seed = f"subnet{vpc_id}{az}{cfg.get('tags')}{sorted(f.items())}"
            base = (int(stable_hash(seed)[:4], 16) % 80) * len(names)
            subnet_id = self._gen_id("subnet", seed, base + (names.index(az) if az in names else 0))
        index = index_of(subnet_id)
        vpc_id = vpc_id or self._gen_id("vpc", "default-of-subnets", 0)
        zone = az if az in names else names[index % len(names)]
        zone_id = dict(zones).get(
            zone, cfg.get("availability_zone_id") or f"{zone_id_prefix(self.ctx['region'])}-az1"
        )
        cidr = parse_cidr(cfg.get("cidr_block")) or subnet_cidr(self._vpc_cidr(vpc_id), index)
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
        f = filters(cfg)
        ids = f.get("vpc-id") or [self._gen_id("vpc", f"vpcs{cfg.get('tags')}{sorted(f.items())}", 0)]
        cfg.update(id=self.ctx["region"], ids=list(ids))

    def _aws_route_tables(self, cfg: dict[str, Any]) -> None:
        f = filters(cfg)
        ids = f.get("route-table-id") or [
            self._gen_id("rtb", f"rtbs{cfg.get('vpc_id')}{cfg.get('tags')}{sorted(f.items())}", i)
            for i in range(len(ZONES))
        ]
        cfg.update(id=self.ctx["region"], ids=list(ids))

    def _aws_route_table(self, cfg: dict[str, Any]) -> None:
        f = filters(cfg)
        rtb = cfg.get("route_table_id") or next(iter(f.get("route-table-id", [])), None)
        subnet = cfg.get("subnet_id") or next(iter(f.get("association.subnet-id", [])), None)
        vpc_id = self._vpc_of(cfg, f) or (self._subnet_vpcs.get(subnet) if subnet else None)
        rtb = rtb or self._gen_id("rtb", f"rtb{vpc_id}{subnet}{cfg.get('gateway_id')}{cfg.get('tags')}", 0)
        vpc_id = vpc_id or self._gen_id("vpc", "default-of-subnets", 0)
        h = stable_hash(rtb)
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
        f = filters(cfg)
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
        h = stable_hash(name, kind)
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
