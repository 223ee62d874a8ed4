"""Cheaper equivalents for discouraged choices: previous-generation families and gp2 volumes.

This module only *describes* alternatives (a copy of the resource with one attribute changed);
the engine prices both variants with the same rule, so a saving is always the difference of
two real prices, or unknown when one side is not in the snapshot.

Previous generation: the families AWS itself flags ``current-generation: false`` in its
instance data (as published through ec2instances.info, vantage 2024-04-04 snapshot in
``pricing-sources/vantage-ec2instances-info``). Each maps to the current family with the same
shape (vCPU:memory ratio); the same size must exist in the successor, otherwise there is no
suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from costgate.model.resource import Resource

#: AWS previous-generation EC2 families → current family of the same shape.
PREVIOUS_GENERATION: dict[str, str] = {
    "a1": "m6g",
    "c1": "c5",
    "c3": "c5",
    "cc2": "c5",
    "cr1": "r5",
    "d2": "d3",
    "g2": "g4dn",
    "hs1": "d3",
    "i2": "i3",
    "m1": "m5",
    "m2": "r5",
    "m3": "m5",
    "r3": "r5",
    "t1": "t3",
}

#: RDS classes follow the EC2 families (``db.m3.large`` → ``db.m5.large``).
_DB_PREFIX = "db."


@dataclass(frozen=True)
class Alternative:
    """One suggested change: the resource as it would be with the cheaper choice."""

    kind: str  # previous_generation | gp2
    current: str
    suggested: str
    variant: Resource


def _successor(instance_type: str) -> str | None:
    prefix = ""
    if instance_type.startswith(_DB_PREFIX):
        prefix, instance_type = _DB_PREFIX, instance_type[len(_DB_PREFIX) :]
    family, _, size = instance_type.partition(".")
    new_family = PREVIOUS_GENERATION.get(family)
    if new_family is None or not size:
        return None
    return f"{prefix}{new_family}.{size}"


def _with(resource: Resource, **changes: Any) -> Resource:
    return resource.model_copy(update={"attributes": {**resource.attributes, **changes}})


def _gp3_equivalent(size: Any) -> dict[str, Any]:
    """gp3 settings matching gp2's baseline performance (3 IOPS/GB, min 100, max 16,000)."""
    try:
        gb = int(size)
    except (TypeError, ValueError):
        return {}
    iops = min(max(3 * gb, 3000), 16000)
    return {"iops": iops} if iops > 3000 else {}


def alternatives(resource: Resource) -> list[Alternative]:
    """Cheaper equivalents of ``resource`` (empty when none applies)."""
    found: list[Alternative] = []
    key = {"aws_instance": "instance_type", "aws_db_instance": "instance_class"}.get(resource.type)
    if key:
        current = resource.text(key)
        suggested = _successor(current) if current else None
        if current and suggested:
            found.append(
                Alternative(
                    "previous_generation", current, suggested, _with(resource, **{key: suggested})
                )
            )
    if resource.type == "aws_ebs_volume" and resource.text("type") == "gp2":
        variant = _with(resource, type="gp3", **_gp3_equivalent(resource.get("size")))
        found.append(Alternative("gp2", "gp2", "gp3", variant))
    if resource.type == "aws_db_instance" and resource.text("storage_type") == "gp2":
        found.append(Alternative("gp2", "gp2", "gp3", _with(resource, storage_type="gp3")))
    if resource.type == "aws_instance":
        roots = resource.blocks("root_block_device")
        if any(b.get("volume_type") == "gp2" for b in roots):
            new_roots = [
                {**b, "volume_type": "gp3"} if b.get("volume_type") == "gp2" else b for b in roots
            ]
            found.append(
                Alternative("gp2", "gp2", "gp3", _with(resource, root_block_device=new_roots))
            )
    return found
