# staging: deployed from branch staging, same shape as prod at smaller
# scale; canary deployments are driven by the deploy-ecs action.
environment       = "staging"
aws_region        = "us-east-1"
aws_account_id    = "222222222222"
github_repository = "example-org/open-webui-stack"

vpc_cidr           = "10.20.0.0/16"
availability_zones = ["us-east-1a", "us-east-1b"]
single_nat_gateway = true

certificate_arn = "arn:aws:acm:us-east-1:222222222222:certificate/00000000-0000-0000-0000-000000000002"

log_retention_days     = 30
alb_log_retention_days = 90
deletion_protection    = true
enable_execute_command = false
deployment_strategy    = "ROLLING"

services = {
  "open-webui"             = { min_count = 2, max_count = 4 }
  "bedrock-access-gateway" = { min_count = 2, max_count = 4 }
  "mcpo"                   = { min_count = 1, max_count = 2 }
}

bedrock_model_arns = [
  "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
  "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0",
]
