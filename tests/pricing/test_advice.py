from __future__ import annotations

import json

from shared_data import shared_path

from costgate.model.resource import Resource
from costgate.pricing.advice import PREVIOUS_GENERATION, alternatives


def _res(type_: str, **attrs: object) -> Resource:
    return Resource(address=f"{type_}.x", type=type_, name="x", provider="aws", attributes=attrs)


def test_previous_generation_instance() -> None:
    [alt] = alternatives(_res("aws_instance", instance_type="m3.large"))
    assert (alt.kind, alt.current, alt.suggested) == ("previous_generation", "m3.large", "m5.large")
    assert alt.variant.get("instance_type") == "m5.large"


def test_current_generation_has_no_previous_generation_suggestion() -> None:
    assert alternatives(_res("aws_instance", instance_type="m7g.large")) == []
    kinds = [a.kind for a in alternatives(_res("aws_instance", instance_type="m5.large"))]
    assert kinds == ["graviton"]


def test_graviton_for_instances_and_rds() -> None:
    [ec2] = alternatives(_res("aws_instance", instance_type="c6i.xlarge"))
    assert (ec2.kind, ec2.suggested, ec2.variant.get("instance_type")) == ("graviton", "c7g.xlarge", "c7g.xlarge")
    [rds] = alternatives(_res("aws_db_instance", instance_class="db.r5.large"))
    assert (rds.kind, rds.suggested) == ("graviton_managed", "db.r6g.large")


def test_rds_class_and_gp2_storage() -> None:
    alts = alternatives(_res("aws_db_instance", instance_class="db.r3.large", storage_type="gp2"))
    assert {(a.kind, a.suggested) for a in alts} == {("previous_generation", "db.r5.large"), ("gp2", "gp3")}


def test_gp2_volume_keeps_baseline_performance() -> None:
    small = alternatives(_res("aws_ebs_volume", type="gp2", size=100))[0].variant
    assert small.get("type") == "gp3" and small.get("iops") is None  # 300 IOPS < gp3's free 3,000
    big = alternatives(_res("aws_ebs_volume", type="gp2", size=2000))[0].variant
    assert big.get("iops") == 6000  # gp2 gives 3 IOPS/GB


def test_root_block_device_gp2() -> None:
    alts = alternatives(_res("aws_instance", instance_type="t3.micro", root_block_device=[{"volume_type": "gp2", "volume_size": 8}]))
    assert [a.kind for a in alts] == ["graviton", "gp2"]
    assert alts[1].variant.blocks("root_block_device")[0]["volume_type"] == "gp3"


def test_previous_generation_table_matches_aws_flag() -> None:
    """Every family AWS flags as previous generation is mapped, and only those."""
    data = json.loads(shared_path("pricing-sources", "vantage-ec2instances-info", "opszero-app_instances_2024-04-04.json").read_text())["data"]
    previous = {r["instance-type"].split(".")[0] for r in data if not r["current-generation"]}
    current = {r["instance-type"].split(".")[0] for r in data if r["current-generation"]}
    assert previous == set(PREVIOUS_GENERATION)
    assert set(PREVIOUS_GENERATION.values()) <= current
