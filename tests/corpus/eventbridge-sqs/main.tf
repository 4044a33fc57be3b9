# An EventBridge rule on SageMaker training job state changes, delivered to an encrypted SQS
# queue whose policy admits only this rule; no version constraint on the provider.
terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "statuses" {
  type    = list(string)
  default = ["Failed", "Stopped"]
}

resource "aws_sqs_queue" "events" {
  name                    = "training-events"
  sqs_managed_sse_enabled = true
}

resource "aws_cloudwatch_event_rule" "training" {
  name        = "training-state"
  description = "SageMaker training jobs that failed or stopped"
  event_pattern = jsonencode({
    source        = ["aws.sagemaker"]
    "detail-type" = ["SageMaker Training Job State Change"]
    detail = {
      TrainingJobStatus = var.statuses
    }
  })
}

resource "aws_cloudwatch_event_target" "queue" {
  rule      = aws_cloudwatch_event_rule.training.name
  target_id = "queue"
  arn       = aws_sqs_queue.events.arn
}

resource "aws_sqs_queue_policy" "events" {
  queue_url = aws_sqs_queue.events.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "FromTheRule"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.events.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.training.arn } }
    }]
  })
}
