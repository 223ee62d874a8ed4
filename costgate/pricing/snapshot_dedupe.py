"""Snapshot dedupe: when several sources price the same product, keep one and say why.

Records are grouped by *product identity*: provider, service, product family, region,
purchase option, term, payment, unit, currency and an attribute key. The attribute key is the
full attribute set, except for product kinds that several sources describe with different
attribute sets (``IDENTITY_ATTRS``): there it is only the attributes the thinnest source sets
(an EC2 instance from terracost carries ``usage_type``, Karpenter's only the six vocabulary
attributes), so both land in one group. A record missing one of those attributes keeps its
full attribute set as key.

In a group priced by more than one source, the best source wins: lowest trust rank (RAW >
PROVIDER-JSON > DERIVED > CURATED), then the newest price date in the group, then the smaller
source id. All of its records in the group are kept (its whole tier table, or several products
the projection folded together - the store tells those apart or flags them ambiguous); the
other sources' records are dropped and each drop is recorded as a :class:`Choice`.
Byte-identical records are kept once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from costgate.model.base import Frozen
from costgate.model.money import money_str
from costgate.model.pricing import TRUST_RANK, PriceRecord

EC2_INSTANCE = ("instance_type", "operating_system", "tenancy", "pre_installed_sw",
                "license_model", "capacity_status")
_EBS = ("volume_api_name", "charge")

#: (provider, service, product_family) → the attributes that identify the product across sources.
IDENTITY_ATTRS: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("aws", "AmazonEC2", "Compute Instance"): EC2_INSTANCE,
    ("aws", "AmazonEC2", "Storage"): _EBS,
    ("aws", "AmazonEC2", "System Operation"): _EBS,
    ("aws", "AmazonEC2", "Provisioned Throughput"): _EBS,
    ("aws", "AmazonEC2", "Storage Snapshot"): ("charge",),
    ("aws", "AmazonEC2", "NAT Gateway"): ("charge",),
    ("aws", "AWSELB", "Load Balancer-Application"): ("charge",),
    ("aws", "AWSELB", "Load Balancer-Network"): ("charge",),
    ("aws", "AWSELB", "Load Balancer-Gateway"): ("charge",),
    ("aws", "AWSELB", "Load Balancer"): ("charge",),
    ("aws", "AmazonRDS", "Database Instance"): ("instance_type", "database_engine",
                                                "deployment_option", "license_model"),
    ("aws", "AmazonElastiCache", "Cache Instance"): ("instance_type", "cache_engine"),
}

GroupKey = tuple[Any, ...]


class PairCount(Frozen):
    """Drops for one (kept source, dropped source) pair."""

    dropped: int = 0
    differed: int = 0


class DedupeSummary(Frozen):
    """The manifest's summary of every dedupe choice."""

    rule: str = "identity per product kind; trust, then newest price date, then source id"
    groups_resolved: int = 0  # groups priced by more than one source
    rows_dropped: int = 0
    prices_differed: int = 0
    exact_duplicates: int = 0
    by_pair: dict[str, PairCount] = {}  # "kept-source <- dropped-source"


@dataclass(slots=True)
class Item:
    """A record reduced to what dedupe and the writer need (keeps build memory small)."""

    group: GroupKey
    rank: tuple[int, str]  # (trust rank, source id): the source within a group
    date: dt.date
    tier_start: Decimal
    price: Decimal
    native_id: str
    source_file: str
    line: str


@dataclass(frozen=True)
class Choice:
    """One dropped record and the record kept in its place."""

    group: GroupKey
    tier_start: Decimal
    kept: Item
    dropped: Item

    @property
    def differed(self) -> bool:
        return self.kept.price != self.dropped.price

    def line(self) -> str:
        provider, service, family, region, po, term, payment, unit, currency, key = self.group
        return json.dumps({
            "provider": provider, "service": service, "region": region,
            "product_family": family, "key": dict(key), "purchase_option": po,
            "term": term, "payment": payment, "unit": unit, "currency": currency,
            "tier_start": money_str(self.tier_start),
            "kept_source": self.kept.rank[1], "kept_native_id": self.kept.native_id,
            "kept_price": money_str(self.kept.price),
            "dropped_source": self.dropped.rank[1], "dropped_native_id": self.dropped.native_id,
            "dropped_price": money_str(self.dropped.price), "dropped_file": self.dropped.source_file,
            "differed": self.differed,
        }, ensure_ascii=False, separators=(",", ":"))


def group_key(rec: PriceRecord) -> GroupKey:
    """The product identity of a record (see the module docstring)."""
    attrs = rec.attributes
    names = IDENTITY_ATTRS.get((rec.provider, rec.service, rec.product_family))
    if names is not None and all(n in attrs for n in names):
        key = tuple((n, attrs[n]) for n in sorted(names))
    else:
        key = tuple(sorted(attrs.items()))
    return (rec.provider, rec.service, rec.product_family, rec.region,
            rec.purchase_option.value, rec.term, rec.payment, rec.unit, rec.currency, key)


def dedupe(
    records: Iterable[PriceRecord],
    read_per_file: Counter[str],
    read_dates: dict[str, tuple[dt.date, dt.date]],
    to_line: Callable[[PriceRecord], str],
) -> tuple[list[tuple[str, str, str | None, Item]], list[Choice], DedupeSummary]:
    """Group, choose and return ``(kept (provider, service, region, item)), choices, summary)``.

    ``read_per_file`` and ``read_dates`` are filled with the number of records and the price
    date range read per provenance file; ``to_line`` renders a record as its snapshot line
    (the format lives in ``snapshot``).
    """
    groups: dict[GroupKey, list[Item]] = defaultdict(list)
    for rec in records:
        prov = rec.provenance
        read_per_file[prov.source_file] += 1
        lo, hi = read_dates.get(prov.source_file, (prov.price_date, prov.price_date))
        if prov.price_date < lo or prov.price_date > hi or prov.source_file not in read_dates:
            read_dates[prov.source_file] = (min(lo, prov.price_date), max(hi, prov.price_date))
        key = group_key(rec)
        groups[key].append(Item(
            group=key, rank=(TRUST_RANK[prov.trust], prov.source), date=prov.price_date,
            tier_start=rec.tier_start, price=rec.price, native_id=rec.native_id,
            source_file=prov.source_file, line=to_line(rec),
        ))

    kept: list[tuple[str, str, str | None, Item]] = []
    choices: list[Choice] = []
    exact = 0
    for key, items in groups.items():
        seen: set[str] = set()
        unique = []
        for it in items:
            if it.line in seen:
                exact += 1
                continue
            seen.add(it.line)
            unique.append(it)
        winners = unique
        if len({it.rank for it in unique}) > 1:
            best = _best_source(unique)
            winners = [it for it in unique if it.rank == best]
            choices.extend(Choice(key, it.tier_start, _counterpart(winners, it), it)
                           for it in unique if it.rank != best)
        kept.extend((key[0], key[1], key[3], it) for it in winners)

    return kept, choices, _summarise(choices, exact)


def _best_source(items: list[Item]) -> tuple[int, str]:
    newest: dict[tuple[int, str], dt.date] = {}
    for it in items:
        if it.rank not in newest or it.date > newest[it.rank]:
            newest[it.rank] = it.date
    return min(newest, key=lambda r: (r[0], -newest[r].toordinal(), r[1]))


def _counterpart(winners: list[Item], dropped: Item) -> Item:
    """The kept record at the dropped record's tier (else the first tier), lowest native id."""
    same = [w for w in winners if w.tier_start == dropped.tier_start] or winners
    return min(same, key=lambda w: (w.tier_start, w.native_id))


def _summarise(choices: list[Choice], exact: int) -> DedupeSummary:
    pairs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    groups = set()
    for c in choices:
        groups.add(c.group)
        pair = pairs[f"{c.kept.rank[1]} <- {c.dropped.rank[1]}"]
        pair[0] += 1
        pair[1] += int(c.differed)
    return DedupeSummary(
        groups_resolved=len(groups),
        rows_dropped=len(choices),
        prices_differed=sum(int(c.differed) for c in choices),
        exact_duplicates=exact,
        by_pair={k: PairCount(dropped=v[0], differed=v[1]) for k, v in sorted(pairs.items())},
    )
