# Replication of a bucket's objects into a bucket of another account (a log archive): a role S3
# assumes for this bucket only, allowed to read this bucket's object versions and to write
# replicas into the destination (never deletes), and the bucket's replication configuration.
# Delete markers are not replicated: a deletion here never reaches the copy. With a prefix, only
# the objects under it are replicated, and the role writes only under it in the destination.

locals {
  replicated = { for k, b in local.buckets : k => b if b.replication != null }
}

data "aws_iam_policy_document" "replication_assume" {
  for_each = local.replicated

  statement {
    sid     = "S3ReplicatesThisBucketOnly"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.this[each.key].arn]
    }
  }
}

data "aws_iam_policy_document" "replication" {
  for_each = local.replicated

  statement {
    sid       = "ReadReplicationConfiguration"
    actions   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = [aws_s3_bucket.this[each.key].arn]
  }

  statement {
    sid       = "ReadObjectVersionsToReplicate"
    actions   = ["s3:GetObjectVersionAcl", "s3:GetObjectVersionForReplication", "s3:GetObjectVersionTagging"]
    resources = ["${aws_s3_bucket.this[each.key].arn}/*"]
  }

  # Replicas and their tags only, under the prefix when one is set (this account's own in a
  # destination other accounts replicate to as well): no s3:ReplicateDelete, no reads of the destination.
  statement {
    sid       = "WriteReplicasToTheDestination"
    actions   = ["s3:ReplicateObject", "s3:ReplicateTags"]
    resources = ["${each.value.replication.destination_bucket_arn}/${each.value.replication.prefix}*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceAccount"
      values   = [each.value.replication.destination_account_id]
    }
  }

  statement {
    sid       = "CheckDestinationVersioning"
    actions   = ["s3:GetBucketVersioning"]
    resources = [each.value.replication.destination_bucket_arn]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceAccount"
      values   = [each.value.replication.destination_account_id]
    }
  }
}

# Like every role of the landing, the replication role has a boundary: the most it may ever do.
resource "aws_iam_policy" "replication_boundary" {
  for_each = local.replicated

  name        = "${each.value.replication.role_name}-boundary"
  path        = "/aisec/"
  description = "Permission boundary: the most the replication role of ${each.value.name} may ever do."
  policy      = data.aws_iam_policy_document.replication[each.key].json
  tags        = var.tags
}

resource "aws_iam_role" "replication" {
  for_each = local.replicated

  name                 = each.value.replication.role_name
  path                 = "/aisec/"
  description          = "Lets S3 replicate ${each.value.name} to ${each.value.replication.destination_bucket_arn}"
  assume_role_policy   = data.aws_iam_policy_document.replication_assume[each.key].json
  permissions_boundary = aws_iam_policy.replication_boundary[each.key].arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "replication" {
  for_each = local.replicated

  name   = "replicate-to-destination"
  role   = aws_iam_role.replication[each.key].id
  policy = data.aws_iam_policy_document.replication[each.key].json
}

resource "aws_s3_bucket_replication_configuration" "this" {
  for_each = local.replicated

  bucket = aws_s3_bucket.this[each.key].id
  role   = aws_iam_role.replication[each.key].arn

  rule {
    id     = "to-${each.value.replication.destination_account_id}"
    status = "Enabled"

    filter {
      prefix = each.value.replication.prefix != "" ? each.value.replication.prefix : null
    }

    delete_marker_replication {
      status = "Disabled"
    }

    destination {
      bucket        = each.value.replication.destination_bucket_arn
      account       = each.value.replication.destination_account_id
      storage_class = "STANDARD"
    }
  }

  depends_on = [aws_s3_bucket_versioning.this, aws_iam_role_policy.replication]
}
