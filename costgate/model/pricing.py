"""Price records (what the snapshot holds), price queries and cost components.

A pricing rule *describes* cost components, each with a :class:`PriceQuery`; the engine
answers all queries from the local price store in one batch and fills in
:class:`PricedComponent`. Rules never fetch.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import Field

from costgate.model.base import Frozen


class Trust(str, Enum):
    """How directly a price comes from the provider (highest first)."""

    RAW = "RAW"
    PROVIDER_JSON = "PROVIDER-JSON"
    DERIVED = "DERIVED"
    CURATED = "CURATED"


TRUST_RANK: dict[Trust, int] = {
    Trust.RAW: 0,
    Trust.PROVIDER_JSON: 1,
    Trust.DERIVED: 2,
    Trust.CURATED: 3,
}


class PurchaseOption(str, Enum):
    """How the capacity is bought."""

    ON_DEMAND = "on_demand"
    SPOT = "spot"
    RESERVED = "reserved"
    SAVINGS_PLAN = "savings_plan"
    COMMITMENT = "commitment"  # Google committed use
    DEV_TEST = "dev_test"  # Azure DevTestConsumption


class Provenance(Frozen):
    """Where one price came from."""

    source: str  # source id, e.g. "aws-bulk", "aws-pricing-page", "azure-retail", "cyclenerd"
    source_file: str  # path relative to the sources root (or URL for a live refresh)
    price_date: dt.date  # publication/effective date of the price
    trust: Trust
    location_raw: str | None = None  # provider display name as found ("EU (Ireland)")


class PriceRecord(Frozen):
    """One normalised price: the unit of the snapshot.

    ``attributes`` use the canonical vocabulary in ``docs/pricing-vocabulary.md``.
    ``price`` is per ``unit`` in ``currency`` at full precision. Reservation prices quoted as a
    term total are stored with ``unit`` ending in ``-term`` (see the vocabulary doc) so that an
    hourly equivalent can be derived without losing the original figure.
    """

    provider: str  # aws | azure | google
    service: str  # AmazonEC2, Virtual Machines, Compute Engine, ...
    product_family: str = ""
    region: str | None = None  # canonical code; None = global
    attributes: dict[str, str] = Field(default_factory=dict)
    purchase_option: PurchaseOption = PurchaseOption.ON_DEMAND
    term: str | None = None  # 1y | 3y | 5y
    payment: str | None = None  # no_upfront | partial_upfront | all_upfront
    unit: str  # canonical unit: hour, GB-month, IOPS-month, MiBps-month, GB, request, ...
    price: Decimal
    currency: str = "USD"
    tier_start: Decimal = Decimal(0)
    tier_end: Decimal | None = None
    native_id: str  # AWS rateCode/SKU, Azure meterId(+type/term), Google skuId(+tier)
    provenance: Provenance


class PriceQuery(Frozen):
    """An exact-match question to the price store; hashable, so it is the batch/cache key.

    Every attribute given must equal the record's attribute; attributes not given are not
    constrained. ``region=None`` matches global (region-less) records only.
    """

    provider: str
    service: str
    region: str | None
    product_family: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    purchase_option: PurchaseOption = PurchaseOption.ON_DEMAND
    term: str | None = None
    payment: str | None = None
    unit: str | None = None

    @classmethod
    def make(
        cls,
        provider: str,
        service: str,
        region: str | None,
        product_family: str | None = None,
        purchase_option: PurchaseOption = PurchaseOption.ON_DEMAND,
        unit: str | None = None,
        term: str | None = None,
        payment: str | None = None,
        **attributes: str,
    ) -> PriceQuery:
        """Build a query with attributes sorted, so equal questions hash equal."""
        return cls(
            provider=provider,
            service=service,
            region=region,
            product_family=product_family,
            attributes=tuple(sorted(attributes.items())),
            purchase_option=purchase_option,
            unit=unit,
            term=term,
            payment=payment,
        )

    def __hash__(self) -> int:
        """Hash once per object: queries are dict keys in every batch, dedupe and cache, and
        pydantic's field-tuple hash (nested attribute tuples) cost ~3 us per call. The value
        lives in ``__dict__`` beside the fields, as ``functools.cached_property`` would put it
        (pydantic's ``__eq__`` and serializers look at the fields only)."""
        try:
            found: int = self.__dict__[_HASH]
        except KeyError:
            found = self.__dict__[_HASH] = hash((
                self.provider, self.service, self.region, self.product_family, self.attributes,
                self.purchase_option, self.term, self.payment, self.unit))
        return found

    def __eq__(self, other: object) -> bool:
        """Field equality without pydantic's generic checks (dedupe compares many queries)."""
        if other.__class__ is PriceQuery:
            mine: tuple[Any, ...] = _QUERY_FIELDS(self.__dict__)
            theirs: tuple[Any, ...] = _QUERY_FIELDS(other.__dict__)
            return mine == theirs
        result: bool = super().__eq__(other)  # NotImplemented for non-models
        return result

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> PriceQuery:
        """A copy without the cached hash (``update`` may change the fields it covers)."""
        copied = super().model_copy(update=update, deep=deep)
        for key in _CACHED:
            copied.__dict__.pop(key, None)
        return copied

    def __getstate__(self) -> dict[Any, Any]:
        """Pickle without cached values: another process hashes strings with another seed."""
        state: dict[Any, Any] = super().__getstate__()
        if not _CACHED.isdisjoint(state["__dict__"]):
            fields = {k: v for k, v in state["__dict__"].items() if k not in _CACHED}
            state = {**state, "__dict__": fields}
        return state

    def describe(self) -> str:
        """Short human form for messages: ``aws AmazonEC2 us-east-1 instance_type=m5.large``."""
        parts = [self.provider, self.service, self.region or "global"]
        if self.product_family:
            parts.append(f"family={self.product_family}")
        parts.extend(f"{k}={v}" for k, v in self.attributes)
        if self.purchase_option is not PurchaseOption.ON_DEMAND:
            parts.append(f"purchase={self.purchase_option.value}")
        return " ".join(parts)


#: ``PriceQuery.__dict__`` key of the cached hash (not a field).
_HASH = "_costgate_hash"
#: ``PriceQuery.__dict__`` key of the price store's lookup key (see ``store_index.query_plan``).
QUERY_PLAN = "_costgate_plan"
#: Derived values kept beside the fields; dropped by copies and pickles.
_CACHED = frozenset({_HASH, QUERY_PLAN})
_QUERY_FIELDS = operator.itemgetter(*PriceQuery.model_fields)


class PriceMatch(Frozen):
    """The store's answer to one query.

    ``tiers`` is empty when nothing matched ("not in price snapshot"). Otherwise it holds the
    chosen product's records sorted by ``tier_start`` (one record for untiered prices).
    ``candidates`` counts how many records matched before the deterministic choice.
    """

    query: PriceQuery
    tiers: tuple[PriceRecord, ...] = ()
    candidates: int = 0
    ambiguous: bool = False  # several records matched at the same tier within the chosen source

    @property
    def found(self) -> bool:
        """True when at least one price matched."""
        return bool(self.tiers)

    @classmethod
    def trusted(cls, query: PriceQuery, tiers: tuple[PriceRecord, ...], candidates: int,
                ambiguous: bool) -> PriceMatch:
        """An answer from values the store already holds as validated models, without
        validation (~1 us less than ``__init__``; the store makes 10,000 in a batch). The
        result equals ``PriceMatch(query=..., tiers=..., ...)`` (tested)."""
        match = _new(cls)
        _set(match, "__dict__", {"query": query, "tiers": tiers, "candidates": candidates,
                                 "ambiguous": ambiguous})
        _set(match, "__pydantic_fields_set__", set(_MATCH_FIELDS))
        _set(match, "__pydantic_extra__", None)
        _set(match, "__pydantic_private__", None)
        return match


_new = object.__new__
_set = object.__setattr__
_MATCH_FIELDS = frozenset(PriceMatch.model_fields)


class CostComponent(Frozen):
    """A line of cost a rule describes: name, unit, quantity and the price query.

    ``monthly_quantity`` is in the display ``unit``; ``None`` means "depends on usage" and is
    never treated as zero. ``price_multiplier`` converts the record's price unit into the
    display unit (e.g. 1,000,000 for a per-request price shown per "1M requests"); tier
    boundaries in the records are in record units and the engine converts.
    """

    name: str
    unit: str
    monthly_quantity: Decimal | None
    query: PriceQuery | None
    price_multiplier: Decimal = Decimal(1)
    usage_based: bool = False
    #: Quantity (in record units) already free before tiers apply, e.g. gp3's 3,000 IOPS.
    free_quantity: Decimal = Decimal(0)
    note: str | None = None


class PriceStatus(str, Enum):
    """Outcome of pricing one component."""

    PRICED = "priced"
    USAGE_UNKNOWN = "usage_unknown"  # usage-based with no usage value: cost depends on usage
    NOT_FOUND = "not_found"  # "not in price snapshot"
    NO_QUERY = "no_query"  # the rule could not build a query (e.g. unknown instance type)


class PricedComponent(Frozen):
    """A component with its price (or the reason it has none) and provenance."""

    component: CostComponent
    status: PriceStatus
    unit_price: Decimal | None = None  # per display unit, first tier
    monthly_cost: Decimal | None = None
    price_id: str | None = None
    price_date: dt.date | None = None
    price_source: str | None = None
    currency: str = "USD"
