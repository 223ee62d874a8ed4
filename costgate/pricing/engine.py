"""The pricing engine: components → one batched store lookup → priced components → estimate.

Rules only describe components; this module answers every query of a run with a single
``store.lookup_many`` call, applies tiers and free allowances, and never turns a missing
price or a missing usage value into 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from costgate.errors import InputError, PricingDataError
from costgate.model.estimate import (
    ComponentCost,
    Estimate,
    EstimateMetadata,
    ExchangeRate,
    PriceSnapshot,
    ResourceCostChange,
    ResourceEstimate,
    ResourceStatus,
)
from costgate.model.money import ZERO
from costgate.model.pricing import (
    CostComponent,
    PricedComponent,
    PriceMatch,
    PriceQuery,
    PriceRecord,
    PriceStatus,
)
from costgate.model.resource import Action, Diagnostic, ParsedInput, Resource, ResourceChange
from costgate.pricing.context import PlanContext, plan_context
from costgate.pricing.registry import Registry


class PriceLookup(Protocol):
    """What the engine needs from a price store (``costgate.pricing.store.PriceStore``)."""

    def lookup_many(self, queries: list[PriceQuery]) -> dict[PriceQuery, PriceMatch]:
        """Answer every query; a query with no price maps to a match without tiers."""
        ...


def price_components(
    components: Sequence[CostComponent], store: PriceLookup
) -> list[PricedComponent]:
    """Price components in order, answering all their queries in one batch.

    Equal components (the same query and quantity on many resources) are priced once.
    """
    queries = list(dict.fromkeys(c.query for c in components if c.query is not None))
    matches = store.lookup_many(queries) if queries else {}
    done: dict[CostComponent, PricedComponent] = {}
    out = []
    for c in components:
        pc = done.get(c)
        if pc is None:
            pc = done[c] = price_one(c, matches.get(c.query) if c.query is not None else None)
        out.append(pc)
    return out


def price_one(component: CostComponent, match: PriceMatch | None) -> PricedComponent:
    """Price one component from its (possibly missing) match.

    Built with ``model_construct``: every value is already typed, and validating 10^5
    results was a third of a large plan's run time.
    """
    if component.query is None:
        return PricedComponent.model_construct(component=component, status=PriceStatus.NO_QUERY)
    if match is None or not match.found:
        return PricedComponent.model_construct(component=component, status=PriceStatus.NOT_FOUND)
    tiers = match.tiers
    shown = _first_charged_tier(tiers, component.free_quantity)
    multiplier = component.price_multiplier
    quantity = component.monthly_quantity
    cost = None
    if quantity is not None:
        cost = tiered_cost(tiers, quantity * multiplier, component.free_quantity)
    return PricedComponent.model_construct(
        component=component,
        status=PriceStatus.USAGE_UNKNOWN if quantity is None else PriceStatus.PRICED,
        unit_price=shown.price * multiplier,
        monthly_cost=cost,
        price_id=shown.native_id,
        price_date=shown.provenance.price_date,
        price_source=shown.provenance.source,
        currency=shown.currency,
    )


def tiered_cost(
    tiers: Sequence[PriceRecord], quantity: Decimal, free_quantity: Decimal = ZERO
) -> Decimal:
    """Cost of ``quantity`` record units across tiers, the first ``free_quantity`` units free.

    Tier bounds are positions in the total quantity: with 3,000 free IOPS and an open tier from
    0, 5,000 IOPS bill 2,000. A gap between tiers (a source that lists only some) is not billed
    twice and not billed at all; a single untiered record covers everything.
    """
    if quantity <= 0:
        return ZERO
    if len(tiers) == 1 and tiers[0].tier_start <= free_quantity:
        return max(quantity - free_quantity, ZERO) * tiers[0].price
    total = ZERO
    for tier in tiers:
        start = max(tier.tier_start, free_quantity)
        end = quantity if tier.tier_end is None else min(tier.tier_end, quantity)
        if end > start:
            total += (end - start) * tier.price
    return total


def _first_charged_tier(tiers: Sequence[PriceRecord], free_quantity: Decimal) -> PriceRecord:
    """The tier where billing starts (after the free allowance); the first tier otherwise."""
    for tier in tiers:
        if tier.tier_end is None or tier.tier_end > free_quantity:
            return tier
    return tiers[0]


# --- the estimate -------------------------------------------------------------------------

#: A display quantity above this is absurd input (10^12 GB, 10^15 hours), not a real plan.
ABSURD_QUANTITY = Decimal(10) ** 11


class UsageSource(Protocol):
    """Usage values per resource (``costgate.parse.usage.UsageFile``)."""

    def values_for(self, address: str, type_: str) -> Mapping[str, Any]:
        """Merged usage values for one resource instance (empty when none apply)."""
        ...


@dataclass(frozen=True)
class Conversion:
    """How to turn record-currency prices into the requested currency, and as of when."""

    to_currency: str
    convert: Callable[[Decimal, str, str], Decimal]  # (amount, from, to) -> amount
    date: dt.date | None = None


@dataclass
class _Side:
    """One side of one resource on its way through the engine."""

    resource: Resource
    components: list[CostComponent] = field(default_factory=list)
    priced: tuple[ComponentCost, ...] = ()


@dataclass
class _Work:
    change: ResourceChange
    status: ResourceStatus
    before: _Side | None = None
    after: _Side | None = None
    error: str | None = None


def estimate(
    parsed: ParsedInput,
    *,
    registry: Registry,
    store: PriceLookup,
    usage: UsageSource | None = None,
    currency: str = "USD",
    conversion: Conversion | None = None,
    snapshot: PriceSnapshot | None = None,
) -> Estimate:
    """Classify, price (one store batch) and total every managed resource of ``parsed``.

    ``snapshot`` names the price data in the report (default: the store's ``snapshot_id``).
    """
    diagnostics = list(parsed.diagnostics)
    contexts = _plan_contexts(parsed)
    work = [
        w
        for w in (_prepare(c, registry, usage, diagnostics, contexts) for c in parsed.changes)
        if w
    ]
    sides = [s for w in work for s in (w.before, w.after) if s is not None and s.components]
    flat = [c for s in sides for c in s.components]
    priced = iter(price_components(flat, store))
    rate = _Rates(currency, conversion)
    flat_costs: dict[int, ComponentCost] = {}  # by id: equal results are the same object
    for side in sides:
        side.priced = tuple(_cached(flat_costs, next(priced), rate.apply) for _ in side.components)
    seen: set[Diagnostic] = set()  # a replace's two sides often miss the same price
    for side in (s for w in work for s in (w.before, w.after) if s is not None):
        for d in _missing_price_diagnostics(side):
            if d not in seen:
                seen.add(d)
                diagnostics.append(d)
    resources = tuple(_finish(w) for w in work)
    if snapshot is None:
        snapshot = PriceSnapshot(id=str(getattr(store, "snapshot_id", "unknown")))
    return _assemble(parsed, resources, diagnostics, currency, rate, snapshot)


def _cached(
    cache: dict[int, ComponentCost],
    pc: PricedComponent,
    fn: Callable[[PricedComponent], ComponentCost],
) -> ComponentCost:
    key = id(pc)
    hit = cache.get(key)
    if hit is None:
        hit = cache[key] = fn(pc)
    return hit


def _prepare(
    change: ResourceChange,
    registry: Registry,
    usage: UsageSource | None,
    diagnostics: list[Diagnostic],
    contexts: tuple[PlanContext, PlanContext],
) -> _Work | None:
    """Classify one change and run its rule on the sides that need pricing."""
    if change.action is Action.READ:
        return None
    if change.before is None and change.after is None:
        diagnostics.append(_diag("gone", "no object on either side; not counted", change.address))
        return None
    rule = registry.rule(change.type)
    if rule is None:
        free = registry.is_free(change.type)
        return _Work(change, ResourceStatus.FREE if free else ResourceStatus.UNSUPPORTED)
    w = _Work(change, ResourceStatus.PRICED)
    before, after = _sides_to_price(change)
    try:
        values = usage.values_for(change.address, change.type) if usage else {}
        for res, slot, ctx in ((before, "before", 0), (after, "after", 1)):
            if res is None:
                continue
            with plan_context(contexts[ctx]):
                comps = rule.components(res, values)
            _check_quantities(comps)
            setattr(w, slot, _Side(res, comps))
    except ValueError as exc:  # absurd input (negative size, 10^12 GB): the plan is wrong
        raise InputError(f"{change.address}: {exc}") from None
    except Exception as exc:  # a rule bug must not end the run: diagnose and go on
        w.before = w.after = None
        w.error = f"{type(exc).__name__}: {exc}"
        diagnostics.append(
            _diag("rule_failed", f"{change.type}: {w.error}", change.address, level="error")
        )
    return w


def _plan_contexts(parsed: ParsedInput) -> tuple[PlanContext, PlanContext]:
    """The plan as it is (before) and as it will be (after), for rules that follow references."""
    current = [c.before for c in parsed.changes if c.before is not None and c.deposed is None]
    planned = [c.after for c in parsed.changes if c.after is not None]
    return (
        PlanContext.build(current, parsed.references),
        PlanContext.build(planned, parsed.references),
    )


def _sides_to_price(change: ResourceChange) -> tuple[Resource | None, Resource | None]:
    """Which objects to run the rule on (plan-format.md §4.1); no-op is priced once."""
    a = change.action
    if a is Action.NOOP:
        return None, change.after or change.before
    if a is Action.CREATE:
        return None, change.after
    if a is Action.DELETE:
        return change.before, None
    return change.before, change.after  # update, replace, forget


def _check_quantities(components: Sequence[CostComponent]) -> None:
    for c in components:
        q = c.monthly_quantity
        if q is not None and (q < 0 or not q.is_finite()):
            raise ValueError(f"{c.name}: negative quantity {q}")
        if q is not None and q > ABSURD_QUANTITY:
            raise ValueError(f"{c.name}: absurd quantity {q} {c.unit}")


def _finish(w: _Work) -> ResourceCostChange:
    """Turn priced sides into the contract row, applying the action's cost semantics."""
    ch = w.change
    zero = Decimal(0)
    status, before_est, after_est = w.status, None, None
    if w.before is not None:
        before_est = ResourceEstimate.from_components(w.before.priced)
    if w.after is not None:
        after_est = ResourceEstimate.from_components(w.after.priced)
    if w.status is ResourceStatus.PRICED and w.error is None:
        status = _status_of(
            [
                *(before_est.components if before_est else ()),
                *(after_est.components if after_est else ()),
            ]
        )
    fixed: Decimal | None = zero if status is ResourceStatus.FREE else None
    cost_b = before_est.monthly_cost if before_est else fixed
    cost_a = after_est.monthly_cost if after_est else fixed
    before_components: tuple[ComponentCost, ...] | None = None
    a = ch.action
    if a is Action.NOOP:
        cost_b = cost_a
    elif a is Action.CREATE:
        cost_b = cost_a if ch.importing else zero
    elif a is Action.DELETE:
        cost_a = zero
    elif a is Action.FORGET and ch.after is None:
        cost_a = cost_b  # still running, unmanaged: not a saving
    elif a is Action.FORGET:
        cost_a = _add(cost_a, cost_b)  # new object plus the forgotten old one
    if w.error is not None:
        cost_b = zero if a is Action.CREATE else None
        cost_a = zero if a is Action.DELETE else None
    if before_est is not None and after_est is not None:
        before_components = before_est.components
    shown = after_est or before_est
    return ResourceCostChange.model_construct(  # typed values; see price_one
        address=ch.address,
        type=ch.type,
        provider=ch.provider,
        region=_side_resource(ch).region,
        action=a,
        status=status,
        monthly_cost_before=cost_b,
        monthly_cost_after=cost_a,
        monthly_delta=zero if a is Action.NOOP else _sub(cost_a, cost_b),
        tags=dict(_side_resource(ch).tags),
        components=shown.components if shown else (),
        components_before=before_components,
        deposed=ch.deposed,
        importing=ch.importing,
        forgotten=a is Action.FORGET,
        previous_address=ch.previous_address,
        error=w.error,
    )


def _status_of(components: Sequence[ComponentCost]) -> ResourceStatus:
    if not components:
        return ResourceStatus.FREE  # the rule found nothing billable in this configuration
    if all(c.price_status is PriceStatus.USAGE_UNKNOWN for c in components):
        return ResourceStatus.USAGE_BASED
    return ResourceStatus.PRICED


def _side_resource(ch: ResourceChange) -> Resource:
    side = ch.after or ch.before
    assert side is not None  # filtered in _prepare
    return side


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a + b


def _sub(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def _missing_price_diagnostics(side: _Side) -> list[Diagnostic]:
    """A missing price is a warning when it leaves a known quantity unpriced.

    A usage-based line without a usage value costs "depends on usage" either way; its missing
    price still shows on the line itself, but is not repeated as a warning for every
    T-family instance's CPU credits.
    """
    return [
        _diag("price_not_found", f"{c.name}: not in price snapshot", side.resource.address)
        for c in side.priced
        if c.price_status is PriceStatus.NOT_FOUND
        and not (c.usage_based and c.monthly_quantity is None)
    ]


def _diag(code: str, message: str, address: str | None, level: str = "warning") -> Diagnostic:
    return Diagnostic(code=code, message=message, address=address, level=level)


class _Rates:
    """Applies the currency conversion and remembers the first rate used."""

    def __init__(self, currency: str, conversion: Conversion | None) -> None:
        self.currency = currency
        self.conversion = conversion
        self.used: ExchangeRate | None = None

    def apply(self, pc: PricedComponent) -> ComponentCost:
        cost = ComponentCost.from_priced(pc)
        if pc.currency == self.currency or pc.unit_price is None:
            return cost
        conv = self.conversion
        if conv is None or conv.to_currency != self.currency:
            raise PricingDataError(
                f"prices are in {pc.currency} and no exchange rate to {self.currency} is loaded"
            )
        if self.used is None:
            rate = conv.convert(Decimal(1), pc.currency, self.currency)
            self.used = ExchangeRate(
                from_currency=pc.currency, to_currency=self.currency, rate=rate, date=conv.date
            )
        money = {"unit_price": conv.convert(pc.unit_price, pc.currency, self.currency)}
        if pc.monthly_cost is not None:
            money["monthly_cost"] = conv.convert(pc.monthly_cost, pc.currency, self.currency)
        return cost.model_copy(update=money)


def _assemble(
    parsed: ParsedInput,
    resources: tuple[ResourceCostChange, ...],
    diagnostics: list[Diagnostic],
    currency: str,
    rates: _Rates,
    snapshot: PriceSnapshot,
) -> Estimate:
    return Estimate.from_resources(
        resources,
        currency=currency,
        price_snapshot=snapshot,
        exchange_rate=rates.used,
        diagnostics=tuple(diagnostics),
        metadata=EstimateMetadata.from_plan(parsed.metadata),
    )
