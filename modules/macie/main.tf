data "aws_partition" "current" {}

resource "aws_macie2_account" "this" {
  count = var.create_account ? 1 : 0

  finding_publishing_frequency = var.finding_publishing_frequency
  status                       = "ENABLED"

  # aisec destroy lifts this for one plan when you name the kind (--allow-destroy-protected).
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_macie2_classification_export_configuration" "this" {
  count = var.export != null ? 1 : 0

  s3_destination {
    bucket_name = var.export.bucket_name
    key_prefix  = var.export.key_prefix
    kms_key_arn = var.export.kms_key_arn
  }

  depends_on = [aws_macie2_account.this]
}

# The AWS provider (6.x) exposes no managed_data_identifier_selector, so jobs use Macie's recommended
# managed data identifiers, which cover PHI, PII, cardholder and financial data and credentials, and
# the custom data identifiers each job names (identifiers.tf).
resource "aws_macie2_classification_job" "this" {
  for_each = var.jobs

  name                = "${var.name_prefix}-${each.key}"
  job_type            = "SCHEDULED"
  job_status          = "RUNNING"
  initial_run         = true
  sampling_percentage = each.value.sampling_percentage
  tags                = var.tags

  custom_data_identifier_ids = [
    for k in each.value.custom_data_identifiers : aws_macie2_custom_data_identifier.this[k].id
  ]

  s3_job_definition {
    bucket_definitions {
      account_id = var.account_id
      buckets    = each.value.bucket_names
    }
  }

  schedule_frequency {
    daily_schedule   = each.value.schedule == "DAILY" ? true : null
    weekly_schedule  = each.value.schedule == "WEEKLY" ? "MONDAY" : null
    monthly_schedule = each.value.schedule == "MONTHLY" ? 1 : null
  }

  depends_on = [aws_macie2_account.this, aws_macie2_classification_export_configuration.this]
}

resource "aws_cloudwatch_event_rule" "findings" {
  count = var.alerts != null ? 1 : 0

  name        = "${var.name_prefix}-macie-findings"
  description = "Route Amazon Macie findings to the security alert topic"
  event_pattern = jsonencode({
    source        = ["aws.macie"]
    "detail-type" = ["Macie Finding"]
  })
  tags = var.tags

  depends_on = [aws_macie2_account.this]
}

resource "aws_cloudwatch_event_target" "findings" {
  count = var.alerts != null ? 1 : 0

  rule      = aws_cloudwatch_event_rule.findings[0].name
  target_id = "security-alert-topic"
  arn       = var.alerts.topic_arn
}
