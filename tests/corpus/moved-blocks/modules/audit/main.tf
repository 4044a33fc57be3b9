variable "name" {
  type = string
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/audit/${var.name}"
  retention_in_days = 365
}
