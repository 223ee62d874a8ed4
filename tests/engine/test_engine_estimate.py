"""estimate(): classification, action semantics, totals, failures and currency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from engine_fakes import FAKE_REGISTRY, REAL_RECORDS, FakeStore

from costgate.errors import InputError, PricingDataError
from costgate.model.estimate import Estimate, ResourceStatus
from costgate.model.pricing import PriceStatus
from costgate.model.resource import Action, ParsedInput, Resource, ResourceChange
from costgate.parse.usage import parse_usage
from costgate.pricing.engine import Conversion, estimate

M5_LARGE = Decimal("0.096") * 730 + 8 * Decimal("0.08")  # instance + 8 GB gp3 root
M5_XLARGE = Decimal("0.192") * 730 + 8 * Decimal("0.08")
NAT_HOURS = Decimal("0.045") * 730


def res(type_: str, name: str, **attrs: Any) -> Resource:
    return Resource(address=f"{type_}.{name}", type=type_, name=name, provider="aws",
                    region="us-east-1", attributes=attrs, tags={"team": "core"})


def change(action: Action, before: Resource | None, after: Resource | None,
           **kw: Any) -> ResourceChange:
    side = after or before
    assert side is not None
    return ResourceChange(address=side.address, type=side.type, provider="aws", action=action,
                          before=before, after=after, **kw)


def run(*changes: ResourceChange, **kw: Any) -> Estimate:
    return estimate(ParsedInput(changes=changes), registry=FAKE_REGISTRY,
                    store=kw.pop("store", FakeStore(REAL_RECORDS)), **kw)


def only(est: Estimate) -> Any:
    [r] = est.resources
    return r


def test_create_update_delete_noop_totals() -> None:
    small, big = res("aws_instance", "web", instance_type="m5.large"), res(
        "aws_instance", "web", instance_type="m5.xlarge")
    api = res("aws_instance", "api", instance_type="m5.large")
    old = res("aws_instance", "old", instance_type="m5.xlarge")
    keep = res("aws_instance", "keep", instance_type="m5.large")
    store = FakeStore(REAL_RECORDS)
    est = run(change(Action.UPDATE, small, big), change(Action.CREATE, None, api),
              change(Action.DELETE, old, None), change(Action.NOOP, keep, keep), store=store)
    assert len(store.calls) == 1
    upd, new, gone, same = est.resources
    assert (upd.monthly_cost_before, upd.monthly_cost_after) == (M5_LARGE, M5_XLARGE)
    assert upd.monthly_delta == M5_XLARGE - M5_LARGE
    assert upd.components_before is not None
    assert upd.components_before[0].name.endswith("m5.large)")
    assert upd.components[0].name.endswith("m5.xlarge)")
    assert (new.monthly_cost_before, new.monthly_cost_after) == (0, M5_LARGE)
    assert (gone.monthly_cost_before, gone.monthly_cost_after) == (M5_XLARGE, 0)
    assert gone.components[0].name.endswith("m5.xlarge)") and gone.after is None
    assert (same.monthly_cost_before, same.monthly_cost_after, same.monthly_delta) == (
        M5_LARGE, M5_LARGE, 0)
    assert est.total_monthly_cost_before == M5_LARGE + M5_XLARGE + M5_LARGE
    assert est.total_monthly_cost_after == M5_XLARGE + M5_LARGE + M5_LARGE
    assert est.total_monthly_delta == M5_XLARGE - M5_LARGE + M5_LARGE - M5_XLARGE
    assert est.counts.priced == 4


def test_replace_prices_both_sides() -> None:
    r = only(run(change(Action.REPLACE, res("aws_instance", "w", instance_type="m5.large"),
                        res("aws_instance", "w", instance_type="t3.micro"))))
    micro = Decimal("0.0104") * 730 + 8 * Decimal("0.08")
    assert r.monthly_delta == micro - M5_LARGE


def test_forget_is_not_a_saving() -> None:
    nat = res("aws_nat_gateway", "n")
    r = only(run(change(Action.FORGET, nat, None)))
    assert r.forgotten and r.monthly_cost_after == r.monthly_cost_before == NAT_HOURS
    assert r.monthly_delta == 0


def test_create_then_forget_adds_new_to_old() -> None:
    old, new = res("aws_instance", "w", instance_type="m5.large"), res(
        "aws_instance", "w", instance_type="t3.micro")
    r = only(run(change(Action.FORGET, old, new)))
    micro = Decimal("0.0104") * 730 + 8 * Decimal("0.08")
    assert r.monthly_cost_after == micro + M5_LARGE
    assert r.monthly_delta == micro


def test_importing_is_existing_spend_not_new_cost() -> None:
    r = only(run(change(Action.CREATE, None, res("aws_nat_gateway", "n"), importing=True)))
    assert r.importing and r.monthly_cost_before == r.monthly_cost_after == NAT_HOURS
    assert r.monthly_delta == 0


def test_classification_free_unsupported_usage_based() -> None:
    est = run(
        change(Action.CREATE, None, res("aws_iam_role", "r")),
        change(Action.CREATE, None, res("aws_widget_thing", "a")),
        change(Action.CREATE, None, res("aws_widget_thing", "b")),
        change(Action.CREATE, None, res("aws_lambda_function", "f")),
        change(Action.CREATE, None, res("aws_nat_gateway", "n")),
    )
    role, w1, _, fn, nat = est.resources
    assert role.status is ResourceStatus.FREE and role.monthly_cost_after == 0
    assert w1.status is ResourceStatus.UNSUPPORTED and w1.monthly_cost_after is None
    assert w1.monthly_delta is None
    assert est.unsupported_types == {"aws_widget_thing": 2}
    assert fn.status is ResourceStatus.USAGE_BASED and fn.monthly_cost_after is None
    assert fn.components[0].price_status is PriceStatus.USAGE_UNKNOWN
    assert fn.components[0].unit_price == Decimal("0.2")
    # NAT: hours priced, data processed depends on usage → priced, partial sum
    assert nat.status is ResourceStatus.PRICED and nat.monthly_cost_after == NAT_HOURS
    assert est.counts.model_dump() == {"priced": 1, "usage_based": 1, "free": 1, "unsupported": 2}
    assert est.total_monthly_cost_after == NAT_HOURS


def test_usage_file_values_price_usage_components() -> None:
    usage = parse_usage("version: 0.1\nresource_usage:\n  aws_lambda_function.f:\n"
                        "    monthly_requests: 5000000\n    request_duration_ms: 200\n",
                        FAKE_REGISTRY)
    r = only(run(change(Action.CREATE, None, res("aws_lambda_function", "f", memory_size=1024)),
                 usage=usage))
    gb_seconds = Decimal(5_000_000) * Decimal("0.2")
    assert r.status is ResourceStatus.PRICED
    assert r.monthly_cost_after == Decimal(5) * Decimal("0.2") + gb_seconds * Decimal(
        "0.0000166667")


@pytest.mark.parametrize(
    ("attrs", "needle"),
    [({"root_size": -5}, "root_size must be at least 0"),
     ({"root_size": 10**12}, "absurd quantity")],
)
def test_absurd_input_is_an_input_error_naming_the_resource(attrs: dict[str, Any], needle: str) -> None:
    with pytest.raises(InputError) as err:
        run(change(Action.CREATE, None, res("aws_instance", "bad", **attrs)),
            change(Action.CREATE, None, res("aws_nat_gateway", "ok")))
    assert str(err.value).startswith("aws_instance.bad: ")
    assert needle in str(err.value)


def test_rule_bug_is_a_diagnostic() -> None:
    r = only(run(change(Action.UPDATE, res("aws_broken_thing", "x"), res("aws_broken_thing", "x"))))
    assert r.error is not None and "KeyError" in r.error
    assert r.monthly_delta is None


def test_not_found_component_is_a_diagnostic_and_not_zero() -> None:
    est = run(change(Action.CREATE, None, res("aws_instance", "w", instance_type="zz9.huge")))
    r = only(est)
    assert r.components[0].price_status is PriceStatus.NOT_FOUND
    assert r.components[0].monthly_cost is None
    assert r.monthly_cost_after == 8 * Decimal("0.08")
    assert [d.code for d in est.diagnostics] == ["price_not_found"]


def test_read_and_vanished_objects_are_not_resources() -> None:
    gone = ResourceChange(address="aws_instance.x", type="aws_instance", provider="aws",
                          action=Action.NOOP)
    read = change(Action.READ, None, res("aws_instance", "d"))
    est = run(gone, read)
    assert est.resources == ()
    assert [d.code for d in est.diagnostics] == ["gone"]


def test_deposed_object_is_its_own_row() -> None:
    cur = res("aws_instance", "w", instance_type="m5.large")
    est = run(change(Action.REPLACE, cur, cur),
              change(Action.DELETE, cur, None, deposed="23af97a9"))
    assert [r.deposed for r in est.resources] == [None, "23af97a9"]
    assert est.total_monthly_cost_before == 2 * M5_LARGE
    assert est.total_monthly_cost_after == M5_LARGE


def test_currency_conversion_records_rate_and_date() -> None:
    rate = Decimal("0.9")

    def convert(amount: Decimal, src: str, dst: str) -> Decimal:
        assert (src, dst) == ("USD", "EUR")
        return amount * rate

    conv = Conversion("EUR", convert, dt.date(2026, 7, 1))
    est = run(change(Action.CREATE, None, res("aws_nat_gateway", "n")), currency="EUR",
              conversion=conv)
    assert est.currency == "EUR"
    assert est.total_monthly_cost_after == NAT_HOURS * rate
    assert est.resources[0].components[1].unit_price == Decimal("0.045") * rate
    assert est.exchange_rate is not None and est.exchange_rate.rate == rate
    assert est.exchange_rate.date == dt.date(2026, 7, 1)


def test_currency_without_rates_is_an_input_error() -> None:
    with pytest.raises(PricingDataError, match="no exchange rate to EUR"):
        run(change(Action.CREATE, None, res("aws_nat_gateway", "n")), currency="EUR")


def test_json_round_trip_keeps_decimals_exact() -> None:
    est = run(change(Action.UPDATE, res("aws_instance", "w", instance_type="m5.large"),
                     res("aws_instance", "w", instance_type="m5.xlarge")),
              change(Action.CREATE, None, res("aws_lambda_function", "f")))
    text = est.model_dump_json()
    assert '"total_monthly_delta":"70.08"' in text
    assert Estimate.load_json(text) == est


def test_missing_price_of_a_usage_line_without_usage_is_not_a_warning() -> None:
    """CPU credits (usage-based, no usage given) not in the snapshot: shown on the line only."""
    from costgate.model.estimate import ComponentCost
    from costgate.model.pricing import CostComponent, PriceQuery
    from costgate.pricing.engine import _missing_price_diagnostics, _Side, price_one

    q = PriceQuery.make("aws", "AmazonEC2", "us-east-1", product_family="CPU Credits")
    usage_line = CostComponent(name="CPU credits", unit="vCPU-hours", monthly_quantity=None,
                               query=q, usage_based=True)
    fixed_line = usage_line.model_copy(update={"monthly_quantity": Decimal(10), "usage_based": False})
    side = _Side(res("aws_instance", "t"), [usage_line, fixed_line])
    side.priced = tuple(ComponentCost.from_priced(price_one(c, None)) for c in side.components)
    assert all(c.price_status is PriceStatus.NOT_FOUND for c in side.priced)
    assert [d.message for d in _missing_price_diagnostics(side)] == ["CPU credits: not in price snapshot"]
