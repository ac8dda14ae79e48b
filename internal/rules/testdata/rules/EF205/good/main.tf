locals {
  services = {
    web = { port = 8080 }
    api = { port = 80 }
  }
}

resource "aws_ecs_task_definition" "this" {
  for_each = local.services
  family   = each.key
  container_definitions = jsonencode([{
    name         = each.key
    image        = "repo:1.0"
    portMappings = [{ containerPort = each.value.port }]
  }])
}

resource "aws_ecs_service" "this" {
  for_each        = local.services
  name            = each.key
  task_definition = aws_ecs_task_definition.this[each.key].arn

  load_balancer {
    target_group_arn = "arn:tg"
    container_name   = each.key
    container_port   = each.value.port
  }
}
