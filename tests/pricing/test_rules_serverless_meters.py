"""Every meter the serverless rules ask for exists in the staged pricing-page data.

The rules query ``service`` + ``meter`` (the vocabulary's pricing-page metric name). This walks
each rule through all its branches with usage large enough to reach every tier and checks
each query against ``quinnypig-aws-price-watcher/processed/<service>.json``: the metric is
there, at the location the query's region (or edge group) names, at a non-zero price unless
the charge is documented as free. Skips without ../shared.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from serverless_fakes import resource

from costgate.model.pricing import PriceQuery
from costgate.pricing.context import PlanContext, plan_context
from costgate.pricing.rule import ResourceRule
from costgate.pricing.rules.aws import (
    aws_api_gateway_rest_api,
    aws_apigatewayv2_api,
    aws_cloudfront_distribution,
    aws_cloudwatch_log_group,
    aws_cloudwatch_metric_alarm,
    aws_dynamodb_table,
    aws_ecr_repository,
    aws_ecs_service,
    aws_efs_file_system,
    aws_kms_key,
    aws_lambda_function,
    aws_route53_record,
    aws_route53_zone,
    aws_s3_bucket,
    aws_secretsmanager_secret,
    aws_sns_topic,
    aws_sqs_queue,
    aws_vpc_endpoint,
)
from costgate.pricing.rules.aws._serverless_rules import SERVERLESS_RULES
from tests.conftest import shared_path

FILES = {
    "AWSLambda": "lambda", "AmazonS3": "s3", "AmazonS3GlacierDeepArchive": "s3glacierdeeparchive",
    "AmazonDynamoDB": "dynamodb", "AmazonCloudWatch": "cloudwatch", "AmazonRoute53": "route53",
    "AmazonVPC": "vpc", "AmazonECS": "ecs", "AmazonEFS": "efs", "AWSQueueService": "queueservice",
    "AmazonSNS": "sns", "awskms": "kms", "AWSSecretsManager": "secretsmanager",
    "AmazonECR": "ecr", "AmazonCloudFront": "cloudfront", "AmazonApiGateway": "apigateway",
}  # fmt: skip
LOCATIONS = {"us-east-1": "US East (N. Virginia)", "eu-west-1": "EU (Ireland)"}
#: Charges that really are $0 (alias queries to AWS resources).
FREE = {"Free Queries to Standard Alias records"}
BIG = 10**13  # a count that reaches the top tier of every tiered charge
BIG_GB = 10**8  # 100 PB: above every GB tier

TASKS = [
    resource("aws_ecs_task_definition", {"family": f"t{i}", "cpu": "1024", "memory": "4096",
                                         "ephemeral_storage": [{"size_in_gib": 50}],
                                         "runtime_platform": [platform]}, name=f"t{i}")
    for i, platform in enumerate([
        {}, {"cpu_architecture": "ARM64"}, {"operating_system_family": "WINDOWS_SERVER_2022_CORE"},
    ])
]

VARIANTS: list[tuple[ResourceRule, dict[str, Any], dict[str, Any]]] = [
    *((aws_lambda_function.RULE, {"architectures": [arch], "memory_size": 10240,
                                  "ephemeral_storage": [{"size": 10240}]},
       {"monthly_requests": BIG, "request_duration_ms": 900000}) for arch in ("x86_64", "arm64")),
    (aws_s3_bucket.RULE, {}, {
        "object_tags": 1, **{cls.usage_key: {line.key: BIG_GB if line.gb else BIG for line in cls.lines}
                             for cls in aws_s3_bucket._CLASSES}}),
    *((aws_dynamodb_table.RULE, {"billing_mode": mode, "table_class": cls, "read_capacity": 1,
                                 "write_capacity": 1, "stream_enabled": True,
                                 "point_in_time_recovery": [{"enabled": True}],
                                 "replica": [{"region_name": "eu-west-1"}]},
       {key.name: 1 for key in aws_dynamodb_table.USAGE})
      for mode in ("PROVISIONED", "PAY_PER_REQUEST")
      for cls in ("STANDARD", "STANDARD_INFREQUENT_ACCESS")),
    *((aws_cloudwatch_log_group.RULE, {"log_group_class": cls},
       {key.name: 1 for key in aws_cloudwatch_log_group.USAGE})
      for cls in ("STANDARD", "INFREQUENT_ACCESS")),
    (aws_cloudwatch_metric_alarm.RULE, {"period": 60}, {}),
    (aws_cloudwatch_metric_alarm.RULE, {"period": 10}, {}),
    (aws_route53_zone.RULE, {}, {}),
    (aws_route53_record.RULE, {}, {key.name: BIG for key in aws_route53_record.USAGE}),
    (aws_route53_record.RULE, {"alias": [{"name": "x"}]}, {}),
    (aws_vpc_endpoint.RULE, {"vpc_endpoint_type": "Interface", "subnet_ids": ["a"]},
     {"monthly_data_processed_gb": BIG_GB}),
    (aws_vpc_endpoint.RULE, {"vpc_endpoint_type": "GatewayLoadBalancer"},
     {"monthly_data_processed_gb": 1}),
    *((aws_ecs_service.RULE, {"launch_type": "FARGATE", "desired_count": 1,
                              "task_definition": task.get("family")}, {}) for task in TASKS),
    *((aws_efs_file_system.RULE, {"availability_zone_name": az, "throughput_mode": mode,
                                  "provisioned_throughput_in_mibps": 10},
       {key.name: 1 for key in aws_efs_file_system.USAGE})
      for az in (None, "us-east-1a") for mode in ("provisioned", "elastic")),
    *((aws_sqs_queue.RULE, {"fifo_queue": fifo}, {"monthly_requests": BIG})
      for fifo in (False, True)),
    *((aws_sns_topic.RULE, {"fifo_topic": fifo}, {key.name: 1 for key in aws_sns_topic.USAGE})
      for fifo in (False, True)),
    *((aws_kms_key.RULE, {"customer_master_key_spec": spec}, {"monthly_requests": 1})
      for spec in ("SYMMETRIC_DEFAULT", "RSA_2048", "ECC_NIST_P256", "HMAC_256")),
    (aws_secretsmanager_secret.RULE, {"replica": [{"region": "eu-west-1"}]},
     {"monthly_requests": 1}),
    (aws_ecr_repository.RULE, {}, {"storage_gb": 1}),
    (aws_cloudfront_distribution.RULE, {"viewer_certificate": [{"ssl_support_method": "vip"}]}, {
        **{key.name: dict.fromkeys(aws_cloudfront_distribution.GROUPS, BIG_GB)
           for key in aws_cloudfront_distribution.USAGE if key.kind is dict},
        "monthly_invalidation_requests": 1}),
    (aws_api_gateway_rest_api.RULE, {}, {"monthly_requests": BIG}),
    (aws_apigatewayv2_api.RULE, {"protocol_type": "HTTP"}, {"monthly_requests": BIG}),
    (aws_apigatewayv2_api.RULE, {"protocol_type": "WEBSOCKET"},
     {"monthly_messages": BIG, "monthly_connection_mins": 1}),
]


def _queries() -> list[tuple[str, PriceQuery]]:
    out: list[tuple[str, PriceQuery]] = []
    for rule, attrs, usage in VARIANTS:
        r = resource(rule.type, attrs)
        with plan_context(PlanContext.build([r, *TASKS])):
            comps = rule.components(r, usage)
        assert all(c.query is not None for c in comps), [c.name for c in comps if not c.query]
        out.extend((f"{rule.type}: {c.name}", c.query) for c in comps if c.query is not None)
    return out


def test_variants_cover_every_rule() -> None:
    assert {rule.type for rule, _, _ in VARIANTS} == {rule.type for rule in SERVERLESS_RULES}


def test_every_queried_meter_exists_in_the_pricing_page_data() -> None:
    folder: Path = shared_path("pricing-sources", "quinnypig-aws-price-watcher", "processed")
    data = {stem: json.loads((folder / f"{stem}.json").read_text()) for stem in FILES.values()}
    problems: list[str] = []
    seen = 0
    for label, query in _queries():
        seen += 1
        attrs = dict(query.attributes)
        cells: dict[str, str] = data[FILES[query.service]].get(attrs["meter"], {})
        if query.region is not None:
            location = LOCATIONS[query.region]
            found = [cells[location]] if location in cells else []
        elif "edge_location" in attrs:
            found = [cells[attrs["edge_location"]]] if attrs["edge_location"] in cells else []
        else:  # global: a location that is not a region ('', 'Any', ' (Per Month: …)')
            found = [v for k, v in cells.items() if k.strip() in ("", "Any")
                     or k.startswith(" (")]
        if not found:
            problems.append(f"{label}: {attrs['meter']!r} not at {query.region or attrs}")
        elif Decimal(found[0]) == 0 and attrs["meter"] not in FREE:
            problems.append(f"{label}: {attrs['meter']!r} is priced 0")
    assert seen > 150
    assert not problems, "\n".join(problems)
