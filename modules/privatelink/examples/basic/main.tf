provider "aws" {
  region = "us-east-1"
}

module "privatelink" {
  source = "../.."

  name_prefix        = "example"
  account_id         = "111122223333"
  region             = "us-east-1"
  vpc_id             = "vpc-0a1b2c3d4e5f60718"
  vpc_cidr           = "10.0.0.0/16"
  subnet_ids         = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"]
  route_table_ids    = ["rtb-0a1b2c3d4e5f60718"]
  interface_services = ["kms", "logs", "sts", "sagemaker.api", "sagemaker.runtime"]
}

output "interface_endpoint_ids" {
  value = module.privatelink.interface_endpoint_ids
}
