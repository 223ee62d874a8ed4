"""Bulk product → vocabulary ``charge`` / pricing-page ``meter``.

Pricing rules query EBS, NAT gateway and load balancers by ``charge`` and the "query by
meter" services by the pricing-page metric name. Offer files carry neither, so this table maps
``(productFamily, usagetype without its region prefix)`` to them. Every pricing-page ``meter``
below was read off the data: the QuinnyPig raw pricing-page files give each metric's
``rateCode`` (``SKU.term.dim``) and the terracost export has the same SKUs with their bulk
``usagetype`` (eu-west-1, 2023). Usage types that map to several metrics (tiered CloudWatch
metrics and vended logs, engine-specific Aurora snapshots) are not mapped. EBS and NAT have no
pricing-page metrics in the staged data, so they get ``charge`` only. Public IPv4 (AmazonVPC,
2024+) meters come from the AWS naming only and are not SKU-verified.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple


class MeterInfo(NamedTuple):
    """What a bulk product adds: vocabulary charge, pricing-page meter and a tier override."""

    charge: str | None = None
    meter: str | None = None
    #: io2 IOPS tiers come as separate SKUs each ranged 0–Inf; the tier lives in the usagetype.
    tier: tuple[Decimal, Decimal | None] | None = None


_K32 = Decimal(32000)
_K64 = Decimal(64000)

# (productFamily, usagetype suffix) → MeterInfo. Suffix = usagetype without region prefix.
_TABLE: dict[tuple[str, str], MeterInfo] = {
    # --- EBS volumes (AmazonEC2) ---
    **{
        ("Storage", f"EBS:VolumeUsage{sfx}"): MeterInfo("storage")
        for sfx in ("", ".gp2", ".gp3", ".piops", ".io2", ".st1", ".sc1")
    },
    ("System Operation", "EBS:VolumeP-IOPS.gp3"): MeterInfo("iops"),
    ("System Operation", "EBS:VolumeP-IOPS.piops"): MeterInfo("iops"),
    ("System Operation", "EBS:VolumeP-IOPS.io2"): MeterInfo("iops", tier=(Decimal(0), _K32)),
    ("System Operation", "EBS:VolumeP-IOPS.io2.tier2"): MeterInfo("iops", tier=(_K32, _K64)),
    ("System Operation", "EBS:VolumeP-IOPS.io2.tier3"): MeterInfo("iops", tier=(_K64, None)),
    ("System Operation", "EBS:VolumeIOUsage"): MeterInfo("io_requests"),
    ("Provisioned Throughput", "EBS:VolumeP-Throughput.gp3"): MeterInfo("throughput"),
    ("Storage Snapshot", "EBS:SnapshotUsage"): MeterInfo("snapshot"),
    ("Storage Snapshot", "EBS:SnapshotArchiveStorage"): MeterInfo("snapshot_archive"),
    # --- NAT gateway (NatGateway-Prvd-* is excluded by the importers) ---
    ("NAT Gateway", "NatGateway-Hours"): MeterInfo("hours"),
    ("NAT Gateway", "NatGateway-Bytes"): MeterInfo("data_processed"),
    # --- Load balancers (AWSELB; older offers list them under AmazonEC2 too) ---
    ("Load Balancer-Application", "LoadBalancerUsage"): MeterInfo(
        "hours", "Application Load Balancer Hours"
    ),
    ("Load Balancer-Application", "LCUUsage"): MeterInfo(
        "lcu_hours", "Application Load Balancer LCU Hours"
    ),
    ("Load Balancer-Application", "Outposts-LoadBalancerUsage"): MeterInfo(
        None, "AWS Outposts Application Load Balancer Hours"
    ),
    ("Load Balancer-Application", "Outposts-LCUUsage"): MeterInfo(
        None, "AWS Outposts Application Load Balancer LCU Hours"
    ),
    ("Load Balancer-Network", "LoadBalancerUsage"): MeterInfo("hours", "Network Load Balancer Hours"),
    ("Load Balancer-Network", "LCUUsage"): MeterInfo("lcu_hours", "Network Load Balancer LCU Hours"),
    ("Load Balancer-Gateway", "LoadBalancerUsage"): MeterInfo("hours", "Gateway Load Balancer Hours"),
    ("Load Balancer-Gateway", "LCUUsage"): MeterInfo("lcu_hours", "Gateway Load Balancer LCU Hours"),
    ("Load Balancer", "LoadBalancerUsage"): MeterInfo("hours", "Classic Load Balancer Hours"),
    ("Load Balancer", "DataProcessing-Bytes"): MeterInfo("data_processed", "Classic Load Balancer Data"),
    # --- RDS storage (AmazonRDS; the meter names the AZ mode and volume type) ---
    ("Database Storage", "RDS:GP2-Storage"): MeterInfo(None, "Database Storage Single AZ General Purpose"),
    ("Database Storage", "RDS:GP3-Storage"): MeterInfo(None, "Database Storage Single AZ General Purpose-GP3"),
    ("Database Storage", "RDS:PIOPS-Storage"): MeterInfo(None, "Database Storage Single AZ Provisioned IOPS"),
    ("Database Storage", "RDS:StorageUsage"): MeterInfo(None, "Database Storage Single AZ Magnetic"),
    ("Database Storage", "RDS:Multi-AZ-GP2-Storage"): MeterInfo(None, "Database Storage Multi AZ General Purpose"),
    ("Database Storage", "RDS:Multi-AZ-GP3-Storage"): MeterInfo(
        None, "Database Storage Multi AZ General Purpose-GP3"
    ),
    ("Database Storage", "RDS:Multi-AZ-PIOPS-Storage"): MeterInfo(
        None, "Database Storage Multi AZ Provisioned IOPS"
    ),
    ("Database Storage", "RDS:Multi-AZ-StorageUsage"): MeterInfo(None, "Database Storage Multi AZ Magnetic"),
    ("Database Storage", "RDS:Multi-AZCluster-PIOPS-Storage"): MeterInfo(
        None, "Database Storage Multi AZ readable standbys Provisioned IOPS"
    ),
    ("Database Storage", "RDS:Mirror-GP2-Storage"): MeterInfo(
        None, "Database Storage Multi AZ SQL Server Mirror General Purpose"
    ),
    ("Database Storage", "RDS:Mirror-GP3-Storage"): MeterInfo(
        None, "Database Storage Multi AZ SQL Server Mirror General Purpose-GP3"
    ),
    ("Database Storage", "RDS:Mirror-PIOPS-Storage"): MeterInfo(
        None, "Database Storage Multi AZ SQL Server Mirror Provisioned IOPS"
    ),
    ("Database Storage", "RDS:Mirror-StorageUsage"): MeterInfo(
        None, "Database Storage Multi AZ SQL Server Mirror Magnetic"
    ),
    ("Database Storage", "Aurora:StorageUsage"): MeterInfo(None, "Database Storage Single AZ General Purpose-Aurora"),
    ("Provisioned IOPS", "RDS:PIOPS"): MeterInfo(None, "Provisioned IOPS Single AZ"),
    ("Provisioned IOPS", "RDS:Multi-AZ-PIOPS"): MeterInfo(None, "Provisioned IOPS Multi AZ"),
    ("Provisioned IOPS", "RDS:Multi-AZCluster-PIOPS"): MeterInfo(None, "Provisioned IOPS Multi AZ readable standbys"),
    ("Provisioned IOPS", "RDS:Mirror-PIOPS"): MeterInfo(None, "Provisioned IOPS Multi AZ SQL Server Mirror"),
    ("Provisioned IOPS", "RDS:GP3-PIOPS"): MeterInfo(None, "Provisioned GP3 IOPS Single AZ"),
    ("Provisioned IOPS", "RDS:Multi-AZ-GP3-PIOPS"): MeterInfo(None, "Provisioned GP3 IOPS Multi AZ"),
    ("Provisioned IOPS", "RDS:Mirror-GP3-PIOPS"): MeterInfo(None, "Provisioned GP3 IOPS Multi AZ SQL Server Mirror"),
    ("Provisioned Throughput", "RDS:GP3-Throughput"): MeterInfo(None, "Provisioned Throughput Single AZ"),
    ("Provisioned Throughput", "RDS:Multi-AZ-GP3-Throughput"): MeterInfo(None, "Provisioned Throughput Multi AZ"),
    ("Provisioned Throughput", "RDS:Mirror-GP3-Throughput"): MeterInfo(
        None, "Provisioned Throughput Multi AZ SQL Server Mirror"
    ),
    ("Storage Snapshot", "RDS:ChargedBackupUsage"): MeterInfo(None, "Storage Snapshot"),
    ("System Operation", "RDS:StorageIOUsage"): MeterInfo(None, "System Operation Magnetic"),
    # --- CloudWatch (one metric per usagetype only) ---
    ("Alarm", "CW:AlarmMonitorUsage"): MeterInfo(None, "Alarm Standard"),
    ("Alarm", "CW:HighResAlarmMonitorUsage"): MeterInfo(None, "Alarm High Resolution"),
    ("Alarm", "CW:CompositeAlarmMonitorUsage"): MeterInfo(None, "Alarm Composite"),
    ("Alarm", "CW:MetricInsightAlarmUsage"): MeterInfo(None, "Metrics Insights Alarms Standard"),
    ("API Request", "CW:Requests"): MeterInfo(None, "API Request"),
    ("API Request", "CW:GMD-Metrics"): MeterInfo(None, "API Request GetMetricData"),
    ("API Request", "CW:GMWI-Metrics"): MeterInfo(None, "API Request GetMetricWidgetImage"),
    ("API Request", "CW:GIRR-Metrics"): MeterInfo(None, "API Request GetInsightRuleReport"),
    ("Storage Snapshot", "TimedStorage-ByteHrs"): MeterInfo(None, "Stored Data"),
    ("Canaries", "CW:Canary-runs"): MeterInfo(None, "Canaries per Runs"),
    ("Data Payload", "DataScanned-Bytes"): MeterInfo(None, "Queried Logs Insights"),
    ("Data Payload", "DataProcessing-Bytes"): MeterInfo(None, "Logs Collected Data Ingestion"),
    ("Metric Streams", "CW:MetricStreamUsage"): MeterInfo(None, "Metric Streams MetricUpdate"),
    ("Contributor Insights", "CW:ContributorInsightRules"): MeterInfo(None, "Contributor Insights CloudWatchLogs"),
    ("Contributor Insights", "CW:ContributorRulesManaged"): MeterInfo(None, "Contributor Insights DynamoDB"),
    # --- Public IPv4 (AmazonVPC since 2024; naming only, not SKU-verified) ---
    ("VPC Public IPv4 Address", "PublicIPv4:InUseAddress"): MeterInfo(
        None, "Hourly charge for In use Public IPv4 Addresses per Hrs"
    ),
    ("VPC Public IPv4 Address", "PublicIPv4:IdleAddress"): MeterInfo(
        None, "Hourly charge for Idle Public IPv4 Addresses per Hrs"
    ),
}

# Region prefixes look like "EU", "USE1", "EUW3", "APN1", "UGW1" (GovCloud) and, for Local
# Zones, a second token ("USW2-LAX1-"). Meter tokens always contain lower case or a colon.
_PREFIX = re.compile(r"^(?:[A-Z]{2,4}[0-9]{0,2}-){1,2}")


def usage_suffix(usagetype: str) -> str:
    """``EU-EBS:VolumeUsage.gp3`` → ``EBS:VolumeUsage.gp3``; us-east-1 types have no prefix."""
    match = _PREFIX.match(usagetype)
    if match is None:
        return usagetype
    rest = usagetype[match.end() :]
    # "EU-Outposts-LCUUsage" keeps "Outposts-..."; never strip into the meter itself.
    return rest if rest else usagetype


def lookup(product_family: str, usagetype: str) -> MeterInfo | None:
    """The charge/meter for one bulk product, or ``None`` when the table does not map it."""
    return _TABLE.get((product_family, usage_suffix(usagetype)))


def is_private_nat(usagetype: str) -> bool:
    """True for ``NatGateway-Prvd-*`` SKUs, which the vocabulary excludes."""
    return usage_suffix(usagetype).startswith("NatGateway-Prvd")


@lru_cache(maxsize=1)
def elb_meters() -> dict[str, tuple[str, str | None]]:
    """Pricing-page ELB metric → (product family, charge), for the pricing-page importer."""
    return {
        info.meter: (family, info.charge)
        for (family, _), info in _TABLE.items()
        if info.meter is not None and family.startswith("Load Balancer")
    }
