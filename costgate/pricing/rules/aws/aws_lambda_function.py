"""aws_lambda_function: requests, duration (GB-seconds, tiered) and ephemeral storage above 512 MB.

Prices (AWSLambda pricing page, x86_64 vs arm64 meters): requests per request shown per 1M;
duration per GB-second in three monthly tiers (x86: 6B / 9B / over 15B GB-s; arm64: 7.5B /
11.25B / over 18.75B); ephemeral storage per GB-second above the free 512 MB. The per-account
free tier is not deducted (it applies to the account, not to one function).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_CEILING, Decimal

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import positive
from costgate.pricing.rules.aws._usage_helpers import (
    BILLION,
    MILLION,
    Tier,
    attribute,
    count,
    meter_query,
    tiered_components,
    unknown,
    usage_line,
)

SERVICE = "AWSLambda"
#: AWS provider defaults: memory_size 128 MB, ephemeral_storage.size 512 MB, architectures x86_64.
DEFAULT_MEMORY_MB = 128
DEFAULT_EPHEMERAL_MB = 512
MAX_MB = 10240  # Lambda's limit for both memory and ephemeral storage
_MB_PER_GB = Decimal(1024)

_DURATION_TIERS = {
    "x86_64": (
        Tier("first 6B", 6 * BILLION, "Lambda Duration"),
        Tier("next 9B", 9 * BILLION, "Lambda Duration Tier2"),
        Tier("over 15B", None, "Lambda Duration Tier3"),
    ),
    "arm64": (
        Tier("arm64, first 7.5B", Decimal("7.5") * BILLION, "Lambda Duration-ARM"),
        Tier("arm64, next 11.25B", Decimal("11.25") * BILLION, "Lambda Duration-ARM Tier2"),
        Tier("arm64, over 18.75B", None, "Lambda Duration-ARM Tier3"),
    ),
}
_SUFFIX = {"x86_64": "", "arm64": "-ARM"}

USAGE = (
    UsageKey("monthly_requests", int, "Invocations per month.", 1_000_000),
    UsageKey("request_duration_ms", float, "Average billed duration of one invocation (ms).", 250),
)


@pricing_rule("aws_lambda_function", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Requests and GB-seconds from usage; memory, architecture and ephemeral size from the plan."""
    arch = _architecture(r)
    if arch is None:
        yield unknown("Requests", "1M requests", "architectures")
        yield unknown("Duration", "GB-seconds", "architectures")
        return
    memory = attribute(r, "memory_size", DEFAULT_MEMORY_MB, minimum=128, maximum=MAX_MB)
    requests = count(usage, "monthly_requests")
    duration_ms = count(usage, "request_duration_ms")
    region = r.region
    yield usage_line(
        "Requests" if arch == "x86_64" else "Requests (arm64)", "1M requests",
        meter_query(SERVICE, region, f"Lambda Requests{_SUFFIX[arch]}"), requests, MILLION,
    )
    seconds = _billed_seconds(requests, duration_ms)
    if memory is None:
        yield unknown("Duration", "GB-seconds", "memory_size")
    else:
        gb_seconds = None if seconds is None else seconds * memory / _MB_PER_GB
        yield from tiered_components(
            "Duration", "GB-seconds", gb_seconds, _DURATION_TIERS[arch],
            lambda meter: meter_query(SERVICE, region, meter),
        )
    ephemeral = _ephemeral_mb(r)
    if ephemeral is None:
        yield unknown("Ephemeral storage", "GB-seconds", "ephemeral_storage.size")
    elif ephemeral > DEFAULT_EPHEMERAL_MB:
        extra_gb = (ephemeral - DEFAULT_EPHEMERAL_MB) / _MB_PER_GB
        yield usage_line(
            f"Ephemeral storage (above {DEFAULT_EPHEMERAL_MB} MB)", "GB-seconds",
            meter_query(SERVICE, region, f"Lambda Storage-Duration{_SUFFIX[arch]}"),
            None if seconds is None else seconds * extra_gb,
        )


def _architecture(r: Resource) -> str | None:
    """``x86_64`` or ``arm64`` (provider default x86_64); None when unknown until apply."""
    if r.is_unknown("architectures"):
        return None
    value = r.get("architectures")
    if not value:
        return "x86_64"
    arch = str(value[0]) if isinstance(value, list) else str(value)
    if arch not in _DURATION_TIERS:
        raise ValueError(f"unknown Lambda architecture {arch!r}")
    return arch


def _billed_seconds(requests: Decimal | None, duration_ms: Decimal | None) -> Decimal | None:
    """Total billed seconds: each invocation rounds up to the next millisecond (AWS billing)."""
    if requests is None or duration_ms is None:
        return None
    return requests * duration_ms.to_integral_value(rounding=ROUND_CEILING) / 1000


def _ephemeral_mb(r: Resource) -> Decimal | None:
    """``ephemeral_storage[0].size`` in MB (default 512); None when unknown until apply."""
    if r.is_unknown("ephemeral_storage"):
        return None
    blocks = r.blocks("ephemeral_storage")
    if not blocks or blocks[0].get("size") is None:
        return Decimal(DEFAULT_EPHEMERAL_MB)
    size = positive(blocks[0]["size"], "ephemeral_storage.size", maximum=MAX_MB)
    if size < DEFAULT_EPHEMERAL_MB:
        raise ValueError(f"ephemeral_storage.size = {size} MB is outside 512..{MAX_MB}")
    return size
