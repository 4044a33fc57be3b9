# Interface endpoints for a set of services (for_each), the S3 gateway endpoint on the route
# tables, endpoint policies that keep traffic to the organization's resources.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "vpc_id" {
  type    = string
  default = "vpc-0a1b2c3d4e5f60718"
}

variable "interface_services" {
  type    = set(string)
  default = ["sts", "kms", "logs", "sagemaker.api", "sagemaker.runtime", "bedrock-runtime"]
}

variable "org_id" {
  type    = string
  default = "o-a1b2c3d4e5"
}

data "aws_vpc" "this" {
  id = var.vpc_id
}

data "aws_subnets" "private" {
  filter {
    name   = "vpc-id"
    values = [var.vpc_id]
  }
}

data "aws_route_tables" "private" {
  vpc_id = var.vpc_id
}

data "aws_vpc_endpoint_service" "interface" {
  for_each = var.interface_services
  service  = each.value
}

data "aws_vpc_endpoint_service" "s3" {
  service      = "s3"
  service_type = "Gateway"
}

resource "aws_security_group" "endpoints" {
  name        = "vpc-endpoints"
  description = "HTTPS from the VPC to the interface endpoints"
  vpc_id      = var.vpc_id

  ingress {
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [data.aws_vpc.this.cidr_block]
  }
}

data "aws_iam_policy_document" "org_only" {
  statement {
    sid       = "OrgResourcesOnly"
    actions   = ["*"]
    resources = ["*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceOrgID"
      values   = [var.org_id]
    }
  }
}

resource "aws_vpc_endpoint" "interface" {
  for_each = data.aws_vpc_endpoint_service.interface

  vpc_id              = var.vpc_id
  service_name        = each.value.service_name
  vpc_endpoint_type   = "Interface"
  subnet_ids          = data.aws_subnets.private.ids
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true
  policy              = data.aws_iam_policy_document.org_only.json

  tags = {
    Name = each.key
  }
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = var.vpc_id
  service_name      = data.aws_vpc_endpoint_service.s3.service_name
  vpc_endpoint_type = "Gateway"
  route_table_ids   = data.aws_route_tables.private.ids
  policy            = data.aws_iam_policy_document.org_only.json
}

output "endpoint_dns" {
  value = { for k, e in aws_vpc_endpoint.interface : k => e.dns_entry }
}
