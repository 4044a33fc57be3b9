output "notebook_instance_arns" {
  description = "ARN of each notebook instance, by name."
  value       = { for n, i in aws_sagemaker_notebook_instance.this : n => i.arn }
}

output "notebook_instance_urls" {
  description = "URL of each notebook instance (reached through the notebook interface endpoint), by name."
  value       = { for n, i in aws_sagemaker_notebook_instance.this : n => i.url }
}
