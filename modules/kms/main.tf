data "aws_partition" "current" {}

locals {
  keys = var.create ? var.keys : {}

  # Managing a key never includes using it, and using it never includes managing it.
  administrator_actions = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
  ]
  user_actions = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
  ]
}

data "aws_iam_policy_document" "this" {
  for_each = local.keys

  # In a key policy, Resource "*" means this key and nothing else; write and permission-management
  # actions go only to the account root (lockout protection) and the named administrators.
  # checkov:skip=CKV_AWS_109:Key policy: Resource "*" is this key; permission management is limited to the account root and named administrators.
  # checkov:skip=CKV_AWS_111:Key policy: Resource "*" is this key; write access is limited to named principals and conditioned services.
  # checkov:skip=CKV_AWS_356:Key policy: Resource "*" is the only valid resource in a key policy and means this key.
  statement {
    sid       = "AccountRootKeepsControl"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${var.account_id}:root"]
    }
  }

  statement {
    sid       = "KeyAdministrators"
    effect    = "Allow"
    actions   = local.administrator_actions
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = each.value.administrators
    }
  }

  dynamic "statement" {
    for_each = length(each.value.users) > 0 ? [each.value.users] : []

    content {
      sid       = "KeyUsers"
      effect    = "Allow"
      actions   = local.user_actions
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = statement.value
      }
    }
  }

  dynamic "statement" {
    for_each = length(each.value.readers) > 0 ? [each.value.readers] : []

    content {
      sid       = "KeyReaders"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:DescribeKey"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = statement.value
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.service_users

    content {
      sid       = statement.value.sid
      effect    = "Allow"
      actions   = statement.value.actions
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = [statement.value.principal]
      }

      dynamic "condition" {
        for_each = statement.value.conditions

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_kms_key" "this" {
  for_each = local.keys

  description                        = each.value.description
  key_usage                          = "ENCRYPT_DECRYPT"
  customer_master_key_spec           = "SYMMETRIC_DEFAULT"
  enable_key_rotation                = true
  rotation_period_in_days            = each.value.rotation_period_in_days
  deletion_window_in_days            = each.value.deletion_window_in_days
  bypass_policy_lockout_safety_check = false
  policy                             = data.aws_iam_policy_document.this[each.key].json
  tags                               = merge(var.tags, { Name = each.value.alias })

  # aisec destroy lifts this for one plan when you name the kind (--allow-destroy-protected).
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "this" {
  for_each = local.keys

  name          = each.value.alias
  target_key_id = aws_kms_key.this[each.key].key_id
}
