# Inputs checked by validation blocks (regex, contains, cidrhost, length), with defaults that
# pass; an ECR repository and log group configured from them.
terraform {
  required_version = ">= 1.9"
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
  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS Region code such as eu-west-1."
  }
}

variable "environment" {
  type    = string
  default = "prod"
  validation {
    condition     = contains(["dev", "test", "prod"], var.environment)
    error_message = "environment must be one of dev, test, prod."
  }
}

variable "allowed_cidr" {
  type    = string
  default = "10.20.0.0/16"
  validation {
    condition     = can(cidrhost(var.allowed_cidr, 0))
    error_message = "allowed_cidr must be a CIDR block."
  }
}

variable "repository" {
  type    = string
  default = "inference/api"
  validation {
    condition     = length(var.repository) >= 2 && length(var.repository) <= 256
    error_message = "repository must have 2 to 256 characters."
  }
}

variable "retention_days" {
  type    = number
  default = 30
  validation {
    condition     = var.retention_days >= 7 && var.environment != "prod" || var.retention_days >= 30
    error_message = "prod keeps logs at least 30 days."
  }
}

resource "aws_ecr_repository" "api" {
  name                 = "${var.environment}/${var.repository}"
  image_tag_mutability = var.environment == "prod" ? "IMMUTABLE" : "MUTABLE"
  force_delete         = var.environment != "prod"
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/${var.environment}/${var.repository}"
  retention_in_days = var.retention_days
}

resource "aws_security_group" "api" {
  name        = "${var.environment}-api"
  description = "API from ${var.allowed_cidr}"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.allowed_cidr]
  }
}
