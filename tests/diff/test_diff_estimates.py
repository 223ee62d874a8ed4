from __future__ import annotations

from decimal import Decimal

import pytest

from costgate.diff import diff_estimates
from costgate.errors import InputError
from costgate.model.estimate import (
    ComponentCost,
    Counts,
    Estimate,
    PriceSnapshot,
    ResourceCostChange,
    ResourceStatus,
)
from costgate.model.resource import Action

D = Decimal


def _res(address: str, cost: str | None, action: Action = Action.CREATE, status: ResourceStatus = ResourceStatus.PRICED) -> ResourceCostChange:
    comps = () if cost is None else (ComponentCost(name="Instance usage", unit="hours", monthly_quantity=D(730), unit_price=D(cost) / 730, monthly_cost=D(cost)),)
    return ResourceCostChange(
        address=address, type="aws_instance", provider="aws", action=action, status=status,
        monthly_cost_before=D(0), monthly_cost_after=None if cost is None else D(cost),
        monthly_delta=None if cost is None else D(cost), components=comps,
    )


def _est(*resources: ResourceCostChange, snapshot: str = "s1", currency: str = "USD") -> Estimate:
    after = sum((r.monthly_cost_after or D(0) for r in resources), D(0))
    return Estimate(
        currency=currency, price_snapshot=PriceSnapshot(id=snapshot),
        total_monthly_cost_before=D(0), total_monthly_cost_after=after, total_monthly_delta=after,
        counts=Counts(priced=len(resources)), resources=resources,
    )


def test_created_deleted_updated_unchanged() -> None:
    base = _est(_res("a", "10"), _res("b", "20"), _res("c", "5"))
    head = _est(_res("b", "35"), _res("c", "5"), _res("d", "7"))
    out = diff_estimates(base, head)
    by = {r.address: r for r in out.resources}
    assert [r.address for r in out.resources] == ["a", "b", "c", "d"]
    assert (by["a"].action, by["a"].monthly_cost_before, by["a"].monthly_cost_after) == (Action.DELETE, D(10), D(0))
    assert (by["b"].action, by["b"].monthly_delta) == (Action.UPDATE, D(15))
    assert by["b"].components_before is not None and by["b"].components_before[0].monthly_cost == D(20)
    assert (by["c"].action, by["c"].monthly_delta) == (Action.NOOP, D(0))
    assert (by["d"].action, by["d"].monthly_cost_before) == (Action.CREATE, D(0))
    assert out.total_monthly_cost_before == D(35)
    assert out.total_monthly_cost_after == D(47)
    assert out.total_monthly_delta == D(12)
    assert out.metadata.kind == "diff"


def test_deleted_in_base_side_is_not_carried() -> None:
    base = _est(_res("gone", "10", action=Action.DELETE))
    head = _est()
    assert diff_estimates(base, head).resources == ()


def test_unpriced_side_gives_unknown_delta_not_zero() -> None:
    out = diff_estimates(_est(_res("a", None)), _est(_res("a", "9")))
    [row] = out.resources
    assert row.monthly_cost_before is None and row.monthly_delta is None


def test_currency_mismatch_is_input_error() -> None:
    with pytest.raises(InputError, match="USD and EUR"):
        diff_estimates(_est(currency="USD"), _est(currency="EUR"))


def test_snapshot_mismatch_is_reported() -> None:
    out = diff_estimates(_est(snapshot="old"), _est(snapshot="new"))
    assert [d.code for d in out.diagnostics] == ["price_snapshot_mismatch"]
