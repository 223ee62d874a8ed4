"""Several projects estimated in one run (``costgate.yml`` or auto-detected root modules).

Each project has an estimate *or* the one-line error that stopped it, so a failing project is
reported next to the others instead of hiding them. Totals sum only the projects that have an
estimate; ``failed`` says how many did not. :meth:`MultiProjectEstimate.report` hands the run
to the renderers as an ordinary :class:`~costgate.model.report.Report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from pydantic import Field

from costgate.model.base import Frozen
from costgate.model.estimate import Estimate
from costgate.model.report import ProjectEntry, Report

_ZERO = Decimal(0)


class ProjectEstimate(Frozen):
    """One project's result: ``estimate`` when it could be read and priced, else ``error``."""

    name: str
    path: str
    estimate: Estimate | None = None
    error: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    policy: str | None = None  # the project's own policy file (config), for the gate
    environment: str | None = None
    workspace: str | None = None

    @property
    def ok(self) -> bool:
        """True when the project has an estimate."""
        return self.estimate is not None

    def entry(self) -> ProjectEntry:
        """The report's view of this project."""
        return ProjectEntry(name=self.name, path=self.path, estimate=self.estimate,
                            error=self.error, environment=self.environment,
                            workspace=self.workspace)


class MultiProjectEstimate(Frozen):
    """Every project of one run, sorted by name, with totals over those that succeeded."""

    kind: Literal["breakdown", "diff"] = "breakdown"
    projects: tuple[ProjectEstimate, ...]
    total_monthly_cost_before: Decimal = _ZERO
    total_monthly_cost_after: Decimal = _ZERO
    total_monthly_delta: Decimal = _ZERO
    failed: int = 0

    @classmethod
    def build(
        cls, projects: Sequence[ProjectEstimate], *, kind: Literal["breakdown", "diff"]
    ) -> MultiProjectEstimate:
        """Sort by name (deterministic whatever finished first) and total."""
        ordered = tuple(sorted(projects, key=lambda p: p.name))
        ests = [p.estimate for p in ordered if p.estimate is not None]
        return cls(
            kind=kind,
            projects=ordered,
            total_monthly_cost_before=sum((e.total_monthly_cost_before for e in ests), _ZERO),
            total_monthly_cost_after=sum((e.total_monthly_cost_after for e in ests), _ZERO),
            total_monthly_delta=sum((e.total_monthly_delta for e in ests), _ZERO),
            failed=sum(1 for p in ordered if p.estimate is None),
        )

    def report(self) -> Report:
        """The renderers' input (per-project rows plus totals)."""
        return Report.build([p.entry() for p in self.projects], kind=self.kind)
