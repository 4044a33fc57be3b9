"""A monthly estimate of what a root module adds, from a dated price table kept as data.

Shared items (the trail, endpoints, Macie account, alarms) cost the same for one workload or ten;
per-stage items (keys, buckets, requests, Macie scans) grow with workloads and stages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from generator.catalog import load_yaml
from generator.decide.policy import Controls


@cache
def price_table() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(
        (Path(__file__).parent.parent / "data" / "prices.yaml").read_text(encoding="utf-8")
    )
    return data


@dataclass(frozen=True)
class Line:
    item: str
    quantity: float
    unit: str
    unit_price: float
    scope: str  # "shared" or "per workload"

    @property
    def monthly(self) -> float:
        return round(self.quantity * self.unit_price, 2)


def resource_counts(c: Controls) -> dict[str, int]:
    """What the landing's root module creates, counted once for every report (render, check-spec,
    the cost table, the wizard): KMS keys and S3 buckets of the stages and of the foundation."""
    foundation = c.foundation
    return {
        "stage_keys": sum(len(s.keys) for s in c.stages),
        "foundation_keys": len(foundation.keys) if foundation else 0,
        "stage_buckets": sum(len(s.buckets) for s in c.stages),
        "foundation_buckets": len(foundation.bucket_domains) if foundation else 0,
        "workload_roles": sum(len(s.roles) for s in c.stages),
        "alarms": len(c.alarms),
    }


def estimate(c: Controls) -> dict[str, Any]:
    table = price_table()
    factor = float(table["region_factors"].get(c.spec.aws.region, 1.0))
    p = {k: float(v) * factor for k, v in table["prices"].items()}
    hours = float(table["hours_per_month"])
    a = c.spec.cost
    stages = c.stages
    scanned_stages = sum(1 for s in stages if s.macie_job)  # confidential, restricted, rag corpora
    lines: list[Line] = []

    def add(item: str, quantity: float, unit: str, price: float, scope: str) -> None:
        if quantity:
            lines.append(Line(item, quantity, unit, price, scope))

    counts = resource_counts(c)
    add("KMS customer-managed keys", counts["stage_keys"], "keys", p["kms_key_month"], "per workload")
    add("KMS customer-managed keys (audit, alerts, service logs)", counts["foundation_keys"], "keys",
        p["kms_key_month"], "shared")  # fmt: skip
    add(
        "KMS requests",
        a.kms_requests * len(stages) / 10_000,
        "10k requests",
        p["kms_requests_per_10k"],
        "per workload",
    )
    add(
        "S3 storage (datasets, artifacts)",
        (a.data_gb + a.artifact_gb) * len(stages),
        "GB-month",
        p["s3_standard_gb_month"],
        "per workload",
    )
    add("S3 requests", a.s3_requests * len(stages) / 1000, "1k requests", p["s3_get_per_1k"], "per workload")
    image_stages = sum(1 for s in stages if s.images is not None and s.images.repositories)
    add(
        "ECR storage (repositories the landing creates)",
        a.image_gb * image_stages,
        "GB-month",
        p["ecr_storage_gb_month"],
        "per workload",
    )
    add(
        "Macie buckets monitored", counts["stage_buckets"], "buckets", p["macie_bucket_month"], "per workload"
    )
    add(
        "Macie sensitive data discovery",
        a.macie_scanned_gb * scanned_stages,
        "GB scanned",
        p["macie_scanned_gb"],
        "per workload",
    )
    add("CloudWatch Logs ingestion", a.log_gb, "GB", p["cloudwatch_logs_ingest_gb"], "shared")
    months_kept = min(c.retention_days / 30, 12)
    add(f"CloudWatch Logs storage (steady state after {months_kept:.0f} months)", a.log_gb * months_kept, "GB-month",
        p["cloudwatch_logs_store_gb_month"], "shared")  # fmt: skip
    if c.foundation is not None:
        azs = len(c.spec.network.subnet_ids)
        n = len(c.interface_endpoints)
        add(f"Interface endpoints ({n} services x {azs} AZs)", n * azs * hours, "endpoint-AZ-hours",
            p["interface_endpoint_az_hour"], "shared")  # fmt: skip
        add("Interface endpoint data processed", a.endpoint_gb, "GB", p["interface_endpoint_gb"], "shared")
        add(
            "CloudTrail S3 data events",
            a.data_events / 100_000,
            "100k events",
            p["cloudtrail_data_events_per_100k"],
            "shared",
        )
        # ApiCallRateInsight analyses write management events, ApiErrorRateInsight all of them: at
        # most twice the management events (the upper bound, as the write share is unknown).
        add(
            "CloudTrail Insights (API call and error rates; at most 2 analyses per management event)",
            2 * a.management_events / 100_000,
            "100k events analysed",
            p["cloudtrail_insights_per_100k"],
            "shared",
        )
        add("CloudWatch alarms", len(c.alarms), "alarms", p["cloudwatch_alarm_month"], "shared")
        add(
            "CloudWatch metrics from metric filters",
            len(c.alarms),
            "metrics",
            p["cloudwatch_custom_metric_month"],
            "shared",
        )
        archive = c.foundation.archive
        add("Macie buckets monitored (audit buckets)", counts["foundation_buckets"], "buckets",
            p["macie_bucket_month"], "shared")  # fmt: skip
        if archive is not None:
            # Billed to the log-archive account: its key (the bucket storage is counted below).
            add(
                f"KMS key of the log archive (account {archive.account})",
                1,
                "keys",
                p["kms_key_month"],
                "shared",
            )
        add(
            "S3 storage (trail in the log archive, findings, access logs)"
            if archive
            else "S3 storage (trail, findings, access logs)",
            a.log_gb * months_kept,
            "GB-month",
            p["s3_standard_gb_month"],
            "shared",
        )
        if archive is not None:
            # The access logs' replicas, billed to the log-archive account (SECURITY-BAR 29).
            add(f"S3 storage of the access logs replicated to the log archive (account {archive.account})",
                a.access_log_gb * months_kept, "GB-month", p["s3_standard_gb_month"], "shared")  # fmt: skip
            if archive.region != c.spec.aws.region:
                add(f"S3 replication transfer {c.spec.aws.region} -> {archive.region}", a.access_log_gb, "GB",
                    p["s3_inter_region_transfer_gb"], "shared")  # fmt: skip
    # Generated notebook instances (ML-4), billed as if running all month: stop them when idle.
    for s in stages:
        nb = s.notebook
        if nb is None:
            continue
        rate = table["notebook_instance_hour"].get(nb.instance_type)
        priced = "" if rate is not None else ", not in the price table: not estimated"
        add(f"SageMaker notebook instance {nb.name} ({nb.instance_type}, running all month{priced})", hours,
            "instance-hours", float(rate or 0) * factor, "per workload")  # fmt: skip
        add(f"SageMaker notebook ML storage ({nb.name})", nb.volume_size_gb, "GB-month",
            float(table["notebook_volume_gb_month"]) * factor, "per workload")  # fmt: skip
    d = c.detective
    if d is not None:  # account-level detective controls created here (DET-1..5)
        if d.mode("guardduty") == "create":
            add("GuardDuty management event analysis", a.management_events / 1e6, "1M events",
                p["guardduty_mgmt_events_per_1m"], "shared")  # fmt: skip
            add("GuardDuty S3 protection (data events)", a.data_events / 1e6, "1M events",
                p["guardduty_s3_events_per_1m"], "shared")  # fmt: skip
            add("GuardDuty VPC flow log analysis", a.flow_log_gb, "GB", p["guardduty_flow_log_gb"], "shared")
        if d.mode("security_hub") == "create":
            add(f"Security Hub security checks ({len(d.standards)} standards)", a.security_checks, "checks",
                p["securityhub_check"], "shared")  # fmt: skip
        if d.mode("config") == "create":
            add("AWS Config configuration items", a.config_items, "items", p["config_item"], "shared")
            add(f"AWS Config conformance pack evaluations ({len(d.conformance_packs)} pack(s))", a.config_evaluations,
                "evaluations", p["config_pack_evaluation"], "shared")  # fmt: skip
        if d.mode("access_analyzer") == "create":
            add("IAM Access Analyzer unused access", a.iam_principals, "roles and users",
                p["access_analyzer_unused_principal"], "shared")  # fmt: skip
        if d.mode("flow_logs") == "create":
            add("VPC flow logs ingestion (CloudWatch Logs, vended)", a.flow_log_gb, "GB",
                p["cloudwatch_logs_ingest_gb"], "shared")  # fmt: skip
            add(f"VPC flow logs storage (steady state after {months_kept:.0f} months)", a.flow_log_gb * months_kept,
                "GB-month", p["cloudwatch_logs_store_gb_month"], "shared")  # fmt: skip
    shared = round(sum(line.monthly for line in lines if line.scope == "shared"), 2)
    per_workload = round(sum(line.monthly for line in lines if line.scope == "per workload"), 2)
    return {
        "name": c.spec.name,
        "region": c.spec.aws.region,
        "currency": "USD",
        "prices_as_of": table["as_of"],
        "region_factor": factor,
        "assumptions": a.model_dump(),
        "lines": [
            {
                "item": line.item,
                "quantity": round(line.quantity, 2),
                "unit": line.unit,
                "unit_price": round(line.unit_price, 6),
                "monthly": line.monthly,
                "scope": line.scope,
            }
            for line in lines
        ],
        "shared_monthly": shared,
        "workloads_monthly": per_workload,
        "total_monthly": round(shared + per_workload, 2),
        "workloads": len(c.workloads),
    }


def estimate_line(e: dict[str, Any]) -> str:
    return (
        f"about ${e['total_monthly']:,.2f}/month ({e['prices_as_of']} {e['region']} list prices): "
        f"${e['shared_monthly']:,.2f} shared by all workloads, ${e['workloads_monthly']:,.2f} for "
        f"{e['workloads']} workload(s)"
    )
