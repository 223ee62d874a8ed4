"""Unit tests for the serverless/storage/messaging/edge AWS rules, priced by a fake store."""

from __future__ import annotations

from decimal import Decimal

import pytest
from serverless_fakes import MeterStore, resource

from costgate.model.pricing import CostComponent, PriceStatus
from costgate.pricing.context import PlanContext, plan_context
from costgate.pricing.engine import price_components
from costgate.pricing.rules.aws import (
    aws_cloudfront_distribution,
    aws_cloudwatch_metric_alarm,
    aws_dynamodb_table,
    aws_ecs_service,
    aws_lambda_function,
    aws_route53_record,
    aws_route53_zone,
    aws_s3_bucket,
    aws_sqs_queue,
    aws_vpc_endpoint,
)
from costgate.pricing.rules.aws._serverless_rules import SERVERLESS_RULES
from costgate.pricing.rules.aws._usage_helpers import MILLION, Tier, tiered_components


def meters(components: list[CostComponent]) -> list[str | None]:
    return [dict(c.query.attributes).get("meter") if c.query else None for c in components]


def by_name(components: list[CostComponent]) -> dict[str, CostComponent]:
    return {c.name: c for c in components}


# --- the tier splitter ----------------------------------------------------------------------

TIERS = (Tier("first 10", Decimal(10), "a"), Tier("next 20", Decimal(20), "b"),
         Tier("over 30", None, "c"))


def _split(quantity: Decimal | None) -> list[CostComponent]:
    return tiered_components("X", "u", quantity, TIERS, lambda m: None)  # type: ignore[arg-type,return-value]


def test_tier_split_fills_tiers_in_order() -> None:
    parts = _split(Decimal(45))
    assert [(c.name, c.monthly_quantity) for c in parts] == [
        ("X (first 10)", 10), ("X (next 20)", 20), ("X (over 30)", 15)]
    assert all(c.usage_based for c in parts)


def test_tier_split_stops_inside_a_tier_and_keeps_first_tier_at_zero() -> None:
    assert [(c.name, c.monthly_quantity) for c in _split(Decimal(12))] == [
        ("X (first 10)", 10), ("X (next 20)", 2)]
    assert [(c.name, c.monthly_quantity) for c in _split(Decimal(0))] == [("X (first 10)", 0)]


def test_tier_split_without_usage_shows_first_tier_as_unknown() -> None:
    (only,) = _split(None)
    assert only.name == "X (first 10)" and only.monthly_quantity is None and only.usage_based


# --- Lambda ------------------------------------------------------------------------------------

def test_lambda_prices_requests_and_gb_seconds() -> None:
    r = resource("aws_lambda_function", {"memory_size": 1024})
    comps = aws_lambda_function.RULE.components(
        r, {"monthly_requests": 1_000_000, "request_duration_ms": Decimal("249.2")})
    priced = {p.component.name: p for p in price_components(comps, MeterStore())}
    # 1M requests × $0.20 per 1M; 1M × 0.25 s (249.2 ms rounds up to 250) × 1 GB = 250,000 GB-s.
    assert priced["Requests"].monthly_cost == Decimal("0.2")
    duration = priced["Duration (first 6B)"]
    assert duration.component.monthly_quantity == Decimal(250000)
    assert duration.monthly_cost == Decimal("250000") * Decimal("0.0000166667")


def test_lambda_crosses_duration_tiers_and_uses_arm_meters() -> None:
    r = resource("aws_lambda_function", {"memory_size": 10240, "architectures": ["arm64"]})
    # 1B requests × 1 s × 10 GB = 10B GB-seconds: 7.5B in tier 1, 2.5B in tier 2.
    comps = aws_lambda_function.RULE.components(
        r, {"monthly_requests": 1_000_000_000, "request_duration_ms": 1000})
    named = by_name(comps)
    assert named["Requests (arm64)"].monthly_quantity == 1000
    assert named["Duration (arm64, first 7.5B)"].monthly_quantity == Decimal("7.5E9")
    assert named["Duration (arm64, next 11.25B)"].monthly_quantity == Decimal("2.5E9")
    assert "Lambda Duration-ARM Tier2" in meters(comps)


def test_lambda_without_usage_is_usage_based_not_zero() -> None:
    comps = aws_lambda_function.RULE.components(resource("aws_lambda_function"), {})
    priced = price_components(comps, MeterStore())
    assert [p.status for p in priced] == [PriceStatus.USAGE_UNKNOWN] * 2
    assert all(p.monthly_cost is None for p in priced)


def test_lambda_ephemeral_storage_above_512_mb() -> None:
    r = resource("aws_lambda_function",
                 {"memory_size": 512, "ephemeral_storage": [{"size": 1536}]})
    comps = aws_lambda_function.RULE.components(
        r, {"monthly_requests": 1000, "request_duration_ms": 2000})
    storage = by_name(comps)["Ephemeral storage (above 512 MB)"]
    assert storage.monthly_quantity == Decimal(2000)  # 1000 × 2 s × 1 GB extra


@pytest.mark.parametrize("attrs", [{"memory_size": 64}, {"memory_size": 10**12},
                                   {"memory_size": -1}, {"architectures": ["sparc"]}])
def test_lambda_rejects_absurd_values(attrs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        aws_lambda_function.RULE.components(resource("aws_lambda_function", attrs), {})


def test_lambda_unknown_memory_is_no_query() -> None:
    r = resource("aws_lambda_function", unknown=("memory_size",))
    comps = aws_lambda_function.RULE.components(r, {"monthly_requests": 10,
                                                     "request_duration_ms": 10})
    duration = by_name(comps)["Duration"]
    assert duration.query is None and "memory_size" in (duration.note or "")


# --- SQS, DynamoDB, VPC endpoint, Route 53 ------------------------------------------------------

def test_sqs_fifo_counts_64kb_chunks() -> None:
    r = resource("aws_sqs_queue", {"fifo_queue": True})
    (comp,) = aws_sqs_queue.RULE.components(r, {"monthly_requests": 3_000_000,
                                                "request_size_kb": 100})
    assert comp.name == "Requests (FIFO, first 100B)"
    assert comp.monthly_quantity == 6  # 100 KB = two 64 KB chunks
    assert meters([comp]) == ["FIFO first-in first-out per Requests"]
    (priced,) = price_components([comp], MeterStore())
    assert priced.unit_price == Decimal("0.5") and priced.monthly_cost == Decimal("3")


def test_dynamodb_provisioned_capacity_hours() -> None:
    r = resource("aws_dynamodb_table", {"billing_mode": "PROVISIONED", "read_capacity": 5,
                                        "write_capacity": 2,
                                        "replica": [{"region_name": "eu-west-1"}]})
    comps = aws_dynamodb_table.RULE.components(r, {})
    named = by_name(comps)
    assert named["Write capacity unit (WCU)"].monthly_quantity == 1460
    assert named["Read capacity unit (RCU)"].monthly_quantity == 3650
    replica = named["Replicated write capacity unit (rWCU, eu-west-1)"]
    assert replica.query is not None and replica.query.region == "eu-west-1"
    priced = by_name([p.component for p in price_components(comps, MeterStore())])
    assert priced  # pricing does not crash on the mix of fixed and usage lines


def test_dynamodb_on_demand_and_unset_capacity() -> None:
    ondemand = aws_dynamodb_table.RULE.components(
        resource("aws_dynamodb_table", {"billing_mode": "PAY_PER_REQUEST",
                                        "table_class": "STANDARD_INFREQUENT_ACCESS"}),
        {"monthly_read_request_units": 4_000_000})
    named = by_name(ondemand)
    assert named["Read request units (RRU)"].monthly_quantity == 4
    assert "PayPerRequest Read Request Units IA" in meters(ondemand)
    unset = aws_dynamodb_table.RULE.components(
        resource("aws_dynamodb_table", {"read_capacity": 1}), {})
    wcu = by_name(unset)["Write capacity unit (WCU)"]
    assert wcu.query is None and "not set" in (wcu.note or "")


@pytest.mark.parametrize(("attrs", "expected"), [
    ({}, []),  # provider default: Gateway, free
    ({"vpc_endpoint_type": "Gateway"}, []),
    ({"vpc_endpoint_type": "Interface", "subnet_ids": ["a", "b", "c"]}, [Decimal(2190)]),
    ({"vpc_endpoint_type": "GatewayLoadBalancer"}, [Decimal(730)]),
])
def test_vpc_endpoint_hours_by_type(attrs: dict[str, object], expected: list[Decimal]) -> None:
    comps = aws_vpc_endpoint.RULE.components(resource("aws_vpc_endpoint", attrs), {})
    assert [c.monthly_quantity for c in comps if not c.usage_based] == expected


def test_vpc_endpoint_unknown_subnets_is_not_zero() -> None:
    r = resource("aws_vpc_endpoint", {"vpc_endpoint_type": "Interface"}, unknown=("subnet_ids",))
    first = aws_vpc_endpoint.RULE.components(r, {})[0]
    assert first.query is None and "subnet_ids" in (first.note or "")


def test_route53_zone_is_global_and_alias_records_are_free() -> None:
    (zone,) = aws_route53_zone.RULE.components(resource("aws_route53_zone", region="eu-west-1"),
                                                {})
    assert zone.query is not None and zone.query.region is None
    (priced,) = price_components([zone], MeterStore())
    assert priced.monthly_cost == Decimal("0.5")
    alias = aws_route53_record.RULE.components(
        resource("aws_route53_record", {"alias": [{"name": "x", "zone_id": "Z"}]}), {})
    assert meters(alias) == ["Free Queries to Standard Alias records"]
    plain = aws_route53_record.RULE.components(
        resource("aws_route53_record"), {"monthly_standard_queries": 1_500_000_000,
                                         "monthly_geo_queries": 1000})
    assert [(c.name, c.monthly_quantity) for c in plain] == [
        ("Standard queries (first 1B)", 1000), ("Standard queries (over 1B)", 500),
        ("Geo DNS queries (first 1B)", Decimal("0.001"))]


# --- CloudWatch alarms ---------------------------------------------------------------------------

def test_metric_alarm_resolution_math_and_anomaly() -> None:
    rule = aws_cloudwatch_metric_alarm.RULE
    (simple,) = rule.components(resource("aws_cloudwatch_metric_alarm", {"period": 300}), {})
    assert (simple.name, simple.monthly_quantity) == ("Standard resolution alarm metrics", 1)
    math = resource("aws_cloudwatch_metric_alarm", {"metric_query": [
        {"id": "m1", "metric": [{"metric_name": "A", "period": 10}]},
        {"id": "m2", "metric": [{"metric_name": "B", "period": 60}]},
        {"id": "e1", "expression": "m1+m2", "metric": []},
    ]})
    (high,) = rule.components(math, {})
    assert (high.name, high.monthly_quantity) == ("High resolution alarm metrics", 2)
    assert meters([high]) == ["Alarm High Resolution"]
    anomaly = resource("aws_cloudwatch_metric_alarm", {
        "comparison_operator": "LessThanLowerOrGreaterThanUpperThreshold", "period": 60})
    (band,) = rule.components(anomaly, {})
    assert band.monthly_quantity == 3 and "anomaly detection" in band.name


# --- ECS on Fargate ------------------------------------------------------------------------------

TASK = resource("aws_ecs_task_definition", {
    "family": "web", "cpu": "512", "memory": "2048", "requires_compatibilities": ["FARGATE"],
    "ephemeral_storage": [{"size_in_gib": 30}]}, name="web")


def test_ecs_service_reads_task_size_from_plan_context() -> None:
    svc = resource("aws_ecs_service", {"launch_type": "FARGATE", "desired_count": 3,
                                       "task_definition": "web"})
    with plan_context(PlanContext.build([svc, TASK])):
        comps = aws_ecs_service.RULE.components(svc, {})
    named = by_name(comps)
    assert named["vCPU (Linux/x86)"].monthly_quantity == Decimal("1095")  # 3 × 0.5 × 730
    assert named["Memory (Linux/x86)"].monthly_quantity == Decimal(4380)  # 3 × 2 GB × 730
    assert named["Ephemeral storage (above 20 GB)"].monthly_quantity == Decimal(21900)
    priced = by_name([p.component for p in price_components(comps, MeterStore())])
    assert set(priced) == set(named)


def test_ecs_service_without_context_or_on_ec2() -> None:
    svc = resource("aws_ecs_service", {"launch_type": "FARGATE", "desired_count": 1})
    comps = aws_ecs_service.RULE.components(svc, {})
    assert [c.query for c in comps] == [None, None]
    assert "aws_ecs_task_definition" in (comps[0].note or "")
    ec2 = resource("aws_ecs_service", {"launch_type": "EC2", "desired_count": 4})
    assert aws_ecs_service.RULE.components(ec2, {}) == []


def test_ecs_capacity_provider_strategy_splits_spot() -> None:
    svc = resource("aws_ecs_service", {"desired_count": 5, "task_definition": "web",
                                       "capacity_provider_strategy": [
                                           {"capacity_provider": "FARGATE", "base": 1, "weight": 1},
                                           {"capacity_provider": "FARGATE_SPOT", "weight": 3}]})
    with plan_context(PlanContext.build([svc, TASK])):
        comps = aws_ecs_service.RULE.components(svc, {})
    named = by_name(comps)
    # 1 base task on FARGATE, the other 4 split 1:3 → 2 on-demand, 3 spot.
    assert named["Fargate Spot tasks (3)"].query is None
    assert named["vCPU (Linux/x86)"].monthly_quantity == Decimal(730)  # 2 × 0.5 × 730


# --- S3 and CloudFront ---------------------------------------------------------------------------

def test_s3_defaults_to_standard_and_adds_classes_from_usage_and_lifecycle() -> None:
    bare = aws_s3_bucket.RULE.components(resource("aws_s3_bucket"), {})
    assert [c.name for c in bare] == [
        "Standard storage (first 50TB)", "Standard PUT, COPY, POST, LIST requests",
        "Standard GET, SELECT, and all other requests"]
    r = resource("aws_s3_bucket", {"lifecycle_rule": [
        {"enabled": True, "transition": [{"days": 90, "storage_class": "GLACIER"}]}]})
    comps = aws_s3_bucket.RULE.components(r, {
        "standard": {"storage_gb": 60 * 1024, "monthly_tier_1_requests": 20000},
        "standard_infrequent_access": {"monthly_retrieval_gb": 5}})
    named = by_name(comps)
    assert named["Standard storage (next 450TB)"].monthly_quantity == 10 * 1024
    assert named["Standard PUT, COPY, POST, LIST requests"].monthly_quantity == 20  # 1k units
    assert "Standard-IA retrievals" in named
    assert "Glacier Flexible Retrieval storage" in named


def test_s3_rejects_unknown_nested_usage_key() -> None:
    with pytest.raises(ValueError, match="standard.storage_tb"):
        aws_s3_bucket.RULE.components(resource("aws_s3_bucket"),
                                      {"standard": {"storage_tb": 1}})


def test_cloudfront_is_global_with_edge_groups() -> None:
    r = resource("aws_cloudfront_distribution",
                 {"viewer_certificate": [{"ssl_support_method": "vip"}]})
    comps = aws_cloudfront_distribution.RULE.components(r, {
        "monthly_data_transfer_to_internet_gb": {"europe": 15 * 1024},
        "monthly_https_requests": {"us": 20000}})
    assert all(c.query is not None and c.query.region is None for c in comps)
    named = by_name(comps)
    assert named["Data transfer out to internet (EU, next 40TB)"].monthly_quantity == 5 * 1024
    https = named["HTTPS requests (United States)"]
    assert https.monthly_quantity == 2 and https.query is not None
    assert ("edge_location", "United States") in https.query.attributes
    assert "Dedicated IP custom SSL" in named
    with pytest.raises(ValueError, match="mars"):
        aws_cloudfront_distribution.RULE.components(
            r, {"monthly_http_requests": {"mars": 1}})


# --- every rule ------------------------------------------------------------------------------------

def test_serverless_rules_are_sorted_unique_and_documented() -> None:
    types = [rule.type for rule in SERVERLESS_RULES]
    assert types == sorted(set(types)) and len(types) == 18
    for rule in SERVERLESS_RULES:
        assert rule.doc, rule.type
        assert all(key.doc for key in rule.usage), rule.type


@pytest.mark.parametrize("rule", SERVERLESS_RULES, ids=lambda r: r.type)
def test_every_rule_builds_from_a_bare_resource(rule: object) -> None:
    """A resource with no attributes set (all provider defaults) never crashes or yields $0."""
    comps = rule.components(resource(rule.type), {})  # type: ignore[attr-defined]
    for c in comps:
        assert c.query is None or dict(c.query.attributes).get("meter"), c.name
        assert c.monthly_quantity is None or c.monthly_quantity >= 0
        if c.usage_based:
            assert c.monthly_quantity is None, c.name


def test_request_display_units_are_scaled() -> None:
    comps = aws_sqs_queue.RULE.components(resource("aws_sqs_queue"), {"monthly_requests": 10})
    assert comps[0].price_multiplier == MILLION
    assert comps[0].monthly_quantity == Decimal(10) / MILLION


def test_efs_ia_price_depends_on_throughput_mode() -> None:
    from costgate.pricing.rules.aws import aws_efs_file_system

    usage = {"infrequent_access_storage_gb": 10}
    bursting = aws_efs_file_system.RULE.components(resource("aws_efs_file_system"), usage)
    elastic = aws_efs_file_system.RULE.components(
        resource("aws_efs_file_system", {"throughput_mode": "elastic"}), usage)
    assert "Infrequent Access Storage GB Mo" in meters(bursting)
    assert "Infrequent Access ET Storage GB Mo" in meters(elastic)
    zonal = aws_efs_file_system.RULE.components(
        resource("aws_efs_file_system", {"availability_zone_name": "us-east-1a"}), usage)
    assert "One Zone Infrequent Access Storage GB Mo" in meters(zonal)


@pytest.mark.parametrize("value", [10**12, -1, "lots"])
def test_absurd_usage_values_raise(value: object) -> None:
    from costgate.pricing.rules.aws import aws_ecr_repository

    with pytest.raises(ValueError, match="storage_gb"):
        aws_ecr_repository.RULE.components(resource("aws_ecr_repository"), {"storage_gb": value})
