provider "aws" {
  region = "us-east-1"
}

module "kms" {
  source = "../.."

  account_id = "111122223333"
  keys = {
    datasets = {
      alias          = "alias/example/datasets"
      description    = "Training datasets"
      administrators = ["arn:aws:iam::111122223333:role/PlatformAdmin"]
      users          = ["arn:aws:iam::111122223333:role/example-pipeline"]
      service_users = [{
        sid       = "CloudWatchLogs"
        principal = "logs.us-east-1.amazonaws.com"
        actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
        conditions = [{
          test     = "ArnLike"
          variable = "kms:EncryptionContext:aws:logs:arn"
          values   = ["arn:aws:logs:us-east-1:111122223333:log-group:/example/*"]
        }]
      }]
    }
  }
  tags = { owner = "platform" }
}

output "key_arns" {
  value = module.kms.key_arns
}
