# Container images (ML-5): roles with ecr_pull read images only from the named repositories, in
# their policies and in the boundary. None named keeps every repository of the account and region
# (the behaviour before 2.2.0); aisec always names the stage's own.
locals {
  ecr_repository_arns = length(var.ecr_repository_arns) > 0 ? var.ecr_repository_arns : [
    "arn:${local.partition}:ecr:${var.region}:${var.account_id}:repository/*"
  ]
}
