output "interface_endpoint_ids" {
  description = "Id of each interface endpoint, by service short name."
  value       = { for s, e in aws_vpc_endpoint.interface : s => e.id }
}

output "s3_endpoint_id" {
  description = "Id of the S3 gateway endpoint."
  value       = try(aws_vpc_endpoint.s3[0].id, null)
}

output "security_group_id" {
  description = "Security group of the interface endpoints."
  value       = try(aws_security_group.endpoints[0].id, null)
}

output "compute_security_group_id" {
  description = "Security group of the SageMaker compute (null unless compute_security_group)."
  value       = try(aws_security_group.compute[0].id, null)
}
