variable "create" {
  description = "Whether to create the buckets."
  type        = bool
  default     = true
  nullable    = false
}

variable "account_id" {
  description = "AWS account id that owns the buckets; service principals may write only on behalf of this account."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "The account_id must be 12 digits."
  }
}

variable "buckets" {
  description = <<-EOT
    Buckets by logical name. Per bucket: `name`; `kms_key_arn` (SSE-KMS with a bucket key; required
    unless `access_log_target` is true, since S3 server access logs can only be delivered to SSE-S3
    buckets); `access_log_bucket` and `access_log_prefix` (where this bucket's access logs go; null only
    for an access-log target); `access_log_target` (accept S3 server access logs from this account);
    `cloudtrail_trail_arns` (trails allowed to deliver logs here); `cloudtrail_source_accounts` (the
    accounts of those trails, whose AWSLogs/<account>/ prefixes they write, each trail its own
    account's only; default this account, a log archive names the workload accounts); `macie_export` (accept Macie findings from this
    account); `config_delivery` (accept AWS Config snapshots and history from this account, under
    AWSLogs/<account>/Config/ of any prefix; not with `object_lock`, which AWS Config refuses);
    `noncurrent_version_expiration_days` (default 365); `force_destroy`;
    `access_log_source_arns` (for an access-log target: the buckets allowed to deliver, ArnLike
    patterns; default every bucket of the account); and `perimeter`, Deny statements over object
    reads, writes and listings that hold whatever IAM allows: `principals` (aws:PrincipalArn
    patterns, the only ones allowed), `vpc_ids` (only from these VPCs or through AWS services; empty:
    no network perimeter), `network_exempt` (principals reaching the bucket from AWS's network) and
    `prefix_readers` (principal ARN -> the only key prefix it may read), `managers` (deployers and
    break-glass: they list the bucket, from anywhere, and alone change its policy, notification,
    inventory, analytics, replication, lifecycle, versioning, default encryption, ownership, ACL,
    public access block and logging settings);
    `object_lock` (S3 Object Lock default retention: `mode` GOVERNANCE or COMPLIANCE and `days`;
    not for access-log targets, which S3 log delivery refuses); `protect_logs` (audit evidence: the
    policy denies object deletion to all but `break_glass_principals`, and policy, lifecycle,
    versioning, Object Lock, replication, logging, default encryption, ownership, ACL and public
    access block changes to all but those and `deployer_principals`);
    `replication` (replicate every new object version into `destination_bucket_arn` of
    `destination_account_id`, through a role named `role_name` under /aisec/ that S3 assumes for
    this bucket only; delete markers are not replicated; with `prefix`, only the objects under it,
    and the role writes replicas only under it in the destination); `replication_sources` (for a
    destination: role ARNs of other accounts allowed to write replicas here; never to delete);
    `replication_source_prefixes` (source role ARN -> the only key prefix it writes replicas under:
    each account's replicas under its own prefix; a source without one writes under any key);
    `object_grants` (roles of other accounts, each reaching exactly the listed object keys:
    `account_id`, `principal_arns` (exact role ARNs, checked as aws:PrincipalArn, so the roles need
    not exist yet), `keys` to read and write (a Terraform state), `lock_keys` to read, write and
    delete (its lock file); listing only those keys; nothing else of the bucket);
    `object_guards` (Deny statements on named object keys that hold whatever IAM or a grant allows:
    only `writers` and `readers` (aws:PrincipalArn patterns) read, write or delete `keys` and
    `lock_keys` at all, and only `writers` write or delete `keys`: a Terraform state that only its
    root's roles, and of those only its apply role, may change).
    Every bucket denies SSE-C writes; a bucket with a key denies writes naming another algorithm or key.
  EOT
  type = map(object({
    name                               = string
    kms_key_arn                        = optional(string)
    access_log_bucket                  = optional(string)
    access_log_prefix                  = optional(string, "")
    access_log_target                  = optional(bool, false)
    cloudtrail_trail_arns              = optional(list(string), [])
    cloudtrail_source_accounts         = optional(list(string), [])
    macie_export                       = optional(bool, false)
    config_delivery                    = optional(bool, false)
    noncurrent_version_expiration_days = optional(number, 365)
    force_destroy                      = optional(bool, false)
    access_log_source_arns             = optional(list(string), ["arn:aws:s3:::*"])
    perimeter = optional(object({
      principals     = list(string)
      vpc_ids        = optional(list(string), [])
      network_exempt = optional(list(string), [])
      prefix_readers = optional(map(string), {})
      managers       = optional(list(string), [])
    }))
    object_lock = optional(object({
      mode = string
      days = number
    }))
    protect_logs = optional(bool, false)
    object_guards = optional(list(object({
      keys      = list(string)
      lock_keys = optional(list(string), [])
      writers   = list(string)
      readers   = optional(list(string), [])
    })), [])
    replication = optional(object({
      destination_bucket_arn = string
      destination_account_id = string
      role_name              = string
      prefix                 = optional(string, "")
    }))
    replication_sources         = optional(list(string), [])
    replication_source_prefixes = optional(map(string), {})
    object_grants = optional(list(object({
      account_id     = string
      principal_arns = list(string)
      keys           = list(string)
      lock_keys      = optional(list(string), [])
    })), [])
  }))
  nullable = false

  validation {
    condition     = alltrue([for b in values(var.buckets) : !(b.config_delivery && b.object_lock != null)])
    error_message = "A bucket receiving AWS Config deliveries (config_delivery) has no object_lock: AWS Config refuses Object Lock buckets."
  }

  validation {
    condition = alltrue([for b in values(var.buckets) : b.object_lock == null || (
      contains(["GOVERNANCE", "COMPLIANCE"], try(b.object_lock.mode, "")) && try(b.object_lock.days, 0) >= 1 && !b.access_log_target
    )])
    error_message = "An object_lock has mode GOVERNANCE or COMPLIANCE and days >= 1, and is not set on an access-log target (S3 log delivery refuses buckets with a default retention)."
  }

  validation {
    condition = alltrue([for b in values(var.buckets) : b.replication == null ? true : (
      can(regex("^[0-9]{12}$", b.replication.destination_account_id)) && b.replication.destination_account_id != var.account_id &&
      startswith(b.replication.destination_bucket_arn, "arn:") && can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", b.replication.role_name))
    )])
    error_message = "A replication names a destination bucket ARN in another 12-digit account and a role name of 1-64 characters."
  }

  validation {
    condition = alltrue([for b in values(var.buckets) : alltrue([
      for role, prefix in b.replication_source_prefixes : contains(b.replication_sources, role) && prefix != "" && !strcontains(prefix, "*") && !strcontains(prefix, "?")
    ])])
    error_message = "Each replication_source_prefixes entry names a role of replication_sources and a non-empty key prefix without wildcards."
  }

  validation {
    condition     = alltrue([for b in values(var.buckets) : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", b.name))])
    error_message = "Bucket names must be 3-63 lowercase letters, digits, dots and dashes."
  }

  validation {
    condition     = alltrue([for b in values(var.buckets) : b.perimeter == null ? true : length(b.perimeter.principals) > 0])
    error_message = "A perimeter needs at least one principal allowed to use the data."
  }

  validation {
    condition     = alltrue([for b in values(var.buckets) : b.access_log_target || b.kms_key_arn != null])
    error_message = "Every bucket that is not an access-log target needs a kms_key_arn."
  }

  validation {
    condition     = alltrue([for b in values(var.buckets) : b.access_log_target || b.access_log_bucket != null])
    error_message = "Every bucket that is not an access-log target needs an access_log_bucket."
  }
}

variable "tags" {
  description = "Tags added to every bucket."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "break_glass_principals" {
  description = "ARNs (patterns allowed) of the break-glass roles: the only principals that may delete objects of `protect_logs` buckets or bypass their governance retention. Empty: nobody (the account root can still remove the bucket policy)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "deployer_principals" {
  description = "ARNs (patterns allowed) that may change the policy, lifecycle, versioning and Object Lock settings of `protect_logs` buckets besides the break-glass roles: the roles that apply this configuration, or the next apply locks itself out."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "repositories" {
  description = <<-EOT
    ECR repositories by logical name, each IMMUTABLE, scanned on push and KMS-encrypted. Per
    repository: `name` (the ECR name, e.g. team/app/dev/train), `kms_key_arn` (a customer-managed
    key; the applying principal needs kms:CreateGrant on it, which ECR makes for the repository),
    `pull_principals` (role ARNs, patterns allowed, that may pull), `push_principals` (that may also
    push), `managers` (that may also delete images and change the repository's settings and policy:
    the deployers and break-glass, or the next apply locks itself out) and `untagged_expiry_days`.
    Everyone else is denied by the repository policy, except AWS services and service-linked roles.
  EOT
  type = map(object({
    name                 = string
    kms_key_arn          = string
    pull_principals      = list(string)
    push_principals      = optional(list(string), [])
    managers             = list(string)
    untagged_expiry_days = optional(number, 14)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for r in values(var.repositories) : can(regex("^[a-z0-9]+(?:[._/-][a-z0-9]+)*$", r.name)) && length(r.name) >= 2 && length(r.name) <= 256])
    error_message = "Each repository name is 2-256 of lowercase letters, digits and . _ - / (ECR repository naming)."
  }

  validation {
    condition     = alltrue([for r in values(var.repositories) : length(r.managers) > 0 && length(r.pull_principals) > 0])
    error_message = "Each repository names its pull_principals and its managers."
  }

  validation {
    condition     = alltrue([for r in values(var.repositories) : r.untagged_expiry_days >= 1])
    error_message = "The untagged_expiry_days must be at least 1."
  }
}
