"""Prowler's network checks: VPC endpoints and their policies, security groups, flow logs."""

from __future__ import annotations

import json
import re

from generator.reports.checks.base import (
    _REGISTRY,
    Landing,
    Resource,
    Verdict,
    _bind,
    _check,
    _doc,
    _judge,
    _outsider_allowed,
)


# --------------------------------------------------------------------------- network
@_check("vpc_flow_logs_enabled")
def _vpc_flow_logs(land: Landing) -> Verdict:
    vpcs = {r.get("vpc_id") for r in land.of("aws_vpc_endpoint", "aws_security_group") if r.get("vpc_id")}
    vpcs |= {r.get("id") for r in land.of("aws_vpc")}
    if not vpcs:
        return Verdict("vpc_flow_logs_enabled", "depends", (),
                       "the existing foundation's VPC and its flow logs: the landing creates no network resource")  # fmt: skip
    flows = {r.get("vpc_id"): r for r in land.of("aws_flow_log") if r.get("vpc_id")}
    items = [
        (v in flows, flows[v].ev("vpc_id") if v in flows else f"VPC {v}: no aws_flow_log")
        for v in sorted(vpcs)
    ]
    return _judge("vpc_flow_logs_enabled", items, "DET-5 (detective.flow_logs: create)", "")


@_check("vpc_endpoint_connections_trust_boundaries")
def _vpce_trust(land: Landing) -> Verdict:
    def item(e: Resource) -> tuple[bool, str]:
        policy = _doc(e.get("policy"))
        if policy is None:
            return False, f"{e.address}: no endpoint policy (full access for any principal)"
        service = (e.get("service_name") or "").split(".")[-1]
        granted = _outsider_allowed(policy, (f"{service}:*",), "*")
        return (
            not granted,
            f"{e.address}: policy lets another account's principals through {json.dumps(granted)}",
        )

    endpoints = land.of("aws_vpc_endpoint")
    if not endpoints:
        return Verdict("vpc_endpoint_connections_trust_boundaries", "depends", (), _FOUNDATION_ENDPOINTS)
    verdict = _judge(
        "vpc_endpoint_connections_trust_boundaries", map(item, endpoints), "NET-1, NET-2, DP-5", ""
    )
    if verdict.status == "fail" and all(
        _NO_POLICY_ENDPOINT.search(e) and "no endpoint policy" in e for e in verdict.evidence
    ):
        return Verdict(
            verdict.check,
            "fail",
            verdict.evidence,
            "no aisec control: SageMaker's notebook and Studio endpoints take no endpoint policy; who may open a "
            "notebook is decided by IAM (CreatePresignedNotebookInstanceUrl, ML-4)",
        )
    return verdict


_NO_POLICY_ENDPOINT = re.compile(r'\["sagemaker\.(notebook|studio)"\]')


_FOUNDATION_ENDPOINTS = "the existing foundation's VPC endpoints: the landing creates none"
_BEDROCK_ENDPOINTS = (
    "bedrock",
    "bedrock-runtime",
    "bedrock-agent",
    "bedrock-agent-runtime",
    "bedrock-mantle",
)


def _bedrock_in_use(land: Landing) -> bool:
    return bool(
        land.of(
            "aws_bedrock_guardrail",
            "aws_bedrock_model_invocation_logging_configuration",
            "aws_bedrockagent_agent",
        )
    )


@_check("bedrock_vpc_endpoints_configured")
def _bedrock_endpoints(land: Landing) -> Verdict:
    if not _bedrock_in_use(land):
        return Verdict("bedrock_vpc_endpoints_configured", "not evaluated", (),
                       "no Bedrock guardrail, agent or invocation logging in the landing: Prowler skips the region")  # fmt: skip
    found = {e.get("service_name", "").split(".", 3)[-1]: e for e in land.of("aws_vpc_endpoint")}
    present = [s for s in _BEDROCK_ENDPOINTS if s in found]
    missing = [s for s in _BEDROCK_ENDPOINTS if s not in found]
    evidence = tuple(found[s].ev("service_name") for s in present)
    if missing:
        return Verdict("bedrock_vpc_endpoints_configured", "fail", (*evidence, f"no endpoint for {', '.join(missing)}"),
                       "NET-1 creates the Bedrock endpoints the workloads use; Prowler wants all five in every VPC")  # fmt: skip
    return Verdict("bedrock_vpc_endpoints_configured", "pass", evidence)


@_check("vpc_endpoint_for_ec2_enabled")
def _vpce_ec2(land: Landing) -> Verdict:
    endpoints = land.of("aws_vpc_endpoint")
    if not endpoints:
        return Verdict("vpc_endpoint_for_ec2_enabled", "depends", (), _FOUNDATION_ENDPOINTS)
    ec2 = [e for e in endpoints if (e.get("service_name") or "").endswith(".ec2")]
    if ec2:
        return Verdict("vpc_endpoint_for_ec2_enabled", "pass", tuple(e.ev("service_name") for e in ec2))
    return Verdict("vpc_endpoint_for_ec2_enabled", "fail", (f"{len(endpoints)} endpoints, none for com.amazonaws.<region>.ec2",),
                   "no aisec control: the workloads do not call the EC2 API, so NET-1 creates no ec2 endpoint")  # fmt: skip


_INTERNET = ("0.0.0.0/0", "::/0")


def _ingress_rules(land: Landing) -> list[tuple[Resource, str, int, int, str]]:
    """(rule, cidr, from, to, protocol) of every ingress rule of the landing's security groups."""
    rules = []
    for r in land.of("aws_vpc_security_group_ingress_rule"):
        cidr = r.get("cidr_ipv4") or r.get("cidr_ipv6") or ""
        rules.append(
            (r, cidr, r.get("from_port") or 0, r.get("to_port") or 65535, r.get("ip_protocol") or "-1")
        )
    for sg in land.of("aws_security_group"):
        for i in sg.get("ingress") or []:
            for cidr in (i.get("cidr_blocks") or []) + (i.get("ipv6_cidr_blocks") or []):
                rules.append(
                    (sg, cidr, i.get("from_port") or 0, i.get("to_port") or 65535, i.get("protocol") or "-1")
                )
    for r in land.of("aws_security_group_rule"):
        if r.get("type") == "ingress":
            for cidr in (r.get("cidr_blocks") or []) + (r.get("ipv6_cidr_blocks") or []):
                rules.append(
                    (r, cidr, r.get("from_port") or 0, r.get("to_port") or 65535, r.get("protocol") or "-1")
                )
    return rules


_SG_PORTS: dict[str, tuple[int, ...] | None] = {
    "ec2_securitygroup_allow_ingress_from_internet_to_all_ports": None,
    "ec2_securitygroup_allow_ingress_from_internet_to_any_port": (),
    "ec2_securitygroup_allow_wide_open_public_ipv4": (),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22": (22,),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389": (3389,),
    "ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports": (25, 110, 135, 143, 445, 3000, 4333, 5000, 5500, 8080, 8088),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_cassandra_7199_9160_8888": (7199, 9160, 8888),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_elasticsearch_kibana_9200_9300_5601": (9200, 9300, 5601),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_ftp_20_21": (20, 21),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_kafka_9092": (9092,),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_memcached_11211": (11211,),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mongodb_27017_27018": (27017, 27018),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mysql_3306": (3306,),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_oracle_1521_2483": (1521, 2483),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_postgres_5432": (5432,),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_redis_6379": (6379,),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_sql_server_1433_1434": (1433, 1434),
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_telnet_23": (23,),
}  # fmt: skip


def _sg_check(land: Landing, check: str) -> Verdict:
    groups = land.of("aws_security_group")
    if not groups:
        return Verdict(check, "not evaluated", (), "the landing creates no security group")
    ports = _SG_PORTS[check]
    bad = []
    for rule, cidr, lo, hi, proto in _ingress_rules(land):
        if cidr not in _INTERNET:
            continue
        all_ports = proto == "-1" or (lo <= 0 and hi >= 65535)
        if ports is None and not all_ports:
            continue
        if ports and not all_ports and not any(lo <= p <= hi for p in ports):
            continue
        bad.append(f"{rule.address}: ingress {proto} {lo}-{hi} from {cidr}")
    if bad:
        return Verdict(check, "fail", tuple(bad), "NET-3, ML-2")
    return Verdict(check, "pass", tuple(f"{g.address}: no ingress from the internet" for g in groups))


for _name_ in _SG_PORTS:
    _REGISTRY[_name_] = _bind(_sg_check, _name_)


@_check("ec2_securitygroup_default_restrict_traffic")
def _sg_default(land: Landing) -> Verdict:
    found = land.of("aws_default_security_group")
    if found:
        open_ = [g.address for g in found if g.get("ingress") or g.get("egress")]
        return Verdict("ec2_securitygroup_default_restrict_traffic", "fail" if open_ else "pass",
                       tuple(f"{g.address}: ingress/egress rules" for g in found), "NET-3" if open_ else "")  # fmt: skip
    return Verdict("ec2_securitygroup_default_restrict_traffic", "depends", (),
                   "the default security group of the spec's VPC, which the landing does not manage")  # fmt: skip


@_check("ec2_ebs_default_encryption")
def _ebs_default(land: Landing) -> Verdict:
    found = land.of("aws_ebs_encryption_by_default")
    if found:
        ok = found[0].get("enabled") is True
        return Verdict(
            "ec2_ebs_default_encryption",
            "pass" if ok else "fail",
            (found[0].ev("enabled"),),
            "" if ok else "ML-3",
        )
    return Verdict("ec2_ebs_default_encryption", "depends", (),
                   "the account's EBS encryption-by-default setting, per region, outside the landing; SageMaker volumes "
                   "the landing's roles create use the stage's key (ML-3)")  # fmt: skip


@_check("vpc_subnet_no_public_ip_by_default", "vpc_subnet_separate_private_public")
def _subnets(land: Landing, check: str) -> Verdict:
    subnets = land.of("aws_subnet")
    if not subnets:
        return Verdict(
            check,
            "depends",
            (),
            "the subnets of the spec's VPC (network.subnet_ids), which the landing does not create",
        )
    if check == "vpc_subnet_no_public_ip_by_default":
        items = [
            (s.get("map_public_ip_on_launch") is not True, s.ev("map_public_ip_on_launch")) for s in subnets
        ]
        return _judge(check, items, "NET-1", "")
    return Verdict(check, "fail", tuple(s.address for s in subnets),
                   "no aisec control: the landing's created VPC has private subnets only (no internet route)")  # fmt: skip
