terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  backend "s3" { # ecsflow:ignore policy/main/warn_backend the lock file is the organisation's choice
    encrypt      = true
    use_lockfile = true
  }
}

# ecsflow:ignore policy/main/deny the archive account keeps these logs for a year
resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/app"
  retention_in_days = 30
}
