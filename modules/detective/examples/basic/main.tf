provider "aws" {
  region = "us-east-1"
}

module "detective" {
  source = "../.."

  name_prefix = "example"
  account_id  = "111122223333"
  region      = "us-east-1"
  guardduty   = "create"
  security_hub = {
    mode      = "create"
    standards = ["aws-foundational-security-best-practices/v/1.0.0", "cis-aws-foundations-benchmark/v/3.0.0"]
  }
  config = {
    bucket_name = "example-config-111122223333"
    kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    conformance_packs = {
      baseline = {
        CLOUD_TRAIL_ENABLED = { description = "CloudTrail is enabled" }
      }
    }
  }
  access_analyzer = {}
  flow_logs = {
    vpc_id            = "vpc-0123456789abcdef0"
    kms_key_arn       = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    retention_in_days = 365
  }
  alerts = {
    topic_arn = "arn:aws:sns:us-east-1:111122223333:example-security-alerts"
  }
}

output "analyzer_arns" {
  value = module.detective.analyzer_arns
}
