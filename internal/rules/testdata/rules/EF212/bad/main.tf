resource "aws_ecs_service" "none" {
  name = "none"
}

resource "aws_ecs_service" "norollback" {
  name = "norollback"

  deployment_circuit_breaker {
    enable   = true
    rollback = false
  }
}
