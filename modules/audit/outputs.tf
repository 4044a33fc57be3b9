output "trail_arn" {
  description = "ARN of the trail, or null when none is created."
  value       = try(aws_cloudtrail.this[0].arn, null)
}

output "alert_topic_arn" {
  description = "ARN of the topic security alerts go to (created here or given)."
  value       = local.topic_arn
}

output "log_group_arns" {
  description = "ARN of each workload log group, by logical name."
  value       = { for k, g in aws_cloudwatch_log_group.workload : k => g.arn }
}

output "alarm_names" {
  description = "Names of the security alarms."
  value       = [for a in aws_cloudwatch_metric_alarm.this : a.alarm_name]
}
