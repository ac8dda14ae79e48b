variable "cpu" {
  type    = number
  default = 2048
}

variable "memory" {
  type = number
}

resource "aws_ecs_task_definition" "known" {
  family                   = "known"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = 4096
  container_definitions    = jsonencode([{ name = "a", image = "repo:1.0" }])
}

resource "aws_ecs_task_definition" "strings" {
  family                   = "strings"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "0.25 vCPU"
  memory                   = "0.5 GB"
  container_definitions    = jsonencode([{ name = "b", image = "repo:1.0" }])
}

resource "aws_ecs_task_definition" "unknown" {
  family                   = "unknown"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = var.memory
  container_definitions    = jsonencode([{ name = "c", image = "repo:1.0" }])
}

resource "aws_ecs_task_definition" "largest" {
  family                   = "largest"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 16384
  memory                   = 122880
  container_definitions    = jsonencode([{ name = "d", image = "repo:1.0" }])
}
