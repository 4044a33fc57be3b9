# Subnets carved from an existing VPC's CIDR with cidrsubnet, one per availability zone (slice of
# the zones the data source returns), route table associations by count.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}

provider "aws" {
  region = "ap-southeast-2"
}

variable "vpc_id" {
  type    = string
  default = "vpc-0c3d4e5f6071829ab"
}

variable "zone_count" {
  type    = number
  default = 2
}

variable "newbits" {
  type    = number
  default = 4
}

data "aws_vpc" "this" {
  id = var.vpc_id
}

data "aws_availability_zones" "available" {
  state = "available"
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  zones        = slice(data.aws_availability_zones.available.names, 0, var.zone_count)
  private_cidr = [for i, z in local.zones : cidrsubnet(data.aws_vpc.this.cidr_block, var.newbits, i)]
  data_cidr    = [for i, z in local.zones : cidrsubnet(data.aws_vpc.this.cidr_block, var.newbits, i + 8)]
}

resource "aws_subnet" "private" {
  count             = length(local.zones)
  vpc_id            = data.aws_vpc.this.id
  availability_zone = local.zones[count.index]
  cidr_block        = local.private_cidr[count.index]
  tags = {
    Name = "private-${local.zones[count.index]}"
    Tier = "private"
  }
}

resource "aws_subnet" "data" {
  count             = length(local.zones)
  vpc_id            = data.aws_vpc.this.id
  availability_zone = local.zones[count.index]
  cidr_block        = local.data_cidr[count.index]
  tags = {
    Name = "data-${local.zones[count.index]}"
    Tier = "data"
  }
}

resource "aws_route_table" "private" {
  vpc_id = data.aws_vpc.this.id
}

resource "aws_route_table_association" "private" {
  count          = length(aws_subnet.private)
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

output "cidrs" {
  value = { private = local.private_cidr, data = local.data_cidr }
}
