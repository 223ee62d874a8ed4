"""A price store for equivalence tests: every query gets a price derived from its own hash.

HCL mode and plan mode must ask the store exactly the same questions; with a price that is a
function of the whole query, any difference in region, instance type, volume type or
quantity shows up as a different cost. (No real snapshot is needed, so the test runs
everywhere.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from costgate.model.pricing import PriceMatch, PriceQuery, PriceRecord, Provenance, Trust


class DigestStore:
    """Answers every query with one record priced from the query's digest."""

    snapshot_id = "digest-store"

    def __init__(self) -> None:
        self.queries: set[PriceQuery] = set()

    def lookup_many(self, queries: list[PriceQuery]) -> dict[PriceQuery, PriceMatch]:
        out: dict[PriceQuery, PriceMatch] = {}
        for q in queries:
            self.queries.add(q)
            digest = hashlib.sha256(repr(q).encode()).hexdigest()
            record = PriceRecord(
                provider=q.provider,
                service=q.service,
                product_family=q.product_family or "",
                region=q.region,
                attributes=dict(q.attributes),
                purchase_option=q.purchase_option,
                unit=q.unit or "hour",
                price=Decimal(int(digest[:6], 16) % 997 + 1) / Decimal(1000),
                native_id=digest[:16],
                provenance=Provenance(source="digest", source_file="-",
                                      price_date=dt.date(2026, 1, 1), trust=Trust.DERIVED),
            )
            out[q] = PriceMatch(query=q, tiers=(record,), candidates=1)
        return out
