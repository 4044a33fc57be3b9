# One key per purpose (for_each over a map), each with a key policy that separates administrators
# from users, and an alias.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}

provider "aws" {
  region = "eu-west-2"
}

variable "keys" {
  type = map(object({
    description = string
    users       = list(string)
    services    = optional(list(string), [])
  }))
  default = {
    data = {
      description = "Training data"
      users       = ["role/ml-training"]
      services    = ["s3.amazonaws.com"]
    }
    logs = {
      description = "Log groups"
      users       = ["role/log-reader"]
      services    = ["logs.eu-west-2.amazonaws.com"]
    }
  }
}

variable "admin_role" {
  type    = string
  default = "role/PlatformAdmin"
}

variable "deletion_window" {
  type    = number
  default = 14
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}"
}

data "aws_iam_policy_document" "key" {
  for_each = var.keys

  statement {
    sid       = "RootAccount"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["${local.account_arn}:root"]
    }
  }

  statement {
    sid = "Administrators"
    actions = [
      "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
      "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:ScheduleKeyDeletion",
      "kms:CancelKeyDeletion", "kms:TagResource", "kms:UntagResource",
    ]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["${local.account_arn}:${var.admin_role}"]
    }
  }

  statement {
    sid       = "Users"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [for u in each.value.users : "${local.account_arn}:${u}"]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.services) > 0 ? [each.value.services] : []
    content {
      sid       = "Services"
      actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
      resources = ["*"]
      principals {
        type        = "Service"
        identifiers = statement.value
      }
    }
  }
}

resource "aws_kms_key" "this" {
  for_each = var.keys

  description             = each.value.description
  deletion_window_in_days = var.deletion_window
  enable_key_rotation     = true
  rotation_period_in_days = 180
  policy                  = data.aws_iam_policy_document.key[each.key].json
}

resource "aws_kms_alias" "this" {
  for_each = var.keys

  name          = "alias/platform/${each.key}"
  target_key_id = aws_kms_key.this[each.key].key_id
}

output "key_arns" {
  value = { for k, v in aws_kms_key.this : k => v.arn }
}
