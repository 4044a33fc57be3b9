# A knowledge base's vector store (SECURITY-BAR 33): its role reaches the store the spec names and
# nothing else. OpenSearch Serverless also checks the collection's own data access policy, and an
# Aurora secret encrypted with a customer-managed key needs that key's policy: both are the store
# owner's, outside this module.

locals {
  vs_aoss          = { for k, r in local.roles : k => r.aoss_collection_arns if length(r.aoss_collection_arns) > 0 }
  vs_rds           = { for k, r in local.roles : k => r.rds_data if r.rds_data != null }
  vs_roles         = toset(concat(keys(local.vs_aoss), keys(local.vs_rds)))
  vs_all           = distinct(flatten(values(local.vs_aoss)))
  rds_all          = [for d in values(local.vs_rds) : d.cluster_arn]
  rds_creds        = [for d in values(local.vs_rds) : d.secret_arn]
  rds_data_actions = ["rds-data:BatchExecuteStatement", "rds-data:ExecuteStatement", "rds:DescribeDBClusters"]
}

data "aws_iam_policy_document" "vector_store" {
  for_each = local.vs_roles

  dynamic "statement" {
    for_each = contains(keys(local.vs_aoss), each.key) ? [local.vs_aoss[each.key]] : []

    content {
      sid       = "QueryAndWriteVectorStore"
      actions   = ["aoss:APIAccessAll"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = contains(keys(local.vs_rds), each.key) ? [local.vs_rds[each.key]] : []

    content {
      sid       = "VectorStoreThroughDataApi"
      actions   = local.rds_data_actions
      resources = [statement.value.cluster_arn]
    }
  }

  dynamic "statement" {
    for_each = contains(keys(local.vs_rds), each.key) ? [local.vs_rds[each.key]] : []

    content {
      sid       = "VectorStoreCredentials"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [statement.value.secret_arn]
    }
  }
}

resource "aws_iam_role_policy" "vector_store" {
  for_each = local.vs_roles

  name   = "${var.name_prefix}-${each.key}-vector-store"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.vector_store[each.key].json
}

# What the boundary admits for vector stores: the same stores, merged into the boundary.
data "aws_iam_policy_document" "vector_store_boundary" {
  dynamic "statement" {
    for_each = length(local.vs_all) > 0 ? [1] : []

    content {
      sid       = "StageVectorStores"
      actions   = ["aoss:APIAccessAll"]
      resources = local.vs_all
    }
  }

  dynamic "statement" {
    for_each = length(local.rds_all) > 0 ? [1] : []

    content {
      sid       = "StageVectorStoreClusters"
      actions   = local.rds_data_actions
      resources = local.rds_all
    }
  }

  dynamic "statement" {
    for_each = length(local.rds_creds) > 0 ? [1] : []

    content {
      sid       = "StageVectorStoreCredentials"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.rds_creds
    }
  }
}
