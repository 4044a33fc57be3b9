# ------------------------------------------------------------------ Bedrock model invocation logging
# One configuration per account and region (bar 33): every model invocation, with its prompt and
# response, goes to an encrypted log group kept for the regime's retention. Bedrock writes through
# a role only it may assume, for this account's invocations only (confused deputy).
locals {
  bedrock_logging   = var.bedrock_invocation_logging != null
  bedrock_log_group = local.bedrock_logging ? aws_cloudwatch_log_group.workload[var.bedrock_invocation_logging.log_group] : null
}

data "aws_iam_policy_document" "bedrock_assume" {
  count = local.bedrock_logging ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["bedrock.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:bedrock:${var.region}:${var.account_id}:*"]
    }
  }
}

data "aws_iam_policy_document" "bedrock_to_logs" {
  count = local.bedrock_logging ? 1 : 0

  statement {
    sid       = "DeliverInvocationLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.bedrock_log_group.arn}:log-stream:*"]
  }
}

resource "aws_iam_policy" "bedrock_to_logs_boundary" {
  count = local.bedrock_logging ? 1 : 0

  name        = "${var.name_prefix}-bedrock-to-logs-boundary"
  path        = "/aisec/"
  description = "Permission boundary: the most the Bedrock invocation-logging role may ever do."
  policy      = data.aws_iam_policy_document.bedrock_to_logs[0].json
  tags        = var.tags
}

resource "aws_iam_role" "bedrock_to_logs" {
  count = local.bedrock_logging ? 1 : 0

  name                 = "${var.name_prefix}-bedrock-to-logs"
  path                 = "/aisec/"
  description          = "Lets Bedrock deliver model invocation logs to CloudWatch Logs"
  assume_role_policy   = data.aws_iam_policy_document.bedrock_assume[0].json
  permissions_boundary = aws_iam_policy.bedrock_to_logs_boundary[0].arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "bedrock_to_logs" {
  count = local.bedrock_logging ? 1 : 0

  name   = "deliver-to-log-group"
  role   = aws_iam_role.bedrock_to_logs[0].id
  policy = data.aws_iam_policy_document.bedrock_to_logs[0].json
}

resource "aws_bedrock_model_invocation_logging_configuration" "this" {
  count = local.bedrock_logging ? 1 : 0

  logging_config {
    text_data_delivery_enabled      = true
    image_data_delivery_enabled     = true
    embedding_data_delivery_enabled = true
    video_data_delivery_enabled     = true

    cloudwatch_config {
      log_group_name = local.bedrock_log_group.name
      role_arn       = aws_iam_role.bedrock_to_logs[0].arn
    }
  }

  depends_on = [aws_iam_role_policy.bedrock_to_logs]
}
