terraform {
  backend "s3" {
    use_lockfile = true
  }
}

variable "environment" {
  type    = string
  default = "staging"
}

variable "image" {
  type = string
}

locals {
  services = { web = 8080, api = 80 }
}

provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { environment = var.environment }
  }
}

resource "aws_ecs_service" "this" {
  for_each = local.services
  name     = each.key

  network_configuration {
    subnets          = ["subnet-1"]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = each.key == "web" ? [1] : []
    content {
      container_name = each.key
      container_port = each.value
    }
  }
}

resource "aws_ecs_task_definition" "web" {
  family = "web"
  cpu    = "512"
  memory = "1024"
  container_definitions = jsonencode([{
    name  = "web"
    image = var.image
  }])
}

data "aws_region" "current" {}
