// Package benchtree writes a large, valid Terraform tree for benchmarks:
// a root module calling many local service modules, each with variables,
// locals, for_each, count, dynamic blocks, jsonencode container
// definitions, IAM policy documents and a heredoc, the shape of a real ECS
// monorepo. validate's Go benchmark and scripts/bench/validate.sh (which
// runs tflint on the same tree) both use it.
package benchtree

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Stats describe a generated tree.
type Stats struct {
	Modules   int
	Files     int
	Resources int
	Bytes     int64
}

// Write generates the tree under dir with n service modules.
func Write(dir string, n int) (Stats, error) {
	var st Stats
	write := func(rel, content string) error {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		st.Files++
		st.Bytes += int64(len(content))
		st.Resources += strings.Count(content, "\nresource \"") + boolInt(strings.HasPrefix(content, "resource \""))
		return os.WriteFile(p, []byte(content), 0o644)
	}
	var root strings.Builder
	root.WriteString(rootHeader)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc%03d", i)
		fmt.Fprintf(&root, `
module %q {
  source      = "./modules/%s"
  name        = %q
  environment = var.environment
  vpc_id      = aws_vpc.main.id
  subnet_ids  = aws_subnet.private[*].id
  cpu         = %d
  memory      = %d
  port        = %d
  tags        = local.tags
}
`, name, name, name, []int{256, 512, 1024, 2048}[i%4], []int{512, 1024, 2048, 4096}[i%4], 8000+i)
		for f, content := range moduleFiles(name) {
			if err := write(filepath.Join("modules", name, f), content); err != nil {
				return st, err
			}
		}
		st.Modules++
	}
	if err := write("main.tf", root.String()); err != nil {
		return st, err
	}
	st.Modules++
	return st, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const rootHeader = `terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.20"
    }
  }

  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "environment" {
  type    = string
  default = "dev"
}

locals {
  tags = {
    Project     = "bench"
    Environment = var.environment
  }
  azs = ["us-east-1a", "us-east-1b", "us-east-1c"]
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = local.tags
}

resource "aws_subnet" "private" {
  count             = length(local.azs)
  vpc_id            = aws_vpc.main.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  tags              = merge(local.tags, { Name = "private-${count.index}" })
}
`

func moduleFiles(name string) map[string]string {
	return map[string]string{
		"variables.tf": `variable "name" {
  type = string
}

variable "environment" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "cpu" {
  type = number
}

variable "memory" {
  type = number
}

variable "port" {
  type = number
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "ingress" {
  type = list(object({
    port  = number
    cidrs = list(string)
  }))
  default = [{ port = 443, cidrs = ["10.0.0.0/8"] }]
}
`,
		"main.tf": `locals {
  full_name = "${var.name}-${var.environment}"
  env_vars = {
    LOG_LEVEL = "info"
    PORT      = tostring(var.port)
    SERVICE   = var.name
  }
  alarms = toset(["cpu", "memory", "5xx"])
}

resource "aws_ecr_repository" "this" {
  name                 = local.full_name
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/ecs/${local.full_name}"
  retention_in_days = 30
  tags              = var.tags
}

resource "aws_ecs_task_definition" "this" {
  family                   = local.full_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "ARM64"
  }

  container_definitions = jsonencode([{
    name                   = var.name
    image                  = "${aws_ecr_repository.this.repository_url}:initial"
    essential              = true
    readonlyRootFilesystem = true
    portMappings           = [{ containerPort = var.port, protocol = "tcp" }]
    environment            = [for k, v in local.env_vars : { name = k, value = v }]
    healthCheck = {
      command  = ["CMD-SHELL", "wget -qO- http://localhost:${var.port}/health || exit 1"]
      interval = 30
      retries  = 3
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = "us-east-1"
        awslogs-stream-prefix = var.name
      }
    }
  }])

  tags = var.tags
}

resource "aws_ecs_service" "this" {
  name            = local.full_name
  cluster         = "main"
  task_definition = aws_ecs_task_definition.this.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  alarms {
    enable      = true
    rollback    = true
    alarm_names = [for a in local.alarms : "${local.full_name}-${a}"]
  }

  network_configuration {
    subnets         = var.subnet_ids
    security_groups = [aws_security_group.this.id]
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = var.name
    container_port   = var.port
  }

  lifecycle {
    ignore_changes = [task_definition, desired_count]
  }

  tags = var.tags
}

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  resource_id        = "service/main/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 2
  max_capacity       = 10
}

resource "aws_lb_target_group" "this" {
  name        = substr(local.full_name, 0, 32)
  port        = var.port
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id

  health_check {
    path    = "/health"
    matcher = "200"
  }

  tags = var.tags
}

resource "aws_security_group" "this" {
  name   = local.full_name
  vpc_id = var.vpc_id

  dynamic "ingress" {
    for_each = var.ingress
    content {
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = ingress.value.cidrs
    }
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each            = local.alarms
  alarm_name          = "${local.full_name}-${each.key}"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 3
  metric_name         = each.key == "5xx" ? "HTTPCode_Target_5XX_Count" : "${title(each.key)}Utilization"
  namespace           = each.key == "5xx" ? "AWS/ApplicationELB" : "AWS/ECS"
  period              = 60
  statistic           = "Average"
  threshold           = 80
  tags                = var.tags
}
`,
		"iam.tf": `data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.full_name}-execution"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role" "task" {
  name               = "${local.full_name}-task"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "task" {
  name   = "task"
  role   = aws_iam_role.task.id
  policy = <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject"],
      "Resource": "arn:aws:s3:::${local.full_name}-data/*"
    }
  ]
}
POLICY
}
`,
		"outputs.tf": `output "service_name" {
  value = aws_ecs_service.this.name
}

output "repository_url" {
  value = aws_ecr_repository.this.repository_url
}
`,
	}
}

// WriteFlat writes one main.tf under dir holding the root header and n
// resources in a single file (a monolithic stack, the worst case for memory:
// everything is parsed at once). The resources cycle through five shapes:
// plain attributes, a nested block, a count with an interpolation, a
// for_each over a map, and a heredoc policy.
func WriteFlat(dir string, n int) (Stats, error) {
	var b strings.Builder
	b.WriteString(rootHeader)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, flatShapes[i%len(flatShapes)], i)
	}
	content := b.String()
	st := Stats{Modules: 1, Files: 1, Bytes: int64(len(content))}
	st.Resources = strings.Count(content, "\nresource \"")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return st, err
	}
	return st, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(content), 0o644)
}

// flatShapes each hold one resource with %[1]d as its index.
var flatShapes = []string{`
resource "aws_cloudwatch_log_group" "lg%[1]d" {
  name              = "/ecs/svc-%[1]d"
  retention_in_days = 30
  tags              = local.tags
}
`, `
resource "aws_ecr_repository" "repo%[1]d" {
  name                 = "svc-%[1]d"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  tags = local.tags
}
`, `
resource "aws_security_group_rule" "sg%[1]d" {
  count             = 2
  type              = "ingress"
  from_port         = 8000 + count.index
  to_port           = 8000 + count.index
  protocol          = "tcp"
  cidr_blocks       = [cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)]
  security_group_id = "sg-${var.environment}-%[1]d"
}
`, `
resource "aws_ssm_parameter" "param%[1]d" {
  for_each = { a = "1", b = "2" }
  name     = "/svc-%[1]d/${each.key}"
  type     = "String"
  value    = each.value
  tags     = merge(local.tags, { Index = "%[1]d" })
}
`, `
resource "aws_iam_role_policy" "policy%[1]d" {
  name   = "policy-%[1]d"
  role   = "role-%[1]d"
  policy = <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject"],
      "Resource": "arn:aws:s3:::svc-%[1]d-${var.environment}/*"
    }
  ]
}
POLICY
}
`}
