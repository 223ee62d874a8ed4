"""The report: the one versioned object every renderer takes (table, JSON, Markdown, HTML, ...).

It wraps one or more project estimates with what was decided about them (policy verdict),
how they split by tag (showback) and what could be cheaper (savings). Renderers are pure
functions of ``(Report, options)``; nothing here prints or decides an exit code.

``--format json`` writes :class:`ReportDocument`: the :class:`Estimate` contract of the whole
run (one project: that project's estimate; several: their merge) plus the additive keys
``projects``, ``policy``, ``showback`` and ``savings`` (schema ``report.v1.json``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from costgate.model.base import Frozen
from costgate.model.estimate import (
    Counts,
    Estimate,
    EstimateMetadata,
    Money,
    PriceSnapshot,
    ResourceCostChange,
    _Contract,
)
from costgate.model.policy import PolicyVerdict

REPORT_SCHEMA_VERSION = "1"
#: Keys ``--format json`` adds to the estimate contract (``Estimate.load_json`` ignores them).
REPORT_KEYS = ("projects", "policy", "showback", "savings")

_ZERO = Decimal(0)


class ProjectEntry(Frozen):
    """One project of the run: its estimate, or why it has none."""

    name: str
    path: str = ""
    estimate: Estimate | None = None
    error: str | None = None
    #: Scope values for ``budgets: {scope: environment|workspace}`` (from costgate.yml).
    environment: str | None = None
    workspace: str | None = None


class Totals(Frozen):
    """Sums over every project that has an estimate."""

    monthly_cost_before: Decimal = _ZERO
    monthly_cost_after: Decimal = _ZERO
    monthly_delta: Decimal = _ZERO


class ShowbackRow(_Contract):
    """Cost of one combination of tag values; ``None`` in ``values`` means the tag is missing."""

    values: tuple[str | None, ...]
    resources: int
    monthly_cost_before: Money
    monthly_cost_after: Money
    monthly_delta: Money

    @property
    def untagged(self) -> bool:
        """True when the resources carry none of the group-by tags."""
        return all(v is None for v in self.values)


class Showback(_Contract):
    """Estimate and delta grouped by tag keys, and how much of the cost is tag-compliant.

    Compliant = a cost-bearing resource (priced or usage-based, still present after the
    change) carrying every group-by key; the share is by monthly cost after the change.
    """

    keys: tuple[str, ...]
    rows: tuple[ShowbackRow, ...]
    cost_bearing_resources: int
    compliant_resources: int
    cost_bearing_monthly_cost: Money
    compliant_monthly_cost: Money
    compliant_share_percent: Money | None  # None when nothing costs anything


class SavingSuggestion(_Contract):
    """A cheaper equivalent of a resource's current choice, priced with the same rule."""

    project: str
    address: str
    kind: str  # previous_generation | gp2 | graviton
    current: str
    suggested: str
    monthly_saving: Money | None  # None when one side is not in the price snapshot


class ProjectSummary(_Contract):
    """A ``projects[]`` entry of the JSON; ``estimate`` is null when the root is that estimate."""

    name: str
    path: str
    error: str | None
    total_monthly_cost_before: Money | None
    total_monthly_cost_after: Money | None
    total_monthly_delta: Money | None
    estimate: Estimate | None


class ReportDocument(Estimate):
    """The ``--format json`` root: the estimate contract plus the report keys."""

    projects: tuple[ProjectSummary, ...] = ()
    policy: PolicyVerdict | None = None
    showback: Showback | None = None
    savings: tuple[SavingSuggestion, ...] = ()


class Report(Frozen):
    """Everything a renderer may show, for one run of costgate."""

    schema_version: Literal["1"] = "1"
    kind: Literal["breakdown", "diff"] = "breakdown"
    currency: str = "USD"
    price_snapshot: PriceSnapshot
    projects: tuple[ProjectEntry, ...]
    totals: Totals = Totals()
    counts: Counts = Counts()
    policy: PolicyVerdict | None = None
    showback: Showback | None = None
    savings: tuple[SavingSuggestion, ...] = Field(default=())

    @classmethod
    def build(
        cls,
        projects: Sequence[ProjectEntry],
        *,
        kind: Literal["breakdown", "diff"] = "breakdown",
        currency: str | None = None,
        price_snapshot: PriceSnapshot | None = None,
        policy: PolicyVerdict | None = None,
        showback: Showback | None = None,
        savings: Sequence[SavingSuggestion] = (),
    ) -> Report:
        """Total the projects; currency and snapshot default to the first estimate's."""
        ests = [p.estimate for p in projects if p.estimate is not None]
        first = ests[0] if ests else None
        return cls(
            kind=kind,
            currency=currency or (first.currency if first else "USD"),
            price_snapshot=price_snapshot
            or (first.price_snapshot if first else PriceSnapshot(id="unknown")),
            projects=tuple(projects),
            totals=Totals(
                monthly_cost_before=sum((e.total_monthly_cost_before for e in ests), _ZERO),
                monthly_cost_after=sum((e.total_monthly_cost_after for e in ests), _ZERO),
                monthly_delta=sum((e.total_monthly_delta for e in ests), _ZERO),
            ),
            counts=Counts(
                **{f: sum(getattr(e.counts, f) for e in ests) for f in Counts.model_fields}
            ),
            policy=policy,
            showback=showback,
            savings=tuple(savings),
        )

    @classmethod
    def of_estimate(cls, estimate: Estimate, *, kind: Literal["breakdown", "diff"] = "breakdown",
                    name: str = "") -> Report:
        """A one-project report without policy or showback (what ``render(fmt, est)`` shows)."""
        entry = ProjectEntry(name=name or estimate.metadata.source or "default", estimate=estimate)
        return cls.build([entry], kind=kind)

    def resources(self) -> Iterator[tuple[str, ResourceCostChange]]:
        """Every resource of every project, with the project name."""
        for p in self.projects:
            if p.estimate is not None:
                for r in p.estimate.resources:
                    yield p.name, r

    @property
    def multi(self) -> bool:
        """True when the run has more than one project (renderers add a project table)."""
        return len(self.projects) > 1

    def merged(self) -> Estimate:
        """One estimate for the whole run (the single project's own, or the merge of all)."""
        ests = [p.estimate for p in self.projects if p.estimate is not None]
        if len(self.projects) == 1 and ests:
            return ests[0]
        unsupported: dict[str, int] = {}
        for e in ests:
            for t, n in e.unsupported_types.items():
                unsupported[t] = unsupported.get(t, 0) + n
        return Estimate(
            currency=self.currency,
            price_snapshot=self.price_snapshot,
            exchange_rate=next((e.exchange_rate for e in ests if e.exchange_rate), None),
            total_monthly_cost_before=self.totals.monthly_cost_before,
            total_monthly_cost_after=self.totals.monthly_cost_after,
            total_monthly_delta=self.totals.monthly_delta,
            counts=self.counts,
            unsupported_types=dict(sorted(unsupported.items())),
            resources=tuple(r for e in ests for r in e.resources),
            diagnostics=tuple(d for e in ests for d in e.diagnostics),
            metadata=EstimateMetadata(
                kind="projects",
                source=", ".join(p.name for p in self.projects),
                errored=any(e.metadata.errored for e in ests) or any(p.error for p in self.projects),
                complete=all(e.metadata.complete for e in ests),
            ),
        )

    def document(self) -> ReportDocument:
        """The JSON root (see the module docstring)."""
        root = self.merged()
        single = len(self.projects) == 1
        summaries = tuple(
            ProjectSummary(
                name=p.name,
                path=p.path,
                error=p.error,
                total_monthly_cost_before=p.estimate.total_monthly_cost_before if p.estimate else None,
                total_monthly_cost_after=p.estimate.total_monthly_cost_after if p.estimate else None,
                total_monthly_delta=p.estimate.total_monthly_delta if p.estimate else None,
                estimate=None if single else p.estimate,
            )
            for p in self.projects
        )
        data: dict[str, Any] = dict(root)
        return ReportDocument(**data, projects=summaries, policy=self.policy,
                              showback=self.showback, savings=self.savings)


def load_document(text: str | bytes) -> ReportDocument:
    """Load a saved ``--format json`` file (a bare estimate loads too: the keys default)."""
    return ReportDocument.model_validate_json(text)


def project_estimates(doc: ReportDocument) -> dict[str, Estimate]:
    """Each project's own estimate from a saved document (by project name)."""
    root = Estimate(**{k: v for k, v in dict(doc).items() if k not in REPORT_KEYS})
    if len(doc.projects) <= 1:
        name = doc.projects[0].name if doc.projects else ""
        return {name: root}
    return {p.name: p.estimate for p in doc.projects if p.estimate is not None}


#: The published JSON Schema of ``--format json`` (the estimate schema plus the report keys).
REPORT_SCHEMA_ID = "https://costgate.dev/schema/report.v1.json"


def report_schema_text() -> str:
    """The exact text of ``costgate/schema/report.v1.json`` (generated from the model)."""
    import json

    schema = ReportDocument.model_json_schema(mode="serialization")
    full = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": REPORT_SCHEMA_ID,
            **schema}
    return json.dumps(full, indent=2, sort_keys=True) + "\n"
