# A refactor recorded with moved blocks: a single bucket became a for_each instance, a resource was
# renamed, and resources moved into a local module.
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

variable "buckets" {
  type    = set(string)
  default = ["raw", "curated"]
}

resource "aws_s3_bucket" "data" {
  for_each = var.buckets
  bucket   = "lake-${each.key}-111122223333"
}

moved {
  from = aws_s3_bucket.lake
  to   = aws_s3_bucket.data["raw"]
}

resource "aws_sns_topic" "alerts" {
  name = "lake-alerts"
}

moved {
  from = aws_sns_topic.notifications
  to   = aws_sns_topic.alerts
}

module "audit" {
  source = "./modules/audit"
  name   = "lake-audit"
}

moved {
  from = aws_cloudwatch_log_group.audit
  to   = module.audit.aws_cloudwatch_log_group.this
}
