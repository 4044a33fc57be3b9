# A model registry group shared read-only with a deployment account, by resource policy.
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

variable "consumer_account_ids" {
  type    = list(string)
  default = ["444455556666"]
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

resource "aws_sagemaker_model_package_group" "churn" {
  model_package_group_name        = "churn-models"
  model_package_group_description = "Approved churn models"
}

data "aws_iam_policy_document" "share" {
  statement {
    sid    = "ReadForDeployment"
    effect = "Allow"
    actions = [
      "sagemaker:DescribeModelPackage",
      "sagemaker:ListModelPackages",
    ]
    resources = [
      aws_sagemaker_model_package_group.churn.arn,
      "arn:${data.aws_partition.current.partition}:sagemaker:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:model-package/churn-models/*",
    ]
    principals {
      type        = "AWS"
      identifiers = [for id in var.consumer_account_ids : "arn:${data.aws_partition.current.partition}:iam::${id}:root"]
    }
  }
}

resource "aws_sagemaker_model_package_group_policy" "churn" {
  model_package_group_name = aws_sagemaker_model_package_group.churn.model_package_group_name
  resource_policy          = data.aws_iam_policy_document.share.json
}

output "group_arn" {
  value = aws_sagemaker_model_package_group.churn.arn
}
