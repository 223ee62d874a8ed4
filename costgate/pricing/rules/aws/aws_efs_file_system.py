"""aws_efs_file_system: storage by class as usage, provisioned or elastic throughput.

Storage classes (usage): Standard, Infrequent Access and Archive for regional file systems,
One Zone and One Zone-IA when ``availability_zone_name`` is set. Regional IA storage has two
prices: $0.016/GB-month ("Infrequent Access ET" meter, us-east-1) with elastic throughput,
$0.025 with bursting or provisioned throughput (AWS's late-2023 IA price cut applies to
elastic-throughput file systems only).
Provisioned throughput bills every provisioned MiB/s (the storage-based baseline is not
deducted); elastic throughput bills GB read and written.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.rule import UsageKey, UsageValues, pricing_rule
from costgate.pricing.rules.aws._usage_helpers import (
    attribute,
    gigabytes,
    meter_query,
    unknown,
    usage_line,
)

SERVICE = "AmazonEFS"
#: EFS's maximum provisioned throughput (MiB/s) per file system, a sanity bound.
MAX_MIBPS = Decimal(10240)

#: (usage key, component name, regional meter, one-zone meter or None)
_STORAGE = (
    ("storage_gb", "Storage (standard)", "General Purpose Storage GB Mo",
     "One Zone General Purpose Storage GB Mo"),
    ("infrequent_access_storage_gb", "Storage (infrequent access)",
     "Infrequent Access Storage GB Mo", "One Zone Infrequent Access Storage GB Mo"),
    ("archive_storage_gb", "Storage (archive)", "Archive Storage GB Mo", None),
)
_REQUESTS = (
    ("monthly_infrequent_access_read_gb", "Read requests (infrequent access)",
     "Infrequent Access Requests Read per GB"),
    ("monthly_infrequent_access_write_gb", "Write requests (infrequent access)",
     "Infrequent Access Requests Write per GB"),
)
_ELASTIC = (
    ("monthly_elastic_read_gb", "Elastic throughput reads", "EFS Storage Requests Read per GB"),
    ("monthly_elastic_write_gb", "Elastic throughput writes", "EFS Storage Requests Write per GB"),
)

USAGE = tuple(
    UsageKey(key, float, f"{name}: GB per month.", 100)
    for key, name, *_ in (*_STORAGE, *_REQUESTS, *_ELASTIC)
)


@pricing_rule("aws_efs_file_system", usage=USAGE)
def RULE(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Standard storage is always shown; other classes and request charges when usage is given."""
    # availability_zone_name is computed (unknown) for regional file systems: only a known
    # value means One Zone.
    one_zone = bool(r.text("availability_zone_name")) and not r.is_unknown("availability_zone_name")
    elastic = r.text("throughput_mode") == "elastic"
    for key, name, regional, zonal in _STORAGE:
        meter = zonal if one_zone else regional
        if elastic and meter == "Infrequent Access Storage GB Mo":
            meter = "Infrequent Access ET Storage GB Mo"
        quantity = gigabytes(usage, key)
        if meter is None or (quantity is None and key != "storage_gb"):
            continue
        label = name.replace("(", "(one zone, ") if one_zone else name
        yield usage_line(label, "GB", meter_query(SERVICE, r.region, meter), quantity)
    for key, name, meter in _REQUESTS:
        quantity = gigabytes(usage, key)
        if quantity is not None:
            yield usage_line(name, "GB", meter_query(SERVICE, r.region, meter), quantity)
    yield from _throughput(r, usage)


def _throughput(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    """Provisioned MiB/s per month, or elastic GB read/written; bursting costs nothing extra."""
    if r.is_unknown("throughput_mode"):
        yield unknown("Throughput", "MiBps", "throughput_mode")
        return
    mode = r.text("throughput_mode") or "bursting"  # provider default
    if mode == "provisioned":
        mibps = attribute(r, "provisioned_throughput_in_mibps", None, minimum=1,
                          maximum=MAX_MIBPS)
        if mibps is None:
            yield unknown("Provisioned throughput", "MiBps", "provisioned_throughput_in_mibps")
            return
        yield CostComponent(
            name="Provisioned throughput", unit="MiBps", monthly_quantity=mibps,
            query=meter_query(SERVICE, r.region, "Throughput Provisioned"),
        )
    elif mode == "elastic":
        for key, name, meter in _ELASTIC:
            yield usage_line(name, "GB", meter_query(SERVICE, r.region, meter),
                             gigabytes(usage, key))
