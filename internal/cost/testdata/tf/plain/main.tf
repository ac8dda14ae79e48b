variable "api_cpu" {
  type    = number
  default = 1024
}

resource "aws_ecs_task_definition" "api" {
  family                   = "api"
  requires_compatibilities = ["FARGATE"]
  cpu                      = var.api_cpu
  memory                   = "2048"
  container_definitions    = "[]"
}

resource "aws_ecs_service" "api" {
  name            = "api"
  task_definition = aws_ecs_task_definition.api.arn
  desired_count   = 3

  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}
