# A scheduled Macie job over named buckets, with the account's custom identifiers.
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
  type    = list(string)
  default = ["raw-claims", "curated-claims"]
}

variable "sampling_percentage" {
  type    = number
  default = 50
}

data "aws_caller_identity" "current" {}

resource "aws_macie2_account" "this" {}

resource "aws_macie2_custom_data_identifier" "member_id" {
  name                   = "member-id"
  regex                  = "M[0-9]{9}"
  keywords               = ["member", "member id"]
  maximum_match_distance = 20
  depends_on             = [aws_macie2_account.this]
}

resource "aws_macie2_classification_job" "weekly" {
  name                       = "weekly-claims-scan"
  job_type                   = "SCHEDULED"
  sampling_percentage        = var.sampling_percentage
  custom_data_identifier_ids = [aws_macie2_custom_data_identifier.member_id.id]

  schedule_frequency {
    weekly_schedule = "MONDAY"
  }

  s3_job_definition {
    bucket_definitions {
      account_id = data.aws_caller_identity.current.account_id
      buckets    = var.buckets
    }
  }

  depends_on = [aws_macie2_account.this]
}

output "job_id" {
  value = aws_macie2_classification_job.weekly.job_id
}
