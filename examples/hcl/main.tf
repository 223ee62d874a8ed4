# A small shop stack used by `costgate breakdown --path examples/hcl` and by the HCL/plan
# equivalence test (plan.json is the plan Terraform produces for this code).
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = local.common_tags
  }
}

provider "aws" {
  alias  = "dr"
  region = var.dr_region
}

locals {
  name        = "shop-${var.environment}"
  is_prod     = var.environment == "prod"
  azs         = [for s in ["a", "b"] : "${var.region}${s}"]
  common_tags = merge(var.extra_tags, { Environment = var.environment, Service = "shop" })
}

module "app" {
  source   = "./modules/app"
  for_each = var.apps

  name           = "${local.name}-${each.key}"
  instance_type  = each.value.instance_type
  instance_count = each.value.count
  data_volume_gb = each.value.data_gb
  az             = local.azs[0]
}

resource "aws_eip" "nat" {
  count  = local.is_prod ? length(local.azs) : 1
  domain = "vpc"
  tags   = { Name = "${local.name}-nat-${count.index}" }
}

resource "aws_nat_gateway" "main" {
  count         = length(aws_eip.nat)
  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = "subnet-0a11b22c33d44e55f"
  tags          = { Name = "${local.name}-nat-${count.index}" }
}

resource "aws_db_instance" "main" {
  identifier          = local.name
  engine              = "postgres"
  engine_version      = "16.3"
  instance_class      = local.is_prod ? "db.m5.large" : "db.t3.micro"
  allocated_storage   = local.is_prod ? 100 : 20
  storage_type        = "gp3"
  multi_az            = local.is_prod
  username            = "shop"
  password            = var.db_password
  skip_final_snapshot = true
}

resource "aws_instance" "bastion" {
  provider      = aws.dr
  ami           = "ami-0a3c3a20c09d6f377"
  instance_type = "t3.micro"
  tags          = { Name = "${local.name}-bastion" }
}
