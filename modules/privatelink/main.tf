data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  interface = var.create ? var.interface_services : toset([])
  # SageMaker's notebook and Studio endpoints are named aws.sagemaker.<region>.<name>, not
  # com.amazonaws.<region>.<name>, and take no endpoint policy (AWS PrivateLink's table of services:
  # policies not supported); who may open a notebook is decided by CreatePresignedNotebookInstanceUrl
  # through the sagemaker.api endpoint, whose policy keeps the perimeter.
  aws_named = { "sagemaker.notebook" = "notebook", "sagemaker.studio" = "studio" }
  service_name = {
    for s in local.interface : s => (
      contains(keys(local.aws_named), s) ? "aws.sagemaker.${var.region}.${local.aws_named[s]}" : "com.amazonaws.${var.region}.${s}"
    )
  }
  with_policy = toset([for s in local.interface : s if !contains(keys(local.aws_named), s)])
  # IAM action prefix of each endpoint service: the endpoint policy allows nothing else.
  action_prefix = {
    for s in local.interface : s => (
      startswith(s, "sagemaker.") ? "sagemaker" :
      startswith(s, "bedrock") ? "bedrock" :
      startswith(s, "ecr.") ? "ecr" : s
    )
  }
}

resource "aws_security_group" "endpoints" {
  count = var.create ? 1 : 0

  name        = "${var.name_prefix}-endpoints"
  description = "Interface endpoints: HTTPS from inside the VPC only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name_prefix}-endpoints" })
}

resource "aws_vpc_security_group_ingress_rule" "https_from_vpc" {
  count = var.create ? 1 : 0

  security_group_id = aws_security_group.endpoints[0].id
  description       = "HTTPS to the endpoints from the VPC"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr
  tags              = var.tags
}

# Resource perimeter (bar 25): principals of this account reach only this account's resources
# through the endpoints, so stolen data cannot be copied to another account's bucket, key or model
# from inside the VPC. The exceptions are AWS-owned resources a workload needs, each named.
data "aws_iam_policy_document" "interface" {
  for_each = local.with_policy

  statement {
    sid       = "OwnAccountPrincipalsToOwnAccountResources"
    effect    = "Allow"
    actions   = ["${local.action_prefix[each.key]}:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${var.account_id}:root"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalAccount"
      values   = [var.account_id]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceAccount"
      values   = [var.account_id]
    }
  }

  # Bedrock's foundation models belong to AWS (their ARNs name no account).
  dynamic "statement" {
    for_each = local.action_prefix[each.key] == "bedrock" ? [1] : []

    content {
      sid       = "OwnAccountPrincipalsToFoundationModels"
      effect    = "Allow"
      actions   = ["bedrock:GetFoundationModel", "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
      resources = ["arn:${local.partition}:bedrock:${var.region}::foundation-model/*"]

      principals {
        type        = "AWS"
        identifiers = ["arn:${local.partition}:iam::${var.account_id}:root"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:PrincipalAccount"
        values   = [var.account_id]
      }
    }
  }

  # Images from other registries only where the spec names their accounts (SageMaker's prebuilt
  # images live in AWS accounts that vary by region).
  dynamic "statement" {
    for_each = local.action_prefix[each.key] == "ecr" && length(var.image_accounts) > 0 ? [1] : []

    content {
      sid       = "OwnAccountPrincipalsPullNamedRegistries"
      effect    = "Allow"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetAuthorizationToken", "ecr:GetDownloadUrlForLayer"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = ["arn:${local.partition}:iam::${var.account_id}:root"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:PrincipalAccount"
        values   = [var.account_id]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceAccount"
        values   = var.image_accounts
      }
    }
  }
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface

  vpc_id              = var.vpc_id
  service_name        = local.service_name[each.key]
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = var.subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]
  policy              = contains(local.with_policy, each.key) ? data.aws_iam_policy_document.interface[each.key].json : null
  tags                = merge(var.tags, { Name = "${var.name_prefix}-${each.key}" })
}

data "aws_iam_policy_document" "s3" {
  count = var.create ? 1 : 0

  # checkov:skip=CKV_AWS_283:An endpoint policy: only VPC traffic reaches it. Principal "*" appears only with aws:PrincipalAccount and aws:ResourceAccount (own account), or as a read (s3:GetObject) of named AWS-owned buckets: ECR's layer bucket, read through URLs an ECR account presigns, and the Amazon Linux repositories, read unauthenticated.

  statement {
    sid       = "OwnAccountPrincipalsToOwnAccountBuckets"
    effect    = "Allow"
    actions   = ["s3:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalAccount"
      values   = [var.account_id]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceAccount"
      values   = [var.account_id]
    }
  }

  # ECR serves image layers from an AWS-owned bucket through URLs presigned by an ECR service
  # account (not ours), so the statement names the bucket and no principal account.
  dynamic "statement" {
    for_each = contains(tolist(local.interface), "ecr.dkr") ? [1] : []

    content {
      sid       = "EcrImageLayers"
      effect    = "Allow"
      actions   = ["s3:GetObject"]
      resources = ["arn:${local.partition}:s3:::prod-${var.region}-starport-layer-bucket/*"]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }
    }
  }

  # Amazon Linux package repositories (unauthenticated reads from instances in the VPC, e.g. the
  # hosts people reach the data from): AWS-owned, read-only.
  statement {
    sid     = "AmazonLinuxRepositories"
    effect  = "Allow"
    actions = ["s3:GetObject"]
    resources = [
      "arn:${local.partition}:s3:::al2023-repos-${var.region}-*/*",
      "arn:${local.partition}:s3:::amazonlinux-2-repos-${var.region}/*",
      "arn:${local.partition}:s3:::amazonlinux.${var.region}.amazonaws.com/*",
      "arn:${local.partition}:s3:::packages.${var.region}.amazonaws.com/*",
      "arn:${local.partition}:s3:::repo.${var.region}.amazonaws.com/*",
    ]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}

resource "aws_vpc_endpoint" "s3" {
  count = var.create ? 1 : 0

  vpc_id            = var.vpc_id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.route_table_ids
  policy            = data.aws_iam_policy_document.s3[0].json
  tags              = merge(var.tags, { Name = "${var.name_prefix}-s3" })
}
