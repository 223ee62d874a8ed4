"""Cheaper alternatives are priced with the resource's own rule, in one batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from costgate.model.money import HOURS_PER_MONTH
from costgate.model.pricing import (
    CostComponent,
    PriceMatch,
    PriceQuery,
    PriceRecord,
    Provenance,
    Trust,
)
from costgate.model.resource import Action, Resource, ResourceChange
from costgate.pricing.engine import Conversion
from costgate.pricing.registry import Registry
from costgate.pricing.rule import ResourceRule, UsageValues
from costgate.pricing.savings import instance_type_of, resource_facts

#: Real AWS us-east-1 Linux on-demand prices (m3.large, m5.large, c3.large, c5.large) and
#: EBS gp2/gp3 per GB-month; c1.medium is deliberately missing from this store.
PRICES = {"m3.large": "0.133", "m5.large": "0.096", "gp2": "0.10", "gp3": "0.08",
          "t1.micro": "0.02", "t3.micro": "0.0104", "m5.24xlarge": "4.608"}


class Store:
    def __init__(self) -> None:
        self.batches = 0

    def lookup_many(self, queries: list[PriceQuery]) -> dict[PriceQuery, PriceMatch]:
        self.batches += 1
        out = {}
        for q in queries:
            key = dict(q.attributes)["sku"]
            recs = () if key not in PRICES else (PriceRecord(
                provider="aws", service=q.service, region=q.region, unit="hour",
                price=Decimal(PRICES[key]), native_id=key,
                provenance=Provenance(source="test", source_file="t", trust=Trust.RAW,
                                      price_date=dt.date(2026, 7, 20))),)
            out[q] = PriceMatch(query=q, tiers=recs)
        return out


def _instance(r: Resource, _u: UsageValues) -> Iterable[CostComponent]:
    it = r.text("instance_type") or ""
    yield CostComponent(name=f"Instance ({it})", unit="hours", monthly_quantity=HOURS_PER_MONTH,
                        query=PriceQuery.make("aws", "AmazonEC2", r.region, sku=it))


def _volume(r: Resource, _u: UsageValues) -> Iterable[CostComponent]:
    t = r.text("type") or "gp2"
    yield CostComponent(name=f"Storage ({t})", unit="GB", monthly_quantity=r.number("size"),
                        query=PriceQuery.make("aws", "AmazonEC2", r.region, sku=t))


REGISTRY = Registry([ResourceRule("aws_instance", _instance), ResourceRule("aws_ebs_volume", _volume)],
                    free=["aws_iam_role"])


def _create(type_: str, name: str, **attrs: object) -> ResourceChange:
    res = Resource(address=f"{type_}.{name}", type=type_, name=name, provider="aws",
                   region="us-east-1", attributes=attrs)
    return ResourceChange(address=res.address, type=type_, provider="aws", action=Action.CREATE,
                          after=res)


def test_savings_are_differences_of_real_prices_in_one_batch() -> None:
    store = Store()
    facts = resource_facts([
        _create("aws_instance", "old", instance_type="m3.large"),
        _create("aws_instance", "new", instance_type="m5.large"),
        _create("aws_ebs_volume", "data", type="gp2", size=100),
        _create("aws_instance", "c1", instance_type="c1.medium"),  # successor c5.medium unpriced
    ], registry=REGISTRY, store=store)
    assert store.batches == 1
    [old] = facts["aws_instance.old"].savings
    assert (old.kind, old.current, old.suggested) == ("previous_generation", "m3.large", "m5.large")
    assert old.monthly_saving == (Decimal("0.133") - Decimal("0.096")) * 730  # 27.01
    [vol] = facts["aws_ebs_volume.data"].savings
    assert vol.monthly_saving == Decimal("2.00")
    assert facts["aws_instance.new"].savings == ()
    assert facts["aws_instance.c1"].savings[0].monthly_saving is None  # unknown, never 0
    assert facts["aws_instance.new"].instance_type == "m5.large"


def test_converted_to_the_report_currency() -> None:
    conv = Conversion("EUR", lambda a, s, d: a * Decimal("0.9"), dt.date(2026, 7, 17))
    facts = resource_facts([_create("aws_instance", "t", instance_type="t1.micro")],
                           registry=REGISTRY, store=Store(), currency="EUR", conversion=conv)
    saving = facts["aws_instance.t"].savings[0].monthly_saving
    assert saving == (Decimal("0.02") - Decimal("0.0104")) * 730 * Decimal("0.9")


def test_deletes_have_no_facts_and_instance_types_come_from_attributes() -> None:
    gone = _create("aws_instance", "x", instance_type="m3.large").model_copy(
        update={"action": Action.DELETE})
    assert resource_facts([gone], registry=REGISTRY, store=Store()) == {}
    res = Resource(address="a.b", type="aws_eks_node_group", name="b", provider="aws",
                   attributes={"instance_types": ["m5.large", "m5.xlarge"]})
    assert instance_type_of(res) == "m5.large"
    db = Resource(address="a.b", type="aws_db_instance", name="b", provider="aws",
                  attributes={"instance_class": "db.r5.large"})
    assert instance_type_of(db) == "db.r5.large"


def test_graviton_shown_only_with_a_real_saving() -> None:
    """m5.large → m6g.large: the store above has no m6g price, so no line; with one, a line."""
    facts = resource_facts([_create("aws_instance", "x", instance_type="m5.large")],
                           registry=REGISTRY, store=Store())
    assert facts["aws_instance.x"].savings == ()
    PRICES["m6g.large"] = "0.077"  # AWS us-east-1 Linux on-demand
    try:
        facts = resource_facts([_create("aws_instance", "x", instance_type="m5.large")],
                               registry=REGISTRY, store=Store())
    finally:
        del PRICES["m6g.large"]
    [g] = facts["aws_instance.x"].savings
    assert (g.kind, g.suggested) == ("graviton", "m6g.large")
    assert g.monthly_saving == (Decimal("0.096") - Decimal("0.077")) * 730
