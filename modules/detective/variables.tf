variable "name_prefix" {
  description = "Prefix of analyzer, pack, role, rule and log group names."
  type        = string
  nullable    = false
}

variable "account_id" {
  description = "AWS account id the controls watch."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "The account_id must be 12 digits."
  }
}

variable "region" {
  description = "AWS region of the controls (Security Hub standards ARNs are regional)."
  type        = string
  nullable    = false
}

variable "guardduty" {
  description = "Amazon GuardDuty: `create` (a detector publishing every 15 minutes with S3 protection), `check` (plan fails unless the account's detector is enabled) or `none`."
  type        = string
  default     = "create"
  nullable    = false

  validation {
    condition     = contains(["create", "check", "none"], var.guardduty)
    error_message = "The guardduty mode must be create, check or none."
  }
}

variable "security_hub" {
  description = <<-EOT
    AWS Security Hub: `mode` create (enable the account, default standards off, subscribe to
    `standards`), check (plan fails unless Security Hub is enabled) or none; `standards` are
    standard paths such as "aws-foundational-security-best-practices/v/1.0.0".
  EOT
  type = object({
    mode      = string
    standards = optional(list(string), ["aws-foundational-security-best-practices/v/1.0.0"])
  })
  default  = { mode = "create" }
  nullable = false

  validation {
    condition     = contains(["create", "check", "none"], var.security_hub.mode)
    error_message = "The security_hub mode must be create, check or none."
  }

  validation {
    condition     = alltrue([for s in var.security_hub.standards : can(regex("^[a-z0-9-]+/v/[0-9.]+$", s))])
    error_message = "Each standard is a path such as aws-foundational-security-best-practices/v/1.0.0."
  }
}

variable "config" {
  description = <<-EOT
    AWS Config, or null for none: a recorder of every supported resource type (global types
    included), its delivery channel to `bucket_name` under `key_prefix`, encrypted with
    `kms_key_arn` (the bucket's policy must let config.amazonaws.com write, and the key's policy let
    it encrypt; AWS Config refuses buckets with Object Lock), and one conformance pack per entry
    of `conformance_packs` (pack name -> the managed rules it evaluates, with their parameters).
    `create_service_linked_role` creates AWSServiceRoleForConfig; false when it exists already.
  EOT
  type = object({
    bucket_name                = string
    key_prefix                 = optional(string, "config")
    kms_key_arn                = string
    create_service_linked_role = optional(bool, true)
    conformance_packs = optional(map(map(object({
      description = string
      parameters  = optional(map(string), {})
    }))), {})
  })
  default = null
}

variable "access_analyzer" {
  description = "Create IAM Access Analyzer analyzers for external access and for unused access (`unused_access_age` days)."
  type = object({
    unused_access_age = optional(number, 90)
  })
  default = null
}

variable "flow_logs" {
  description = "VPC flow logs of `vpc_id` (all traffic) to a log group encrypted with `kms_key_arn` and kept `retention_in_days`; null for none."
  type = object({
    vpc_id            = string
    kms_key_arn       = string
    retention_in_days = number
  })
  default = null

  validation {
    condition     = var.flow_logs == null || try(var.flow_logs.retention_in_days >= 365, false)
    error_message = "Flow logs are kept at least 365 days."
  }
}

variable "alerts" {
  description = "Route high and critical GuardDuty and Security Hub findings through EventBridge to the SNS topic `topic_arn`; null to route none."
  type = object({
    topic_arn = string
  })
  default = null
}

variable "tags" {
  description = "Tags on every resource that takes them (the provider's default_tags add to them)."
  type        = map(string)
  default     = {}
  nullable    = false
}
