# ECS cluster with the three Fargate services. Task definitions are owned by
# CI: Terraform registers the first revision only, and the services ignore
# later task definition changes (deploy-ecs registers and deploys them from
# ../task-definitions). Desired counts are owned by autoscaling.

resource "aws_ecs_cluster" "main" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enhanced"
  }

  configuration {
    execute_command_configuration {
      kms_key_id = aws_kms_key.main.arn
      logging    = "OVERRIDE"

      log_configuration {
        cloud_watch_encryption_enabled = true
        cloud_watch_log_group_name     = aws_cloudwatch_log_group.exec.name
      }
    }
  }
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = 1
    weight            = 1
  }
}

# --- service discovery ---------------------------------------------------
# open-webui reaches the gateway as bedrock-access-gateway.<namespace> and
# the tool server as mcpo.<namespace>.

resource "aws_service_discovery_private_dns_namespace" "main" {
  name        = local.namespace
  description = "Service names of the ${var.environment} stack"
  vpc         = aws_vpc.main.id
}

resource "aws_service_discovery_service" "this" {
  for_each = local.services

  name = each.key

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.main.id
    routing_policy = "MULTIVALUE"

    dns_records {
      type = "A"
      ttl  = 10
    }
  }

  health_check_custom_config {
    failure_threshold = 1
  }
}

# --- security groups -----------------------------------------------------

resource "aws_security_group" "service" {
  for_each = local.services

  name        = "${local.name}-${each.key}"
  description = "Tasks of ${each.key}"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${local.name}-${each.key}" }
}

resource "aws_vpc_security_group_ingress_rule" "webui_from_alb" {
  security_group_id            = aws_security_group.service["open-webui"].id
  description                  = "From the load balancer"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = local.services["open-webui"].port
  to_port                      = local.services["open-webui"].port
}

resource "aws_vpc_security_group_ingress_rule" "backend_from_webui" {
  for_each = toset(["bedrock-access-gateway", "mcpo"])

  security_group_id            = aws_security_group.service[each.key].id
  description                  = "From open-webui"
  referenced_security_group_id = aws_security_group.service["open-webui"].id
  ip_protocol                  = "tcp"
  from_port                    = local.services[each.key].port
  to_port                      = local.services[each.key].port
}

resource "aws_vpc_security_group_egress_rule" "webui_to_backend" {
  for_each = toset(["bedrock-access-gateway", "mcpo"])

  security_group_id            = aws_security_group.service["open-webui"].id
  description                  = "To ${each.key}"
  referenced_security_group_id = aws_security_group.service[each.key].id
  ip_protocol                  = "tcp"
  from_port                    = local.services[each.key].port
  to_port                      = local.services[each.key].port
}

resource "aws_vpc_security_group_egress_rule" "webui_to_efs" {
  security_group_id            = aws_security_group.service["open-webui"].id
  description                  = "NFS to the data file system"
  referenced_security_group_id = aws_security_group.efs.id
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
}

# HTTPS out: endpoints inside the VPC, Bedrock and upstream APIs via NAT.
resource "aws_vpc_security_group_egress_rule" "https_out" {
  for_each = local.services

  security_group_id = aws_security_group.service[each.key].id
  description       = "HTTPS to AWS APIs and upstream services"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

# --- first task definition revision (CI owns the later ones) -------------

resource "aws_ecs_task_definition" "this" {
  for_each = local.services

  family                   = each.key
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(each.value.cpu)
  memory                   = tostring(each.value.memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task[each.key].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "ARM64"
  }

  container_definitions = jsonencode([
    {
      name                   = each.key
      image                  = "${aws_ecr_repository.this[each.key].repository_url}:initial"
      essential              = true
      memory                 = each.value.memory
      readonlyRootFilesystem = true
      user                   = "1000:1000"

      portMappings = [{
        name          = each.key
        containerPort = each.value.port
        protocol      = "tcp"
      }]

      environment = [
        { name = "ENVIRONMENT", value = var.environment },
        { name = "AWS_REGION", value = var.aws_region },
      ]

      # Values live in Secrets Manager; the execution role reads them at
      # task start. Nothing secret is in Terraform state or the task definition.
      secrets = [
        for key in each.value.secrets : {
          name      = key
          valueFrom = "${aws_secretsmanager_secret.this[each.key].arn}:${key}::"
        }
      ]

      # ECS replaces a task whose container stops answering, and a
      # deployment whose new tasks never turn healthy fails (circuit breaker).
      healthCheck = {
        command     = each.value.health_command
        interval    = 30
        timeout     = 5
        retries     = 3
        startPeriod = 60
      }

      mountPoints = concat(
        [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }],
        each.value.efs ? [{ sourceVolume = "data", containerPath = "/app/backend/data", readOnly = false }] : [],
      )

      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.service[each.key].name
          awslogs-region        = var.aws_region
          awslogs-stream-prefix = each.key
        }
      }
    }
  ])

  volume {
    name = "tmp"
  }

  dynamic "volume" {
    for_each = each.value.efs ? [1] : []

    content {
      name = "data"

      efs_volume_configuration {
        file_system_id     = aws_efs_file_system.data.id
        transit_encryption = "ENABLED"

        authorization_config {
          access_point_id = aws_efs_access_point.webui.id
          iam             = "ENABLED"
        }
      }
    }
  }
}

# --- services ------------------------------------------------------------

# ecsflow:ignore EF219 the internal services follow open-webui, whose predictive policy (autoscaling.tf) scales ahead of the peak
resource "aws_ecs_service" "this" {
  for_each = local.services

  name                   = each.key
  cluster                = aws_ecs_cluster.main.id
  task_definition        = aws_ecs_task_definition.this[each.key].arn
  desired_count          = each.value.min_count
  launch_type            = "FARGATE"
  platform_version       = "LATEST"
  enable_execute_command = var.enable_execute_command
  propagate_tags         = "SERVICE"

  enable_ecs_managed_tags = true

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  health_check_grace_period_seconds = each.value.public ? 60 : null

  deployment_controller {
    type = "ECS"
  }

  deployment_configuration {
    strategy             = each.value.public ? var.deployment_strategy : "ROLLING"
    bake_time_in_minutes = each.value.public && var.deployment_strategy == "BLUE_GREEN" ? var.bake_time_minutes : null
  }

  # ECS stops a failing rollout and returns to the last completed one.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # A deployment that sets off one of these alarms is rolled back by ECS.
  alarms {
    enable      = true
    rollback    = true
    alarm_names = local.deployment_alarms[each.key]
  }

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.service[each.key].id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = each.value.public ? [1] : []

    content {
      target_group_arn = aws_lb_target_group.webui["blue"].arn
      container_name   = each.key
      container_port   = each.value.port

      # Always present, whatever the strategy Terraform sets: ECS's
      # blue/green, canary and linear deployments need it, and deploy-ecs
      # picks the strategy per environment (canary in staging, blue/green in
      # prod); the services behind no load balancer can only roll.
      advanced_configuration {
        alternate_target_group_arn = aws_lb_target_group.webui["green"].arn
        production_listener_rule   = aws_lb_listener_rule.webui.arn
        role_arn                   = aws_iam_role.ecs_infrastructure.arn
      }
    }
  }

  service_registries {
    registry_arn = aws_service_discovery_service.this[each.key].arn
  }

  lifecycle {
    # CI deploys new task definition revisions; autoscaling owns the count.
    ignore_changes = [task_definition, desired_count]
  }

  depends_on = [aws_lb_listener_rule.webui, aws_iam_role_policy.execution]
}
