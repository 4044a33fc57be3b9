data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  # Config's service-linked role: the recorder reads the account's configuration with it.
  config_role_arn = "arn:${local.partition}:iam::${var.account_id}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
}

# --------------------------------------------------------------------------- GuardDuty (DET-1)
resource "aws_guardduty_detector" "this" {
  count = var.guardduty == "create" ? 1 : 0

  # checkov:skip=CKV2_AWS_3:An organization-wide GuardDuty configuration belongs to the organization's delegated administrator, not to a workload account.
  enable                       = true
  finding_publishing_frequency = "FIFTEEN_MINUTES"
  tags                         = var.tags
}

# S3 protection: GuardDuty analyses the account's S3 data events for threats to the data.
resource "aws_guardduty_detector_feature" "s3" {
  count = var.guardduty == "create" ? 1 : 0

  detector_id = aws_guardduty_detector.this[0].id
  name        = "S3_DATA_EVENTS"
  status      = "ENABLED"
}

# check: the account's detector is read at every plan; the plan fails when there is none, or when
# it is not enabled (a data source, not a `check` block, so a missing detector stops the plan).
data "aws_guardduty_detector" "existing" {
  count = var.guardduty == "check" ? 1 : 0

  lifecycle {
    postcondition {
      condition     = self.status == "ENABLED"
      error_message = "GuardDuty is not enabled in this account and region: it is a prerequisite of this landing (detective.guardduty: check)."
    }
  }
}

# --------------------------------------------------------------------------- Security Hub (DET-2)
resource "aws_securityhub_account" "this" {
  count = var.security_hub.mode == "create" ? 1 : 0

  enable_default_standards  = false
  auto_enable_controls      = true
  control_finding_generator = "SECURITY_CONTROL"
}

resource "aws_securityhub_standards_subscription" "this" {
  for_each = var.security_hub.mode == "create" ? toset(var.security_hub.standards) : toset([])

  standards_arn = "arn:${local.partition}:securityhub:${var.region}::standards/${each.key}"

  depends_on = [aws_securityhub_account.this]
}

# check: reading a control's associations fails unless Security Hub is enabled in the account.
data "aws_securityhub_standards_control_associations" "existing" {
  count = var.security_hub.mode == "check" ? 1 : 0

  security_control_id = "CloudTrail.1"
}

# --------------------------------------------------------------------------- AWS Config (DET-3)
resource "aws_iam_service_linked_role" "config" {
  count = var.config != null && try(var.config.create_service_linked_role, false) ? 1 : 0

  aws_service_name = "config.amazonaws.com"
  tags             = var.tags
}

resource "aws_config_configuration_recorder" "this" {
  count = var.config != null ? 1 : 0

  name     = var.name_prefix
  role_arn = local.config_role_arn

  recording_group {
    all_supported                 = true
    include_global_resource_types = true
  }

  depends_on = [aws_iam_service_linked_role.config]
}

resource "aws_config_delivery_channel" "this" {
  count = var.config != null ? 1 : 0

  name           = var.name_prefix
  s3_bucket_name = var.config.bucket_name
  s3_key_prefix  = var.config.key_prefix
  s3_kms_key_arn = var.config.kms_key_arn

  snapshot_delivery_properties {
    delivery_frequency = "TwentyFour_Hours"
  }

  depends_on = [aws_config_configuration_recorder.this]
}

resource "aws_config_configuration_recorder_status" "this" {
  count = var.config != null ? 1 : 0

  name       = aws_config_configuration_recorder.this[0].name
  is_enabled = true

  depends_on = [aws_config_delivery_channel.this]
}

# One pack per regime: the AWS managed rules of AWS's operational best practices for that regime
# that check what this landing promises, with the regime's parameters.
resource "aws_config_conformance_pack" "this" {
  for_each = var.config != null ? var.config.conformance_packs : {}

  name = "${var.name_prefix}-${each.key}"
  template_body = yamlencode({
    Resources = {
      for rule, r in each.value : replace(title(lower(replace(rule, "_", " "))), " ", "") => {
        Type = "AWS::Config::ConfigRule"
        Properties = merge(
          {
            ConfigRuleName = lower(replace(rule, "_", "-"))
            Description    = r.description
            Source         = { Owner = "AWS", SourceIdentifier = rule }
          },
          length(r.parameters) > 0 ? { InputParameters = r.parameters } : {},
        )
      }
    }
  })

  depends_on = [aws_config_configuration_recorder_status.this]
}

# --------------------------------------------------------------------------- Access Analyzer (DET-4)
resource "aws_accessanalyzer_analyzer" "external" {
  count = var.access_analyzer != null ? 1 : 0

  analyzer_name = "${var.name_prefix}-external-access"
  type          = "ACCOUNT"
  tags          = var.tags
}

resource "aws_accessanalyzer_analyzer" "unused" {
  count = var.access_analyzer != null ? 1 : 0

  analyzer_name = "${var.name_prefix}-unused-access"
  type          = "ACCOUNT_UNUSED_ACCESS"
  tags          = var.tags

  configuration {
    unused_access {
      unused_access_age = var.access_analyzer.unused_access_age
    }
  }
}

# --------------------------------------------------------------------------- VPC flow logs (DET-5)
resource "aws_cloudwatch_log_group" "flow_logs" {
  count = var.flow_logs != null ? 1 : 0

  name              = "/aisec/${var.name_prefix}/vpc-flow-logs"
  kms_key_id        = var.flow_logs.kms_key_arn
  retention_in_days = var.flow_logs.retention_in_days
  tags              = var.tags
}

data "aws_iam_policy_document" "flow_logs_assume" {
  count = var.flow_logs != null ? 1 : 0

  statement {
    sid     = "ThisAccountsFlowLogsOnly"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ec2:${var.region}:${var.account_id}:vpc-flow-log/*"]
    }
  }
}

data "aws_iam_policy_document" "flow_logs" {
  count = var.flow_logs != null ? 1 : 0

  statement {
    sid       = "DeliverToFlowLogGroup"
    actions   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = [aws_cloudwatch_log_group.flow_logs[0].arn, "${aws_cloudwatch_log_group.flow_logs[0].arn}:log-stream:*"]
  }
}

# The most the delivery role may ever do: like every role of the landing it has a boundary.
resource "aws_iam_policy" "flow_logs_boundary" {
  count = var.flow_logs != null ? 1 : 0

  name        = "${var.name_prefix}-flow-logs-boundary"
  path        = "/aisec/"
  description = "Permission boundary: the most the VPC flow log delivery role may ever do."
  policy      = data.aws_iam_policy_document.flow_logs[0].json
  tags        = var.tags
}

resource "aws_iam_role" "flow_logs" {
  count = var.flow_logs != null ? 1 : 0

  name                 = "${var.name_prefix}-flow-logs"
  path                 = "/aisec/"
  description          = "Lets VPC Flow Logs deliver ${var.flow_logs.vpc_id} to CloudWatch Logs"
  assume_role_policy   = data.aws_iam_policy_document.flow_logs_assume[0].json
  permissions_boundary = aws_iam_policy.flow_logs_boundary[0].arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "flow_logs" {
  count = var.flow_logs != null ? 1 : 0

  name   = "deliver-to-log-group"
  role   = aws_iam_role.flow_logs[0].id
  policy = data.aws_iam_policy_document.flow_logs[0].json
}

resource "aws_flow_log" "this" {
  count = var.flow_logs != null ? 1 : 0

  vpc_id                   = var.flow_logs.vpc_id
  traffic_type             = "ALL"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_logs[0].arn
  iam_role_arn             = aws_iam_role.flow_logs[0].arn
  max_aggregation_interval = 60
  tags                     = var.tags
}

# --------------------------------------------------------------------------- findings to the alert topic
resource "aws_cloudwatch_event_rule" "guardduty" {
  count = var.alerts != null && var.guardduty != "none" ? 1 : 0

  name        = "${var.name_prefix}-guardduty-findings"
  description = "Route high and critical GuardDuty findings to the security alert topic"
  event_pattern = jsonencode({
    source        = ["aws.guardduty"]
    "detail-type" = ["GuardDuty Finding"]
    detail        = { severity = [{ numeric = [">=", 7] }] }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "guardduty" {
  count = var.alerts != null && var.guardduty != "none" ? 1 : 0

  rule      = aws_cloudwatch_event_rule.guardduty[0].name
  target_id = "security-alert-topic"
  arn       = var.alerts.topic_arn
}

resource "aws_cloudwatch_event_rule" "securityhub" {
  count = var.alerts != null && var.security_hub.mode != "none" ? 1 : 0

  name        = "${var.name_prefix}-securityhub-findings"
  description = "Route new high and critical Security Hub findings to the security alert topic"
  event_pattern = jsonencode({
    source        = ["aws.securityhub"]
    "detail-type" = ["Security Hub Findings - Imported"]
    detail = {
      findings = {
        Severity    = { Label = ["HIGH", "CRITICAL"] }
        Workflow    = { Status = ["NEW"] }
        RecordState = ["ACTIVE"]
      }
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "securityhub" {
  count = var.alerts != null && var.security_hub.mode != "none" ? 1 : 0

  rule      = aws_cloudwatch_event_rule.securityhub[0].name
  target_id = "security-alert-topic"
  arn       = var.alerts.topic_arn
}
