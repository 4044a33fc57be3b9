# A model and an endpoint whose storage and data capture are encrypted with a customer key.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "image" {
  type    = string
  default = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/churn:1.4.0"
}

variable "model_data_url" {
  type    = string
  default = "s3://models-111122223333/churn/model.tar.gz"
}

variable "instance_type" {
  type    = string
  default = "ml.m5.large"
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

resource "aws_iam_role" "model" {
  name               = "churn-model"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_kms_key" "endpoint" {
  description             = "churn endpoint volumes and capture"
  deletion_window_in_days = 30
  enable_key_rotation     = true
}

resource "aws_sagemaker_model" "churn" {
  name               = "churn"
  execution_role_arn = aws_iam_role.model.arn

  primary_container {
    image          = var.image
    model_data_url = var.model_data_url
  }

  vpc_config {
    subnets            = ["subnet-0a1b2c3d4e5f60718"]
    security_group_ids = ["sg-0a1b2c3d4e5f60718"]
  }
}

resource "aws_sagemaker_endpoint_configuration" "churn" {
  name        = "churn"
  kms_key_arn = aws_kms_key.endpoint.arn

  production_variants {
    variant_name           = "primary"
    model_name             = aws_sagemaker_model.churn.name
    initial_instance_count = 2
    instance_type          = var.instance_type
  }

  data_capture_config {
    enable_capture              = true
    initial_sampling_percentage = 20
    destination_s3_uri          = "s3://capture-111122223333/churn"
    kms_key_id                  = aws_kms_key.endpoint.arn

    capture_options {
      capture_mode = "Input"
    }
    capture_options {
      capture_mode = "Output"
    }
  }
}

resource "aws_sagemaker_endpoint" "churn" {
  name                 = "churn"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.churn.name
}

output "endpoint_name" {
  value = aws_sagemaker_endpoint.churn.name
}
