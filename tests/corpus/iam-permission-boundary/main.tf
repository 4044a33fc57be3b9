# A permissions boundary that caps delegated role creation: developers may create roles only with
# the boundary attached; the boundary denies leaving it.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "prefix" {
  type    = string
  default = "team-ml"
}

data "aws_caller_identity" "current" {}

locals {
  boundary_arn = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:policy/${var.prefix}-boundary"
}

resource "aws_iam_policy" "boundary" {
  name = "${var.prefix}-boundary"
  path = "/"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "AllowedServices"
        Effect   = "Allow"
        Action   = ["s3:*", "sagemaker:*", "logs:*", "cloudwatch:*"]
        Resource = "*"
      },
      {
        Sid      = "NoBoundaryEscape"
        Effect   = "Deny"
        Action   = ["iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_iam_policy" "delegate" {
  name = "${var.prefix}-create-roles"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "CreateBoundedRoles"
      Effect   = "Allow"
      Action   = ["iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePolicy"]
      Resource = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/${var.prefix}/*"
      Condition = {
        StringEquals = { "iam:PermissionsBoundary" = local.boundary_arn }
      }
    }]
  })
}

resource "aws_iam_role" "developer" {
  name                 = "${var.prefix}-developer"
  path                 = "/${var.prefix}/"
  permissions_boundary = aws_iam_policy.boundary.arn
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "delegate" {
  role       = aws_iam_role.developer.name
  policy_arn = aws_iam_policy.delegate.arn
}
