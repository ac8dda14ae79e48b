resource "aws_ecs_service" "none" {
  name = "none"
}

resource "aws_ecs_service" "off" {
  name = "off"

  alarms {
    alarm_names = ["errors"]
    enable      = false
    rollback    = false
  }
}
