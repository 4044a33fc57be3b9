variable "create_account" {
  description = "Enable Amazon Macie in this account and region. False when another team owns the Macie account; jobs are still created."
  type        = bool
  default     = true
  nullable    = false
}

variable "account_id" {
  description = "AWS account id whose buckets the jobs classify."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "The account_id must be 12 digits."
  }
}

variable "name_prefix" {
  description = "Prefix of job and rule names."
  type        = string
  nullable    = false
}

variable "finding_publishing_frequency" {
  description = "How often Macie publishes updated findings: FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS."
  type        = string
  default     = "FIFTEEN_MINUTES"
  nullable    = false

  validation {
    condition     = contains(["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"], var.finding_publishing_frequency)
    error_message = "The finding_publishing_frequency must be FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS."
  }
}

variable "export" {
  description = "Where sensitive-data discovery results are exported, encrypted: `bucket_name`, `key_prefix`, `kms_key_arn`. Null when another team owns the Macie account."
  type = object({
    bucket_name = string
    key_prefix  = optional(string, "macie/")
    kms_key_arn = string
  })
  default = null
}

variable "alerts" {
  description = "Route Macie findings through EventBridge to the SNS topic `topic_arn`; null to route none."
  type = object({
    topic_arn = string
  })
  default = null
}

variable "jobs" {
  description = <<-EOT
    Scheduled classification jobs by logical name: `bucket_names` to classify, `schedule` (DAILY,
    WEEKLY or MONTHLY) and `sampling_percentage` (default 100). Jobs use Macie's recommended
    managed data identifiers.
  EOT
  type = map(object({
    bucket_names        = list(string)
    schedule            = string
    sampling_percentage = optional(number, 100)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for j in values(var.jobs) : contains(["DAILY", "WEEKLY", "MONTHLY"], j.schedule)])
    error_message = "Each job's schedule must be DAILY, WEEKLY or MONTHLY."
  }

  validation {
    condition     = alltrue([for j in values(var.jobs) : length(j.bucket_names) > 0])
    error_message = "Each job needs at least one bucket."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
  nullable    = false
}
