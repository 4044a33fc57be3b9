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
      via_services   = ["s3.us-east-1.amazonaws.com"]
      # Whatever IAM allows, only the pipeline uses the key, from the VPC or through S3, and only the
      # deployer changes its policy.
      perimeter = {
        principals     = ["arn:aws:iam::111122223333:role/example-pipeline"]
        managers       = ["arn:aws:iam::111122223333:role/example-deployer", "arn:aws:iam::111122223333:root"]
        lifecycle      = ["arn:aws:iam::111122223333:role/example-deployer", "arn:aws:iam::111122223333:root"]
        vpc_ids        = ["vpc-0a1b2c3d4e5f60718"]
        network_exempt = ["arn:aws:iam::111122223333:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie"]
      }
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
