resource "aws_ecs_task_definition" "a" {
  family                   = "a"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "bridge"
  cpu                      = 256
  memory                   = 512
  container_definitions    = jsonencode([{ name = "a", image = "repo:1.0" }])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "AARCH64"
  }
}

resource "aws_ecs_task_definition" "b" {
  family                   = "b"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 1024
  memory                   = 2048
  container_definitions    = jsonencode([{ name = "b", image = "repo:1.0" }])

  runtime_platform {
    operating_system_family = "WINDOWS_SERVER_2022_CORE"
    cpu_architecture        = "ARM64"
  }
}
