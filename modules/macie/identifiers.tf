# Custom data identifiers (bar 34): the organization's own formats (record numbers, account and
# merchant ids) that Macie's managed identifiers do not know. Jobs name them by key.
resource "aws_macie2_custom_data_identifier" "this" {
  for_each = var.custom_data_identifiers

  name                   = "${var.name_prefix}-${each.key}"
  description            = each.value.description
  regex                  = each.value.regex
  keywords               = length(each.value.keywords) > 0 ? each.value.keywords : null
  ignore_words           = length(each.value.ignore_words) > 0 ? each.value.ignore_words : null
  maximum_match_distance = each.value.maximum_match_distance
  tags                   = var.tags

  depends_on = [aws_macie2_account.this]
}

# Suppression rules: sensitive-data findings in the named buckets (dev and test holding synthetic
# data) are archived. They stay in Macie and in the exported results, but reach no alert: Macie
# publishes no suppressed finding to EventBridge. Policy findings of those buckets are kept.
# The AWS provider has no Macie allow list resource and no allow_list_ids on jobs (6.x), so this and
# the identifiers' ignore_words are the allow-listing Terraform can express.
resource "aws_macie2_findings_filter" "archive" {
  for_each = var.archive_rules

  name        = "${var.name_prefix}-${each.key}-archive"
  description = each.value.description
  action      = "ARCHIVE"
  tags        = var.tags

  finding_criteria {
    criterion {
      field = "category"
      eq    = ["CLASSIFICATION"]
    }
    criterion {
      field = "resourcesAffected.s3Bucket.name"
      eq    = each.value.bucket_names
    }
  }

  depends_on = [aws_macie2_account.this]
}
