variable "cpu" { type = number }
variable "memory" { type = number }
variable "image" { type = string }
variable "port" { type = number }
variable "cidr" { type = string }
variable "protocol" { type = string }
variable "policy_actions" { type = list(string) }
variable "flag" { type = bool }
variable "retention" { type = number }
variable "ssl_policy" { type = string }
variable "mutability" { type = string }

resource "aws_ecs_task_definition" "a" {
  family                   = "a"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = data.aws_iam_role.x.arn
  task_role_arn            = var.image
  container_definitions = jsonencode([{
    name                   = "app"
    image                  = var.image
    essential              = var.flag
    privileged             = var.flag
    readonlyRootFilesystem = true
    healthCheck            = { command = ["CMD", "true"] }
    portMappings           = [{ containerPort = var.port }]
    environment            = [{ name = "DB_PASSWORD", value = var.image }]
    logConfiguration = {
      logDriver = "awslogs"
      options   = { awslogs-group = aws_cloudwatch_log_group.a.name }
    }
  }])
}

data "aws_iam_role" "x" {
  name = "x"
}

resource "aws_cloudwatch_log_group" "a" {
  name              = var.image
  retention_in_days = var.retention
}

resource "aws_ecs_service" "a" {
  name                   = "a"
  task_definition        = aws_ecs_task_definition.a.arn
  force_new_deployment   = var.flag
  enable_execute_command = var.flag

  load_balancer {
    target_group_arn = "arn:tg"
    container_name   = "app"
    container_port   = 8080
  }

  lifecycle {
    ignore_changes = [task_definition]
  }
}

resource "aws_lb" "a" {
  name                       = "a"
  drop_invalid_header_fields = var.flag
  enable_deletion_protection = var.flag

  access_logs {
    bucket  = "b"
    enabled = var.flag
  }
}

resource "aws_lb_listener" "a" {
  load_balancer_arn = aws_lb.a.arn
  port              = 443
  protocol          = var.protocol
  ssl_policy        = var.ssl_policy

  default_action {
    type             = var.protocol
    target_group_arn = "arn:tg"
  }
}

resource "aws_ecr_repository" "a" {
  name                 = "a"
  image_tag_mutability = var.mutability
  force_delete         = var.flag

  image_scanning_configuration {
    scan_on_push = var.flag
  }
}

resource "aws_security_group" "a" {
  name = "a"

  ingress {
    from_port   = var.port
    to_port     = var.port
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}

data "aws_iam_policy_document" "a" {
  statement {
    actions   = var.policy_actions
    resources = ["*"]
  }
}
