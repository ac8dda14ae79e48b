resource "aws_ecs_service" "a" {
  name                 = "a"
  force_new_deployment = true
}
