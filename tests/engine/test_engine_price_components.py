"""price_components: batching, tiers, free allowances, usage-unknown and not-found."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from engine_fakes import REAL_RECORDS, FakeStore

from costgate.model.pricing import CostComponent, PriceQuery, PriceStatus
from costgate.pricing.engine import price_components


def _q(service: str, **attrs: str) -> PriceQuery:
    return PriceQuery.make("aws", service, "us-east-1", **attrs)


def _comp(name: str, qty: str | None, query: PriceQuery | None, **kw: object) -> CostComponent:
    return CostComponent(
        name=name,
        unit=str(kw.pop("unit", "hours")),
        monthly_quantity=None if qty is None else Decimal(qty),
        query=query,
        **kw,  # type: ignore[arg-type]
    )


def test_hourly_instance_priced_with_provenance() -> None:
    store = FakeStore(REAL_RECORDS)
    [pc] = price_components(
        [_comp("Instance usage (m5.large)", "730", _q("AmazonEC2", instance_type="m5.large"))],
        store,
    )
    assert pc.status is PriceStatus.PRICED
    assert pc.unit_price == Decimal("0.096")
    assert pc.monthly_cost == Decimal("70.08")
    assert pc.price_id == "karpenter:us-east-1:m5.large"
    assert pc.price_date == dt.date(2026, 7, 20)
    assert pc.price_source == "karpenter-aws"
    assert pc.currency == "USD"


def test_all_queries_in_one_deduplicated_batch() -> None:
    store = FakeStore(REAL_RECORDS)
    q = _q("AmazonEC2", instance_type="t3.micro")
    comps = [_comp(f"c{i}", "730", q) for i in range(5)] + [
        _comp("nat", "730", _q("AmazonEC2", charge="hours"))
    ]
    priced = price_components(comps, store)
    assert len(store.calls) == 1
    assert len(store.calls[0]) == 2
    assert [p.component.name for p in priced] == [c.name for c in comps]


def test_no_queries_means_no_store_call() -> None:
    store = FakeStore(REAL_RECORDS)
    [pc] = price_components([_comp("x", "1", None)], store)
    assert store.calls == []
    assert pc.status is PriceStatus.NO_QUERY
    assert pc.monthly_cost is None


def test_usage_unknown_shows_unit_price_not_zero() -> None:
    q = _q("AmazonEC2", charge="data_processed")
    [pc] = price_components(
        [_comp("Data processed", None, q, unit="GB", usage_based=True)], FakeStore(REAL_RECORDS)
    )
    assert pc.status is PriceStatus.USAGE_UNKNOWN
    assert pc.monthly_cost is None
    assert pc.unit_price == Decimal("0.045")


def test_not_found_is_none_not_zero() -> None:
    [pc] = price_components(
        [_comp("Instance", "730", _q("AmazonEC2", instance_type="zz9.huge"))],
        FakeStore(REAL_RECORDS),
    )
    assert pc.status is PriceStatus.NOT_FOUND
    assert pc.monthly_cost is None and pc.unit_price is None


def test_price_multiplier_scales_display_unit_and_quantity() -> None:
    q = _q("AWSLambda", meter="Lambda Requests")
    comp = _comp("Requests", "3.5", q, unit="1M requests", price_multiplier=Decimal(1_000_000))
    [pc] = price_components([comp], FakeStore(REAL_RECORDS))
    assert pc.unit_price == Decimal("0.2")
    assert pc.monthly_cost == Decimal("0.7")


def test_io2_iops_tiers_in_record_units() -> None:
    q = _q("AmazonEC2", volume_api_name="io2", charge="iops")
    [pc] = price_components([_comp("IOPS", "70000", q, unit="IOPS")], FakeStore(REAL_RECORDS))
    expected = (
        Decimal(32000) * Decimal("0.065")
        + Decimal(32000) * Decimal("0.0455")
        + Decimal(6000) * Decimal("0.03185")
    )
    assert pc.monthly_cost == expected == Decimal("3727.1")


def test_free_quantity_skipped_first_and_not_twice() -> None:
    # The curated gp3 IOPS record already starts at 3,000; a rule also declaring 3,000 free
    # must not lose another 3,000.
    q = _q("AmazonEC2", volume_api_name="gp3", charge="iops")
    comps = [
        _comp("IOPS", "5000", q, unit="IOPS", free_quantity=Decimal(3000)),
        _comp("IOPS low", "2500", q, unit="IOPS", free_quantity=Decimal(3000)),
        _comp("IOPS no free", "5000", q, unit="IOPS"),
    ]
    a, b, c = price_components(comps, FakeStore(REAL_RECORDS))
    assert a.monthly_cost == Decimal(2000) * Decimal("0.005")
    assert b.monthly_cost == 0 and b.status is PriceStatus.PRICED
    assert c.monthly_cost == Decimal(2000) * Decimal("0.005")


def test_free_quantity_on_untiered_record() -> None:
    q = _q("AmazonEC2", volume_api_name="gp3", charge="storage")
    [pc] = price_components(
        [_comp("Storage", "100", q, unit="GB", free_quantity=Decimal(20))], FakeStore(REAL_RECORDS)
    )
    assert pc.monthly_cost == Decimal(80) * Decimal("0.08")
