"""google_compute_disk: zonal persistent disk capacity by type (GB-month).

``type`` defaults to pd-standard (the provider's default); an unknown ``size`` (taken from the
image or snapshot at apply) is shown unpriced rather than guessed. pd-extreme and Hyperdisk
provisioned IOPS/throughput are shown unpriced (their prices are not in the data). Snapshots
and the disk's ``resource_policies`` schedules are not priced.
"""

from __future__ import annotations

from collections.abc import Iterator

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.pricing.rules.google._common import disk_component


@pricing_rule("google_compute_disk")
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """One zonal disk of ``size`` GB."""
    disk_type = r.text("type", "pd-standard") or "pd-standard"
    size = None if r.is_unknown("size") else r.number("size")
    yield from disk_component(r.region, disk_type, size)
