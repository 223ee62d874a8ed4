"""aws_cloudwatch_log_group: log ingestion (by log class), archived storage, Insights scans."""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._usage_helpers import (
    gigabytes,
    meter_query,
    unknown,
    usage_line,
)

SERVICE = "AmazonCloudWatch"
#: Ingestion meter per ``log_group_class`` (provider default STANDARD). Both are per GB.
_INGESTION = {
    "STANDARD": ("Data ingested", "Logs Collected Data Ingestion"),
    "INFREQUENT_ACCESS": ("Data ingested (infrequent access)",
                          "IA Custom ingested Logs from 0 upto Inf"),
}

USAGE = (
    UsageKey("monthly_data_ingested_gb", float, "GB of log events ingested per month.", 10),
    UsageKey("storage_gb", float, "GB of logs kept (depends on retention_in_days).", 100),
    UsageKey("monthly_data_scanned_gb", float, "GB scanned by Logs Insights queries per month.",
             50),
)


@pricing_rule("aws_cloudwatch_log_group", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Ingestion per GB, storage per GB-month (compressed archive), Insights per GB scanned."""
    if r.is_unknown("log_group_class"):
        yield unknown("Data ingested", "GB", "log_group_class")
    else:
        log_class = r.text("log_group_class") or "STANDARD"
        if log_class not in _INGESTION:
            raise ValueError(f"unknown log_group_class {log_class!r}")
        name, meter = _INGESTION[log_class]
        yield usage_line(name, "GB", meter_query(SERVICE, r.region, meter),
                         gigabytes(usage, "monthly_data_ingested_gb"))
    yield usage_line("Archival storage", "GB", meter_query(SERVICE, r.region, "Stored Data"),
                     gigabytes(usage, "storage_gb"))
    yield usage_line("Insights queries data scanned", "GB",
                     meter_query(SERVICE, r.region, "Queried Logs Insights"),
                     gigabytes(usage, "monthly_data_scanned_gb"))
