# The security group of the workloads' SageMaker compute (SECURITY-BAR 32): no ingress; egress only
# HTTPS to the interface endpoints' security group and to S3 through the gateway endpoint's prefix
# list. The stage roles may launch SageMaker work only in this group.

resource "aws_security_group" "compute" {
  # checkov:skip=CKV2_AWS_5:The group is for SageMaker jobs, endpoints and notebooks the stage roles launch later (their sagemaker:VpcSecurityGroupIds must name it); nothing in Terraform attaches it.
  count = var.create && var.compute_security_group ? 1 : 0

  name        = "${var.name_prefix}-compute"
  description = "SageMaker compute: HTTPS to the endpoints and S3 only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name_prefix}-compute" })
}

resource "aws_vpc_security_group_egress_rule" "compute_to_endpoints" {
  count = var.create && var.compute_security_group ? 1 : 0

  security_group_id            = aws_security_group.compute[0].id
  description                  = "HTTPS to the interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints[0].id
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "compute_to_s3" {
  count = var.create && var.compute_security_group ? 1 : 0

  security_group_id = aws_security_group.compute[0].id
  description       = "HTTPS to S3 through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3[0].prefix_list_id
  tags              = var.tags
}

