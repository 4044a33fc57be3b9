# A SageMaker Studio domain in an existing VPC looked up by tag, VPC-only, with a KMS key.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}

provider "aws" {
  region = "us-west-2"
}

variable "vpc_name" {
  type    = string
  default = "ml-platform"
}

data "aws_vpc" "this" {
  tags = {
    Name = var.vpc_name
  }
}

data "aws_subnets" "private" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.this.id]
  }
  tags = {
    Tier = "private"
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "studio-execution"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_kms_key" "studio" {
  description         = "Studio EFS and storage"
  enable_key_rotation = true
}

resource "aws_security_group" "studio" {
  name_prefix = "studio-"
  vpc_id      = data.aws_vpc.this.id
  description = "SageMaker Studio apps"
}

resource "aws_sagemaker_domain" "this" {
  domain_name             = "research"
  auth_mode               = "IAM"
  vpc_id                  = data.aws_vpc.this.id
  subnet_ids              = data.aws_subnets.private.ids
  app_network_access_type = "VpcOnly"
  kms_key_id              = aws_kms_key.studio.arn

  default_user_settings {
    execution_role  = aws_iam_role.execution.arn
    security_groups = [aws_security_group.studio.id]

    sharing_settings {
      notebook_output_option = "Disabled"
    }
  }

  retention_policy {
    home_efs_file_system = "Retain"
  }
}

output "domain_url" {
  value = aws_sagemaker_domain.this.url
}
