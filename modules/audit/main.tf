data "aws_partition" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  trail_name = "${var.name_prefix}-trail"
  trail_arn  = "arn:${local.partition}:cloudtrail:${var.region}:${var.account_id}:trail/${local.trail_name}"
  has_trail  = var.trail != null
  topic_arn  = var.alerts != null ? aws_sns_topic.alerts[0].arn : var.alert_topic_arn

  # The one table of what the landing watches: CIS AWS Foundations v3 section 4 and the landing's
  # own tamper filters (metric-filters.yaml cites its sources), plus any the caller adds.
  _filters = yamldecode(file("${path.module}/metric-filters.yaml"))
  alarms = local.has_trail ? merge(
    { for k, f in local._filters : k => { description = f.description, pattern = f.pattern } },
    var.extra_metric_filters,
  ) : {}
}

# ------------------------------------------------------------------ alert topic
resource "aws_sns_topic" "alerts" {
  count = var.alerts != null ? 1 : 0

  name              = "${var.name_prefix}-security-alerts"
  kms_master_key_id = var.alerts.kms_key_arn
  tags              = var.tags

  lifecycle {
    precondition {
      condition     = !local.has_trail || !contains([try(var.trail.kms_key_arn, null), try(var.trail.log_group_kms_key_arn, null)], var.alerts.kms_key_arn)
      error_message = "The alert topic needs its own key: with the trail's key, disabling that key would silence the alarm about it."
    }
  }
}

data "aws_iam_policy_document" "alerts" {
  count = var.alerts != null ? 1 : 0

  statement {
    sid       = "AlarmsAndEventsOfThisAccount"
    effect    = "Allow"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts[0].arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts[0].arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Nobody but the named administrators and deployers may subscribe (an attacker's endpoint would
  # read every alert) or change the topic's policy and attributes (unsubscribe the team, swap the key).
  dynamic "statement" {
    for_each = length(var.alerts.admin_principals) > 0 ? [1] : []

    content {
      sid       = "OnlyNamedPrincipalsSubscribeOrChangeTopic"
      effect    = "Deny"
      actions   = ["sns:AddPermission", "sns:DeleteTopic", "sns:RemovePermission", "sns:SetTopicAttributes", "sns:Subscribe"]
      resources = [aws_sns_topic.alerts[0].arn]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = var.alerts.admin_principals
      }
    }
  }
}

resource "aws_sns_topic_policy" "alerts" {
  count = var.alerts != null ? 1 : 0

  arn    = aws_sns_topic.alerts[0].arn
  policy = data.aws_iam_policy_document.alerts[0].json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = var.alerts != null ? toset(var.alerts.emails) : toset([])

  topic_arn = aws_sns_topic.alerts[0].arn
  protocol  = "email"
  endpoint  = each.value
}

# ------------------------------------------------------------------ trail
resource "aws_cloudwatch_log_group" "trail" {
  count = local.has_trail ? 1 : 0

  name              = "/aisec/${var.name_prefix}/cloudtrail"
  kms_key_id        = coalesce(var.trail.log_group_kms_key_arn, var.trail.kms_key_arn)
  retention_in_days = var.trail.log_retention_days
  tags              = var.tags

  # aisec destroy lifts this for one plan when you name the kind (--allow-destroy-protected).
  lifecycle {
    prevent_destroy = true
  }
}

data "aws_iam_policy_document" "trail_assume" {
  count = local.has_trail ? 1 : 0

  statement {
    sid     = "ThisTrailOnly"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
  }
}

data "aws_iam_policy_document" "trail_to_logs" {
  count = local.has_trail ? 1 : 0

  statement {
    sid       = "DeliverToTrailLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.trail[0].arn}:log-stream:*"]
  }
}

# The most the delivery role may ever do, whatever is attached later: like every role of the
# landing it has a boundary, so a deployer that may only create bounded roles can create it.
resource "aws_iam_policy" "trail_to_logs_boundary" {
  count = local.has_trail ? 1 : 0

  name        = "${var.name_prefix}-trail-to-logs-boundary"
  path        = "/aisec/"
  description = "Permission boundary: the most the ${local.trail_name} delivery role may ever do."
  policy      = data.aws_iam_policy_document.trail_to_logs[0].json
  tags        = var.tags
}

resource "aws_iam_role" "trail_to_logs" {
  count = local.has_trail ? 1 : 0

  name                 = "${var.name_prefix}-trail-to-logs"
  path                 = "/aisec/"
  description          = "Lets CloudTrail deliver ${local.trail_name} to CloudWatch Logs"
  assume_role_policy   = data.aws_iam_policy_document.trail_assume[0].json
  permissions_boundary = aws_iam_policy.trail_to_logs_boundary[0].arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "trail_to_logs" {
  count = local.has_trail ? 1 : 0

  name   = "deliver-to-log-group"
  role   = aws_iam_role.trail_to_logs[0].id
  policy = data.aws_iam_policy_document.trail_to_logs[0].json
}

resource "aws_cloudtrail" "this" {
  count = local.has_trail ? 1 : 0

  # checkov:skip=CKV_AWS_252:Log-file delivery notifications would flood the security alert topic; alerts come from the metric-filter alarms instead.
  name                          = local.trail_name
  s3_bucket_name                = var.trail.bucket_name
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  enable_logging                = true
  kms_key_id                    = var.trail.kms_key_arn
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.trail[0].arn}:*"
  cloud_watch_logs_role_arn     = aws_iam_role.trail_to_logs[0].arn
  tags                          = var.tags

  advanced_event_selector {
    name = "Management events"

    field_selector {
      field  = "eventCategory"
      equals = ["Management"]
    }
  }

  dynamic "advanced_event_selector" {
    for_each = length(var.trail.data_event_bucket_arns) > 0 ? [var.trail.data_event_bucket_arns] : []

    content {
      name = "S3 data events on sensitive buckets"

      field_selector {
        field  = "eventCategory"
        equals = ["Data"]
      }

      field_selector {
        field  = "resources.type"
        equals = ["AWS::S3::Object"]
      }

      field_selector {
        field       = "resources.ARN"
        starts_with = [for arn in advanced_event_selector.value : "${arn}/"]
      }
    }
  }

  # CloudTrail Insights: unusual rates of write management calls and of management calls that
  # fail, against each Region's 28-day baseline (the management events selector above feeds both).
  dynamic "insight_selector" {
    for_each = toset(var.trail.insight_types)

    content {
      insight_type = insight_selector.value
    }
  }

  depends_on = [aws_iam_role_policy.trail_to_logs]

  # aisec destroy lifts this for one plan when you name the kind (--allow-destroy-protected).
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_cloudwatch_log_metric_filter" "this" {
  for_each = local.alarms

  name           = "${var.name_prefix}-${each.key}"
  log_group_name = aws_cloudwatch_log_group.trail[0].name
  pattern        = each.value.pattern

  metric_transformation {
    name          = each.key
    namespace     = "aisec/${var.name_prefix}"
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "aisec/${var.name_prefix}"
  metric_name         = aws_cloudwatch_log_metric_filter.this[each.key].metric_transformation[0].name
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = compact([local.topic_arn])
  tags                = var.tags
}

# ------------------------------------------------------------------ workload log groups
resource "aws_cloudwatch_log_group" "workload" {
  for_each = var.log_groups

  name              = each.value.name
  kms_key_id        = each.value.kms_key_arn
  retention_in_days = each.value.retention_in_days
  tags              = var.tags

  # aisec destroy lifts this for one plan when you name the kind (--allow-destroy-protected).
  lifecycle {
    prevent_destroy = true
  }
}

# ------------------------------------------------------------------ key switch-off, straight from EventBridge
# The trail's log group and bucket are encrypted with the audit key: once it is disabled, the
# trail cannot deliver and the metric filter never sees the DisableKey call. EventBridge receives
# management events from CloudTrail itself, without the log group, and publishes to the alert
# topic, whose key (var.alerts.kms_key_arn) must not be the audit key.
resource "aws_cloudwatch_event_rule" "key_switch_off" {
  count = local.has_trail && (var.alerts != null || var.alert_topic_arn != null) ? 1 : 0

  name        = "${var.name_prefix}-kms-key-switch-off"
  description = "A KMS key of the account was disabled or scheduled for deletion"
  event_pattern = jsonencode({
    source        = ["aws.kms"]
    "detail-type" = ["AWS API Call via CloudTrail"]
    detail = {
      eventSource = ["kms.amazonaws.com"]
      eventName   = var.key_switch_off_events
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "key_switch_off" {
  count = length(aws_cloudwatch_event_rule.key_switch_off)

  rule      = aws_cloudwatch_event_rule.key_switch_off[0].name
  target_id = "alert-topic"
  arn       = local.topic_arn

  input_transformer {
    input_paths = {
      event = "$.detail.eventName"
      key   = "$.detail.requestParameters.keyId"
      who   = "$.detail.userIdentity.arn"
    }
    input_template = "\"aisec ${var.name_prefix}: <who> called <event> on KMS key <key>\""
  }
}
