"""aws_cloudwatch_metric_alarm: alarm metrics per month, standard or high resolution.

AWS bills an alarm per metric it evaluates: a metric-math alarm pays for each ``metric_query``
that reads a metric (expressions are free), an anomaly-detection alarm for three metrics per
metric (the metric plus the band's upper and lower bounds). A period under 60 s is high
resolution ($0.30 instead of $0.10 per alarm metric in us-east-1).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.aws._common import positive
from costgate.pricing.rules.aws._usage_helpers import meter_query, unknown

SERVICE = "AmazonCloudWatch"
_ANOMALY_OPERATORS = frozenset({
    "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
})
#: Sanity bound for ``period`` in seconds (a week; CloudWatch's own limit is lower).
_MAX_PERIOD = 86400 * 7


@pricing_rule("aws_cloudwatch_metric_alarm")
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """One component: alarm metrics × the standard or high-resolution price."""
    if r.is_unknown("metric_query") or r.is_unknown("period"):
        yield unknown("Alarm metrics", "alarm metrics", "metric_query/period")
        return
    queries = r.blocks("metric_query")
    metrics = sum(1 for q in queries if _metric_of(q)) if queries else 1
    periods = [_period(q.get("metric") or {}) for q in queries if _metric_of(q)]
    if not queries:
        periods = [_period(r.attributes)]
    known = [p for p in periods if p is not None]
    high_res = bool(known) and min(known) < 60
    anomaly = r.text("comparison_operator") in _ANOMALY_OPERATORS
    quantity = Decimal(max(metrics, 1)) * (3 if anomaly else 1)
    name = "High resolution" if high_res else "Standard resolution"
    if anomaly:
        name += " anomaly detection"
    yield CostComponent(
        name=f"{name} alarm metrics", unit="alarm metrics", monthly_quantity=quantity,
        query=meter_query(SERVICE, r.region,
                          "Alarm High Resolution" if high_res else "Alarm Standard"),
    )


def _metric_of(query: dict[str, object]) -> bool:
    """True when a ``metric_query`` block reads a metric (not a math expression)."""
    metric = query.get("metric")
    return bool(metric) and not query.get("expression")


def _period(block: object) -> Decimal | None:
    """The evaluation period in seconds of a block (top level or ``metric``); None if unset."""
    if isinstance(block, list):
        block = block[0] if block else {}
    if not isinstance(block, dict) or block.get("period") is None:
        return None
    return positive(block["period"], "period", maximum=_MAX_PERIOD)
