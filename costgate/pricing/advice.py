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

#: x86 families → the AWS Graviton (arm64) family of the same shape. For EC2 the workload and
#: AMI must support arm64 (the report says so); RDS switches engines transparently. A
#: suggestion is shown only when both prices are in the snapshot and Graviton is cheaper.
GRAVITON: dict[str, str] = {
    "t3": "t4g",
    "t3a": "t4g",
    "m5": "m6g",
    "m5a": "m6g",
    "m6i": "m7g",
    "m6a": "m7g",
    "m7i": "m7g",
    "c5": "c6g",
    "c5a": "c6g",
    "c6i": "c7g",
    "c6a": "c7g",
    "c7i": "c7g",
    "r5": "r6g",
    "r5a": "r6g",
    "r6i": "r7g",
    "r6a": "r7g",
    "r7i": "r7g",
}

#: RDS classes follow the EC2 families (``db.m3.large`` → ``db.m5.large``).
_DB_PREFIX = "db."


@dataclass(frozen=True)
class Alternative:
    """One suggested change: the resource as it would be with the cheaper choice."""

    kind: str  # previous_generation | gp2 | graviton (EC2) | graviton_managed (RDS)
    current: str
    suggested: str
    variant: Resource


def _successor(instance_type: str, table: dict[str, str] = PREVIOUS_GENERATION) -> str | None:
    prefix = ""
    if instance_type.startswith(_DB_PREFIX):
        prefix, instance_type = _DB_PREFIX, instance_type[len(_DB_PREFIX) :]
    family, _, size = instance_type.partition(".")
    new_family = table.get(family)
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
    current = resource.text(key) if key else None
    if key and current:
        suggested = _successor(current)
        if suggested:
            found.append(
                Alternative(
                    "previous_generation", current, suggested, _with(resource, **{key: suggested})
                )
            )
        arm = _successor(current, GRAVITON)
        if arm:
            kind = "graviton_managed" if resource.type == "aws_db_instance" else "graviton"
            found.append(Alternative(kind, current, arm, _with(resource, **{key: arm})))
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
