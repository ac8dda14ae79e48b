locals {
  sizes = {
    api    = { cpu = 512, memory = 512 }
    worker = { cpu = 1024, memory = 1024 }
  }
}

resource "aws_ecs_task_definition" "svc" {
  for_each                 = local.sizes
  family                   = each.key
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  container_definitions    = jsonencode([{ name = each.key, image = "repo:1.0" }])
}

resource "aws_ecs_task_definition" "odd" {
  family                   = "odd"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "3 vCPU"
  memory                   = "8 GB"
  container_definitions    = jsonencode([{ name = "odd", image = "repo:1.0" }])
}
