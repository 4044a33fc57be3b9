# S3 Tables: a table bucket encrypted with a customer key, a namespace per domain and an Iceberg
# table with its schema.
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

variable "namespaces" {
  type    = set(string)
  default = ["features", "predictions"]
}

resource "aws_kms_key" "tables" {
  description         = "S3 table bucket"
  enable_key_rotation = true
}

resource "aws_s3tables_table_bucket" "analytics" {
  name = "ml-analytics"

  encryption_configuration = {
    sse_algorithm = "aws:kms"
    kms_key_arn   = aws_kms_key.tables.arn
  }
}

resource "aws_s3tables_namespace" "this" {
  for_each = var.namespaces

  namespace        = each.value
  table_bucket_arn = aws_s3tables_table_bucket.analytics.arn
}

resource "aws_s3tables_table" "scores" {
  name             = "daily_scores"
  namespace        = aws_s3tables_namespace.this["predictions"].namespace
  table_bucket_arn = aws_s3tables_table_bucket.analytics.arn
  format           = "ICEBERG"

  metadata {
    iceberg {
      schema {
        field {
          name     = "customer_id"
          type     = "string"
          required = true
        }
        field {
          name = "score"
          type = "double"
        }
        field {
          name = "scored_at"
          type = "timestamp"
        }
      }
    }
  }
}

output "table_arn" {
  value = aws_s3tables_table.scores.arn
}
