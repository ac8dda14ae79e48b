# dev: deployed from branch dev, ECS Exec allowed for debugging, one NAT.
# Deletion protection stays on: tear dev down by turning it off in a PR first.
environment       = "dev"
aws_region        = "us-east-1"
aws_account_id    = "111111111111"
github_repository = "example-org/open-webui-stack"

vpc_cidr           = "10.10.0.0/16"
availability_zones = ["us-east-1a", "us-east-1b"]
single_nat_gateway = true

certificate_arn = "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000001"

log_retention_days     = 14
alb_log_retention_days = 30
deletion_protection    = true
enable_execute_command = true
deployment_strategy    = "ROLLING"

services = {
  "open-webui"             = { min_count = 1, max_count = 2 }
  "bedrock-access-gateway" = { min_count = 1, max_count = 2 }
  "mcpo"                   = { min_count = 1, max_count = 2 }
}

bedrock_model_arns = [
  "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
]
