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
  # What "using" a key means for the data perimeter: every action that yields or protects plaintext,
  # and grants, which hand those actions on.
  data_actions = ["kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
  perimeters   = { for k, v in local.keys : k => v.perimeter if v.perimeter != null }
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

      # Users reach the key only through the services that need it, from this account (bar 24).
      dynamic "condition" {
        for_each = length(each.value.via_services) > 0 ? [1] : []

        content {
          test     = "StringEquals"
          variable = "kms:ViaService"
          values   = each.value.via_services
        }
      }

      condition {
        test     = "StringEquals"
        variable = "kms:CallerAccount"
        values   = [var.account_id]
      }
    }
  }

  # Named roles of other accounts (CI roles of a stage account), through the named services only,
  # and, with `s3_arns`, only for those buckets and objects: S3 names the bucket ARN as the
  # encryption context when the bucket key is enabled, else the object ARN, so GenerateDataKey or
  # Decrypt through S3 for any other bucket is not allowed.
  # DescribeKey carries no encryption context: roles held to buckets (s3_arns) are given it in a
  # statement of its own, through the same services, and do nothing else with it there.
  dynamic "statement" {
    for_each = concat(
      [for u in each.value.account_users : {
        sid     = "KeyUsersOfAccount${u.account_id}"
        user    = u
        actions = [for a in local.user_actions : a if length(u.s3_arns) == 0 || a != "kms:DescribeKey"]
        s3_arns = u.s3_arns
      }],
      [for u in each.value.account_users : {
        sid     = "KeyDescribedForAccount${u.account_id}"
        user    = u
        actions = ["kms:DescribeKey"]
        s3_arns = []
      } if length(u.s3_arns) > 0],
    )

    content {
      sid       = statement.value.sid
      effect    = "Allow"
      actions   = statement.value.actions
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = ["arn:${data.aws_partition.current.partition}:iam::${statement.value.user.account_id}:root"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = statement.value.user.principal_arns
      }

      condition {
        test     = "StringEquals"
        variable = "kms:CallerAccount"
        values   = [statement.value.user.account_id]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = statement.value.user.via_services
      }

      dynamic "condition" {
        for_each = length(statement.value.s3_arns) > 0 ? [1] : []

        content {
          test     = "StringLike"
          variable = "kms:EncryptionContext:aws:s3:arn"
          values   = statement.value.s3_arns
        }
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

      # Readers (Macie) decrypt only what S3 hands them, in this account.
      dynamic "condition" {
        for_each = length(each.value.via_services) > 0 ? [1] : []

        content {
          test     = "StringEquals"
          variable = "kms:ViaService"
          values   = [for s in each.value.via_services : s if startswith(s, "s3.")]
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

# The data perimeter (bar 22, 23, 30): Deny statements that hold whatever IAM policies say, since the
# root statement above delegates to IAM. AWS services acting as themselves (aws:PrincipalIsAWSService)
# are excepted everywhere; a principal's own requests made through a service (S3 decrypting for a
# role) carry that principal's ARN and so meet the same lists.
data "aws_iam_policy_document" "perimeter" {
  for_each = local.perimeters

  source_policy_documents = [data.aws_iam_policy_document.this[each.key].json]

  # Only the named principals use the key: administrators, deployers and every other IAM principal
  # of the account are refused, whatever their IAM policies allow.
  dynamic "statement" {
    for_each = each.value.principals != null ? [each.value.principals] : []

    content {
      sid       = "DenyUseOutsideNamedPrincipals"
      effect    = "Deny"
      actions   = length(each.value.grantors) > 0 ? setsubtract(local.data_actions, ["kms:CreateGrant"]) : local.data_actions
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }

      # An empty list means no principal at all: only AWS services (the logs key without break-glass).
      dynamic "condition" {
        for_each = length(statement.value) > 0 ? [1] : []

        content {
          test     = "ArnNotLike"
          variable = "aws:PrincipalArn"
          values   = statement.value
        }
      }

      condition {
        test     = "BoolIfExists"
        variable = "aws:PrincipalIsAWSService"
        values   = ["false"]
      }
    }
  }

  # Grantors (the deployer creating a SageMaker notebook: SageMaker creates the volume's grant with
  # the caller's credentials) may create grants, and nothing else: only for AWS resources, and only
  # through the named services. Everyone else outside the named principals creates none.
  dynamic "statement" {
    for_each = length(each.value.grantors) > 0 ? [each.value] : []

    content {
      sid       = "DenyGrantsOutsideNamedPrincipalsAndGrantors"
      effect    = "Deny"
      actions   = ["kms:CreateGrant"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = concat(statement.value.principals != null ? statement.value.principals : [], statement.value.grantors)
      }

      condition {
        test     = "BoolIfExists"
        variable = "aws:PrincipalIsAWSService"
        values   = ["false"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(each.value.grantors) > 0 ? [each.value] : []

    content {
      sid       = "DenyGrantorsGrantsNotForAwsResources"
      effect    = "Deny"
      actions   = ["kms:CreateGrant"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:PrincipalArn"
        values   = statement.value.grantors
      }

      condition {
        test     = "BoolIfExists"
        variable = "kms:GrantIsForAWSResource"
        values   = ["false"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(each.value.grantors) > 0 ? [each.value] : []

    content {
      sid       = "DenyGrantorsGrantsOutsideServices"
      effect    = "Deny"
      actions   = ["kms:CreateGrant"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:PrincipalArn"
        values   = statement.value.grantors
      }

      condition {
        test     = "StringNotEquals"
        variable = "kms:ViaService"
        values   = statement.value.grant_services
      }
    }
  }

  # Nobody makes themselves a user: only the deployers, break-glass and the root user change the
  # policy (an administrator could otherwise write itself into KeyUsers).
  statement {
    sid       = "DenyPolicyChangesOutsideManagers"
    effect    = "Deny"
    actions   = ["kms:PutKeyPolicy"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = each.value.managers
    }
  }

  # Grants hand out use without a policy change: only for AWS resources (a SageMaker volume, an
  # S3 bucket key), unless a manager creates it.
  statement {
    sid       = "DenyGrantsNotForAwsResources"
    effect    = "Deny"
    actions   = ["kms:CreateGrant"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "BoolIfExists"
      variable = "kms:GrantIsForAWSResource"
      values   = ["false"]
    }

    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = each.value.managers
    }
  }

  # Disabling or deleting the key destroys the data (or, for audit keys, blinds the trail).
  statement {
    sid       = "DenyDisableOrDeleteOutsideLifecycleManagers"
    effect    = "Deny"
    actions   = ["kms:DisableKey", "kms:DisableKeyRotation", "kms:ScheduleKeyDeletion"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = each.value.lifecycle
    }
  }

  # Moving or deleting the key's alias redirects whoever names the key by alias (a trail writing to
  # a log archive by alias ARN would encrypt with whatever key the alias then names): the lifecycle
  # managers alone. UpdateAlias is authorized on the alias's current key and on the new one, so
  # this also keeps an alias from being pointed at this key; CreateAlias stays with IAM.
  statement {
    sid       = "DenyAliasChangesOutsideLifecycleManagers"
    effect    = "Deny"
    actions   = ["kms:DeleteAlias", "kms:UpdateAlias"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = each.value.lifecycle
    }
  }

  # Network perimeter: use only from the VPC, or through an AWS service acting for the caller.
  dynamic "statement" {
    for_each = length(each.value.vpc_ids) > 0 ? [each.value] : []

    content {
      sid       = "DenyUseFromOutsideTheVpc"
      effect    = "Deny"
      actions   = local.data_actions
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }

      condition {
        test     = "StringNotEqualsIfExists"
        variable = "aws:SourceVpc"
        values   = statement.value.vpc_ids
      }

      condition {
        test     = "BoolIfExists"
        variable = "aws:ViaAWSService"
        values   = ["false"]
      }

      condition {
        test     = "BoolIfExists"
        variable = "aws:PrincipalIsAWSService"
        values   = ["false"]
      }

      condition {
        test     = "ArnNotLikeIfExists"
        variable = "aws:PrincipalArn"
        values   = statement.value.network_exempt
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
  policy                             = try(data.aws_iam_policy_document.perimeter[each.key].json, data.aws_iam_policy_document.this[each.key].json)
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
