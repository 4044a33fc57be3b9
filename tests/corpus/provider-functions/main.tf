# The AWS provider's functions: arn_parse to take role ARNs apart (account, name), arn_build to
# make ARNs in the right partition, trim_iam_role_path for trust policies.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "trusted_role_arns" {
  type = list(string)
  default = [
    "arn:aws:iam::444455556666:role/ci/deployers/terraform-apply",
    "arn:aws:iam::777788889999:role/ReadOnlyAuditor",
  ]
}

variable "bucket" {
  type    = string
  default = "shared-artifacts"
}

data "aws_partition" "current" {}

locals {
  parsed     = [for a in var.trusted_role_arns : provider::aws::arn_parse(a)]
  accounts   = distinct([for p in local.parsed : p.account_id])
  trusted    = [for a in var.trusted_role_arns : provider::aws::trim_iam_role_path(a)]
  bucket_arn = provider::aws::arn_build(data.aws_partition.current.partition, "s3", "", "", var.bucket)
}

resource "aws_s3_bucket" "shared" {
  bucket = var.bucket
}

resource "aws_s3_bucket_policy" "shared" {
  bucket = aws_s3_bucket.shared.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TrustedRolesRead"
      Effect    = "Allow"
      Principal = { AWS = local.trusted }
      Action    = ["s3:GetObject", "s3:ListBucket"]
      Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
      Condition = { StringEquals = { "aws:PrincipalAccount" = local.accounts } }
    }]
  })
}

output "accounts" {
  value = local.accounts
}

output "role_names" {
  value = [for p in local.parsed : element(split("/", p.resource), length(split("/", p.resource)) - 1)]
}
