output "service_role_arn" {
  description = "ARN of Macie's service-linked role, which keys of classified buckets must let decrypt."
  value       = "arn:${data.aws_partition.current.partition}:iam::${var.account_id}:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie"
}

output "account_id" {
  description = "Id of the Macie account resource, or null when Macie is owned elsewhere."
  value       = try(aws_macie2_account.this[0].id, null)
}

output "job_ids" {
  description = "Id of each classification job, by logical name."
  value       = { for k, j in aws_macie2_classification_job.this : k => j.job_id }
}

output "custom_data_identifier_ids" {
  description = "Id of each custom data identifier, by key."
  value       = { for k, i in aws_macie2_custom_data_identifier.this : k => i.id }
}
