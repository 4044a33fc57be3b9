# SageMaker compute the landing generates (SECURITY-BAR 16, control ML-4): notebook instances with
# every setting the launch guardrails (iam module, sagemaker.tf) demand of people's requests, set
# explicitly because the provider's defaults are the unsafe ones (direct internet and root access
# Enabled): the given subnet and security groups, the given execution role, a customer-managed key
# on the ML storage volume, IMDSv2 only, and no lifecycle configuration (nothing runs as root at
# start). People open them through CreatePresignedNotebookInstanceUrl, which their roles allow only
# on their stage's notebooks.

resource "aws_sagemaker_notebook_instance" "this" {
  # checkov:skip=CKV2_AWS_68:The execution role is a module input (aisec passes the stage's notebook role from the iam module), so checkov cannot connect it; that role's policies hold no "*" action and are capped by the stage's permission boundary (bar 17, proven on the applied policies by the iam tests).
  for_each = var.notebook_instances

  name                   = each.key
  instance_type          = each.value.instance_type
  volume_size            = each.value.volume_size_gb
  platform_identifier    = each.value.platform_identifier
  role_arn               = each.value.role_arn
  kms_key_id             = each.value.kms_key_arn
  subnet_id              = each.value.subnet_id
  security_groups        = each.value.security_group_ids
  direct_internet_access = "Disabled"
  root_access            = "Disabled"

  instance_metadata_service_configuration {
    minimum_instance_metadata_service_version = "2"
  }

  tags = merge(var.tags, { Name = each.key })
}
