# Re-run steps when inputs change: null_resource and terraform_data keyed on file hashes of a
# policy read above the root, a rendered local_file, and an IAM policy from the same file.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
    null = {
      source  = "hashicorp/null"
      version = "~> 3.2"
    }
    local = {
      source  = "hashicorp/local"
      version = "~> 2.5"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "policy_file" {
  type    = string
  default = "../_shared/policies/read-models.json"
}

locals {
  policy = file("${path.module}/${var.policy_file}")
}

resource "aws_iam_policy" "read_models" {
  name   = "read-models"
  policy = local.policy
}

resource "null_resource" "notify" {
  triggers = {
    policy_sha = sha256(local.policy)
    policy_arn = aws_iam_policy.read_models.arn
  }
}

resource "terraform_data" "revision" {
  input            = filemd5("${path.module}/${var.policy_file}")
  triggers_replace = [aws_iam_policy.read_models.policy]
}

resource "local_file" "summary" {
  filename = "${path.module}/out/summary.txt"
  content  = "policy ${aws_iam_policy.read_models.name} has ${length(jsondecode(local.policy).Statement)} statement(s)\n"
}

output "statements" {
  value = [for s in jsondecode(local.policy).Statement : s.Sid]
}
