# Locals doing the work: a workload x stage matrix (setproduct), flattened into buckets and log
# groups, merged tags, a lookup table of retention by sensitivity, names trimmed to AWS limits.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "workloads" {
  type = map(object({
    sensitivity = string
    stages      = list(string)
  }))
  default = {
    claims-triage = { sensitivity = "restricted", stages = ["dev", "prod"] }
    doc-search    = { sensitivity = "internal", stages = ["dev", "test", "prod"] }
  }
}

variable "tags" {
  type    = map(string)
  default = { CostCenter = "4210" }
}

data "aws_caller_identity" "current" {}

locals {
  retention = {
    public       = 30
    internal     = 90
    confidential = 365
    restricted   = 731
  }
  pairs = flatten([
    for name, w in var.workloads : [
      for stage in w.stages : {
        key         = "${name}-${stage}"
        workload    = name
        stage       = stage
        sensitivity = w.sensitivity
      }
    ]
  ])
  by_key = { for p in local.pairs : p.key => p }
  bucket_names = {
    for k, p in local.by_key : k => substr("${k}-${data.aws_caller_identity.current.account_id}", 0, 63)
  }
  common_tags = merge(var.tags, { ManagedBy = "terraform" })
  prod_keys   = sort([for k, p in local.by_key : k if p.stage == "prod"])
  matrix      = setproduct(keys(var.workloads), ["read", "write"])
}

resource "aws_s3_bucket" "data" {
  for_each = local.by_key
  bucket   = local.bucket_names[each.key]
  tags = merge(local.common_tags, {
    Workload    = each.value.workload
    Stage       = each.value.stage
    Sensitivity = each.value.sensitivity
  })
}

resource "aws_cloudwatch_log_group" "app" {
  for_each          = local.by_key
  name              = "/workloads/${each.value.workload}/${each.value.stage}"
  retention_in_days = lookup(local.retention, each.value.sensitivity, 365)
  tags              = local.common_tags
}

resource "aws_iam_policy" "access" {
  for_each = { for m in local.matrix : "${m[0]}-${m[1]}" => { workload = m[0], mode = m[1] } }
  name     = "${each.key}-data"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = each.value.mode == "read" ? ["s3:GetObject", "s3:ListBucket"] : ["s3:PutObject"]
      Resource = flatten([
        for k, p in local.by_key : [aws_s3_bucket.data[k].arn, "${aws_s3_bucket.data[k].arn}/*"]
        if p.workload == each.value.workload
      ])
    }]
  })
}

output "prod_buckets" {
  value = [for k in local.prod_keys : local.bucket_names[k]]
}
