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
    WEEKLY or MONTHLY), `sampling_percentage` (default 100) and `custom_data_identifiers` (keys of
    var.custom_data_identifiers). Jobs use Macie's recommended managed data identifiers and these.
  EOT
  type = map(object({
    bucket_names            = list(string)
    schedule                = string
    sampling_percentage     = optional(number, 100)
    custom_data_identifiers = optional(list(string), [])
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

variable "custom_data_identifiers" {
  description = <<-EOT
    Custom data identifiers by key (named `name_prefix-key` in Macie): `regex` (Macie's PCRE subset,
    1-512 characters), `keywords` one of which must precede a match within `maximum_match_distance`
    characters (1-300, default 50), `ignore_words` whose matches are not reported, `description`.
  EOT
  type = map(object({
    regex                  = string
    keywords               = optional(list(string), [])
    ignore_words           = optional(list(string), [])
    maximum_match_distance = optional(number, 50)
    description            = optional(string, "")
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for i in values(var.custom_data_identifiers) : length(i.regex) >= 1 && length(i.regex) <= 512])
    error_message = "Each identifier's regex must be 1-512 characters."
  }

  validation {
    condition = alltrue([for i in values(var.custom_data_identifiers) :
    length(i.keywords) <= 50 && alltrue([for k in i.keywords : length(k) >= 3 && length(k) <= 90])])
    error_message = "Each identifier takes at most 50 keywords of 3-90 characters."
  }

  validation {
    condition = alltrue([for i in values(var.custom_data_identifiers) :
    length(i.ignore_words) <= 10 && alltrue([for w in i.ignore_words : length(w) >= 4 && length(w) <= 90])])
    error_message = "Each identifier takes at most 10 ignore words of 4-90 characters."
  }

  validation {
    condition     = alltrue([for i in values(var.custom_data_identifiers) : i.maximum_match_distance >= 1 && i.maximum_match_distance <= 300])
    error_message = "Each identifier's maximum_match_distance must be 1-300."
  }
}

variable "archive_rules" {
  description = <<-EOT
    Suppression rules by key: sensitive-data findings in `bucket_names` (buckets holding synthetic
    data) are archived, so they raise no alert; `description` says why.
  EOT
  type = map(object({
    bucket_names = list(string)
    description  = optional(string, "")
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for r in values(var.archive_rules) : length(r.bucket_names) > 0])
    error_message = "Each archive rule needs at least one bucket."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
  nullable    = false
}
