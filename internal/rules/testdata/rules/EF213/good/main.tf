resource "aws_ecs_service" "ok" {
  name = "ok"

  alarms {
    alarm_names = ["errors"]
    enable      = true
    rollback    = true
  }
}
