resource "aws_ecs_service" "worker" {
  name = "worker"
  lifecycle {
    ignore_changes = [network_configuration[0].assign_public_ip]
  }
}
