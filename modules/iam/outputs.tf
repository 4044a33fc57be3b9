output "role_arns" {
  description = "ARN of each role, by persona."
  value       = { for k, r in aws_iam_role.this : k => r.arn }
}

output "role_names" {
  description = "Name of each role, by persona."
  value       = { for k, r in aws_iam_role.this : k => r.name }
}

output "boundary_arn" {
  description = "ARN of the permission boundary on every role of this module."
  value       = try(aws_iam_policy.boundary[0].arn, null)
}
