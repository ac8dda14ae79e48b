resource "aws_ecs_service" "web" {
  name = "web"
  lifecycle {
    ignore_changes = [task_definition, desired_count, tags["LastDeploy"]]
  }
}

resource "aws_cloudwatch_metric_alarm" "noisy" {
  alarm_name = "noisy"
  lifecycle {
    ignore_changes = all
  }
}

resource "aws_lb" "main" {
  name = "main"
}

module "app" {
  source = "./modules/app"
}

module "remote" {
  source = "terraform-aws-modules/vpc/aws"
}
