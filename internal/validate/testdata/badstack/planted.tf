# Deliberate defects for the validate tests; each names the rule it plants.

# EF501: SSH open to the internet.
resource "aws_security_group" "bastion" {
  name   = "bastion"
  vpc_id = aws_vpc.main.id

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# EF801: the old deploy.sh pattern, building images during apply.
resource "null_resource" "build_images" {
  provisioner "local-exec" {
    command = "git clone https://github.com/open-webui/open-webui.git && docker build -t open-webui:latest open-webui && docker push open-webui:latest"
  }
}

# EF201, EF204, EF207, EF208: a hand-written task definition.
resource "aws_ecs_task_definition" "legacy" {
  family                   = "legacy"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 512
  memory                   = 512
  execution_role_arn       = aws_iam_role.execution.arn
  container_definitions = jsonencode([{
    name        = "legacy"
    image       = "open-webui/open-webui:latest"
    privileged  = true
    environment = [{ name = "OPENAI_API_KEY", value = "sk-not-a-real-key" }]
  }])
}

# EF601: administrator policy.
resource "aws_iam_policy" "admin" {
  name   = "legacy-admin"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

# EF701: logs kept forever.
resource "aws_cloudwatch_log_group" "legacy" {
  name = "/legacy"
}

# EF101: undeclared variable.
output "legacy_name" {
  value = var.legacy_name
}

# EF301: plain HTTP served.
resource "aws_lb_listener" "plain" {
  load_balancer_arn = aws_lb.main.arn
  port              = 8080
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.webui["blue"].arn
  }
}
