# One image (shop/app) runs as two services: api behind the load balancer
# and worker reading the job queue. CI deploys later task definition
# revisions from ../deploy/ecs; Terraform registers the first one.

locals {
  name = "shop-${var.environment}"

  services = {
    api    = { port = 8080, public = true, count = var.api_desired_count, command = ["serve"] }
    worker = { port = 0, public = false, count = var.worker_desired_count, command = ["work"] }
  }
}

resource "aws_ecr_repository" "app" {
  name                 = "shop/app"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = {
    Team        = "shop"
    Environment = var.environment
  }
}

resource "aws_cloudwatch_log_group" "app" {
  for_each = local.services

  name              = "/ecs/${local.name}/${each.key}"
  retention_in_days = 7
}

resource "aws_sqs_queue" "jobs" {
  name = "${local.name}-jobs"
}

resource "aws_ecs_task_definition" "svc" {
  for_each = local.services

  family                   = "shop-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  execution_role_arn       = aws_iam_role.execution.arn

  container_definitions = jsonencode([
    {
      name      = each.key
      image     = "${aws_ecr_repository.app.repository_url}:initial"
      essential = true
      memory    = 512
      command   = each.value.command
      portMappings = each.value.public ? [{
        containerPort = each.value.port
        protocol      = "tcp"
      }] : []
      environment = [
        { name = "SHOP_ROLE", value = each.key },
        { name = "SHOP_QUEUE_URL", value = aws_sqs_queue.jobs.url },
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.app[each.key].name
          awslogs-region        = var.region
          awslogs-stream-prefix = each.key
        }
      }
    }
  ])
}

resource "aws_ecs_service" "svc" {
  for_each = local.services

  name            = each.key
  cluster         = aws_ecs_cluster.this.id
  task_definition = aws_ecs_task_definition.svc[each.key].arn
  desired_count   = each.value.count
  launch_type     = "FARGATE"
  propagate_tags  = "SERVICE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  alarms {
    enable      = true
    rollback    = true
    alarm_names = [aws_cloudwatch_metric_alarm.errors[each.key].alarm_name]
  }

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = each.value.public ? [1] : []

    content {
      target_group_arn = aws_lb_target_group.api.arn
      container_name   = each.key
      container_port   = each.value.port
    }
  }

  lifecycle {
    ignore_changes = [task_definition, desired_count]
  }

  tags = {
    Team = "shop"
  }
}
