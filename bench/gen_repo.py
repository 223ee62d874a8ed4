"""Generate a Terraform monorepo in git: 50 root modules and 500 ``.tf`` files, two commits.

    python bench/gen_repo.py OUT_DIR

Layout: ``modules/<10 local modules>/{versions,variables,locals,main,outputs}.tf`` (50 files)
and ``live/<env>/<service>/`` × 50 projects of 9 files each (450), plus ``terraform.tfvars``.
Realistic AWS resources (EC2, EBS, ALB, NAT, RDS, ElastiCache, Lambda, DynamoDB, S3, SQS,
CloudWatch) with variables, locals, ``count``, ``for_each``, conditionals and module calls.
Commit 1 is branch ``main``; commit 2 (branch ``feature``, checked out) changes costs in
some projects: bigger instances, more replicas, bigger volumes, an extra NAT gateway, a
removed bastion. Deterministic: the same files every time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ENVS = ("dev", "qa", "staging", "prod", "dr")
SERVICES = ("api", "web", "billing", "search", "auth", "reports", "ingest", "media", "admin",
            "notify")
REGIONS = {"dev": "us-east-1", "qa": "us-east-1", "staging": "us-west-2", "prod": "us-east-1",
           "dr": "us-west-2"}

# --- local modules (10 × 5 files) -----------------------------------------------------------

_MODULE_VARS = {
    "web-cluster": {"name": "string", "instance_type": "string", "replicas": "number",
                    "data_volumes": "map(number)", "subnet_ids": "list(string)",
                    "tags": "map(string)"},
    "network": {"name": "string", "cidr": "string", "azs": "list(string)",
                "single_nat": "bool", "tags": "map(string)"},
    "database": {"name": "string", "instance_class": "string", "storage_gb": "number",
                 "multi_az": "bool", "engine": "string", "tags": "map(string)"},
    "cache": {"name": "string", "node_type": "string", "nodes": "number", "tags": "map(string)"},
    "storage": {"name": "string", "buckets": "set(string)", "volume_gb": "number",
                "tags": "map(string)"},
    "serverless": {"name": "string", "functions": "map(number)", "retention_days": "number",
                   "tags": "map(string)"},
    "queue": {"name": "string", "queues": "list(string)", "tags": "map(string)"},
    "dynamo": {"name": "string", "tables": "map(number)", "tags": "map(string)"},
    "monitoring": {"name": "string", "alarms": "map(number)", "tags": "map(string)"},
    "bastion": {"name": "string", "enabled": "bool", "instance_type": "string",
                "tags": "map(string)"},
}

_MODULE_MAIN = {
    "web-cluster": '''
resource "aws_security_group" "this" {
  name_prefix = "${local.prefix}-"
  description = "Web cluster ${var.name}"
  tags        = local.tags
}

resource "aws_instance" "node" {
  count                  = var.replicas
  ami                    = "ami-0c55b159cbfafe1f0"
  instance_type          = var.instance_type
  subnet_id              = element(var.subnet_ids, count.index)
  vpc_security_group_ids = [aws_security_group.this.id]
  monitoring             = var.replicas > 2

  root_block_device {
    volume_type = "gp3"
    volume_size = 30
  }

  tags = merge(local.tags, { Name = format("%s-%02d", local.prefix, count.index + 1) })
}

resource "aws_ebs_volume" "data" {
  for_each          = var.data_volumes
  availability_zone = "${local.region}a"
  size              = each.value
  type              = each.value > 500 ? "io2" : "gp3"
  iops              = each.value > 500 ? 4000 : null
  tags              = merge(local.tags, { Volume = each.key })
}

resource "aws_lb" "this" {
  name               = substr(local.prefix, 0, 32)
  load_balancer_type = "application"
  subnets            = var.subnet_ids
  security_groups    = [aws_security_group.this.id]
  tags               = local.tags
}
''',
    "network": '''
resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = local.prefix })
}

resource "aws_subnet" "public" {
  count             = length(var.azs)
  vpc_id            = aws_vpc.this.id
  availability_zone = var.azs[count.index]
  cidr_block        = cidrsubnet(var.cidr, 8, count.index)
  tags              = merge(local.tags, { Tier = "public" })
}

resource "aws_eip" "nat" {
  count  = local.nat_count
  domain = "vpc"
  tags   = local.tags
}

resource "aws_nat_gateway" "this" {
  count         = local.nat_count
  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id
  tags          = merge(local.tags, { Name = "${local.prefix}-nat-${count.index}" })
}
''',
    "database": '''
resource "aws_db_subnet_group" "this" {
  name_prefix = local.prefix
  subnet_ids  = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
  tags        = local.tags
}

resource "aws_db_instance" "this" {
  identifier_prefix     = "${local.prefix}-"
  engine                = var.engine
  engine_version        = var.engine == "postgres" ? "15.4" : "8.0.35"
  instance_class        = var.instance_class
  allocated_storage     = var.storage_gb
  max_allocated_storage = var.storage_gb * 2
  storage_type          = "gp3"
  multi_az              = var.multi_az
  db_subnet_group_name  = aws_db_subnet_group.this.name
  skip_final_snapshot   = true
  tags                  = local.tags
}
''',
    "cache": '''
resource "aws_elasticache_cluster" "this" {
  cluster_id      = substr(local.prefix, 0, 40)
  engine          = "redis"
  node_type       = var.node_type
  num_cache_nodes = var.nodes
  port            = 6379
  tags            = local.tags
}
''',
    "storage": '''
resource "aws_s3_bucket" "this" {
  for_each = var.buckets
  bucket   = "${local.prefix}-${each.key}"
  tags     = merge(local.tags, { Bucket = each.key })
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this
  bucket   = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_ebs_volume" "shared" {
  availability_zone = "${local.region}b"
  size              = var.volume_gb
  type              = "gp3"
  throughput        = var.volume_gb > 1000 ? 250 : 125
  tags              = local.tags
}
''',
    "serverless": '''
resource "aws_iam_role" "fn" {
  name_prefix        = local.prefix
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [] })
  tags               = local.tags
}

resource "aws_lambda_function" "fn" {
  for_each      = var.functions
  function_name = "${local.prefix}-${each.key}"
  role          = aws_iam_role.fn.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "lambda.zip"
  memory_size   = each.value
  architectures = [each.value >= 1024 ? "arm64" : "x86_64"]
  tags          = local.tags
}

resource "aws_cloudwatch_log_group" "fn" {
  for_each          = var.functions
  name              = "/aws/lambda/${local.prefix}-${each.key}"
  retention_in_days = var.retention_days
  tags              = local.tags
}
''',
    "queue": '''
resource "aws_sqs_queue" "this" {
  for_each                   = toset(var.queues)
  name                       = "${local.prefix}-${each.key}"
  visibility_timeout_seconds = 60
  tags                       = local.tags
}

resource "aws_sns_topic" "events" {
  name = "${local.prefix}-events"
  tags = local.tags
}
''',
    "dynamo": '''
resource "aws_dynamodb_table" "this" {
  for_each       = var.tables
  name           = "${local.prefix}-${each.key}"
  billing_mode   = each.value > 0 ? "PROVISIONED" : "PAY_PER_REQUEST"
  read_capacity  = each.value > 0 ? each.value : null
  write_capacity = each.value > 0 ? ceil(each.value / 2) : null
  hash_key       = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  tags = local.tags
}
''',
    "monitoring": '''
resource "aws_cloudwatch_log_group" "app" {
  name              = "/app/${local.prefix}"
  retention_in_days = 30
  tags              = local.tags
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each            = var.alarms
  alarm_name          = "${local.prefix}-${each.key}"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 2
  metric_name         = each.key
  namespace           = "AWS/EC2"
  period              = 300
  statistic           = "Average"
  threshold           = each.value
  tags                = local.tags
}
''',
    "bastion": '''
resource "aws_instance" "bastion" {
  count         = var.enabled ? 1 : 0
  ami           = "ami-0c55b159cbfafe1f0"
  instance_type = var.instance_type
  tags          = merge(local.tags, { Name = "${local.prefix}-bastion" })
}

resource "aws_eip" "bastion" {
  count    = var.enabled ? 1 : 0
  instance = aws_instance.bastion[0].id
  domain   = "vpc"
  tags     = local.tags
}
''',
}


def _module_files(name: str) -> dict[str, str]:
    variables = "".join(
        f'variable "{v}" {{\n  type        = {t}\n  description = "{v.replace("_", " ")}"\n}}\n\n'
        for v, t in _MODULE_VARS[name].items()
    )
    extra = '\nlocals {\n  nat_count = var.single_nat ? 1 : length(var.azs)\n}\n' \
        if name == "network" else ""
    return {
        "versions.tf": 'terraform {\n  required_version = ">= 1.5"\n  required_providers {\n'
                       '    aws = {\n      source  = "hashicorp/aws"\n      version = "~> 5.0"\n'
                       '    }\n  }\n}\n',
        "variables.tf": variables,
        "locals.tf": 'data "aws_region" "current" {}\n\nlocals {\n'
                     '  prefix = lower(replace(var.name, "_", "-"))\n'
                     '  region = data.aws_region.current.name\n'
                     f'  tags   = merge(var.tags, {{ Module = "{name}" }})\n}}\n{extra}',
        "main.tf": _MODULE_MAIN[name].lstrip("\n"),
        "outputs.tf": 'output "prefix" {\n  value = local.prefix\n}\n\noutput "tags" {\n'
                      '  value = local.tags\n}\n',
    }


# --- projects (50 × 9 files) -----------------------------------------------------------------


def _sizes(env: str, i: int, changed: bool) -> dict[str, object]:
    """The per-project knobs; ``changed`` is the second commit's values."""
    prod = env in ("prod", "dr")
    s: dict[str, object] = {
        "instance_type": ("m5.large" if prod else "t3.medium"),
        "replicas": 3 if prod else 1 + i % 2,
        "db_class": "db.m5.large" if prod else "db.t3.micro",
        "db_gb": 100 if prod else 20,
        "cache_type": "cache.m5.large" if prod else "cache.t3.micro",
        "single_nat": not prod,
        "bastion": True,
        "volume_gb": 200 + 10 * i,
    }
    if changed and i % 5 == 0:  # 10 of the 50 projects change costs
        s["instance_type"] = "m5.xlarge" if prod else "t3.large"
        s["replicas"] = int(s["replicas"]) + 1  # type: ignore[call-overload]
        s["volume_gb"] = int(s["volume_gb"]) * 2  # type: ignore[call-overload]
    if changed and i % 7 == 0:
        s["single_nat"] = False
        s["bastion"] = False
    return s


def _project_files(env: str, service: str, i: int, changed: bool) -> dict[str, str]:
    s = _sizes(env, i, changed)
    region = REGIONS[env]
    b = "true" if s["bastion"] else "false"
    return {
        "versions.tf": 'terraform {\n  required_version = ">= 1.5"\n  backend "s3" {\n'
                       f'    bucket = "acme-tfstate"\n    key    = "{env}/{service}.tfstate"\n'
                       f'    region = "us-east-1"\n  }}\n  required_providers {{\n'
                       '    aws = {\n      source  = "hashicorp/aws"\n      version = "~> 5.0"\n'
                       '    }\n  }\n}\n',
        "providers.tf": 'provider "aws" {\n  region = var.region\n  default_tags {\n'
                        '    tags = local.common_tags\n  }\n}\n\nprovider "aws" {\n'
                        '  alias  = "replica"\n  region = "eu-west-1"\n}\n',
        "variables.tf": 'variable "region" {\n  type    = string\n  default = "us-east-1"\n}\n\n'
                        'variable "environment" {\n  type = string\n}\n\n'
                        'variable "instance_type" {\n  type    = string\n'
                        '  default = "t3.micro"\n}\n\nvariable "replicas" {\n  type    = number\n'
                        '  default = 1\n}\n\nvariable "enable_bastion" {\n  type    = bool\n'
                        '  default = false\n}\n\nvariable "extra_tags" {\n'
                        '  type    = map(string)\n  default = {}\n}\n',
        "locals.tf": 'locals {\n  name = "${var.environment}-' + service + '"\n'
                     '  is_prod = contains(["prod", "dr"], var.environment)\n'
                     '  azs = [for s in ["a", "b", "c"] : "${var.region}${s}"]\n'
                     '  common_tags = merge({\n    team        = "' + service + '-team"\n'
                     '    environment = var.environment\n    cost-center = "cc-' + f"{100 + i}" +
                     '"\n  }, var.extra_tags)\n'
                     '  volumes = { for k, v in { logs = 50, data = ' + str(s["volume_gb"]) +
                     ' } : k => v if v > 0 }\n}\n',
        "main.tf": _project_main(service, s),
        "compute.tf": 'module "bastion" {\n  source        = "../../../modules/bastion"\n'
                      '  name          = "${local.name}-bastion"\n  enabled       = '
                      'var.enable_bastion\n  instance_type = "t3.nano"\n'
                      '  tags          = local.common_tags\n}\n\n'
                      'resource "aws_instance" "worker" {\n'
                      '  count         = local.is_prod ? 2 : 1\n'
                      '  ami           = data.aws_ami.base.id\n'
                      '  instance_type = local.is_prod ? "c5.large" : "t3.small"\n'
                      '  tags          = merge(local.common_tags, { Role = "worker-${count.index}" })'
                      '\n}\n',
        "data.tf": 'data "aws_ami" "base" {\n  most_recent = true\n  owners      = ["amazon"]\n'
                   '  filter {\n    name   = "name"\n    values = ["al2023-ami-*-x86_64"]\n'
                   '  }\n}\n\ndata "aws_caller_identity" "current" {}\n',
        "storage.tf": 'module "storage" {\n  source    = "../../../modules/storage"\n'
                      '  name      = local.name\n  buckets   = toset(["assets", "backups"])\n'
                      '  volume_gb = local.volumes["data"]\n  tags      = local.common_tags\n}\n\n'
                      'resource "aws_ebs_volume" "scratch" {\n  for_each          = local.volumes\n'
                      '  availability_zone = local.azs[0]\n  size              = each.value\n'
                      '  type              = "gp3"\n  tags              = local.common_tags\n}\n',
        "outputs.tf": 'output "name" {\n  value = local.name\n}\n\noutput "account" {\n'
                      '  value = data.aws_caller_identity.current.account_id\n}\n',
        "terraform.tfvars": f'environment    = "{env}"\nregion         = "{region}"\n'
                            f'instance_type  = "{s["instance_type"]}"\nreplicas       = '
                            f'{s["replicas"]}\nenable_bastion = {b}\n',
    }


def _project_main(service: str, s: dict[str, object]) -> str:
    single = "true" if s["single_nat"] else "false"
    return (
        'module "network" {\n  source     = "../../../modules/network"\n'
        '  name       = local.name\n  cidr       = "10.20.0.0/16"\n  azs        = local.azs\n'
        f'  single_nat = {single}\n  tags       = local.common_tags\n}}\n\n'
        'module "web" {\n  source        = "../../../modules/web-cluster"\n'
        '  name          = local.name\n  instance_type = var.instance_type\n'
        '  replicas      = var.replicas\n  data_volumes  = { cache = 40, index = 80 }\n'
        '  subnet_ids    = ["subnet-0a1b2c3d", "subnet-4e5f6a7b", "subnet-8c9d0e1f"]\n'
        '  tags          = local.common_tags\n}\n\n'
        'module "db" {\n  source         = "../../../modules/database"\n'
        f'  name           = local.name\n  instance_class = "{s["db_class"]}"\n'
        f'  storage_gb     = {s["db_gb"]}\n  multi_az       = local.is_prod\n'
        '  engine         = "postgres"\n  tags           = local.common_tags\n}\n\n'
        'module "cache" {\n  source    = "../../../modules/cache"\n  count     = '
        'local.is_prod ? 1 : 0\n  name      = local.name\n'
        f'  node_type = "{s["cache_type"]}"\n  nodes     = 2\n  tags      = local.common_tags\n}}\n\n'
        'module "functions" {\n  source         = "../../../modules/serverless"\n'
        f'  name           = local.name\n  functions      = {{ {service} = 512, worker = 1024 }}\n'
        '  retention_days = 14\n  tags           = local.common_tags\n}\n\n'
        'module "queues" {\n  source = "../../../modules/queue"\n  name   = local.name\n'
        '  queues = ["jobs", "dead-letter"]\n  tags   = local.common_tags\n}\n\n'
        'module "tables" {\n  source = "../../../modules/dynamo"\n  name   = local.name\n'
        '  tables = { sessions = 0, events = 10 }\n  tags   = local.common_tags\n}\n\n'
        'module "alarms" {\n  source = "../../../modules/monitoring"\n  name   = local.name\n'
        '  alarms = { CPUUtilization = 80, StatusCheckFailed = 0 }\n'
        '  tags   = local.common_tags\n}\n'
    )


def repo_files(changed: bool) -> dict[str, str]:
    """Every file of one revision, by path."""
    files: dict[str, str] = {}
    for name in _MODULE_MAIN:
        for fname, text in _module_files(name).items():
            files[f"modules/{name}/{fname}"] = text
    i = 0
    for env in ENVS:
        for service in SERVICES:
            for fname, text in _project_files(env, service, i, changed).items():
                files[f"live/{env}/{service}/{fname}"] = text
            i += 1
    return files


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


def _write(repo: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def generate(repo: Path) -> dict[str, int]:
    """Create the repository at ``repo`` (must not exist); return file counts."""
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    base = repo_files(changed=False)
    _write(repo, base)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base: 50 projects")
    _git(repo, "checkout", "-q", "-b", "feature")
    head = repo_files(changed=True)
    _write(repo, head)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "feature: bigger instances, more NAT, no bastion")
    tf = [p for p in base if p.endswith(".tf")]
    return {"tf_files": len(tf), "projects": len(ENVS) * len(SERVICES),
            "changed_files": sum(1 for p in head if head[p] != base.get(p))}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python bench/gen_repo.py OUT_DIR")
    print(generate(Path(sys.argv[1])))
