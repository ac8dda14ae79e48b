resource "aws_ecs_service" "this" {
  for_each = toset(["web", "worker"])
  name     = each.key

  lifecycle {
    ignore_changes = [task_definition]
  }
}
