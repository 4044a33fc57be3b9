data "aws_partition" "current" {}

locals {
  roles     = var.create ? var.roles : {}
  partition = data.aws_partition.current.partition
  root_arn  = "arn:${local.partition}:iam::${var.account_id}:root"

  all_read_buckets  = distinct(flatten([for r in values(local.roles) : concat(r.read_bucket_arns, r.write_bucket_arns)]))
  all_write_buckets = distinct(flatten([for r in values(local.roles) : r.write_bucket_arns]))
  all_log_groups    = distinct(flatten([for r in values(local.roles) : r.log_group_arns]))
  all_write_logs    = distinct(flatten([for r in values(local.roles) : r.write_log_group_arns]))
  any_bedrock       = anytrue([for r in values(local.roles) : r.bedrock_invoke])
  any_ecr           = anytrue([for r in values(local.roles) : r.ecr_pull])
  any_pass          = anytrue([for r in values(local.roles) : length(r.pass_roles) > 0])
  role_arn_prefix   = "arn:${local.partition}:iam::${var.account_id}:role/aisec/${var.name_prefix}-"

  # Bedrock: the listed foundation models only (bar 33); none listed keeps the region's models.
  bedrock_model_arns = length(var.bedrock_model_ids) > 0 ? [
    for m in var.bedrock_model_ids : "arn:${local.partition}:bedrock:${var.region}::foundation-model/${m}"
  ] : ["arn:${local.partition}:bedrock:${var.region}::foundation-model/*"]
  guardrail = var.create && var.bedrock_guardrail != null
  # Guardrails judge text generation; embedding models (knowledge-base ingestion and retrieval)
  # take no guardrail, so the Deny below covers the other listed models, or all when none listed.
  guarded_model_arns = length(var.bedrock_model_ids) > 0 ? [
    for m in var.bedrock_model_ids : "arn:${local.partition}:bedrock:${var.region}::foundation-model/${m}" if !strcontains(m, "embed")
  ] : ["*"]
}

# The boundary caps every role of this stage at this stage's data, whatever is attached later.
data "aws_iam_policy_document" "boundary" {
  count = var.create ? 1 : 0

  source_policy_documents = [data.aws_iam_policy_document.sagemaker_boundary.json, data.aws_iam_policy_document.vector_store_boundary.json]

  dynamic "statement" {
    for_each = length(local.all_read_buckets) > 0 ? [1] : []

    content {
      sid       = "StageBucketsList"
      actions   = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketVersions"]
      resources = local.all_read_buckets
    }
  }

  dynamic "statement" {
    for_each = length(local.all_read_buckets) > 0 ? [1] : []

    content {
      sid       = "StageObjectsRead"
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = [for b in local.all_read_buckets : "${b}/*"]
    }
  }

  dynamic "statement" {
    for_each = length(local.all_write_buckets) > 0 ? [1] : []

    content {
      sid       = "StageObjectsWrite"
      actions   = ["s3:AbortMultipartUpload", "s3:PutObject"]
      resources = [for b in local.all_write_buckets : "${b}/*"]
    }
  }

  # Keys are admitted by alias rather than ARN: the boundary must exist before the roles, and the
  # keys (which name the roles in their policies) after them.
  dynamic "statement" {
    for_each = length(var.kms_key_aliases) > 0 ? [1] : []

    content {
      sid       = "StageKeys"
      actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
      resources = ["arn:${local.partition}:kms:${var.region}:${var.account_id}:key/*"]

      condition {
        test     = "ForAnyValue:StringLike"
        variable = "kms:ResourceAliases"
        values   = var.kms_key_aliases
      }
    }
  }

  dynamic "statement" {
    for_each = length(local.all_log_groups) > 0 ? [1] : []

    content {
      sid       = "StageLogs"
      actions   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents", "logs:PutLogEvents"]
      resources = [for g in local.all_log_groups : "${g}:*"]
    }
  }

  dynamic "statement" {
    for_each = length(local.all_write_logs) > 0 ? [1] : []

    content {
      sid       = "SharedServiceLogsWrite"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = [for g in local.all_write_logs : "${g}:*"]
    }
  }

  dynamic "statement" {
    for_each = local.any_pass ? [1] : []

    content {
      sid       = "StagePassRole"
      actions   = ["iam:PassRole"]
      resources = ["${local.role_arn_prefix}*"]
    }
  }

  dynamic "statement" {
    for_each = local.any_bedrock ? [1] : []

    content {
      sid       = "BedrockInvoke"
      actions   = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
      resources = local.bedrock_model_arns
    }
  }

  dynamic "statement" {
    for_each = local.any_ecr ? [1] : []

    content {
      sid       = "EcrPull"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      resources = local.ecr_repository_arns
    }
  }

  dynamic "statement" {
    for_each = local.any_ecr ? [1] : []

    content {
      # ecr:GetAuthorizationToken cannot be scoped to a resource (AWS service authorization reference).
      sid       = "EcrLogin"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_policy" "boundary" {
  count = var.create ? 1 : 0

  name        = "${var.name_prefix}-boundary"
  path        = "/aisec/"
  description = "Permission boundary: the most any ${var.name_prefix} role may ever do."
  policy      = data.aws_iam_policy_document.boundary[0].json
  tags        = var.tags
}

data "aws_iam_policy_document" "trust" {
  for_each = local.roles

  # People: only the named principals (a permission set's roles, or listed roles), each naming
  # themselves with a source identity that follows the session through role chaining (bar 27).
  dynamic "statement" {
    for_each = each.value.human ? [1] : []

    content {
      sid     = var.human_access == "sso" ? "PeopleThroughIdentityCenter" : "PeopleWithMfa"
      actions = ["sts:AssumeRole", "sts:SetSourceIdentity"]

      principals {
        type        = "AWS"
        identifiers = [local.root_arn]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:PrincipalArn"
        values   = each.value.trusted_principals
      }

      condition {
        test     = "Null"
        variable = "sts:SourceIdentity"
        values   = ["false"]
      }

      dynamic "condition" {
        for_each = var.human_access == "iam-mfa" ? [1] : []

        content {
          test     = "Bool"
          variable = "aws:MultiFactorAuthPresent"
          values   = ["true"]
        }
      }

      dynamic "condition" {
        for_each = var.human_access == "iam-mfa" ? [1] : []

        content {
          test     = "NumericLessThan"
          variable = "aws:MultiFactorAuthAge"
          values   = ["3600"]
        }
      }
    }
  }

  # Session tags only from the allowed keys: a tag could otherwise steer tag-based conditions.
  dynamic "statement" {
    for_each = each.value.human && length(var.session_tag_keys) > 0 ? [1] : []

    content {
      sid     = "SessionTagsFromAllowedKeys"
      actions = ["sts:TagSession"]

      principals {
        type        = "AWS"
        identifiers = [local.root_arn]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:PrincipalArn"
        values   = each.value.trusted_principals
      }

      condition {
        test     = "ForAllValues:StringEquals"
        variable = "aws:TagKeys"
        values   = var.session_tag_keys
      }
    }
  }

  # Services: only for this account's resources of this stage (confused deputy). Services set
  # aws:SourceArn when they act for a resource; where a call carries none, aws:SourceAccount holds.
  dynamic "statement" {
    for_each = each.value.human ? [] : [each.value.service]

    content {
      sid     = "ServiceInThisAccount"
      actions = ["sts:AssumeRole"]

      principals {
        type        = "Service"
        identifiers = [statement.value]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [var.account_id]
      }

      dynamic "condition" {
        for_each = length(each.value.source_arns) > 0 ? [1] : []

        content {
          test     = "ArnLikeIfExists"
          variable = "aws:SourceArn"
          values   = each.value.source_arns
        }
      }
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.roles

  name                 = "${var.name_prefix}-${each.key}"
  path                 = "/aisec/"
  description          = each.value.description
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  permissions_boundary = aws_iam_policy.boundary[0].arn
  max_session_duration = var.max_session_duration
  tags                 = merge(var.tags, { Persona = each.key })
}

data "aws_iam_policy_document" "access" {
  for_each = local.roles

  dynamic "statement" {
    for_each = length(concat(each.value.read_bucket_arns, each.value.write_bucket_arns)) > 0 ? [1] : []

    content {
      sid       = "ListStageBuckets"
      actions   = ["s3:GetBucketLocation", "s3:ListBucket"]
      resources = distinct(concat(each.value.read_bucket_arns, each.value.write_bucket_arns))
    }
  }

  dynamic "statement" {
    for_each = length(concat(each.value.read_bucket_arns, each.value.write_bucket_arns)) > 0 ? [1] : []

    content {
      sid     = "ReadStageObjects"
      actions = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = concat(
        [for b in each.value.read_bucket_arns : "${b}/${each.value.read_prefix}*"],
        [for b in each.value.write_bucket_arns : "${b}/*" if !contains(each.value.read_bucket_arns, b)],
      )
    }
  }

  dynamic "statement" {
    for_each = length(each.value.write_bucket_arns) > 0 ? [1] : []

    content {
      sid       = "WriteStageObjects"
      actions   = ["s3:AbortMultipartUpload", "s3:PutObject"]
      resources = [for b in each.value.write_bucket_arns : "${b}/*"]
    }
  }

  dynamic "statement" {
    for_each = length(lookup(var.kms_key_arns, each.key, [])) > 0 ? [1] : []

    content {
      sid       = "UseStageKeys"
      actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
      resources = var.kms_key_arns[each.key]

      # Only through the services that need the keys, in this account (bar 24).
      dynamic "condition" {
        for_each = length(var.kms_via_services) > 0 ? [1] : []

        content {
          test     = "StringEquals"
          variable = "kms:ViaService"
          values   = var.kms_via_services
        }
      }

      condition {
        test     = "StringEquals"
        variable = "kms:CallerAccount"
        values   = [var.account_id]
      }
    }
  }

  dynamic "statement" {
    for_each = length(each.value.log_group_arns) > 0 ? [1] : []

    content {
      sid       = "StageLogs"
      actions   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents", "logs:PutLogEvents"]
      resources = [for g in each.value.log_group_arns : "${g}:*"]
    }
  }
  dynamic "statement" {
    for_each = length(each.value.write_log_group_arns) > 0 ? [1] : []

    content {
      sid       = "WriteSharedServiceLogs"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = [for g in each.value.write_log_group_arns : "${g}:*"]
    }
  }


  dynamic "statement" {
    for_each = length(each.value.pass_roles) > 0 ? [1] : []

    content {
      sid       = "PassStageRoles"
      actions   = ["iam:PassRole"]
      resources = [for p in each.value.pass_roles : "${local.role_arn_prefix}${p}"]

      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = [each.value.pass_to_service]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.bedrock_invoke ? [1] : []

    content {
      sid       = "InvokeFoundationModels"
      actions   = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
      resources = local.bedrock_model_arns
    }
  }

  # Converse and ConverseStream are authorised as InvokeModel and InvokeModelWithResponseStream.
  # A request naming no guardrail has no bedrock:GuardrailIdentifier, which a negated operator
  # matches: denied, as is one naming another guardrail. The value is the guardrail's ARN and
  # version (arn:...:guardrail/ID:VERSION), so callers pass the ARN, not the bare id.
  dynamic "statement" {
    for_each = each.value.bedrock_invoke && local.guardrail && length(local.guarded_model_arns) > 0 ? [1] : []

    content {
      sid       = "DenyInvokeWithoutGuardrail"
      effect    = "Deny"
      actions   = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
      resources = local.guarded_model_arns

      condition {
        test     = "StringNotLike"
        variable = "bedrock:GuardrailIdentifier"
        values   = ["${aws_bedrock_guardrail.this[0].guardrail_arn}:*"]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.ecr_pull ? [1] : []

    content {
      sid       = "PullImages"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      resources = local.ecr_repository_arns
    }
  }

  dynamic "statement" {
    for_each = each.value.ecr_pull ? [1] : []

    content {
      # ecr:GetAuthorizationToken cannot be scoped to a resource (AWS service authorization reference).
      sid       = "RegistryLogin"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "access" {
  for_each = local.roles

  name   = "${var.name_prefix}-${each.key}-access"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.access[each.key].json
}
