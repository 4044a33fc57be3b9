# Names made unique with the random provider (pet names, ids, suffixes), kept stable by keepers.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "aws" {
  region = "us-east-2"
}

variable "environment" {
  type    = string
  default = "dev"
}

resource "random_pet" "project" {
  length    = 2
  separator = "-"
  keepers = {
    environment = var.environment
  }
}

resource "random_id" "bucket" {
  byte_length = 4
  prefix      = "${var.environment}-"
}

resource "random_string" "suffix" {
  length  = 6
  special = false
  upper   = false
}

resource "random_integer" "priority" {
  min = 100
  max = 999
}

resource "aws_s3_bucket" "artifacts" {
  bucket = "artifacts-${random_id.bucket.hex}"
}

resource "aws_sqs_queue" "jobs" {
  name = "${random_pet.project.id}-jobs-${random_string.suffix.result}"
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/app/${random_pet.project.id}"
  retention_in_days = 30
}

output "names" {
  value = {
    project  = random_pet.project.id
    bucket   = aws_s3_bucket.artifacts.bucket
    priority = random_integer.priority.result
  }
}
