# A multi-region trail with advanced event selectors built from a variable (dynamic blocks).
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

variable "data_event_buckets" {
  type    = list(string)
  default = ["arn:aws:s3:::training-data/", "arn:aws:s3:::feature-store/"]
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  trail_name = "org-audit"
  trail_arn  = "arn:${data.aws_partition.current.partition}:cloudtrail:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:trail/${local.trail_name}"
  selectors = {
    "Management events" = [
      { field = "eventCategory", equals = ["Management"] },
    ]
    "S3 data events on training buckets" = [
      { field = "eventCategory", equals = ["Data"] },
      { field = "resources.type", equals = ["AWS::S3::Object"] },
      { field = "resources.ARN", starts_with = var.data_event_buckets },
    ]
  }
}

resource "aws_s3_bucket" "trail" {
  bucket        = "audit-trail-${data.aws_caller_identity.current.account_id}"
  force_destroy = false
}

data "aws_iam_policy_document" "trail" {
  statement {
    sid       = "AclCheck"
    actions   = ["s3:GetBucketAcl"]
    resources = [aws_s3_bucket.trail.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
  }
  statement {
    sid       = "Write"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.trail.arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-acl"
      values   = ["bucket-owner-full-control"]
    }
  }
}

resource "aws_s3_bucket_policy" "trail" {
  bucket = aws_s3_bucket.trail.id
  policy = data.aws_iam_policy_document.trail.json
}

resource "aws_cloudtrail" "this" {
  name                          = local.trail_name
  s3_bucket_name                = aws_s3_bucket.trail.id
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true

  dynamic "advanced_event_selector" {
    for_each = local.selectors
    content {
      name = advanced_event_selector.key
      dynamic "field_selector" {
        for_each = advanced_event_selector.value
        content {
          field       = field_selector.value.field
          equals      = lookup(field_selector.value, "equals", null)
          starts_with = lookup(field_selector.value, "starts_with", null)
        }
      }
    }
  }

  depends_on = [aws_s3_bucket_policy.trail]
}

output "trail_arn" {
  value = aws_cloudtrail.this.arn
}
