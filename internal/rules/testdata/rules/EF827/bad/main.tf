resource "aws_ecs_service" "api" {
  name = "api"
}

resource "aws_ecs_service" "worker" {
  name = "worker"
}
