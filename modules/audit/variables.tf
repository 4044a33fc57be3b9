variable "name_prefix" {
  description = "Prefix of the trail, topic, role, metric namespace and alarm names."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.name_prefix))
    error_message = "The name_prefix must be lowercase letters, digits and dashes, at most 40 characters."
  }
}

variable "account_id" {
  description = "AWS account id of the trail and topic."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "The account_id must be 12 digits."
  }
}

variable "region" {
  description = "Home region of the trail."
  type        = string
  nullable    = false
}

variable "trail" {
  description = <<-EOT
    The account's multi-region CloudTrail trail, or null when another team owns it. `bucket_name`
    (its log bucket, with a policy admitting this trail), `kms_key_arn`, `log_retention_days`
    (CloudWatch Logs copy), and `data_event_bucket_arns` (buckets whose object-level S3 events are
    recorded). The metric filters and alarms of the CIS AWS Foundations benchmark come with it.
    `insight_types`: the CloudTrail Insights the trail records (unusual management API call and
    error rates; charged per event analysed), both by default; `[]` turns Insights off.
    External destination (a log-archive account): `bucket_name` is that account's bucket,
    `kms_key_arn` its key (key ARN, or alias ARN, which CloudTrail resolves across accounts) and
    `log_group_kms_key_arn` a key of this account for the CloudWatch Logs copy (default `kms_key_arn`).
  EOT
  type = object({
    bucket_name            = string
    kms_key_arn            = string
    log_group_kms_key_arn  = optional(string)
    log_retention_days     = number
    data_event_bucket_arns = optional(list(string), [])
    insight_types          = optional(list(string), ["ApiCallRateInsight", "ApiErrorRateInsight"])
  })
  default = null

  validation {
    condition = alltrue([
      for t in try(var.trail.insight_types, []) : contains(["ApiCallRateInsight", "ApiErrorRateInsight"], t)
    ])
    error_message = "The trail's insight_types are ApiCallRateInsight and ApiErrorRateInsight."
  }
}

variable "alerts" {
  description = <<-EOT
    The encrypted SNS topic security alerts go to, or null when another team owns it: `kms_key_arn`
    (a key of its own, never the audit key: disabling that key must not silence the alarm about
    it), `emails` subscribed to it, and `admin_principals`, the only principals (ARN patterns) that
    may subscribe to the topic or change its policy and attributes; include the deployer. Empty
    leaves subscriptions to IAM alone.
  EOT
  type = object({
    kms_key_arn      = string
    emails           = optional(list(string), [])
    admin_principals = optional(list(string), [])
  })
  default = null
}

variable "extra_metric_filters" {
  description = "Metric filters (each with an alarm to the alert topic) added to the module's table, by metric name: `description` and a JSON `pattern` of at most 1,024 characters."
  type = map(object({
    description = string
    pattern     = string
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for f in values(var.extra_metric_filters) : length(f.pattern) <= 1024 && startswith(trimspace(f.pattern), "{")])
    error_message = "Each pattern is a JSON filter pattern ({ ... }) of at most 1,024 characters."
  }
}

variable "key_switch_off_events" {
  description = "KMS calls EventBridge reports to the alert topic without going through the trail's log group."
  type        = list(string)
  default     = ["DisableKey", "ScheduleKeyDeletion"]
  nullable    = false
}

variable "alert_topic_arn" {
  description = "Existing topic the alarms notify when `alerts` is null."
  type        = string
  default     = null
}

variable "log_groups" {
  description = "Workload log groups by logical name: `name`, `kms_key_arn`, `retention_in_days` (at least 365)."
  type = map(object({
    name              = string
    kms_key_arn       = string
    retention_in_days = number
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for g in values(var.log_groups) : g.retention_in_days >= 365])
    error_message = "Log groups keep their events at least 365 days."
  }

  validation {
    condition = alltrue([for g in values(var.log_groups) : contains(
      [365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], g.retention_in_days
    )])
    error_message = "The retention_in_days must be one of CloudWatch Logs' values from 365 to 3653."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "bedrock_invocation_logging" {
  description = "Account-level Bedrock model invocation logging (prompts, responses, embeddings) to `log_group`, a key of `log_groups` (its key must let CloudWatch Logs use it). Null: not configured here."
  type = object({
    log_group = string
  })
  default = null
}
