data "aws_partition" "current" {}

locals {
  buckets   = var.create ? var.buckets : {}
  partition = data.aws_partition.current.partition
  logged    = { for k, b in local.buckets : k => b if !b.access_log_target }
  # Object-level reads, writes and listings: what the data perimeter guards (bar 22, 23).
  object_actions = [
    "s3:AbortMultipartUpload",
    "s3:DeleteObject*",
    "s3:GetObject*",
    "s3:ListMultipartUploadParts",
    "s3:PutObject*",
    "s3:ReplicateObject",
    "s3:RestoreObject",
  ]
  bucket_actions = ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions"]
  # Bucket settings that send object names or data elsewhere, or remove the Denies themselves; and
  # those that destroy or weaken the data without touching an object: a lifecycle expiring it,
  # versioning suspended, default encryption swapped for SSE-S3 (writes that name no key get it),
  # ownership or ACLs reopened, the public access block lifted, access logging turned off.
  export_settings = [
    "s3:DeleteBucketPolicy",
    "s3:PutAnalyticsConfiguration",
    "s3:PutBucketAcl",
    "s3:PutBucketLogging",
    "s3:PutBucketNotification",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutInventoryConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutReplicationConfiguration",
  ]
  # Everything that reads, writes, deletes or re-labels an object (its versions, ACL, tags, retention).
  guarded_object_actions = ["s3:DeleteObject*", "s3:GetObject*", "s3:PutObject*", "s3:RestoreObject"]
}

resource "aws_s3_bucket" "this" {
  for_each = local.buckets

  # checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice of the owning team; it doubles the data's footprint and is added in a *.custom.tf file when required.
  # checkov:skip=CKV2_AWS_62:Object-level activity is recorded by CloudTrail S3 data events and inspected by Macie; event notifications are not a security control here.
  bucket        = each.value.name
  force_destroy = each.value.force_destroy
  tags          = merge(var.tags, { Name = each.value.name })

  # aisec destroy lifts this for one plan when you name the kind (--allow-destroy-protected).
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = local.buckets

  bucket                  = aws_s3_bucket.this[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    bucket_key_enabled = each.value.kms_key_arn != null

    apply_server_side_encryption_by_default {
      sse_algorithm     = each.value.kms_key_arn != null ? "aws:kms" : "AES256"
      kms_master_key_id = each.value.kms_key_arn
    }
  }
}

resource "aws_s3_bucket_logging" "this" {
  for_each = local.logged

  bucket        = aws_s3_bucket.this[each.key].id
  target_bucket = each.value.access_log_bucket
  target_prefix = each.value.access_log_prefix
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    id     = "noncurrent-versions-and-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }

    noncurrent_version_expiration {
      noncurrent_days = each.value.noncurrent_version_expiration_days
    }
  }
}

data "aws_iam_policy_document" "this" {
  for_each = local.buckets

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this[each.key].arn,
      "${aws_s3_bucket.this[each.key].arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # SSE-C keys are held by the client, outside KMS and its audit trail (bar 26).
  statement {
    sid       = "DenySseC"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.this[each.key].arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption-customer-algorithm"
      values   = ["false"]
    }
  }

  # Writes are SSE-KMS with this bucket's own key: a request naming another algorithm or key is
  # refused; one naming none gets the bucket's default (its key, with a bucket key).
  dynamic "statement" {
    for_each = each.value.kms_key_arn != null ? [1] : []

    content {
      sid       = "DenyOtherEncryption"
      effect    = "Deny"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this[each.key].arn}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "Null"
        variable = "s3:x-amz-server-side-encryption"
        values   = ["false"]
      }

      condition {
        test     = "StringNotEquals"
        variable = "s3:x-amz-server-side-encryption"
        values   = ["aws:kms"]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.kms_key_arn != null ? [each.value.kms_key_arn] : []

    content {
      sid       = "DenyOtherKeys"
      effect    = "Deny"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this[each.key].arn}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "Null"
        variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
        values   = ["false"]
      }

      condition {
        test     = "ArnNotEquals"
        variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
        values   = [statement.value]
      }
    }
  }

  # Only the named principals read, write or list objects, whatever IAM allows (bar 22). AWS
  # services acting as themselves (CloudTrail, Macie export) are excepted by aws:PrincipalIsAWSService.
  dynamic "statement" {
    for_each = each.value.perimeter != null ? [each.value.perimeter] : []

    content {
      sid       = "DenyDataAccessOutsideNamedPrincipals"
      effect    = "Deny"
      actions   = local.object_actions
      resources = ["${aws_s3_bucket.this[each.key].arn}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = statement.value.principals
      }

      condition {
        test     = "BoolIfExists"
        variable = "aws:PrincipalIsAWSService"
        values   = ["false"]
      }
    }
  }

  # Listing object names: the same principals, and the managers, whose Terraform refresh reads
  # the bucket with HeadBucket (authorized as s3:ListBucket); they never read an object.
  dynamic "statement" {
    for_each = each.value.perimeter != null ? [each.value.perimeter] : []

    content {
      sid       = "DenyListingOutsideNamedPrincipals"
      effect    = "Deny"
      actions   = local.bucket_actions
      resources = [aws_s3_bucket.this[each.key].arn]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = concat(statement.value.principals, statement.value.managers)
      }

      condition {
        test     = "BoolIfExists"
        variable = "aws:PrincipalIsAWSService"
        values   = ["false"]
      }
    }
  }

  # Settings that copy object names or data elsewhere, lift these Denies, or destroy or weaken the
  # data without an object call, are the managers'.
  dynamic "statement" {
    for_each = try(length(each.value.perimeter.managers), 0) > 0 ? [each.value.perimeter] : []

    content {
      sid       = "DenyExportSettingsOutsideManagers"
      effect    = "Deny"
      actions   = local.export_settings
      resources = [aws_s3_bucket.this[each.key].arn]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = statement.value.managers
      }
    }
  }

  # A write naming aws:kms but no key would get the account's AWS managed key (aws/s3), outside
  # this bucket's key policy: refused for perimeter buckets, whose writers are the landing's roles.
  dynamic "statement" {
    for_each = each.value.perimeter != null && each.value.kms_key_arn != null ? [1] : []

    content {
      sid       = "DenyKmsWithoutTheKey"
      effect    = "Deny"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this[each.key].arn}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "StringEquals"
        variable = "s3:x-amz-server-side-encryption"
        values   = ["aws:kms"]
      }

      condition {
        test     = "Null"
        variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
        values   = ["true"]
      }
    }
  }

  # Network perimeter (bar 23): only from the VPC, or through an AWS service acting for the caller.
  dynamic "statement" {
    for_each = try(length(each.value.perimeter.vpc_ids), 0) > 0 ? [each.value.perimeter] : []

    content {
      sid       = "DenyDataAccessFromOutsideTheVpc"
      effect    = "Deny"
      actions   = local.object_actions
      resources = ["${aws_s3_bucket.this[each.key].arn}/*"]

      principals {
        type        = "*"
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

  dynamic "statement" {
    for_each = try(length(each.value.perimeter.vpc_ids), 0) > 0 ? [each.value.perimeter] : []

    content {
      sid       = "DenyListingFromOutsideTheVpc"
      effect    = "Deny"
      actions   = local.bucket_actions
      resources = [aws_s3_bucket.this[each.key].arn]

      principals {
        type        = "*"
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
        values   = concat(statement.value.network_exempt, statement.value.managers)
      }
    }
  }

  # Principals limited to one prefix (people in production: promoted artifacts only).
  dynamic "statement" {
    for_each = try(each.value.perimeter.prefix_readers, {})

    content {
      sid           = "DenyReadsOutsidePrefix${index(keys(each.value.perimeter.prefix_readers), statement.key)}"
      effect        = "Deny"
      actions       = ["s3:GetObject*"]
      not_resources = ["${aws_s3_bucket.this[each.key].arn}/${statement.value}*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:PrincipalArn"
        values   = [statement.key]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.access_log_target ? [1] : []

    content {
      sid       = "S3ServerAccessLogsDelivery"
      effect    = "Allow"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this[each.key].arn}/*"]

      principals {
        type        = "Service"
        identifiers = ["logging.s3.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [var.account_id]
      }

      # Only the landing's buckets deliver here (bar 27: service statements name their sources).
      condition {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = each.value.access_log_source_arns
      }
    }
  }

  dynamic "statement" {
    for_each = length(each.value.cloudtrail_trail_arns) > 0 ? [each.value.cloudtrail_trail_arns] : []

    content {
      sid       = "CloudTrailAclCheck"
      effect    = "Allow"
      actions   = ["s3:GetBucketAcl"]
      resources = [aws_s3_bucket.this[each.key].arn]

      principals {
        type        = "Service"
        identifiers = ["cloudtrail.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceArn"
        values   = statement.value
      }
    }
  }

  # A trail writes under its own account's AWSLogs/ prefix only (a log archive takes several
  # accounts' trails: one's trail never writes, with any S3 key prefix, under another's).
  dynamic "statement" {
    for_each = length(each.value.cloudtrail_trail_arns) > 0 ? toset(coalescelist(each.value.cloudtrail_source_accounts, [var.account_id])) : toset([])

    content {
      sid       = "CloudTrailWrite${statement.key == var.account_id ? "" : statement.key}"
      effect    = "Allow"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this[each.key].arn}/AWSLogs/${statement.key}/*"]

      principals {
        type        = "Service"
        identifiers = ["cloudtrail.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceArn"
        values   = [for t in each.value.cloudtrail_trail_arns : t if split(":", t)[4] == statement.key]
      }

      condition {
        test     = "StringEquals"
        variable = "s3:x-amz-acl"
        values   = ["bucket-owner-full-control"]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.macie_export ? [1] : []

    content {
      sid       = "MacieFindingsExport"
      effect    = "Allow"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this[each.key].arn}/*"]

      principals {
        type        = "Service"
        identifiers = ["macie.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [var.account_id]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = ["arn:${local.partition}:macie2:*:${var.account_id}:export-configuration:*", "arn:${local.partition}:macie2:*:${var.account_id}:classification-job/*"]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.macie_export ? [1] : []

    content {
      sid       = "MacieBucketLocation"
      effect    = "Allow"
      actions   = ["s3:GetBucketLocation"]
      resources = [aws_s3_bucket.this[each.key].arn]

      principals {
        type        = "Service"
        identifiers = ["macie.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [var.account_id]
      }
    }
  }

  # AWS Config's delivery channel checks the bucket's ACL and location, then writes snapshots and
  # history under <prefix>/AWSLogs/<account>/Config/, for this account only.
  dynamic "statement" {
    for_each = each.value.config_delivery ? [1] : []

    content {
      sid       = "ConfigBucketCheck"
      effect    = "Allow"
      actions   = ["s3:GetBucketAcl", "s3:ListBucket"]
      resources = [aws_s3_bucket.this[each.key].arn]

      principals {
        type        = "Service"
        identifiers = ["config.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [var.account_id]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.config_delivery ? [1] : []

    content {
      sid       = "ConfigDelivery"
      effect    = "Allow"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this[each.key].arn}/*AWSLogs/${var.account_id}/Config/*"]

      principals {
        type        = "Service"
        identifiers = ["config.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [var.account_id]
      }

      condition {
        test     = "StringEquals"
        variable = "s3:x-amz-acl"
        values   = ["bucket-owner-full-control"]
      }
    }
  }

  # Named principals of other accounts (CI roles of a stage account): exactly their objects, lock
  # files and listing (local.object_grant_statements, grants.tf).
  dynamic "statement" {
    for_each = local.object_grant_statements[each.key]

    content {
      sid       = statement.value.sid
      effect    = "Allow"
      actions   = statement.value.actions
      resources = statement.value.resources

      principals {
        type        = "AWS"
        identifiers = ["arn:${data.aws_partition.current.partition}:iam::${statement.value.account_id}:root"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = statement.value.principal_arns
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

  # Guarded objects (another account's Terraform state): nobody outside the named principals reads,
  # writes or deletes them, whatever IAM or a grant above says; only the writers change `keys`.
  dynamic "statement" {
    for_each = each.value.object_guards

    content {
      sid       = "DenyGuardedObjectsOutsideNamedPrincipals${statement.key}"
      effect    = "Deny"
      actions   = local.guarded_object_actions
      resources = [for k in concat(statement.value.keys, statement.value.lock_keys) : "${aws_s3_bucket.this[each.key].arn}/${k}"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = concat(statement.value.writers, statement.value.readers)
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.object_guards

    content {
      sid       = "DenyGuardedWritesOutsideWriters${statement.key}"
      effect    = "Deny"
      actions   = [for a in local.guarded_object_actions : a if a != "s3:GetObject*"]
      resources = [for k in statement.value.keys : "${aws_s3_bucket.this[each.key].arn}/${k}"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = statement.value.writers
      }
    }
  }

  # A replication destination (a log archive): the named roles of other accounts write replicas
  # and their tags, and check versioning; never deletes (s3:ReplicateDelete), reads or listings.
  # A role with a prefix (replication_source_prefixes) writes only under it: each account's
  # replicas under its own prefix, none under another's (versioning and Object Lock make every
  # write permanent).
  dynamic "statement" {
    for_each = length(setsubtract(each.value.replication_sources, keys(each.value.replication_source_prefixes))) > 0 ? [1] : []

    content {
      sid       = "ReplicasFromNamedRoles"
      effect    = "Allow"
      actions   = ["s3:ReplicateObject", "s3:ReplicateTags"]
      resources = ["${aws_s3_bucket.this[each.key].arn}/*"]

      principals {
        type        = "AWS"
        identifiers = sort(setsubtract(each.value.replication_sources, keys(each.value.replication_source_prefixes)))
      }
    }
  }

  dynamic "statement" {
    for_each = [for r in each.value.replication_sources : r if contains(keys(each.value.replication_source_prefixes), r)]

    content {
      sid       = "ReplicasFromNamedRoleUnderItsPrefix${statement.key}"
      effect    = "Allow"
      actions   = ["s3:ReplicateObject", "s3:ReplicateTags"]
      resources = ["${aws_s3_bucket.this[each.key].arn}/${each.value.replication_source_prefixes[statement.value]}*"]

      principals {
        type        = "AWS"
        identifiers = [statement.value]
      }
    }
  }

  dynamic "statement" {
    for_each = length(each.value.replication_sources) > 0 ? [1] : []

    content {
      sid       = "ReplicationChecksVersioning"
      effect    = "Allow"
      actions   = ["s3:GetBucketVersioning"]
      resources = [aws_s3_bucket.this[each.key].arn]

      principals {
        type        = "AWS"
        identifiers = each.value.replication_sources
      }
    }
  }

  # Audit evidence (protect_logs): nobody but break-glass deletes a log object or version, bypasses
  # its governance retention or deletes the bucket; S3's own lifecycle expiry is not a request and
  # still removes noncurrent versions once they are older than the retention.
  dynamic "statement" {
    for_each = each.value.protect_logs ? [1] : []

    content {
      sid       = "DenyLogDeletionExceptBreakGlass"
      effect    = "Deny"
      actions   = ["s3:BypassGovernanceRetention", "s3:DeleteBucket", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectLegalHold", "s3:PutObjectRetention"]
      resources = [aws_s3_bucket.this[each.key].arn, "${aws_s3_bucket.this[each.key].arn}/*"]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }

      dynamic "condition" {
        for_each = length(var.break_glass_principals) > 0 ? [1] : []

        content {
          test     = "ArnNotLike"
          variable = "aws:PrincipalArn"
          values   = var.break_glass_principals
        }
      }
    }
  }

  # ...and nobody but break-glass and the deployers (whose plans the plan gate reviews) weakens the
  # bucket: its policy, lifecycle, versioning, Object Lock or replication configuration, its access
  # logging (who reads the evidence goes unrecorded), its default encryption (SSE-S3 or another
  # key for new logs), its object ownership, ACL or public access block (reopened to others).
  dynamic "statement" {
    for_each = each.value.protect_logs ? [1] : []

    content {
      sid       = "DenyLogBucketChangesExceptBreakGlassAndDeployers"
      effect    = "Deny"
      actions   = ["s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketLogging", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketOwnershipControls", "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration", "s3:PutReplicationConfiguration"]
      resources = [aws_s3_bucket.this[each.key].arn]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }

      dynamic "condition" {
        for_each = length(concat(var.break_glass_principals, var.deployer_principals)) > 0 ? [1] : []

        content {
          test     = "ArnNotLike"
          variable = "aws:PrincipalArn"
          values   = concat(var.break_glass_principals, var.deployer_principals)
        }
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id
  policy = data.aws_iam_policy_document.this[each.key].json

  # Every setting the policy's Denies protect (versioning, lifecycle, Object Lock, encryption,
  # logging) is put before the policy exists: once it does, only the principals it names change them.
  depends_on = [
    aws_s3_bucket_public_access_block.this,
    aws_s3_bucket_versioning.this,
    aws_s3_bucket_lifecycle_configuration.this,
    aws_s3_bucket_object_lock_configuration.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
    aws_s3_bucket_ownership_controls.this,
    aws_s3_bucket_logging.this,
    aws_s3_bucket_replication_configuration.this,
  ]
}

# S3 Object Lock on buckets that ask for it, set on the existing versioned bucket (S3 allows it
# since 2023) rather than with object_lock_enabled on aws_s3_bucket, which would replace the bucket.
resource "aws_s3_bucket_object_lock_configuration" "this" {
  for_each = { for k, b in local.buckets : k => b if b.object_lock != null }

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    default_retention {
      mode = each.value.object_lock.mode
      days = each.value.object_lock.days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}
