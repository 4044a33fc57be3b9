# Security groups whose rules come from variables (dynamic ingress and egress, nested optional
# attributes), and an ECR repository with a dynamic encryption block.
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

variable "vpc_id" {
  type    = string
  default = "vpc-0a1b2c3d4e5f60718"
}

variable "ingress" {
  type = list(object({
    description = string
    port        = number
    to_port     = optional(number)
    protocol    = optional(string, "tcp")
    cidrs       = optional(list(string), [])
    self        = optional(bool, false)
  }))
  default = [
    { description = "HTTPS from the VPC", port = 443, cidrs = ["10.0.0.0/16"] },
    { description = "Ray head", port = 6379, self = true },
    { description = "Ray workers", port = 10000, to_port = 10999, self = true },
  ]
}

variable "kms_key_arn" {
  type    = string
  default = "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
}

resource "aws_security_group" "cluster" {
  name        = "ray-cluster"
  description = "Ray cluster nodes"
  vpc_id      = var.vpc_id

  dynamic "ingress" {
    for_each = var.ingress
    iterator = rule
    content {
      description = rule.value.description
      from_port   = rule.value.port
      to_port     = coalesce(rule.value.to_port, rule.value.port)
      protocol    = rule.value.protocol
      cidr_blocks = rule.value.cidrs
      self        = rule.value.self
    }
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_ecr_repository" "images" {
  for_each             = toset(["ray-head", "ray-worker"])
  name                 = "ml/${each.key}"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  dynamic "encryption_configuration" {
    for_each = var.kms_key_arn == "" ? [] : [var.kms_key_arn]
    content {
      encryption_type = "KMS"
      kms_key         = encryption_configuration.value
    }
  }
}
