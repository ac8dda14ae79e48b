# prod: deployed from branch main after review; blue/green, three zones,
# one NAT per zone, no ECS Exec, long retention, deletion protection.
environment       = "prod"
aws_region        = "us-east-1"
aws_account_id    = "333333333333"
github_repository = "example-org/open-webui-stack"

vpc_cidr           = "10.30.0.0/16"
availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
single_nat_gateway = false

certificate_arn = "arn:aws:acm:us-east-1:333333333333:certificate/00000000-0000-0000-0000-000000000003"

log_retention_days     = 365
alb_log_retention_days = 365
deletion_protection    = true
enable_execute_command = false
deployment_strategy    = "BLUE_GREEN"
bake_time_minutes      = 10

alarm_email = "oncall@example.org"

services = {
  "open-webui"             = { min_count = 3, max_count = 10 }
  "bedrock-access-gateway" = { min_count = 3, max_count = 6 }
  "mcpo"                   = { min_count = 2, max_count = 4 }
}

bedrock_model_arns = [
  "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
  "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0",
]
