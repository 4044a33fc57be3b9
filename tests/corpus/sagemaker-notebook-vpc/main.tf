# A notebook instance inside a VPC: no direct internet access, no root, encrypted volume.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "subnet_id" {
  type    = string
  default = "subnet-0b2c3d4e5f6071829"
}

variable "volume_size" {
  type    = number
  default = 20
}

data "aws_subnet" "this" {
  id = var.subnet_id
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

resource "aws_iam_role" "notebook" {
  name               = "notebook-analyst"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_security_group" "notebook" {
  name        = "notebook-analyst"
  description = "Notebook instance, egress to the VPC only"
  vpc_id      = data.aws_subnet.this.vpc_id

  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [data.aws_subnet.this.cidr_block]
  }
}

resource "aws_kms_key" "notebook" {
  enable_key_rotation = true
}

resource "aws_sagemaker_notebook_instance_lifecycle_configuration" "idle" {
  name     = "auto-stop"
  on_start = base64encode("#!/bin/bash\necho auto-stop after 60 minutes idle\n")
}

resource "aws_sagemaker_notebook_instance" "analyst" {
  name                   = "analyst"
  role_arn               = aws_iam_role.notebook.arn
  instance_type          = "ml.t3.medium"
  subnet_id              = data.aws_subnet.this.id
  security_groups        = [aws_security_group.notebook.id]
  kms_key_id             = aws_kms_key.notebook.key_id
  direct_internet_access = "Disabled"
  root_access            = "Disabled"
  volume_size            = var.volume_size
  lifecycle_config_name  = aws_sagemaker_notebook_instance_lifecycle_configuration.idle.name
}

output "notebook_url" {
  value = aws_sagemaker_notebook_instance.analyst.url
}
