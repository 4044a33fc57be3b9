variable "name" {
  type = string
}

variable "kms_key_id" {
  type    = string
  default = "alias/aws/sqs"
}

variable "max_receive_count" {
  type    = number
  default = 5
}

variable "retention_seconds" {
  type    = number
  default = 345600
}

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-dlq"
  kms_master_key_id         = var.kms_key_id
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "this" {
  name                      = var.name
  kms_master_key_id         = var.kms_key_id
  message_retention_seconds = var.retention_seconds
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
}

output "arn" {
  value = aws_sqs_queue.this.arn
}

output "dlq_arn" {
  value = aws_sqs_queue.dlq.arn
}
