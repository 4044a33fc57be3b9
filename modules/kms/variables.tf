variable "create" {
  description = "Whether to create the keys. Set to false to keep the module in a configuration without resources."
  type        = bool
  default     = true
  nullable    = false
}

variable "account_id" {
  description = "AWS account id that owns the keys; its root principal keeps full control so the keys can never become unmanageable."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "The account_id must be 12 digits."
  }
}

variable "keys" {
  description = <<-EOT
    Customer-managed symmetric keys by logical name. Per key: `alias` (alias/...), `description`,
    `rotation_period_in_days` (90-365, default 365), `deletion_window_in_days` (7-30, default 30),
    `administrators` (IAM ARNs that manage but never use the key), `users` (IAM ARNs that use it),
    `readers` (IAM ARNs that may only decrypt, such as Macie's service-linked role),
    `service_users`: service principals, each limited by at least one condition; `via_services`
    (kms:ViaService values users and readers are held to, e.g. s3.us-east-1.amazonaws.com; readers
    keep the s3 ones); and `perimeter`, Deny statements that hold whatever IAM allows:
    `principals` (aws:PrincipalArn patterns, the only ones that may use the key; null: no such
    Deny), `managers` (the only ones that may change the policy or create grants not for AWS
    resources), `lifecycle` (the only ones that may disable, stop rotating or delete it), `vpc_ids`
    (use only from these VPCs or through AWS services; empty: no network perimeter) and
    `network_exempt` (principals that reach the key from AWS's network); `grantors` (principals
    outside `principals`, e.g. the deployer creating a SageMaker notebook, that may create grants
    for AWS resources, only through the services in `grant_services`, e.g.
    sagemaker.us-east-1.amazonaws.com, and use the key in no other way); `account_users` (roles of
    other accounts that use the key: per entry the `account_id`, the `principal_arns` (exact role
    ARNs, checked as aws:PrincipalArn, so the roles need not exist yet), the `via_services` they
    are held to, e.g. the S3 of a Terraform state, and `s3_arns`, the only buckets and objects
    S3 may use the key for on their behalf (kms:EncryptionContext:aws:s3:arn: the bucket ARN with
    a bucket key, else `BUCKET-ARN/*`; empty: any)).
  EOT
  type = map(object({
    alias                   = string
    description             = string
    rotation_period_in_days = optional(number, 365)
    deletion_window_in_days = optional(number, 30)
    administrators          = list(string)
    users                   = optional(list(string), [])
    readers                 = optional(list(string), [])
    service_users = optional(list(object({
      sid       = string
      principal = string
      actions   = list(string)
      conditions = list(object({
        test     = string
        variable = string
        values   = list(string)
      }))
    })), [])
    via_services = optional(list(string), [])
    account_users = optional(list(object({
      account_id     = string
      principal_arns = list(string)
      via_services   = list(string)
      s3_arns        = optional(list(string), [])
    })), [])
    perimeter = optional(object({
      principals     = optional(list(string))
      managers       = list(string)
      lifecycle      = list(string)
      vpc_ids        = optional(list(string), [])
      network_exempt = optional(list(string), [])
      grantors       = optional(list(string), [])
      grant_services = optional(list(string), [])
    }))
  }))
  nullable = false

  validation {
    condition     = alltrue([for k in values(var.keys) : k.rotation_period_in_days >= 90 && k.rotation_period_in_days <= 365])
    error_message = "The rotation_period_in_days must be between 90 and 365."
  }

  validation {
    condition     = alltrue([for k in values(var.keys) : k.deletion_window_in_days >= 7 && k.deletion_window_in_days <= 30])
    error_message = "The deletion_window_in_days must be between 7 and 30."
  }

  validation {
    condition     = alltrue([for k in values(var.keys) : can(regex("^alias/[A-Za-z0-9/_-]+$", k.alias)) && !startswith(k.alias, "alias/aws/")])
    error_message = "Each alias must look like alias/NAME (letters, digits, /, _ and -) and must not start with alias/aws/."
  }

  validation {
    condition     = alltrue([for k in values(var.keys) : k.perimeter == null ? true : length(k.perimeter.managers) > 0 && length(k.perimeter.lifecycle) > 0])
    error_message = "A perimeter needs at least one manager and one lifecycle principal, or the key can never be managed again."
  }

  validation {
    condition     = alltrue([for k in values(var.keys) : k.perimeter == null ? true : length(k.perimeter.grantors) == 0 || length(k.perimeter.grant_services) > 0])
    error_message = "Grantors need at least one grant service (kms:ViaService)."
  }

  validation {
    condition     = alltrue([for k in values(var.keys) : length(k.administrators) > 0])
    error_message = "Each key needs at least one administrator."
  }

  validation {
    condition     = alltrue(flatten([for k in values(var.keys) : [for s in k.service_users : length(s.conditions) > 0]]))
    error_message = "Each service user needs at least one condition (kms:ViaService, kms:CallerAccount, aws:SourceArn, aws:SourceAccount or an encryption context)."
  }
}

variable "tags" {
  description = "Tags added to every key."
  type        = map(string)
  default     = {}
  nullable    = false
}
