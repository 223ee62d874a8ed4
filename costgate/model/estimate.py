"""The estimate: the versioned JSON contract every renderer, policy and diff reads.

The models *are* the JSON shape (field names as in issue 3, money as decimal strings), so a
saved ``--format json`` file loads back with :meth:`Estimate.load_json` and two estimates can
be compared. ``None`` money means "could not be priced", never 0.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from enum import Enum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, PlainSerializer, WithJsonSchema

from costgate.model.base import Frozen
from costgate.model.money import money_str
from costgate.model.pricing import PricedComponent, PriceStatus
from costgate.model.resource import Action, Diagnostic, PlanMetadata

SCHEMA_VERSION = "1"

#: Decimal in memory, canonical decimal string in JSON (no exponent, no float).
Money = Annotated[
    Decimal,
    PlainSerializer(money_str, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "description": "decimal string"},
        mode="serialization",
    ),
]


class _Contract(Frozen):
    """Frozen, and every field is always written (so the schema marks all of them required)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
    )


class ResourceStatus(str, Enum):
    """How a resource was accounted for; every managed resource gets exactly one."""

    PRICED = "priced"
    USAGE_BASED = "usage_based"  # every component needs usage values that were not given
    FREE = "free"
    UNSUPPORTED = "unsupported"


class ComponentCost(_Contract):
    """One priced line of a resource, flattened from :class:`PricedComponent` for the contract."""

    name: str
    unit: str
    monthly_quantity: Money | None = None  # None: depends on usage
    unit_price: Money | None = None  # per display unit; None: not in price snapshot
    monthly_cost: Money | None = None
    usage_based: bool = False
    price_id: str | None = None
    price_date: dt.date | None = None
    price_source: str | None = None
    price_status: PriceStatus = PriceStatus.PRICED
    note: str | None = None

    @classmethod
    def from_priced(cls, pc: PricedComponent) -> ComponentCost:
        """Flatten an engine result."""
        c = pc.component
        return cls.model_construct(  # typed values from the engine: no re-validation
            name=c.name,
            unit=c.unit,
            monthly_quantity=c.monthly_quantity,
            unit_price=pc.unit_price,
            monthly_cost=pc.monthly_cost,
            usage_based=c.usage_based,
            price_id=pc.price_id,
            price_date=pc.price_date,
            price_source=pc.price_source,
            price_status=pc.status,
            note=c.note,
        )


class ResourceEstimate(_Contract):
    """One side (before or after) of one resource."""

    components: tuple[ComponentCost, ...] = ()
    monthly_cost: Money | None = None  # None when nothing could be priced, never a fake 0

    @classmethod
    def from_components(cls, components: tuple[ComponentCost, ...]) -> ResourceEstimate:
        """Sum the priced components; ``None`` when none has a cost."""
        costs = [c.monthly_cost for c in components if c.monthly_cost is not None]
        total = sum(costs, Decimal(0)) if costs else None
        return cls.model_construct(components=components, monthly_cost=total)


class ResourceCostChange(_Contract):
    """One resource's cost before and after the change (the ``resources[]`` entry).

    ``components`` is the after side (the before side for deletes); ``components_before`` is
    set only when the before side was priced separately (update, replace, create-and-forget).
    """

    address: str
    type: str
    provider: str
    region: str | None = None
    action: Action
    status: ResourceStatus
    monthly_cost_before: Money | None = None
    monthly_cost_after: Money | None = None
    monthly_delta: Money | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    components: tuple[ComponentCost, ...] = ()
    components_before: tuple[ComponentCost, ...] | None = None
    deposed: str | None = None
    importing: bool = False
    forgotten: bool = False  # the object leaves Terraform but keeps running (and costing)
    previous_address: str | None = None
    error: str | None = None  # the rule failed or saw absurd input; see diagnostics

    @property
    def before(self) -> ResourceEstimate | None:
        """The before side as a :class:`ResourceEstimate` (None for creates)."""
        if self.action is Action.CREATE and not self.importing:
            return None
        comps = self.components if self.components_before is None else self.components_before
        return ResourceEstimate(components=comps, monthly_cost=self.monthly_cost_before)

    @property
    def after(self) -> ResourceEstimate | None:
        """The after side (None for deletes)."""
        if self.action is Action.DELETE:
            return None
        return ResourceEstimate(components=self.components, monthly_cost=self.monthly_cost_after)


class PriceSnapshot(_Contract):
    """Which price data answered the queries."""

    id: str
    date: dt.date | None = None


class ExchangeRate(_Contract):
    """The conversion applied to every price (absent when prices are in their own currency)."""

    from_currency: str
    to_currency: str
    rate: Money
    date: dt.date | None = None


class Counts(_Contract):
    """How many resources ended in each status."""

    priced: int = 0
    usage_based: int = 0
    free: int = 0
    unsupported: int = 0


class EstimateMetadata(_Contract):
    """Facts about the input the estimate was made from."""

    kind: str = "plan"
    source: str | None = None
    format_version: str | None = None
    terraform_version: str | None = None
    errored: bool = False
    complete: bool = True

    @classmethod
    def from_plan(cls, meta: PlanMetadata) -> EstimateMetadata:
        """Copy the reader's metadata (the fields this contract has; readers may know more)."""
        data = meta.model_dump()
        return cls(**{k: data[k] for k in cls.model_fields if k in data})


class Estimate(_Contract):
    """The whole estimate of one input: the root of ``--format json``."""

    schema_version: Literal["1"] = "1"
    currency: str = "USD"
    price_snapshot: PriceSnapshot
    exchange_rate: ExchangeRate | None = None
    total_monthly_cost_before: Money
    total_monthly_cost_after: Money
    total_monthly_delta: Money
    counts: Counts
    unsupported_types: dict[str, int] = Field(default_factory=dict)
    resources: tuple[ResourceCostChange, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    metadata: EstimateMetadata = EstimateMetadata()

    @classmethod
    def from_resources(
        cls,
        resources: tuple[ResourceCostChange, ...],
        *,
        currency: str,
        price_snapshot: PriceSnapshot,
        exchange_rate: ExchangeRate | None,
        diagnostics: tuple[Diagnostic, ...],
        metadata: EstimateMetadata,
    ) -> Estimate:
        """An estimate whose totals, counts and unsupported types are summed from ``resources``.

        The engine and the diff both build estimates here, so their totals cannot drift apart.
        """
        counts = Counter(r.status for r in resources)
        unsupported = Counter(r.type for r in resources if r.status is ResourceStatus.UNSUPPORTED)
        before = sum((r.monthly_cost_before or Decimal(0) for r in resources), Decimal(0))
        after = sum((r.monthly_cost_after or Decimal(0) for r in resources), Decimal(0))
        return cls(
            currency=currency,
            price_snapshot=price_snapshot,
            exchange_rate=exchange_rate,
            total_monthly_cost_before=before,
            total_monthly_cost_after=after,
            total_monthly_delta=after - before,
            counts=Counts(**{s.value: counts.get(s, 0) for s in ResourceStatus}),
            unsupported_types=dict(sorted(unsupported.items())),
            resources=resources,
            diagnostics=diagnostics,
            metadata=metadata,
        )

    @classmethod
    def load_json(cls, text: str | bytes) -> Estimate:
        """Load a saved ``--format json`` estimate (for diffs between two runs).

        The report keys ``--format json`` adds (``projects``, ``policy``, ``showback``,
        ``savings``; see ``costgate.model.report``) are not part of the estimate and are skipped.
        """
        try:
            data = json.loads(text, parse_float=Decimal)
        except ValueError:
            return cls.model_validate_json(text)  # pydantic's own error for non-JSON
        if isinstance(data, dict):
            for key in _REPORT_KEYS:
                data.pop(key, None)
        return cls.model_validate(data)


#: Keys of the report document around the estimate (``costgate.model.report.REPORT_KEYS``).
_REPORT_KEYS = ("projects", "policy", "showback", "savings")
