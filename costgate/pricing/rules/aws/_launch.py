"""Resolve an ASG's or node group's launch template / configuration and price its instances."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.pricing.context import current
from costgate.pricing.rules.aws._ec2 import (
    block_device,
    burstable_family,
    cpu_credits,
    instance_hours,
)

_ROOT_DEVICES = ("/dev/xvda", "/dev/sda1")


@dataclass(frozen=True)
class LaunchSpec:
    """What a launch template or configuration says about the instances it launches."""

    source: str  # address of the template/config
    instance_type: str | None
    tenancy: str = "default"
    spot: bool = False
    unlimited: bool = False
    root: Mapping[str, Any] = field(default_factory=dict)
    ebs: tuple[Mapping[str, Any], ...] = ()


def from_launch_template(lt: Resource) -> LaunchSpec:
    """``aws_launch_template``: instance type, placement tenancy, market, credits, mappings."""
    placement = lt.blocks("placement")
    credits = lt.blocks("credit_specification")
    mode = credits[0].get("cpu_credits") if credits else None
    itype = None if lt.is_unknown("instance_type") else lt.text("instance_type")
    root: Mapping[str, Any] = {}
    ebs: list[Mapping[str, Any]] = []
    for mapping in lt.blocks("block_device_mappings"):
        inner = mapping.get("ebs")
        vol = dict(inner[0] if isinstance(inner, list) and inner else inner or {})
        vol["device_name"] = mapping.get("device_name")
        if mapping.get("device_name") in _ROOT_DEVICES and not root:
            root = vol
        else:
            ebs.append(vol)
    return LaunchSpec(
        source=lt.address, instance_type=itype,
        tenancy=str(placement[0].get("tenancy") or "default") if placement else "default",
        spot=any(str(b.get("market_type")) == "spot" for b in lt.blocks("instance_market_options")),
        unlimited=_unlimited(itype, mode), root=root, ebs=tuple(ebs),
    )


def from_launch_configuration(lc: Resource) -> LaunchSpec:
    """``aws_launch_configuration``: a non-null ``spot_price`` means spot instances."""
    itype = None if lc.is_unknown("instance_type") else lc.text("instance_type")
    roots = lc.blocks("root_block_device")
    return LaunchSpec(
        source=lc.address, instance_type=itype,
        tenancy=lc.text("placement_tenancy", "default") or "default",
        spot=lc.get("spot_price") is not None, unlimited=_unlimited(itype, None),
        root=roots[0] if roots else {}, ebs=tuple(lc.blocks("ebs_block_device")),
    )


def _unlimited(instance_type: str | None, mode: Any) -> bool:
    if instance_type is None:
        return False
    if mode is None:  # AWS default: t3/t3a/t4g unlimited, t2 standard
        return burstable_family(instance_type) in ("t3", "t3a", "t4g")
    return str(mode) == "unlimited"


def find_launch_template(r: Resource, path: str, spec: Mapping[str, Any]) -> Resource | None:
    """The template ``spec`` ({id|name} or {launch_template_id|launch_template_name}) names."""
    ctx = current()
    if ctx is None:
        return None
    ident = spec.get("id") or spec.get("launch_template_id")
    name = spec.get("name") or spec.get("launch_template_name")
    found = ctx.find("aws_launch_template", id=ident, name=name)
    found = found or ctx.referenced(r, path, "aws_launch_template")
    return found[0] if found else None


def find_launch_configuration(r: Resource) -> Resource | None:
    """The configuration named by ``launch_configuration`` (name or reference)."""
    ctx = current()
    if ctx is None:
        return None
    found = ctx.find("aws_launch_configuration", name=r.get("launch_configuration"))
    found = found or ctx.referenced(r, "launch_configuration", "aws_launch_configuration")
    return found[0] if found else None


def spec_components(
    region: str | None, spec: LaunchSpec, usage: Mapping[str, Any], *,
    on_demand: Decimal, spot: Decimal, instance_type: str | None = None,
) -> Iterator[CostComponent]:
    """Instance hours (on-demand and spot counts), volumes and credits for ``spec``."""
    itype = instance_type or spec.instance_type
    if spec.spot:
        on_demand, spot = Decimal(0), on_demand + spot
    for count, is_spot in ((on_demand, False), (spot, True)):
        if count > 0:
            yield instance_hours(region, itype, tenancy=spec.tenancy, spot=is_spot, count=count)
    total = on_demand + spot
    if total == 0:
        return
    yield from block_device(region, spec.root, "Root volume", root=True, count=total)
    for vol in spec.ebs:
        label = f"EBS volume {vol.get('device_name') or ''}".strip()
        yield from block_device(region, vol, label, root=False, count=total)
    if itype and spec.unlimited:
        credit = cpu_credits(region, itype, usage, count=total)
        if credit is not None:
            yield credit
