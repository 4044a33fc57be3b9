# A local module called with for_each (one queue pair per pipeline) and with count (an optional
# audit queue), outputs collected from the instances.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "pipelines" {
  type = map(object({
    max_receive_count = optional(number, 5)
    retention_days    = optional(number, 4)
  }))
  default = {
    ingest  = {}
    scoring = { max_receive_count = 3 }
    export  = { retention_days = 14 }
  }
}

variable "audit_queue" {
  type    = bool
  default = true
}

module "queue" {
  source   = "./modules/queue"
  for_each = var.pipelines

  name              = "pipeline-${each.key}"
  max_receive_count = each.value.max_receive_count
  retention_seconds = each.value.retention_days * 86400
}

module "audit" {
  source = "./modules/queue"
  count  = var.audit_queue ? 1 : 0

  name = "audit-events"
}

output "queues" {
  value = merge(
    { for k, m in module.queue : k => m.arn },
    { for m in module.audit : "audit" => m.arn },
  )
}
