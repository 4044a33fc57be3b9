provider "aws" {
  region = "us-east-1"
}

module "storage" {
  source = "../.."

  account_id = "111122223333"
  buckets = {
    access_logs = {
      name                   = "example-access-logs-111122223333"
      access_log_target      = true
      access_log_source_arns = ["arn:aws:s3:::example-*"]
    }
    datasets = {
      name              = "example-datasets-111122223333"
      kms_key_arn       = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      access_log_bucket = "example-access-logs-111122223333"
      access_log_prefix = "datasets/"
      # Only the pipeline reads and writes objects, and only from the VPC or through AWS services.
      perimeter = {
        principals = ["arn:aws:iam::111122223333:role/example-pipeline"]
        vpc_ids    = ["vpc-0a1b2c3d4e5f60718"]
      }
    }
  }
  tags = { owner = "platform" }
}

output "bucket_arns" {
  value = module.storage.bucket_arns
}
