"""Report → :class:`PolicySubject`: the flat rows the policy layer judges.

The policy layer never sees estimates; this is the one place that maps them. Instance types
come from the resource attributes (``resource_facts`` at pricing time), which a saved JSON
estimate does not carry: a policy on instance types only sees resources priced in this run.
Savings come from the report itself, so they survive a round trip through saved JSON.
"""

from __future__ import annotations

from collections.abc import Mapping

from costgate.errors import InputError
from costgate.model.estimate import ResourceCostChange
from costgate.model.pricing import PriceStatus
from costgate.model.report import Report
from costgate.policy.subject import PolicySubject, ProjectRow, ResourceRow, Saving

_UNPRICED = (PriceStatus.NOT_FOUND, PriceStatus.NO_QUERY)

#: (project name, resource address) → instance type.
InstanceTypes = Mapping[tuple[str, str], str | None]


def _config_address(address: str) -> str:
    from costgate.model.address import config_address

    try:
        return config_address(address)
    except InputError:
        return address


def unpriced_components(r: ResourceCostChange) -> int:
    """Components of the running side that are not in the snapshot or had no query."""
    return sum(1 for c in r.components if c.price_status in _UNPRICED)


def policy_subject(report: Report, instance_types: InstanceTypes | None = None) -> PolicySubject:
    """Flatten every project's resources and totals for :func:`costgate.policy.evaluate`."""
    types = instance_types or {}
    savings: dict[tuple[str, str], list[Saving]] = {}
    for s in report.savings:
        savings.setdefault((s.project, s.address), []).append(
            Saving(kind=s.kind, current=s.current, suggested=s.suggested,
                   monthly_saving=s.monthly_saving)
        )
    paths = {p.name: p.path for p in report.projects}
    rows = tuple(
        ResourceRow(
            address=r.address,
            type=r.type,
            provider=r.provider,
            action="forget" if r.forgotten else r.action.value,
            status=r.status.value,
            project=project,
            path=paths.get(project, ""),
            config_address=_config_address(r.address),
            region=r.region,
            tags=dict(r.tags),
            monthly_before=r.monthly_cost_before,
            monthly_after=r.monthly_cost_after,
            unpriced_components=unpriced_components(r),
            instance_type=types.get((project, r.address)),
            savings=tuple(savings.get((project, r.address), ())),
        )
        for project, r in report.resources()
    )
    projects = tuple(
        ProjectRow(
            name=p.name,
            path=p.path,
            environment=p.environment,
            workspace=p.workspace,
            monthly_before=p.estimate.total_monthly_cost_before,
            monthly_after=p.estimate.total_monthly_cost_after,
        )
        for p in report.projects
        if p.estimate is not None
    )
    return PolicySubject(currency=report.currency, resources=rows, projects=projects)
