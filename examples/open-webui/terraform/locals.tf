locals {
  name = "${var.project}-${var.environment}"

  # The three services of the stack. cpu/memory are Fargate task sizes;
  # images come from ECR and are deployed by CI (see ../task-definitions).
  service_defaults = {
    "open-webui" = {
      port              = 8080
      cpu               = 2048
      memory            = 4096
      health_path       = "/health"
      public            = true
      efs               = true
      secrets           = ["WEBUI_SECRET_KEY", "OPENAI_API_KEY"]
      container_command = []
      health_command    = ["CMD-SHELL", "curl -fsS http://127.0.0.1:8080/health || exit 1"]
    }
    "bedrock-access-gateway" = {
      port              = 80
      cpu               = 512
      memory            = 1024
      health_path       = "/health"
      public            = false
      efs               = false
      secrets           = ["API_KEY"]
      container_command = []
      health_command    = ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1/health', timeout=3)"]
    }
    "mcpo" = {
      port              = 80
      cpu               = 512
      memory            = 1024
      health_path       = "/docs"
      public            = false
      efs               = false
      secrets           = ["MCPO_API_KEY"]
      container_command = []
      health_command    = ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1/docs', timeout=3)"]
    }
  }

  services = {
    for name, s in local.service_defaults : name => merge(s, var.services[name])
  }

  # DNS names inside the VPC: <service>.<namespace>.
  namespace = "${var.environment}.${var.project}.internal"

  azs = var.availability_zones

  public_subnets  = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, i)]
  private_subnets = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, i + 10)]
}
