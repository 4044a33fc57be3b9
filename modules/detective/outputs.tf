output "guardduty_detector_id" {
  description = "Id of the GuardDuty detector this module created or checked, or null."
  value       = try(aws_guardduty_detector.this[0].id, data.aws_guardduty_detector.existing[0].id, null)
}

output "config_recorder_name" {
  description = "Name of the AWS Config recorder, or null when Config is not created here."
  value       = try(aws_config_configuration_recorder.this[0].name, null)
}

output "config_service_role_arn" {
  description = "ARN of AWS Config's service-linked role, which the recorder uses."
  value       = local.config_role_arn
}

output "analyzer_arns" {
  description = "ARNs of the external-access and unused-access analyzers, by kind (empty when not created)."
  value       = { for k, a in { external = aws_accessanalyzer_analyzer.external, unused = aws_accessanalyzer_analyzer.unused } : k => a[0].arn if length(a) > 0 }
}

output "flow_log_group_name" {
  description = "Name of the VPC flow logs' log group, or null."
  value       = try(aws_cloudwatch_log_group.flow_logs[0].name, null)
}
