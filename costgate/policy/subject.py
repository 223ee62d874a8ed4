"""What a policy is evaluated on: flat rows per resource and totals per project.

Built from an estimate by the caller, so the policy layer stays independent of how costs
were computed (plan, HCL, saved JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from costgate.model.policy import Saving

__all__ = ["PolicySubject", "ProjectRow", "ResourceRow", "Saving"]


@dataclass(frozen=True)
class ResourceRow:
    """One resource as policies see it (after the change unless stated)."""

    address: str
    type: str
    provider: str
    action: str
    status: str  # priced | usage_based | free | unsupported
    project: str = ""
    path: str = ""
    config_address: str = ""
    region: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    monthly_before: Decimal | None = None
    monthly_after: Decimal | None = None
    unpriced_components: int = 0  # components "not in price snapshot" or without a query
    instance_type: str | None = None
    savings: tuple[Saving, ...] = ()

    @property
    def monthly_delta(self) -> Decimal:
        """After minus before, missing sides counted as zero."""
        return (self.monthly_after or Decimal(0)) - (self.monthly_before or Decimal(0))

    @property
    def exists_after(self) -> bool:
        """False for deletes and forgets: the change removes it from the project."""
        return self.action not in ("delete", "forget")


@dataclass(frozen=True)
class ProjectRow:
    """Totals of one project."""

    name: str
    path: str = ""
    environment: str | None = None
    workspace: str | None = None
    monthly_before: Decimal = Decimal(0)
    monthly_after: Decimal = Decimal(0)


@dataclass(frozen=True)
class PolicySubject:
    """Everything a policy needs, in one currency."""

    currency: str
    resources: tuple[ResourceRow, ...]
    projects: tuple[ProjectRow, ...] = ()

    @property
    def monthly_before(self) -> Decimal:
        """Sum of every resource's before cost."""
        return sum((r.monthly_before or Decimal(0) for r in self.resources), Decimal(0))

    @property
    def monthly_after(self) -> Decimal:
        """Sum of every resource's after cost."""
        return sum((r.monthly_after or Decimal(0) for r in self.resources), Decimal(0))
