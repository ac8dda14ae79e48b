terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

locals {
  name     = "${var.project}-${var.environment}"
  azs      = slice(var.availability_zones, 0, min(length(var.availability_zones), 3))
  services = { for k, v in var.services : k => merge({ cpu = 256, memory = 512, public = false }, v) }
  public   = [for k, v in local.services : k if v.public]
  tags     = merge(var.tags, { Environment = var.environment })
  ports    = distinct(flatten([for s in values(local.services) : [try(s.port, 80)]]))
  policy = templatefile("${path.module}/policy.json.tpl", {
    buckets = ["a", "b"]
    account = var.account_id
  })
  cycle_a = local.cycle_b
  cycle_b = local.cycle_a
}

module "service" {
  source   = "./modules/service"
  for_each = local.services

  name   = each.key
  cpu    = each.value.cpu
  memory = each.value.memory
  image  = "${aws_ecr_repository.this[each.key].repository_url}:${var.image_tags[each.key]}"
  tags   = local.tags
}

resource "aws_ecr_repository" "this" {
  for_each             = local.services
  name                 = "${local.name}/${each.key}"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_security_group" "alb" {
  name = "${local.name}-alb"

  dynamic "ingress" {
    for_each = toset([80, 443])
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = var.allowed_cidrs
    }
  }

  dynamic "egress" {
    for_each = var.egress_rules
    iterator = rule
    content {
      from_port   = rule.value.from
      to_port     = rule.value.to
      protocol    = rule.value.protocol
      cidr_blocks = rule.value.cidrs
    }
  }

  tags = local.tags
}

resource "aws_subnet" "private" {
  count             = length(local.azs)
  vpc_id            = var.vpc_id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 8, count.index + 10)
  tags              = merge(local.tags, { Name = "${local.name}-private-${count.index}" })
}

resource "aws_iam_policy" "deploy" {
  name   = "${local.name}-deploy"
  policy = local.policy
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${var.repository}:*"]
    }
  }
}

output "subnets" {
  value = aws_subnet.private[*].id
}

output "banner" {
  value = <<-EOT
    %{for s in local.public~}
    public: ${s}
    %{endfor~}
  EOT
}
