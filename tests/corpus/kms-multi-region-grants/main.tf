# A multi-Region primary key, its replica in a second Region (provider alias), and grants for a
# service role with an encryption-context constraint.
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

provider "aws" {
  alias  = "replica"
  region = "us-west-2"
}

variable "grantee_role_name" {
  type    = string
  default = "batch-scoring"
}

data "aws_iam_role" "grantee" {
  name = var.grantee_role_name
}

resource "aws_kms_key" "primary" {
  description         = "Cross-Region backups"
  multi_region        = true
  enable_key_rotation = true
}

resource "aws_kms_replica_key" "west" {
  provider = aws.replica

  description             = "Replica of the backups key"
  primary_key_arn         = aws_kms_key.primary.arn
  deletion_window_in_days = 7
}

resource "aws_kms_alias" "primary" {
  name          = "alias/backups"
  target_key_id = aws_kms_key.primary.key_id
}

resource "aws_kms_alias" "west" {
  provider = aws.replica

  name          = "alias/backups"
  target_key_id = aws_kms_replica_key.west.key_id
}

resource "aws_kms_grant" "scoring" {
  name              = "batch-scoring"
  key_id            = aws_kms_key.primary.key_id
  grantee_principal = data.aws_iam_role.grantee.arn
  operations        = ["Encrypt", "Decrypt", "GenerateDataKey"]

  constraints {
    encryption_context_equals = {
      Department = "Finance"
    }
  }
}

output "replica_arn" {
  value = aws_kms_replica_key.west.arn
}
