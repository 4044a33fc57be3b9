# Model invocation logging to CloudWatch Logs (role for Bedrock) and to S3 for large payloads.
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

variable "retention_days" {
  type    = number
  default = 365
}

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

resource "aws_cloudwatch_log_group" "invocations" {
  name              = "/bedrock/model-invocations"
  retention_in_days = var.retention_days
}

resource "aws_s3_bucket" "payloads" {
  bucket = "bedrock-payloads-${data.aws_caller_identity.current.account_id}"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["bedrock.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:aws:bedrock:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:*"]
    }
  }
}

resource "aws_iam_role" "logging" {
  name               = "bedrock-invocation-logging"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "logging" {
  name = "write-logs"
  role = aws_iam_role.logging.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.invocations.arn}:log-stream:*"
    }]
  })
}

resource "aws_s3_bucket_policy" "payloads" {
  bucket = aws_s3_bucket.payloads.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "BedrockLogs"
      Effect    = "Allow"
      Principal = { Service = "bedrock.amazonaws.com" }
      Action    = "s3:PutObject"
      Resource  = "${aws_s3_bucket.payloads.arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/BedrockModelInvocationLogs/*"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_bedrock_model_invocation_logging_configuration" "this" {
  depends_on = [aws_s3_bucket_policy.payloads, aws_iam_role_policy.logging]

  logging_config {
    embedding_data_delivery_enabled = true
    text_data_delivery_enabled      = true
    image_data_delivery_enabled     = false

    cloudwatch_config {
      log_group_name = aws_cloudwatch_log_group.invocations.name
      role_arn       = aws_iam_role.logging.arn
      large_data_delivery_s3_config {
        bucket_name = aws_s3_bucket.payloads.id
        key_prefix  = "large"
      }
    }

    s3_config {
      bucket_name = aws_s3_bucket.payloads.id
      key_prefix  = "invocations"
    }
  }
}
