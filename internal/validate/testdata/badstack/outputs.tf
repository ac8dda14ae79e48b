output "cluster_name" {
  description =   "ECS cluster name (input cluster of deploy-ecs, drift-check and rollback)."
  value       = aws_ecs_cluster.main.name
}

output "service_names" {
  description = "ECS service names."
  value       = [for s in aws_ecs_service.this : s.name]
}

output "ecr_repository_urls" {
  description = "ECR repository URL per service (input repository of build-push)."
  value       = { for k, r in aws_ecr_repository.this : k => r.repository_url }
}

output "alb_dns_name" {
  description = "DNS name of the public load balancer."
  value       = aws_lb.main.dns_name
}

output "health_check_url" {
  description = "URL the deployment health check calls after a rollout."
  value       = "https://${aws_lb.main.dns_name}${local.services["open-webui"].health_path}"
}

output "deployment_alarms" {
  description = "Alarm names per service that guard deployments."
  value       = local.deployment_alarms
}

output "execution_role_arn" {
  description = "Execution role used by every task definition."
  value       = aws_iam_role.execution.arn
}

output "task_role_arns" {
  description = "Task role per service."
  value       = { for k, r in aws_iam_role.task : k => r.arn }
}

output "log_groups" {
  description = "Log group per service."
  value       = { for k, g in aws_cloudwatch_log_group.service : k => g.name }
}

output "service_discovery_namespace" {
  description = "Private DNS namespace: services reach each other as <service>.<namespace>."
  value       = aws_service_discovery_private_dns_namespace.main.name
}
