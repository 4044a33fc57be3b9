output "key_arns" {
  description = "ARN of each key, by logical name."
  value       = { for k, key in aws_kms_key.this : k => key.arn }
}

output "key_ids" {
  description = "Id of each key, by logical name."
  value       = { for k, key in aws_kms_key.this : k => key.key_id }
}

output "alias_arns" {
  description = "ARN of each alias, by logical name."
  value       = { for k, alias in aws_kms_alias.this : k => alias.arn }
}
