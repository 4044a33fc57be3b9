# Service roles from a map: trust and permissions composed with aws_iam_policy_document
# (source_policy_documents, conditions), inline and managed attachments.
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

variable "roles" {
  type = map(object({
    service   = string
    managed   = list(string)
    buckets   = list(string)
    max_hours = optional(number, 1)
  }))
  default = {
    training = {
      service   = "sagemaker.amazonaws.com"
      managed   = ["AmazonSageMakerFullAccess"]
      buckets   = ["training-data"]
      max_hours = 4
    }
    scoring = {
      service = "lambda.amazonaws.com"
      managed = ["service-role/AWSLambdaBasicExecutionRole"]
      buckets = ["scoring-input", "scoring-output"]
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_iam_policy_document" "trust" {
  for_each = var.roles
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = [each.value.service]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "deny_insecure" {
  statement {
    sid       = "DenyUnencryptedPuts"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["*"]
    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["true"]
    }
  }
}

data "aws_iam_policy_document" "buckets" {
  for_each                = var.roles
  source_policy_documents = [data.aws_iam_policy_document.deny_insecure.json]
  statement {
    sid     = "Buckets"
    actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
    resources = flatten([
      for b in each.value.buckets : [
        "arn:${data.aws_partition.current.partition}:s3:::${b}",
        "arn:${data.aws_partition.current.partition}:s3:::${b}/*",
      ]
    ])
  }
}

resource "aws_iam_role" "this" {
  for_each = var.roles

  name                 = "svc-${each.key}"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = each.value.max_hours * 3600
}

resource "aws_iam_role_policy" "buckets" {
  for_each = var.roles

  name   = "buckets"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.buckets[each.key].json
}

locals {
  attachments = merge([
    for role, cfg in var.roles : {
      for policy in cfg.managed : "${role}/${policy}" => { role = role, policy = policy }
    }
  ]...)
}

resource "aws_iam_role_policy_attachment" "managed" {
  for_each = local.attachments

  role       = aws_iam_role.this[each.value.role].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.value.policy}"
}

output "role_arns" {
  value = { for k, r in aws_iam_role.this : k => r.arn }
}
