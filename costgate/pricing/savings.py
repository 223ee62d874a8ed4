"""Price the cheaper alternatives of :mod:`costgate.pricing.advice` with the resource's own rule.

A saving is the difference of two real prices from the same snapshot: the resource as
planned and its variant (``m3.large`` → ``m5.large``, gp2 → gp3), both run through the same
rule and priced in one batch by :func:`costgate.pricing.engine.price_components`. When a
component of either side is not in the snapshot the saving is unknown (``None``), never 0;
an alternative that turns out not to be cheaper here is dropped. Also extracts the
instance type policies check, since it lives in the same resource attributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from costgate.model.policy import Saving
from costgate.model.pricing import CostComponent, PricedComponent, PriceStatus
from costgate.model.resource import Action, Resource, ResourceChange
from costgate.pricing.advice import Alternative, alternatives
from costgate.pricing.engine import Conversion, PriceLookup, UsageSource, price_components
from costgate.pricing.registry import Registry
from costgate.pricing.rule import ResourceRule

#: Attributes that name the machine size, by precedence (AWS, Google, Azure).
_SIZE_KEYS = ("instance_type", "instance_class", "node_type", "machine_type", "vm_size")
_UNPRICED = (PriceStatus.NOT_FOUND, PriceStatus.NO_QUERY)


@dataclass(frozen=True)
class ResourceFacts:
    """What policies need about a resource beyond its cost."""

    instance_type: str | None = None
    savings: tuple[Saving, ...] = ()


def instance_type_of(resource: Resource) -> str | None:
    """The instance type / class / machine type the resource is created with, if it names one."""
    for key in _SIZE_KEYS:
        value = resource.text(key)
        if value:
            return value
    types = resource.get("instance_types")
    if isinstance(types, list) and types and isinstance(types[0], str):
        return types[0]  # EKS node groups list several; the first is what most nodes get
    if resource.type.startswith("azurerm_") and resource.type.endswith("virtual_machine"):
        return resource.text("size")
    return None


def _running(change: ResourceChange) -> Resource | None:
    """The object that runs after the change (None for deletes and deposed objects)."""
    if change.action is Action.DELETE or change.deposed:
        return None
    return change.after or change.before


@dataclass
class _Pending:
    address: str
    alt: Alternative
    current: list[CostComponent]
    variant: list[CostComponent]


def resource_facts(
    changes: Iterable[ResourceChange],
    *,
    registry: Registry,
    store: PriceLookup,
    usage: UsageSource | None = None,
    currency: str = "USD",
    conversion: Conversion | None = None,
) -> dict[str, ResourceFacts]:
    """Instance type and priced savings per resource address (one price batch for all)."""
    types: dict[str, str | None] = {}
    pending: list[_Pending] = []
    for change in changes:
        res = _running(change)
        if res is None:
            continue
        types[change.address] = instance_type_of(res)
        rule = registry.rule(change.type)
        if rule is None:
            continue
        values: Mapping[str, Any] = usage.values_for(change.address, change.type) if usage else {}
        pending.extend(_describe(change.address, res, rule, values))
    flat = [c for p in pending for c in (*p.current, *p.variant)]
    priced = iter(price_components(flat, store))
    found: dict[str, list[Saving]] = {}
    for p in pending:
        now = [next(priced) for _ in p.current]
        then = [next(priced) for _ in p.variant]
        saving = _difference(now, then, currency, conversion)
        if saving is not None and saving <= 0:
            continue  # not cheaper in this region: not an alternative worth suggesting
        if saving is None and p.alt.kind not in _ALWAYS_REPORTED:
            continue  # an optional optimisation is only worth a line with a real number
        found.setdefault(p.address, []).append(
            Saving(kind=p.alt.kind, current=p.alt.current, suggested=p.alt.suggested,
                   monthly_saving=saving)
        )
    return {
        address: ResourceFacts(instance_type=t, savings=tuple(found.get(address, ())))
        for address, t in types.items()
    }


#: Kinds a policy can discourage: reported even when the saving cannot be priced.
_ALWAYS_REPORTED = frozenset({"previous_generation", "gp2"})


def _describe(
    address: str, res: Resource, rule: ResourceRule, values: Mapping[str, Any]
) -> list[_Pending]:
    """Both sides' components per alternative; a rule failing on a variant loses only the hint.

    The resource as planned is described once and shared by all its alternatives.
    """
    alts = alternatives(res)
    if not alts:
        return []
    try:
        current = rule.components(res, values)
    except Exception:  # the estimate itself already ran (and reported) the rule
        return []
    out = []
    for alt in alts:
        try:
            out.append(_Pending(address, alt, current, rule.components(alt.variant, values)))
        except Exception:  # noqa: PERF203 - rare; only this hint is lost
            continue
    return out


def _total(
    side: list[PricedComponent], currency: str, conversion: Conversion | None
) -> Decimal | None:
    total = Decimal(0)
    for pc in side:
        if pc.status in _UNPRICED:
            return None
        if pc.monthly_cost is None:
            continue  # usage-dependent: the same on both sides, so it cancels out
        cost = pc.monthly_cost
        if pc.currency != currency:
            if conversion is None or conversion.to_currency != currency:
                return None
            cost = conversion.convert(cost, pc.currency, currency)
        total += cost
    return total


def _difference(
    now: list[PricedComponent], alt: list[PricedComponent], currency: str,
    conversion: Conversion | None,
) -> Decimal | None:
    a, b = _total(now, currency, conversion), _total(alt, currency, conversion)
    return None if a is None or b is None else a - b
