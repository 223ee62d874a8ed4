"""``--format table``: resources with their components, totals and the classification counts.

A pure function of the estimate and options. Rendered with rich to a fixed-width console
with colour off, so the output is the same on every machine (golden-tested). Missing prices
are spelt out ("depends on usage: $0.045 per GB", "not in price snapshot"), never shown as 0.
"""

from __future__ import annotations

import io
from decimal import Decimal

from rich.console import Console
from rich.table import Table

from costgate.model.estimate import ComponentCost, Estimate, ResourceCostChange, ResourceStatus
from costgate.model.money import round_money
from costgate.model.pricing import PriceStatus
from costgate.model.resource import Action
from costgate.report.formats import TableOptions

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


_DEFAULT = TableOptions()


def render_table(estimate: Estimate, options: TableOptions = _DEFAULT) -> str:
    """The estimate as plain text (no colour, fixed width)."""
    out = io.StringIO()
    console = Console(file=out, width=options.width, color_system=None, force_terminal=False,
                      highlight=False, emoji=False, soft_wrap=False)
    money = _Money(estimate.currency)
    console.print(_header(estimate, options))
    console.print(_resources_table(estimate, options, money))
    for line in _summary(estimate, options, money):
        console.print(line)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


class _Money:
    def __init__(self, currency: str) -> None:
        self.symbol = _SYMBOLS.get(currency, f"{currency} ")

    def amount(self, value: Decimal | None, *, signed: bool = False) -> str:
        if value is None:
            return "-"
        sign = "+" if signed and value > 0 else ("-" if value < 0 else "")
        return f"{sign}{self.symbol}{abs(round_money(value)):,.2f}"

    def price(self, value: Decimal | None) -> str:
        """Unit prices keep their precision (0.0000166667 is not 0.00)."""
        if value is None:
            return "-"
        text = format(value.normalize(), "f")
        whole, _, frac = text.partition(".")
        return f"{self.symbol}{whole}.{frac.ljust(2, '0')}"


def _header(estimate: Estimate, options: TableOptions) -> str:
    snap = estimate.price_snapshot
    kind = "diff" if options.diff else "breakdown"
    source = estimate.metadata.source or estimate.metadata.kind
    date = f" ({snap.date.isoformat()})" if snap.date else ""
    lines = [f"costgate {kind}: {source}", f"Prices: {snap.id}{date}, {estimate.currency}"]
    if estimate.exchange_rate is not None:
        rate = estimate.exchange_rate
        as_of = f" as of {rate.date.isoformat()}" if rate.date else ""
        lines.append(
            f"Converted from {rate.from_currency} at {rate.rate.normalize():f}{as_of}"
        )
    if estimate.metadata.errored or not estimate.metadata.complete:
        lines.append("WARNING: the plan is errored or partial; this estimate is incomplete")
    return "\n".join(lines)


def _resources_table(estimate: Estimate, options: TableOptions, money: _Money) -> Table:
    table = Table(box=None, show_edge=False, pad_edge=False)
    table.add_column("Resource / component", overflow="fold")
    names = ("Before", "After", "Delta") if options.diff else ("Monthly cost",)
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)
    for r in estimate.resources:
        if _hidden(r, options):
            continue
        table.add_row(*_resource_row(r, options, money))
        for cells in _component_rows(r, options, money):
            table.add_row(*cells)
    return table


def _hidden(r: ResourceCostChange, options: TableOptions) -> bool:
    skipped = r.status in (ResourceStatus.FREE, ResourceStatus.UNSUPPORTED)
    return skipped and not options.show_skipped


def _resource_row(r: ResourceCostChange, options: TableOptions, money: _Money) -> list[str]:
    notes = [r.action.value]
    if r.status is not ResourceStatus.PRICED:
        notes.append(r.status.value.replace("_", "-"))
    if r.deposed:
        notes.append(f"deposed {r.deposed}")
    if r.importing:
        notes.append("imported, existing spend")
    if r.forgotten:
        notes.append("forgotten: keeps running unmanaged")
    title = f"{r.address} ({', '.join(notes)})"
    if options.diff:
        costs = [money.amount(r.monthly_cost_before), money.amount(r.monthly_cost_after),
                 money.amount(r.monthly_delta, signed=True)]
    else:
        costs = [money.amount(r.monthly_cost_after)]
    return [title, *costs]


def _component_rows(
    r: ResourceCostChange, options: TableOptions, money: _Money
) -> list[list[str]]:
    if r.error:
        return [_note_row(f"could not be priced: {r.error}", options)]
    if r.status is ResourceStatus.UNSUPPORTED:
        return [_note_row("not supported yet", options)]
    after_side = r.action is not Action.DELETE
    if not after_side and not options.diff:
        return []  # breakdown shows what will run; the deleted side is in diff
    rows = [_component_row(c, money, options, after=after_side) for c in r.components]
    if options.diff and r.components_before is not None:
        shown = set(r.components)
        rows.extend(
            _component_row(c, money, options, after=False, was=True)
            for c in r.components_before
            if c not in shown
        )
    return rows


def _component_row(
    c: ComponentCost, money: _Money, options: TableOptions, *, after: bool, was: bool = False
) -> list[str]:
    name = f"  {'was: ' if was else ''}{c.name}: {_detail(c, money)}"
    if c.price_status is PriceStatus.PRICED:
        cost = money.amount(c.monthly_cost)
    else:
        cost = "-"
    if not options.diff:
        return [name, cost]
    return [name, "", cost, ""] if after else [name, cost, "", ""]


def _detail(c: ComponentCost, money: _Money) -> str:
    """``730 hours × $0.096``, or why there is no cost."""
    if c.price_status is PriceStatus.USAGE_UNKNOWN:
        return f"depends on usage: {money.price(c.unit_price)} per {c.unit}"
    qty = "" if c.monthly_quantity is None else f"{c.monthly_quantity.normalize():,f} {c.unit}"
    if c.price_status is PriceStatus.NOT_FOUND:
        return ", ".join(filter(None, (qty, "not in price snapshot")))
    if c.price_status is PriceStatus.NO_QUERY:
        return ", ".join(filter(None, (qty, "no price (a value is unknown until apply)")))
    return f"{qty} × {money.price(c.unit_price)}"


def _note_row(text: str, options: TableOptions) -> list[str]:
    return [f"  {text}", *(["", "", ""] if options.diff else [""])]


def _summary(estimate: Estimate, options: TableOptions, money: _Money) -> list[str]:
    lines = [""]
    if options.diff:
        lines.append(
            f"Monthly cost: {money.amount(estimate.total_monthly_cost_before)} -> "
            f"{money.amount(estimate.total_monthly_cost_after)} "
            f"({money.amount(estimate.total_monthly_delta, signed=True)})"
        )
    else:
        lines.append(f"Total monthly cost: {money.amount(estimate.total_monthly_cost_after)}")
    c = estimate.counts
    total = c.priced + c.usage_based + c.free + c.unsupported
    lines.append(
        f"{total} resources: {c.priced} priced, {c.usage_based} usage-based, "
        f"{c.free} free, {c.unsupported} unsupported"
    )
    if estimate.unsupported_types:
        types = ", ".join(f"{t} ({n})" for t, n in estimate.unsupported_types.items())
        lines.append(f"Not supported yet: {types}")
    if (c.free or c.unsupported) and not options.show_skipped:
        lines.append("(free and unsupported resources are hidden; --show-skipped lists them)")
    problems = [d for d in estimate.diagnostics if d.level in ("warning", "error")]
    if problems:
        lines.append(f"{len(problems)} warning(s):")
        lines.extend(f"  {d.address + ': ' if d.address else ''}{d.message}" for d in problems)
    return lines
