"""Unit tests for the compute/storage/database/network AWS rules (no price store needed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from costgate.model.pricing import (
    CostComponent,
    PriceMatch,
    PriceQuery,
    PriceRecord,
    PriceStatus,
    Provenance,
    PurchaseOption,
    Trust,
)
from costgate.model.resource import Resource
from costgate.parse.references import references_from_configuration
from costgate.pricing.context import PlanContext, plan_context
from costgate.pricing.engine import price_components
from costgate.pricing.rules.aws import (
    aws_autoscaling_group,
    aws_db_instance,
    aws_ebs_volume,
    aws_eip,
    aws_eks_cluster,
    aws_eks_node_group,
    aws_elasticache_replication_group,
    aws_instance,
    aws_lb,
    aws_nat_gateway,
    aws_rds_cluster_instance,
)


def res(type_: str, name: str = "x", region: str = "us-east-1", unknown: tuple[str, ...] = (),
        **attrs: Any) -> Resource:
    return Resource(address=f"{type_}.{name}", type=type_, name=name, provider="aws",
                    region=region, attributes=attrs, unknown=frozenset(unknown))


def by_name(components: list[CostComponent]) -> dict[str, CostComponent]:
    return {c.name: c for c in components}


class FakeStore:
    """Answers queries from a dict of attribute tuples → price; records what was asked."""

    def __init__(self, prices: dict[PriceQuery, Decimal]) -> None:
        self.prices = prices
        self.asked: list[PriceQuery] = []

    def lookup_many(self, queries: list[PriceQuery]) -> dict[PriceQuery, PriceMatch]:
        self.asked.extend(queries)
        out = {}
        for q in queries:
            price = self.prices.get(q)
            tiers = () if price is None else (PriceRecord(
                provider="aws", service=q.service, region=q.region, unit="hour", price=price,
                native_id="fake", attributes=dict(q.attributes),
                provenance=Provenance(source="fake", source_file="-", price_date=dt.date(2025, 6, 1),
                                      trust=Trust.CURATED)),)
            out[q] = PriceMatch(query=q, tiers=tiers, candidates=len(tiers))
        return out


def test_instance_hours_priced_from_the_exact_linux_query() -> None:
    comps = aws_instance.RULE.components(res("aws_instance", instance_type="m5.large"), {})
    hours = comps[0]
    assert hours.name == "Instance usage (Linux/UNIX, on-demand, m5.large)"
    assert hours.monthly_quantity == Decimal(730)
    assert hours.query is not None and dict(hours.query.attributes) == {
        "instance_type": "m5.large", "operating_system": "Linux", "tenancy": "Shared",
        "pre_installed_sw": "NA", "license_model": "No License required", "capacity_status": "Used"}
    store = FakeStore({hours.query: Decimal("0.096")})
    priced = price_components(comps, store)
    assert priced[0].monthly_cost == Decimal("70.08")
    root = comps[1]  # no root_block_device: the documented 8 GB gp3 default
    assert (root.monthly_quantity, dict(root.query.attributes)["volume_api_name"]) == (8, "gp3")  # type: ignore[union-attr]
    assert priced[1].status is PriceStatus.NOT_FOUND  # never silently 0


def test_instance_spot_dedicated_unknown_and_credits() -> None:
    spot = aws_instance.RULE.components(res("aws_instance", instance_type="c5.large",
        instance_market_options=[{"market_type": "spot"}]), {})[0]
    assert spot.query is not None and spot.query.purchase_option is PurchaseOption.SPOT
    dedicated = aws_instance.RULE.components(
        res("aws_instance", instance_type="c5.large", tenancy="dedicated"), {})[0]
    assert dict(dedicated.query.attributes)["tenancy"] == "Dedicated"  # type: ignore[union-attr]
    unknown = aws_instance.RULE.components(res("aws_instance", unknown=("instance_type",)), {})[0]
    assert unknown.query is None and unknown.monthly_quantity is None
    burst = by_name(aws_instance.RULE.components(res("aws_instance", instance_type="t3.large"),
                                                 {"monthly_cpu_credit_hrs": Decimal(10)}))
    assert burst["CPU credits"].monthly_quantity == Decimal(20)  # 10 h × 2 vCPU
    assert burst["CPU credits"].usage_based
    standard = aws_instance.RULE.components(res("aws_instance", instance_type="t3.large",
        credit_specification=[{"cpu_credits": "standard"}]), {})
    assert "CPU credits" not in by_name(standard)


def test_ebs_volume_types_and_baselines() -> None:
    gp3 = by_name(aws_ebs_volume.RULE.components(
        res("aws_ebs_volume", type="gp3", size=100, iops=5000, throughput=125), {}))
    assert gp3["Provisioned IOPS (gp3)"].free_quantity == 3000
    assert "Provisioned throughput (gp3)" not in gp3  # at the 125 MiB/s baseline
    default = aws_ebs_volume.RULE.components(res("aws_ebs_volume", size=10), {})
    assert dict(default[0].query.attributes)["volume_api_name"] == "gp2"  # type: ignore[union-attr]
    magnetic = by_name(aws_ebs_volume.RULE.components(res("aws_ebs_volume", type="standard", size=5),
                                                      {"monthly_standard_io_requests": Decimal(3000000)}))
    assert magnetic["I/O requests"].monthly_quantity == 3
    assert magnetic["I/O requests"].price_multiplier == 1000000
    unknown = aws_ebs_volume.RULE.components(res("aws_ebs_volume", unknown=("size",)), {})
    assert unknown[0].query is None


@pytest.mark.parametrize("size", [-1, 10**12])
def test_absurd_sizes_are_value_errors(size: int) -> None:
    with pytest.raises(ValueError, match="size"):
        aws_ebs_volume.RULE.components(res("aws_ebs_volume", size=size), {})


def test_usage_based_components_have_no_quantity_without_usage() -> None:
    nat = by_name(aws_nat_gateway.RULE.components(res("aws_nat_gateway"), {}))
    assert nat["Data processed"].monthly_quantity is None and nat["Data processed"].usage_based
    lb = by_name(aws_lb.RULE.components(res("aws_lb", load_balancer_type="network"),
                                        {"monthly_lcu_hours": Decimal(5)}))
    assert lb["Load balancer capacity units (NLCU)"].monthly_quantity == 5
    with pytest.raises(ValueError, match="load_balancer_type"):
        aws_lb.RULE.components(res("aws_lb", load_balancer_type="bogus"), {})


def test_eip_and_eks_cluster() -> None:
    idle = aws_eip.RULE.components(res("aws_eip"), {})
    assert idle[0].name == "Public IPv4 address (idle)"
    assert aws_eip.RULE.components(res("aws_eip", public_ipv4_pool="ipv4pool-ec2-1"), {}) == []
    old = aws_eks_cluster.RULE.components(res("aws_eks_cluster", version="1.27"), {})
    assert len(old) == 2
    auto = aws_eks_cluster.RULE.components(res("aws_eks_cluster", version="1.27",
                                               upgrade_policy=[{"support_type": "STANDARD"}]), {})
    assert len(auto) == 1


def test_db_instance_engines_storage_and_iops() -> None:
    comps = by_name(aws_db_instance.RULE.components(res(
        "aws_db_instance", engine="postgres", instance_class="db.m5.large", multi_az=True,
        allocated_storage=500, storage_type="gp3", iops=15000, storage_throughput=400), {}))
    hours = comps["Database instance (on-demand, Multi-AZ, db.m5.large)"]
    assert dict(hours.query.attributes)["deployment_option"] == "Multi-AZ"  # type: ignore[union-attr]
    assert comps["Provisioned IOPS (gp3)"].free_quantity == 12000  # 400 GB and above
    assert "Provisioned throughput (gp3)" not in comps  # 400 ≤ 500 MiB/s baseline
    sql = aws_db_instance.RULE.components(res("aws_db_instance", engine="sqlserver-ee",
        instance_class="db.r5.xlarge", allocated_storage=100), {})
    assert dict(sql[0].query.attributes)["database_edition"] == "Enterprise"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="engine"):
        aws_db_instance.RULE.components(res("aws_db_instance", engine="db2-xx"), {})


def test_asg_reaches_its_launch_template_through_configuration_references() -> None:
    lt = res("aws_launch_template", "web", instance_type="m5.large", block_device_mappings=[])
    asg = res("aws_autoscaling_group", "web", desired_capacity=4,
              launch_template=[{"version": "$Latest"}], unknown=("launch_template",))
    config = {"root_module": {"resources": [{"address": "aws_autoscaling_group.web",
        "mode": "managed", "expressions": {"launch_template": [
            {"id": {"references": ["aws_launch_template.web.id", "aws_launch_template.web"]}}]}}]}}
    without = aws_autoscaling_group.RULE.components(asg, {})
    assert without[0].query is None  # no context: reported, not guessed
    with plan_context(PlanContext.build([lt, asg], references_from_configuration(config))):
        comps = aws_autoscaling_group.RULE.components(asg, {})
    assert comps[0].name == "Instance usage (Linux/UNIX, on-demand, m5.large)"
    assert comps[0].monthly_quantity == 4 * 730


def test_asg_mixed_instances_split_on_demand_and_spot() -> None:
    asg = res("aws_autoscaling_group", desired_capacity=10, mixed_instances_policy=[{
        "instances_distribution": [{"on_demand_base_capacity": 2,
                                    "on_demand_percentage_above_base_capacity": 50}],
        "launch_template": [{"override": [{"instance_type": "c5.large"}]}]}])
    comps = by_name(aws_autoscaling_group.RULE.components(asg, {}))
    assert comps["Instance usage (Linux/UNIX, on-demand, c5.large)"].monthly_quantity == 6 * 730
    assert comps["Instance usage (Linux/UNIX, spot, c5.large)"].monthly_quantity == 4 * 730


def test_node_group_defaults_and_cluster_counts() -> None:
    comps = aws_eks_node_group.RULE.components(res("aws_eks_node_group",
        scaling_config=[{"desired_size": 2}], unknown=("instance_types", "disk_size")), {})
    assert comps[0].name.endswith("t3.medium)") and comps[0].monthly_quantity == 1460
    assert comps[1].monthly_quantity == 40  # 2 × 20 GB default disk
    group = aws_elasticache_replication_group.RULE.components(res(
        "aws_elasticache_replication_group", node_type="cache.m5.large",
        num_node_groups=3, replicas_per_node_group=1), {})
    assert group[0].monthly_quantity == 6 * 730


def test_serverless_cluster_instance_uses_acu_usage() -> None:
    comps = aws_rds_cluster_instance.RULE.components(res("aws_rds_cluster_instance",
        engine="aurora-mysql", instance_class="db.serverless"), {"capacity_units_per_hr": Decimal(2)})
    assert comps[0].unit == "ACU-hours" and comps[0].monthly_quantity == 1460
    assert dict(comps[0].query.attributes)["meter"] == "Aurora MySQL ServerlessV2"  # type: ignore[union-attr]
