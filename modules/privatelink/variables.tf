variable "create" {
  description = "Whether to create the endpoints and their security group."
  type        = bool
  default     = true
  nullable    = false
}

variable "name_prefix" {
  description = "Prefix of the security group name and of the endpoints' Name tags."
  type        = string
  nullable    = false
}

variable "account_id" {
  description = "AWS account id; endpoint policies admit only principals of this account."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "The account_id must be 12 digits."
  }
}

variable "region" {
  description = "Region of the VPC; service names are com.amazonaws.<region>.<service>."
  type        = string
  nullable    = false
}

variable "vpc_id" {
  description = "VPC the endpoints go into."
  type        = string
  nullable    = false
}

variable "vpc_cidr" {
  description = "CIDR of the VPC: the only source allowed to reach the endpoints on TCP 443."
  type        = string
  nullable    = false

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && var.vpc_cidr != "0.0.0.0/0"
    error_message = "The vpc_cidr must be a CIDR block narrower than 0.0.0.0/0."
  }
}

variable "subnet_ids" {
  description = "Subnets (at least two, in different availability zones) for the interface endpoints."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Give at least two subnets so the endpoints survive the loss of one availability zone."
  }
}

variable "route_table_ids" {
  description = "Route tables that get the S3 gateway endpoint."
  type        = list(string)
  nullable    = false
}

variable "interface_services" {
  description = "Interface endpoint services by their short name, e.g. sagemaker.api, bedrock-runtime, kms, sts, logs, ecr.dkr (com.amazonaws.<region>.<name>), or sagemaker.notebook and sagemaker.studio (aws.sagemaker.<region>.notebook/studio, which take no endpoint policy). Each is created once."
  type        = set(string)
  nullable    = false

  validation {
    condition     = alltrue([for s in var.interface_services : can(regex("^[a-z0-9.-]+$", s))])
    error_message = "Service names are lowercase letters, digits, dots and dashes."
  }
}

variable "image_accounts" {
  description = "Other AWS accounts whose ECR images principals of this account may pull through the endpoints (resource perimeter exception)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.image_accounts : can(regex("^[0-9]{12}$", a))])
    error_message = "Each image account is a 12-digit account id."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "compute_security_group" {
  description = "Whether to create the security group for SageMaker jobs, endpoints and notebooks."
  type        = bool
  default     = false
  nullable    = false
}
