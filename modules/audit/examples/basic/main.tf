provider "aws" {
  region = "us-east-1"
}

module "audit" {
  source = "../.."

  name_prefix = "example"
  account_id  = "111122223333"
  region      = "us-east-1"
  trail = {
    bucket_name            = "example-trail-111122223333"
    kms_key_arn            = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    log_retention_days     = 365
    data_event_bucket_arns = ["arn:aws:s3:::example-datasets-111122223333"]
  }
  alerts = {
    # The topic's own key: disabling the trail's key must not silence the alarm about it.
    kms_key_arn      = "arn:aws:kms:us-east-1:111122223333:key/5678efgh-56ef-78gh-90ij-5678901234ef"
    emails           = ["secops@example.com"]
    admin_principals = ["arn:aws:iam::111122223333:role/PlatformAdmin"]
  }
  log_groups = {
    training = {
      name              = "/aisec/example/training"
      kms_key_arn       = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      retention_in_days = 365
    }
  }
}

output "trail_arn" {
  value = module.audit.trail_arn
}
