resource "aws_ecs_task_definition" "web" {
  family = "web"
  container_definitions = jsonencode([{
    name         = "web"
    image        = "repo:1.0"
    portMappings = [{ containerPort = 8080 }]
  }])
}

resource "aws_ecs_service" "web" {
  name            = "web"
  task_definition = aws_ecs_task_definition.web.arn

  load_balancer {
    target_group_arn = "arn:tg"
    container_name   = "web"
    container_port   = 80
  }

  load_balancer {
    target_group_arn = "arn:tg2"
    container_name   = "api"
    container_port   = 8080
  }
}
