"""Compare two estimates (base and head) resource by resource.

Used for ``diff --base A --head B`` (plans, states or saved costgate JSON) and for git-ref
diffs in HCL mode. Each side's *after* cost is what that revision would run; the result is an
ordinary :class:`Estimate` whose before side is the base and whose after side is the head, so
every renderer and policy reads it the same way. Pure: no I/O, no pricing.
"""

from __future__ import annotations

from decimal import Decimal

from costgate.errors import InputError
from costgate.model.estimate import Estimate, EstimateMetadata, ResourceCostChange
from costgate.model.resource import Action, Diagnostic

_ZERO = Decimal(0)


def _key(r: ResourceCostChange) -> tuple[str, str | None]:
    return (r.address, r.deposed)


def _present(r: ResourceCostChange) -> bool:
    """True when the resource exists on this side after its own change."""
    return r.action is not Action.DELETE


def diff_estimates(base: Estimate, head: Estimate) -> Estimate:
    """Head minus base per resource; resources only in base are deletes, only in head creates."""
    if base.currency != head.currency:
        raise InputError(
            f"cannot compare estimates in {base.currency} and {head.currency}; "
            "produce both with the same --currency"
        )
    diagnostics: list[Diagnostic] = []
    if base.price_snapshot.id != head.price_snapshot.id:
        diagnostics.append(
            Diagnostic(
                code="price_snapshot_mismatch",
                message=(
                    f"base priced with snapshot {base.price_snapshot.id}, head with "
                    f"{head.price_snapshot.id}: price changes are mixed into the delta"
                ),
            )
        )
    old = {_key(r): r for r in base.resources if _present(r)}
    new = {_key(r): r for r in head.resources if _present(r)}
    keys = sorted(old.keys() | new.keys(), key=lambda k: (k[0], k[1] or ""))
    rows = [_pair(old.get(key), new.get(key)) for key in keys]
    return Estimate.from_resources(
        tuple(rows),
        currency=head.currency,
        price_snapshot=head.price_snapshot,
        exchange_rate=head.exchange_rate,
        diagnostics=(*base.diagnostics, *head.diagnostics, *diagnostics),
        metadata=EstimateMetadata(
            kind="diff",
            source=f"{base.metadata.source or 'base'} → {head.metadata.source or 'head'}",
            errored=base.metadata.errored or head.metadata.errored,
            complete=base.metadata.complete and head.metadata.complete,
        ),
    )


def _sub(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def _pair(old: ResourceCostChange | None, new: ResourceCostChange | None) -> ResourceCostChange:
    if new is None:
        assert old is not None
        cost = old.monthly_cost_after
        return old.model_copy(
            update={
                "action": Action.DELETE,
                "monthly_cost_before": cost,
                "monthly_cost_after": _ZERO,
                "monthly_delta": _sub(_ZERO, cost),
                "components_before": None,
                "importing": False,
            }
        )
    if old is None:
        cost = new.monthly_cost_after
        return new.model_copy(
            update={
                "action": Action.CREATE,
                "monthly_cost_before": _ZERO,
                "monthly_delta": cost,
                "components_before": None,
                "importing": False,
            }
        )
    same = old.components == new.components and old.monthly_cost_after == new.monthly_cost_after
    return new.model_copy(
        update={
            "action": Action.NOOP if same else Action.UPDATE,
            "monthly_cost_before": old.monthly_cost_after,
            "monthly_delta": _ZERO if same else _sub(new.monthly_cost_after, old.monthly_cost_after),
            "components_before": None if same else old.components,
            "importing": False,
        }
    )
