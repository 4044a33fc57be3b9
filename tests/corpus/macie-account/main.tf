# Macie enabled in the account, findings exported to an encrypted bucket.
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "name" {
  type    = string
  default = "findings"
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

resource "aws_macie2_account" "this" {
  finding_publishing_frequency = "FIFTEEN_MINUTES"
  status                       = "ENABLED"
}

resource "aws_kms_key" "findings" {
  description             = "Macie findings export"
  deletion_window_in_days = 10
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.key.json
}

data "aws_iam_policy_document" "key" {
  statement {
    sid       = "Account"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid       = "Macie"
    actions   = ["kms:GenerateDataKey", "kms:Encrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["macie.amazonaws.com"]
    }
  }
}

resource "aws_s3_bucket" "findings" {
  bucket = "${var.name}-${data.aws_caller_identity.current.account_id}-${var.region}"
}

resource "aws_macie2_classification_export_configuration" "this" {
  depends_on = [aws_macie2_account.this]

  s3_destination {
    bucket_name = aws_s3_bucket.findings.bucket
    key_prefix  = "macie/"
    kms_key_arn = aws_kms_key.findings.arn
  }
}

output "export_bucket" {
  value = aws_s3_bucket.findings.bucket
}
