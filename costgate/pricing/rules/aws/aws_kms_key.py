"""aws_kms_key: one customer managed key per month, plus API requests as usage (by key spec)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._usage_helpers import (
    TEN_THOUSAND,
    count,
    meter_query,
    unknown,
    usage_line,
)

SERVICE = "awskms"
#: Request meters by key spec (AWS KMS pricing page): symmetric and HMAC keys share the
#: general request price, RSA_2048 has its own, every other asymmetric spec the higher one.
_SYMMETRIC = "API request - Non Free Tier"
_RSA_2048 = "Asymmetric Requests RSA_2048"
_ASYMMETRIC = "Asymmetric Requests except RSA_2048API"

USAGE = (UsageKey("monthly_requests", int, "KMS API requests per month using this key.", 100_000),)


@pricing_rule("aws_kms_key", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """$1 per key-month (disabled keys too); requests priced per 10k by the key spec."""
    yield CostComponent(
        name="Customer managed key", unit="months", monthly_quantity=Decimal(1),
        query=meter_query(SERVICE, r.region, "Encryption Key"),
    )
    if r.is_unknown("customer_master_key_spec"):
        yield unknown("Requests", "10k requests", "customer_master_key_spec")
        return
    # Provider default SYMMETRIC_DEFAULT (aws_kms_key docs).
    spec = r.text("customer_master_key_spec") or "SYMMETRIC_DEFAULT"
    if spec == "SYMMETRIC_DEFAULT" or spec.startswith("HMAC_"):
        name, meter = "Requests", _SYMMETRIC
    elif spec == "RSA_2048":
        name, meter = "Requests (asymmetric, RSA_2048)", _RSA_2048
    else:
        name, meter = f"Requests (asymmetric, {spec})", _ASYMMETRIC
    yield usage_line(
        name, "10k requests", meter_query(SERVICE, r.region, meter),
        count(usage, "monthly_requests"), TEN_THOUSAND,
    )
