resource "aws_ecs_service" "ok" {
  name = "ok"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

resource "aws_ecs_service" "codedeploy" {
  name = "codedeploy"

  deployment_controller {
    type = "CODE_DEPLOY"
  }
}
