"""Showback: the estimate and the delta grouped by tag values (``--group-by team,cost-center``).

Tags are what the plan reader merged into ``ResourceCostChange.tags`` (AWS ``tags_all`` /
``tags``, Azure ``tags``, Google ``labels``). A resource missing a key shows ``None`` in that
column; a resource missing every key lands in the single "untagged" row, so untagged spend
is visible instead of silently dropped. Free and unsupported resources cost nothing known
and are left out of the rows and of the compliance share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from costgate.errors import InputError
from costgate.model.estimate import ResourceCostChange, ResourceStatus
from costgate.model.report import Showback, ShowbackRow

_ZERO = Decimal(0)
_COST_BEARING = (ResourceStatus.PRICED, ResourceStatus.USAGE_BASED)
UNTAGGED = "(untagged)"


def parse_group_by(text: str | None) -> tuple[str, ...]:
    """``"team, cost-center"`` → ``("team", "cost-center")``; duplicates and blanks rejected."""
    if text is None:
        return ()
    keys = tuple(k.strip() for k in text.split(","))
    if not keys or any(not k for k in keys):
        raise InputError(f"bad --group-by {text!r}: expected tag keys separated by commas")
    if len(set(keys)) != len(keys):
        raise InputError(f"bad --group-by {text!r}: a tag key is repeated")
    return keys


def _exists_after(r: ResourceCostChange) -> bool:
    """Still running after the change (a usage-based one counts, its cost as unknown)."""
    return r.action.value != "delete"


def showback(resources: Iterable[ResourceCostChange], keys: Sequence[str]) -> Showback:
    """Group cost-bearing resources by the values of ``keys`` (largest after-cost first)."""
    sums: dict[tuple[str | None, ...], list[Decimal]] = {}
    counts: dict[tuple[str | None, ...], int] = {}
    bearing = compliant = 0
    bearing_cost = compliant_cost = _ZERO
    for r in resources:
        if r.status not in _COST_BEARING:
            continue
        values = tuple(r.tags.get(k) for k in keys)
        before, after = r.monthly_cost_before or _ZERO, r.monthly_cost_after or _ZERO
        acc = sums.setdefault(values, [_ZERO, _ZERO, _ZERO])
        acc[0] += before
        acc[1] += after
        acc[2] += r.monthly_delta or _ZERO
        counts[values] = counts.get(values, 0) + 1
        if _exists_after(r):
            bearing += 1
            bearing_cost += after
            if all(v is not None for v in values):
                compliant += 1
                compliant_cost += after
    rows = [
        ShowbackRow(values=v, resources=counts[v], monthly_cost_before=s[0],
                    monthly_cost_after=s[1], monthly_delta=s[2])
        for v, s in sums.items()
    ]
    rows.sort(key=lambda row: (row.untagged, -row.monthly_cost_after,
                               tuple(x or "" for x in row.values)))
    share = None
    if bearing_cost > 0:
        share = (compliant_cost / bearing_cost * 100).quantize(Decimal("0.1"))
    return Showback(
        keys=tuple(keys),
        rows=tuple(rows),
        cost_bearing_resources=bearing,
        compliant_resources=compliant,
        cost_bearing_monthly_cost=bearing_cost,
        compliant_monthly_cost=compliant_cost,
        compliant_share_percent=share,
    )


def row_label(row: ShowbackRow, keys: Sequence[str]) -> str:
    """``team=payments, cost-center=(untagged)``; the all-missing row is ``(untagged)``."""
    if row.untagged:
        return UNTAGGED
    return ", ".join(f"{k}={v if v is not None else UNTAGGED}" for k, v in zip(keys, row.values, strict=False))


def compliance_line(sb: Showback, esc: Callable[[str], str] = str) -> str:
    """One sentence on tag compliance; ``esc`` escapes the tag keys for the output format."""
    keys = ", ".join(esc(k) for k in sb.keys)
    if sb.compliant_share_percent is None:
        return f"Tag compliance ({keys}): no cost-bearing resources"
    return (
        f"Tag compliance ({keys}): {sb.compliant_share_percent}% of monthly cost "
        f"({sb.compliant_resources} of {sb.cost_bearing_resources} cost-bearing resources) "
        "carries every group-by tag"
    )
