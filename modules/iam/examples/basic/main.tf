provider "aws" {
  region = "us-east-1"
}

module "iam" {
  source = "../.."

  account_id   = "111122223333"
  region       = "us-east-1"
  name_prefix  = "example-training-dev"
  human_access = "sso"
  roles = {
    ds = {
      description       = "Data scientists of the dev stage"
      human             = true
      read_bucket_arns  = ["arn:aws:s3:::example-training-dev-datasets-111122223333"]
      write_bucket_arns = ["arn:aws:s3:::example-training-dev-artifacts-111122223333"]
      pass_roles        = ["pipeline"]
      # Only the DataScientists permission set's roles may assume it (never every SSO role).
      trusted_principals = ["arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataScientists_*"]
    }
    pipeline = {
      description       = "SageMaker training jobs of the dev stage"
      human             = false
      service           = "sagemaker.amazonaws.com"
      read_bucket_arns  = ["arn:aws:s3:::example-training-dev-datasets-111122223333"]
      write_bucket_arns = ["arn:aws:s3:::example-training-dev-artifacts-111122223333"]
      ecr_pull          = true
      source_arns       = ["arn:aws:sagemaker:us-east-1:111122223333:*/example-training-dev-*"]
    }
  }
  kms_key_arns = {
    ds       = ["arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
    pipeline = ["arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
  }
  kms_via_services = ["s3.us-east-1.amazonaws.com", "sagemaker.us-east-1.amazonaws.com"]
  kms_key_aliases  = ["alias/example/dev/datasets", "alias/example/dev/artifacts"]
}

output "role_arns" {
  value = module.iam.role_arns
}
