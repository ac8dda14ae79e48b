resource "aws_ecs_service" "web" {
  name = "web"
}
