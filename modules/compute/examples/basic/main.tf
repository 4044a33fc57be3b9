provider "aws" {
  region = "us-east-1"
}

module "compute" {
  source = "../.."

  notebook_instances = {
    example-dev-notebook = {
      instance_type      = "ml.t3.medium"
      role_arn           = "arn:aws:iam::111122223333:role/aisec/example-dev-notebook"
      kms_key_arn        = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      subnet_id          = "subnet-0123456789abcdef0"
      security_group_ids = ["sg-0123456789abcdef0"]
    }
  }
}
