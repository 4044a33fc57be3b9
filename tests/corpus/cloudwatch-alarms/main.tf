# CIS-style metric filters on the trail's log group with one alarm each (for_each over a map of
# patterns), alarms to an SNS topic.
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

variable "log_group_name" {
  type    = string
  default = "aws-cloudtrail-logs"
}

variable "patterns" {
  type = map(string)
  default = {
    UnauthorizedApiCalls = "{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }"
    RootUsage            = "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != \"AwsServiceEvent\" }"
    KmsKeyDisabled       = "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }"
  }
}

resource "aws_sns_topic" "alarms" {
  name = "security-alarms"
}

resource "aws_cloudwatch_log_metric_filter" "this" {
  for_each       = var.patterns
  name           = each.key
  log_group_name = var.log_group_name
  pattern        = each.value

  metric_transformation {
    name      = each.key
    namespace = "CISBenchmark"
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each            = var.patterns
  alarm_name          = "cis-${each.key}"
  metric_name         = aws_cloudwatch_log_metric_filter.this[each.key].metric_transformation[0].name
  namespace           = "CISBenchmark"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}
