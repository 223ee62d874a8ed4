"""The serverless, storage, messaging and edge AWS rules, as one tuple sorted by type.

Collected here so ``costgate.pricing.rules.aws`` imports one name from this area.
"""

from __future__ import annotations

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

SERVERLESS_RULES: tuple[ResourceRule, ...] = (
    aws_api_gateway_rest_api.RULE,
    aws_apigatewayv2_api.RULE,
    aws_cloudfront_distribution.RULE,
    aws_cloudwatch_log_group.RULE,
    aws_cloudwatch_metric_alarm.RULE,
    aws_dynamodb_table.RULE,
    aws_ecr_repository.RULE,
    aws_ecs_service.RULE,
    aws_efs_file_system.RULE,
    aws_kms_key.RULE,
    aws_lambda_function.RULE,
    aws_route53_record.RULE,
    aws_route53_zone.RULE,
    aws_s3_bucket.RULE,
    aws_secretsmanager_secret.RULE,
    aws_sns_topic.RULE,
    aws_sqs_queue.RULE,
    aws_vpc_endpoint.RULE,
)
