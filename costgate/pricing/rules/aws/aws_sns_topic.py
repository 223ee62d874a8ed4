"""aws_sns_topic: API requests (standard or FIFO) and notifications by protocol, as usage."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._usage_helpers import (
    MILLION,
    count,
    gigabytes,
    meter_query,
    per_request_units,
    unknown,
    usage_line,
)

SERVICE = "AmazonSNS"
#: Each 64 KB chunk of a published payload is billed as one request (SNS pricing page).
CHUNK_KB = Decimal(64)

#: usage key → (component name, meter); only priced when the usage file gives the key.
#: SQS and Lambda deliveries are free (their meters are $0) and are not listed.
_NOTIFICATIONS = (
    ("monthly_http_notifications", "HTTP/S notifications", "HTTP Notifications"),
    ("monthly_email_notifications", "Email notifications", "SNS Email and Email JSON Notifications"),
    ("monthly_mobile_push_notifications", "Mobile push notifications",
     "Amazon Device Messaging Mobile Push Notifications"),
    ("monthly_firehose_notifications", "Kinesis Data Firehose notifications",
     "Amazon Kinesis Data Firehose Messages"),
)

USAGE = (
    UsageKey("monthly_requests", int, "Publish and other API requests per month.", 1_000_000),
    UsageKey("request_size_kb", float, "Average published payload (KB); 64 KB chunks bill.", 1),
    UsageKey("monthly_publish_payload_gb", float, "FIFO topics: GB of payload published.", 1),
    *(UsageKey(key, int, f"{name} delivered per month.", 1_000_000)
      for key, name, _ in _NOTIFICATIONS),
)


@pricing_rule("aws_sns_topic", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Requests per 1M (FIFO adds payload GB); deliveries per 1M for each protocol given."""
    if r.is_unknown("fifo_topic"):
        yield unknown("API requests", "1M requests", "fifo_topic")
        return
    requests = count(usage, "monthly_requests")
    size = count(usage, "request_size_kb")
    billed = None if requests is None else requests * per_request_units(size, CHUNK_KB)
    if r.flag("fifo_topic"):  # provider default false
        yield usage_line("API requests (FIFO)", "1M requests",
                         meter_query(SERVICE, r.region, "Amazon SNS FIFO API Requests per Requests"),
                         billed, MILLION)
        yield usage_line("Publish payload (FIFO)", "GB",
                         meter_query(SERVICE, r.region, "SNS FIFO Publish Payload per GB"),
                         gigabytes(usage, "monthly_publish_payload_gb"))
    else:
        yield usage_line("API requests", "1M requests",
                         meter_query(SERVICE, r.region, "Amazon SNS API Requests"),
                         billed, MILLION)
    for key, name, meter in _NOTIFICATIONS:
        quantity = count(usage, key)
        if quantity is not None:
            yield usage_line(name, "1M notifications", meter_query(SERVICE, r.region, meter),
                             quantity, MILLION)
