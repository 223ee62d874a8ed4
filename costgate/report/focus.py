"""``--format focus-csv``: a FOCUS-aligned estimate (FinOps Open Cost and Usage Spec 1.x names).

One row per cost component: ``proposed`` rows for what runs after the change and, in a
diff, ``baseline`` rows for what ran before. Only columns an estimate can honestly fill are
filled (provider, service, region, SKU, list unit price, unit, quantity, list cost, billing
currency, tags, charge category and frequency); the billing-account, invoice, period and
billed/effective-cost columns are present but empty, since only a real bill knows them. A
quantity or cost that depends on usage is empty, never 0. It is not a complete FOCUS dataset
(mandatory columns such as BillingAccountId cannot be filled), hence "FOCUS-aligned".

Caveats: ``ListUnitPrice`` is the first charged tier's price and ``ListCost`` the tiered
total, so with tiers or free allowances ``ListCost`` ≠ ``ListUnitPrice × PricingQuantity``;
``SkuId`` is the price record's id (AWS rate code, Azure meter id, Google SKU id, or a
source-qualified id for derived sources, see ``x_PriceSource``); ``ResourceType`` is the
Terraform type. Extensions (``x_``): ``x_ResourceAddress`` (there is no ResourceId before
apply), ``x_Project``, ``x_EstimateKind`` (proposed | baseline), ``x_ChangeAction``,
``x_PriceStatus``, ``x_PriceSource`` and ``x_PriceDataVersion`` (the price snapshot id).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from costgate.model.estimate import ComponentCost, ResourceCostChange, ResourceStatus
from costgate.model.money import money_str
from costgate.model.report import Report
from costgate.model.resource import Action

FOCUS_COLUMNS = (
    "BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeDescription", "ChargeFrequency",
    "ChargePeriodEnd", "ChargePeriodStart", "EffectiveCost", "ListCost", "ListUnitPrice",
    "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId",
    "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName", "SkuId",
    "Tags",
)
EXTENSION_COLUMNS = (
    "x_ResourceAddress", "x_Project", "x_EstimateKind", "x_ChangeAction", "x_PriceStatus",
    "x_PriceSource", "x_PriceDataVersion",
)
COLUMNS = FOCUS_COLUMNS + EXTENSION_COLUMNS

PROVIDER_NAMES = {"aws": "AWS", "azurerm": "Microsoft", "azure": "Microsoft",
                  "google": "Google Cloud", "google-beta": "Google Cloud"}

#: Terraform type → (ServiceName as the provider bills it, FOCUS ServiceCategory).
SERVICES: dict[str, tuple[str, str]] = {
    "aws_alb": ("Elastic Load Balancing", "Networking"),
    "aws_lb": ("Elastic Load Balancing", "Networking"),
    "aws_elb": ("Elastic Load Balancing", "Networking"),
    "aws_api_gateway_rest_api": ("Amazon API Gateway", "Web"),
    "aws_apigatewayv2_api": ("Amazon API Gateway", "Web"),
    "aws_autoscaling_group": ("Amazon Elastic Compute Cloud", "Compute"),
    "aws_instance": ("Amazon Elastic Compute Cloud", "Compute"),
    "aws_ebs_volume": ("Amazon Elastic Compute Cloud", "Storage"),
    "aws_ebs_snapshot": ("Amazon Elastic Compute Cloud", "Storage"),
    "aws_eip": ("Amazon Virtual Private Cloud", "Networking"),
    "aws_nat_gateway": ("Amazon Virtual Private Cloud", "Networking"),
    "aws_vpc_endpoint": ("Amazon Virtual Private Cloud", "Networking"),
    "aws_cloudfront_distribution": ("Amazon CloudFront", "Networking"),
    "aws_cloudwatch_log_group": ("Amazon CloudWatch", "Management and Governance"),
    "aws_cloudwatch_metric_alarm": ("Amazon CloudWatch", "Management and Governance"),
    "aws_db_instance": ("Amazon Relational Database Service", "Databases"),
    "aws_rds_cluster": ("Amazon Relational Database Service", "Databases"),
    "aws_rds_cluster_instance": ("Amazon Relational Database Service", "Databases"),
    "aws_dynamodb_table": ("Amazon DynamoDB", "Databases"),
    "aws_elasticache_cluster": ("Amazon ElastiCache", "Databases"),
    "aws_elasticache_replication_group": ("Amazon ElastiCache", "Databases"),
    "aws_ecr_repository": ("Amazon EC2 Container Registry (ECR)", "Storage"),
    "aws_ecs_service": ("Amazon Elastic Container Service", "Compute"),
    "aws_eks_cluster": ("Amazon Elastic Container Service for Kubernetes", "Compute"),
    "aws_eks_node_group": ("Amazon Elastic Compute Cloud", "Compute"),
    "aws_efs_file_system": ("Amazon Elastic File System", "Storage"),
    "aws_kms_key": ("AWS Key Management Service", "Security"),
    "aws_lambda_function": ("AWS Lambda", "Compute"),
    "aws_route53_record": ("Amazon Route 53", "Networking"),
    "aws_route53_zone": ("Amazon Route 53", "Networking"),
    "aws_s3_bucket": ("Amazon Simple Storage Service", "Storage"),
    "aws_secretsmanager_secret": ("AWS Secrets Manager", "Security"),
    "aws_sns_topic": ("Amazon Simple Notification Service", "Integration"),
    "aws_sqs_queue": ("Amazon Simple Queue Service", "Integration"),
}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """Plan text in a CSV cell: a leading formula character is quoted (CSV injection)."""
    value = value.replace("@", "@\u200b")
    return "'" + value if value.startswith(_FORMULA_START) else value


def _sides(r: ResourceCostChange, diff: bool) -> Iterator[tuple[str, tuple[ComponentCost, ...]]]:
    if r.action is not Action.DELETE:
        yield "proposed", r.components
    if diff and r.action is not Action.NOOP and r.before is not None:
        yield "baseline", r.components_before if r.components_before is not None else r.components


def _row(report: Report, project: str, r: ResourceCostChange, kind: str,
         c: ComponentCost) -> dict[str, str]:
    service, category = SERVICES.get(r.type, ("", ""))
    provider = PROVIDER_NAMES.get(r.provider, "")
    return {
        "BillingCurrency": report.currency,
        "ChargeCategory": "Usage",
        "ChargeDescription": _text(c.name),
        "ChargeFrequency": "Usage-Based" if c.usage_based else "Recurring",
        "ListCost": money_str(c.monthly_cost) or "",
        "ListUnitPrice": money_str(c.unit_price) or "",
        "PricingQuantity": money_str(c.monthly_quantity) or "",
        "PricingUnit": c.unit,
        "ProviderName": provider,
        "PublisherName": provider,
        "RegionId": r.region or "",
        "ResourceName": _text(r.tags.get("Name", "")),
        "ResourceType": r.type,
        "ServiceCategory": category,
        "ServiceName": service,
        "SkuId": _text(c.price_id or ""),
        "Tags": _text(json.dumps(r.tags, sort_keys=True, ensure_ascii=False)),
        "x_ResourceAddress": _text(r.address),
        "x_Project": _text(project),
        "x_EstimateKind": kind,
        "x_ChangeAction": "forget" if r.forgotten else r.action.value,
        "x_PriceStatus": c.price_status.value,
        "x_PriceSource": _text(c.price_source or ""),
        "x_PriceDataVersion": _text(report.price_snapshot.id),
    }


def render_focus_csv(report: Report) -> str:
    """The CSV text (header first, CRLF line ends as RFC 4180 asks)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="", lineterminator="\r\n")
    writer.writeheader()
    diff = report.kind == "diff"
    for project, r in report.resources():
        if r.status in (ResourceStatus.FREE, ResourceStatus.UNSUPPORTED):
            continue
        for kind, components in _sides(r, diff):
            for c in components:
                writer.writerow(_row(report, project, r, kind, c))
    return out.getvalue()
