# Container image repositories (ML-6): scanned on push, tags immutable, encrypted with a
# customer-managed key, untagged images expired, and a repository policy that refuses everyone but
# the named pullers, pushers and managers, whatever their IAM policies say. AWS services acting as
# themselves and the account's service-linked roles (Amazon Inspector's enhanced scanning) pass.
locals {
  repositories         = var.create ? var.repositories : {}
  service_linked_roles = "arn:${local.partition}:iam::${var.account_id}:role/aws-service-role/*"
  # Writing images: pushers and managers only.
  ecr_push_actions = [
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:ReplicateImage",
    "ecr:UploadLayerPart",
  ]
  # Removing images or weakening the repository's settings and the Denies themselves: managers only.
  ecr_manage_actions = [
    "ecr:BatchDeleteImage",
    "ecr:DeleteLifecyclePolicy",
    "ecr:DeleteRepository",
    "ecr:DeleteRepositoryPolicy",
    "ecr:PutImageScanningConfiguration",
    "ecr:PutImageTagMutability",
    "ecr:PutLifecyclePolicy",
    "ecr:SetRepositoryPolicy",
    "ecr:TagResource",
    "ecr:UntagResource",
  ]
}

resource "aws_ecr_repository" "this" {
  for_each = local.repositories

  name                 = each.value.name
  image_tag_mutability = "IMMUTABLE"
  # A repository that holds images is never deleted with them: AWS refuses, and the deletion is
  # retried after the images are removed on purpose (by a manager: the policy denies it to others).
  force_delete = false

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = each.value.kms_key_arn
  }

  tags = merge(var.tags, { Name = each.value.name })
}

resource "aws_ecr_lifecycle_policy" "this" {
  for_each = local.repositories

  repository = aws_ecr_repository.this[each.key].name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Expire untagged images after ${each.value.untagged_expiry_days} days"
      selection = {
        tagStatus   = "untagged"
        countType   = "sinceImagePushed"
        countUnit   = "days"
        countNumber = each.value.untagged_expiry_days
      }
      action = { type = "expire" }
    }]
  })
}

data "aws_iam_policy_document" "repository" {
  for_each = local.repositories

  # Nobody but the pullers, pushers and managers does anything with the repository or its images.
  statement {
    sid     = "DenyOutsideNamedPrincipals"
    effect  = "Deny"
    actions = ["ecr:*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = distinct(concat(each.value.pull_principals, each.value.push_principals, each.value.managers, [local.service_linked_roles]))
    }

    condition {
      test     = "BoolIfExists"
      variable = "aws:PrincipalIsAWSService"
      values   = ["false"]
    }
  }

  # The roles that run the images read them and write nothing.
  statement {
    sid     = "DenyPushOutsidePushers"
    effect  = "Deny"
    actions = local.ecr_push_actions

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = distinct(concat(each.value.push_principals, each.value.managers))
    }

    condition {
      test     = "BoolIfExists"
      variable = "aws:PrincipalIsAWSService"
      values   = ["false"]
    }
  }

  # What ran stays inspectable: deleting images and changing the settings are for managers.
  statement {
    sid     = "DenyChangesOutsideManagers"
    effect  = "Deny"
    actions = local.ecr_manage_actions

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = each.value.managers
    }

    condition {
      test     = "BoolIfExists"
      variable = "aws:PrincipalIsAWSService"
      values   = ["false"]
    }
  }
}

resource "aws_ecr_repository_policy" "this" {
  for_each = local.repositories

  repository = aws_ecr_repository.this[each.key].name
  policy     = data.aws_iam_policy_document.repository[each.key].json
}
