variable "name" {
  type = string
}
variable "cpu" {
  type = number
}
variable "memory" {
  type = number
}
variable "image" {
  type = string
}
variable "tags" {
  type = map(string)
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  container_definitions = templatefile("${path.module}/templates/container.json.tpl", {
    name  = var.name
    image = var.image
  })
  tags = var.tags
}
