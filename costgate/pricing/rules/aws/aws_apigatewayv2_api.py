"""aws_apigatewayv2_api: HTTP API requests, or WebSocket messages and connection minutes, as usage."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.pricing import CostComponent, PriceQuery
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import no_query
from costgate.pricing.rules.aws._usage_helpers import (
    BILLION,
    MILLION,
    Tier,
    count,
    meter_query,
    per_request_units,
    tiered_components,
    unknown,
    usage_line,
)

SERVICE = "AmazonApiGateway"
#: Metering increments (API Gateway pricing page): HTTP requests per 512 KB, messages per 32 KB.
HTTP_CHUNK_KB = Decimal(512)
MESSAGE_CHUNK_KB = Decimal(32)

_HTTP_TIERS = (
    Tier("first 300M", 300 * MILLION, "ApiGatewayHttpApi First 300 million"),
    Tier("over 300M", None, "ApiGatewayHttpApi more than 300 million"),
)
_MESSAGE_TIERS = (
    Tier("first 1B", BILLION, "WebSocket Messages Messages first 1 billion"),
    Tier("over 1B", None, "WebSocket Messages Messages over 1 billion"),
)

USAGE = (
    UsageKey("monthly_requests", int, "HTTP API: requests per month.", 1_000_000),
    UsageKey("request_size_kb", float, "HTTP API: average request size (KB), 512 KB units.", 4),
    UsageKey("monthly_messages", int, "WebSocket API: messages per month.", 1_000_000),
    UsageKey("message_size_kb", float, "WebSocket API: average message size (KB), 32 KB units.", 1),
    UsageKey("monthly_connection_mins", int, "WebSocket API: connection minutes per month.",
             1_000_000),
)


@pricing_rule("aws_apigatewayv2_api", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """``protocol_type`` HTTP: requests; WEBSOCKET: messages plus connection minutes."""
    if r.is_unknown("protocol_type"):
        yield unknown("Requests", "1M requests", "protocol_type")
        return
    protocol = r.text("protocol_type")
    if protocol is None:  # required by the provider; a hand-made plan may omit it
        yield no_query("Requests", "1M requests", "protocol_type is not set")
        return

    def query(meter: str) -> PriceQuery:
        return meter_query(SERVICE, r.region, meter)

    if protocol == "HTTP":
        requests = count(usage, "monthly_requests")
        size = count(usage, "request_size_kb")
        billed = None if requests is None else requests * per_request_units(size, HTTP_CHUNK_KB)
        yield from tiered_components("Requests", "1M requests", billed, _HTTP_TIERS, query,
                                     multiplier=MILLION)
    elif protocol == "WEBSOCKET":
        messages = count(usage, "monthly_messages")
        size = count(usage, "message_size_kb")
        billed = None if messages is None else messages * per_request_units(size, MESSAGE_CHUNK_KB)
        yield from tiered_components("Messages", "1M messages", billed, _MESSAGE_TIERS, query,
                                     multiplier=MILLION)
        yield usage_line("Connection duration", "1M minutes",
                         query("WebSocket Connection Minutes"),
                         count(usage, "monthly_connection_mins"), MILLION)
    else:
        raise ValueError(f"unknown API Gateway v2 protocol_type {protocol!r}")
