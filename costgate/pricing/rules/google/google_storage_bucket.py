"""google_storage_bucket: storage GB-month by class and location type, retrievals (usage).

``storage_class`` STANDARD (default), NEARLINE, COLDLINE, ARCHIVE; the legacy REGIONAL and
MULTI_REGIONAL are Standard, DURABLE_REDUCED_AVAILABILITY is ``dra``. ``location`` decides the
price: a multi-region (``US``, ``EU``, ``ASIA``), a predefined dual-region (``NAM4``, ``EUR4``,
``ASIA1``) or a region. Operations (class A/B), network egress, early deletion and Autoclass
fees are not priced.
"""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent, PriceQuery
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.google._common import GCS, usage_component, usage_number

CLASSES = {
    "STANDARD": "standard", "REGIONAL": "standard", "MULTI_REGIONAL": "standard",
    "NEARLINE": "nearline", "COLDLINE": "coldline", "ARCHIVE": "archive",
    "DURABLE_REDUCED_AVAILABILITY": "dra",
}
MULTI_REGIONS = frozenset({"us", "eu", "asia"})
DUAL_REGIONS = frozenset({"nam4", "eur4", "asia1"})

USAGE = (
    UsageKey("storage_gb", float, "Average GB stored in the bucket per month", 100),
    UsageKey("monthly_data_retrieval_gb", float,
             "GB read back per month (Nearline, Coldline and Archive only)", 10),
)


def location(r: Resource) -> tuple[str | None, str]:
    """(price region, location type) from ``location``, else the resolved region."""
    raw = (r.text("location") or "").lower()
    if raw in MULTI_REGIONS:
        return raw, "multi-region"
    if raw in DUAL_REGIONS:
        return raw, "dual-region"
    return (raw or r.region), "region"


def _query(region: str | None, loc_type: str, cls: str, charge: str) -> PriceQuery:
    return PriceQuery.make("google", GCS, region, product_family="Storage", storage_class=cls,
                           location_type=loc_type, charge=charge)


@pricing_rule("google_storage_bucket", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Storage always shown; retrievals for the cold classes."""
    raw = (r.text("storage_class", "STANDARD") or "STANDARD").upper()
    if raw not in CLASSES:
        raise ValueError(f"unknown storage_class {raw!r}")
    cls = CLASSES[raw]
    region, loc_type = location(r)
    label = cls.capitalize() if cls != "dra" else "Durable reduced availability"
    yield usage_component(f"{label} storage ({loc_type})", "GB",
                          _query(region, loc_type, cls, "storage"),
                          usage_number(usage, "storage_gb"))
    if cls in ("nearline", "coldline", "archive"):
        yield usage_component(f"{label} data retrieval", "GB",
                              _query(region, loc_type, cls, "retrieval"),
                              usage_number(usage, "monthly_data_retrieval_gb"))
