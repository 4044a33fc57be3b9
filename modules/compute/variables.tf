variable "notebook_instances" {
  description = "Notebook instances by name: instance type (ml.*), volume size in GB, execution role, KMS key of the volume, subnet and security groups. Direct internet and root access are always disabled and IMDSv2 required."
  type = map(object({
    instance_type       = optional(string, "ml.t3.medium")
    volume_size_gb      = optional(number, 20)
    platform_identifier = optional(string, "notebook-al2-v3")
    role_arn            = string
    kms_key_arn         = string
    subnet_id           = string
    security_group_ids  = list(string)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for n, v in var.notebook_instances : can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", n))])
    error_message = "Notebook instance names are 1-63 letters, digits and dashes, starting and ending with a letter or digit."
  }

  validation {
    condition     = alltrue([for v in values(var.notebook_instances) : can(regex("^ml\\.[a-z][a-z0-9-]+\\.[a-z0-9]+$", v.instance_type))])
    error_message = "Instance types are SageMaker ML instance types such as ml.t3.medium."
  }

  validation {
    condition     = alltrue([for v in values(var.notebook_instances) : v.volume_size_gb >= 5 && v.volume_size_gb <= 16384])
    error_message = "Volume sizes are 5 to 16384 GB."
  }

  validation {
    condition     = alltrue([for v in values(var.notebook_instances) : length(v.security_group_ids) > 0 && startswith(v.kms_key_arn, "arn:")])
    error_message = "Each notebook needs at least one security group and a KMS key ARN."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
