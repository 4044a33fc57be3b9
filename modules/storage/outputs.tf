output "bucket_names" {
  description = "Name of each bucket, by logical name. Known only once the bucket policy is in place, so consumers (CloudTrail, Macie) wait for it."
  value       = { for k, p in aws_s3_bucket_policy.this : k => p.bucket }
}

output "bucket_arns" {
  description = "ARN of each bucket, by logical name."
  value       = { for k, b in aws_s3_bucket.this : k => b.arn }
}

output "repository_urls" {
  description = "URL of each ECR repository (for docker push and pull), by logical name."
  value       = { for k, r in aws_ecr_repository.this : k => r.repository_url }
}

output "repository_arns" {
  description = "ARN of each ECR repository, by logical name."
  value       = { for k, r in aws_ecr_repository.this : k => r.arn }
}
