variable "create" {
  description = "Whether to create the roles."
  type        = bool
  default     = true
  nullable    = false
}

variable "account_id" {
  description = "AWS account id the roles live in and trust."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "The account_id must be 12 digits."
  }
}

variable "region" {
  description = "Region whose Bedrock models and ECR repositories the roles may use."
  type        = string
  nullable    = false
}

variable "name_prefix" {
  description = "Prefix of every role and policy name, usually <landing>-<workload>-<stage>."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,54}$", var.name_prefix))
    error_message = "The name_prefix must be lowercase letters, digits and dashes, at most 55 characters."
  }
}

variable "human_access" {
  description = "How people assume the human roles: sso (IAM Identity Center permission sets) or iam-mfa (IAM principals with MFA)."
  type        = string
  default     = "sso"
  nullable    = false

  validation {
    condition     = contains(["sso", "iam-mfa"], var.human_access)
    error_message = "The human_access must be sso or iam-mfa."
  }
}

variable "roles" {
  description = <<-EOT
    Roles by persona name. Per role: `description`; `human` (true: assumed by people through
    `human_access`; false: assumed by `service`, e.g. sagemaker.amazonaws.com); `read_bucket_arns`,
    `write_bucket_arns`, `log_group_arns` (the only data the role reaches; keys come from
    `kms_key_arns`);
    `pass_roles` (persona names of this module the role may pass to `pass_to_service`);
    `bedrock_invoke` and `ecr_pull` (service access, scoped to the region and account);
    `read_prefix` (objects are read only under this key prefix; "" = the whole bucket);
    `write_log_group_arns` (log groups the role only writes to, such as SageMaker's account-wide
    groups that every stage shares: creating streams and putting events, never reading);
    `trusted_principals` (human roles: aws:PrincipalArn patterns of who may assume the role, such as
    one IAM Identity Center permission set's roles; required for people) and `source_arns`
    (service roles: aws:SourceArn patterns of the resources the service may act for);
    `aoss_collection_arns` (a knowledge base's OpenSearch Serverless collections: the only ones it
    may call) and `rds_data` (a knowledge base's Aurora store: `cluster_arn` reached through the RDS
    Data API with the credentials of `secret_arn`, and nothing else).
  EOT
  type = map(object({
    description          = string
    human                = bool
    service              = optional(string)
    read_bucket_arns     = optional(list(string), [])
    write_bucket_arns    = optional(list(string), [])
    log_group_arns       = optional(list(string), [])
    pass_roles           = optional(list(string), [])
    pass_to_service      = optional(string, "sagemaker.amazonaws.com")
    bedrock_invoke       = optional(bool, false)
    ecr_pull             = optional(bool, false)
    read_prefix          = optional(string, "")
    write_log_group_arns = optional(list(string), [])
    trusted_principals   = optional(list(string), [])
    source_arns          = optional(list(string), [])
    aoss_collection_arns = optional(list(string), [])
    rds_data = optional(object({
      cluster_arn = string
      secret_arn  = string
    }))
  }))
  nullable = false

  validation {
    condition     = alltrue([for r in values(var.roles) : !r.human || length(r.trusted_principals) > 0])
    error_message = "A role for people needs trusted_principals: who may assume it (never every role of the account)."
  }

  validation {
    condition     = alltrue([for r in values(var.roles) : r.human || r.service != null])
    error_message = "A role that is not human needs the service principal that assumes it."
  }

  validation {
    condition     = alltrue([for k, r in var.roles : length(var.name_prefix) + length(k) + 1 <= 64])
    error_message = "Role names (<name_prefix>-<persona>) must be at most 64 characters."
  }
}

variable "kms_key_arns" {
  description = "Keys each role may use, by persona. Kept apart from `roles` so keys can name the roles as users without a dependency cycle."
  type        = map(list(string))
  default     = {}
  nullable    = false
}

variable "kms_via_services" {
  description = "kms:ViaService values (e.g. s3.us-east-1.amazonaws.com) through which the roles use their keys; empty: any."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "session_tag_keys" {
  description = "Session tag keys people may set when they assume a role (sts:TagSession is limited to these)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "kms_key_aliases" {
  description = "Aliases (alias/...) of every key of this stage: the permission boundary admits only keys carrying one of them."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.kms_key_aliases : startswith(a, "alias/")])
    error_message = "Each alias starts with alias/."
  }
}

variable "max_session_duration" {
  description = "Maximum session length in seconds for every role (3600-43200)."
  type        = number
  default     = 3600
  nullable    = false

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "The max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "tags" {
  description = "Tags added to every role and policy."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "sagemaker" {
  description = <<-EOT
    SageMaker launch guardrails, or null for none. `launchers`: persona -> kinds of work it launches
    (training, processing, transform, model, endpoint, notebook); `execution_role`: the persona
    passed to SageMaker as the jobs' role (it gets the ENI and grant rights the jobs need);
    `vpc_id`, `subnet_ids`, `security_group_ids`: where the compute runs. The keys come from
    `sagemaker_kms_key_arns` (kept apart: the boundary must not wait for the keys).
  EOT
  type = object({
    launchers          = map(list(string))
    execution_role     = string
    vpc_id             = string
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null

  validation {
    condition = var.sagemaker == null ? true : alltrue([
      for kinds in values(var.sagemaker.launchers) : alltrue([
        for k in kinds : contains(["training", "processing", "transform", "model", "endpoint", "notebook"], k)
      ])
    ])
    error_message = "Each launcher's kinds must be among training, processing, transform, model, endpoint, notebook."
  }
}

variable "sagemaker_kms_key_arns" {
  description = "The only keys SageMaker work of this stage may use: `volume` (storage volumes) and `output` (job outputs). Requests must name key ARNs."
  type = object({
    volume = list(string)
    output = list(string)
  })
  default = { volume = [], output = [] }
}

variable "bedrock_model_ids" {
  description = "Foundation model ids the roles with bedrock_invoke may call (InvokeModel, InvokeModelWithResponseStream, which also authorise Converse and ConverseStream); empty: every foundation model of the region."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for m in var.bedrock_model_ids : can(regex("^[a-z0-9][a-z0-9.:-]+$", m))])
    error_message = "Each model id is like amazon.titan-embed-text-v2:0."
  }
}

variable "bedrock_guardrail" {
  description = <<-EOT
    A Bedrock guardrail for this stage, and a Deny on every model invocation by the roles that does
    not name it (bedrock:GuardrailIdentifier). `pii_entities` maps a Bedrock PII entity type to
    BLOCK or ANONYMIZE; `regexes` adds patterns (name -> regex, blocked); `prompt_attack` adds the
    prompt-attack filter on input; `grounding` the contextual grounding check (RAG). Null: none.
  EOT
  type = object({
    pii_entities  = optional(map(string), {})
    regexes       = optional(map(string), {})
    prompt_attack = optional(bool, true)
    grounding     = optional(bool, false)
    kms_key_arn   = optional(string)
  })
  default = null

  validation {
    condition     = var.bedrock_guardrail == null || alltrue([for a in values(try(var.bedrock_guardrail.pii_entities, {})) : contains(["BLOCK", "ANONYMIZE"], a)])
    error_message = "Each pii_entities action is BLOCK or ANONYMIZE."
  }
}

variable "ecr_repository_arns" {
  description = "ECR repository ARNs (patterns allowed, e.g. arn:aws:ecr:REGION:ACCOUNT:repository/team/app/*) the roles with `ecr_pull` may pull images from; empty: every repository of the account in the region."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.ecr_repository_arns : can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[a-z0-9*][a-z0-9._/*-]*$", a))])
    error_message = "Each entry is an ECR repository ARN such as arn:aws:ecr:us-east-1:111122223333:repository/team/app."
  }
}
