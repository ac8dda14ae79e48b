# GitHub Actions reaches AWS through OIDC only: no access keys exist. Three
# roles per environment, each trusted by specific token subjects:
#
#   <project>-<env>-github-readonly   plan, validate, drift-check, DORA report
#       sub: pull_request, a push on the environment's branch, or
#            environment:<env>-automation (scheduled drift and DORA jobs)
#   <project>-<env>-github-deploy     build-push, deploy-ecs, rollback, self-healing,
#                                     safe drift remediation
#       sub: environment:<env> (reviewers in prod) or environment:<env>-automation
#   <project>-<env>-github-terraform  terraform apply
#       sub: environment:<env>
#
# GitHub environment "<env>-automation" has no reviewers and accepts only the
# environment's branch and the default branch, so scheduled drift checks and self-healing never wait for a
# person, while deployments to prod do. The build jobs of the deploy
# workflows (no environment) use the deploy role through
# environment:<env>-automation too.

locals {
  oidc_host = "token.actions.githubusercontent.com"
  branch    = { dev = "dev", staging = "staging", prod = "main" }[var.environment]

  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/${local.oidc_host}"

  stack_prefix = "${var.project}-${var.environment}"
  region_acct  = "${var.aws_region}:${data.aws_caller_identity.current.account_id}"
  arn_prefix   = "arn:${data.aws_partition.current.partition}"
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "trust" {
  for_each = {
    readonly = [
      "repo:${var.github_repository}:pull_request",
      "repo:${var.github_repository}:ref:refs/heads/${local.branch}",
      "repo:${var.github_repository}:environment:${var.environment}-automation",
    ]
    deploy = [
      "repo:${var.github_repository}:environment:${var.environment}",
      "repo:${var.github_repository}:environment:${var.environment}-automation",
    ]
    terraform = [
      "repo:${var.github_repository}:environment:${var.environment}",
    ]
  }

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = each.value
    }
  }
}

resource "aws_iam_role" "github" {
  for_each = data.aws_iam_policy_document.trust

  name                 = "${local.stack_prefix}-github-${each.key}"
  description          = "GitHub Actions (${var.github_repository}) ${each.key} role for ${var.environment}"
  assume_role_policy   = each.value.json
  max_session_duration = 3600
}

# --- shared: Terraform state ------------------------------------------------

data "aws_iam_policy_document" "state_access" {
  statement {
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }

  statement {
    sid       = "StateObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/*"]
  }

  statement {
    sid       = "StateLock"
    actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.locks.arn]
  }
}

resource "aws_iam_role_policy" "state_access" {
  for_each = aws_iam_role.github

  name   = "terraform-state"
  role   = each.value.id
  policy = data.aws_iam_policy_document.state_access.json
}

# --- readonly: plan, drift, reports -----------------------------------------

resource "aws_iam_role_policy_attachment" "readonly" {
  role       = aws_iam_role.github["readonly"].name
  policy_arn = "${local.arn_prefix}:iam::aws:policy/ReadOnlyAccess"
}

# --- deploy: images, task definitions, rollouts -----------------------------

data "aws_iam_policy_document" "deploy" {
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # no resource-level permission for this action
  }

  statement {
    sid = "EcrPushPull"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImageScanFindings",
      "ecr:DescribeImages",
      "ecr:DescribeRepositories",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:StartImageScan",
      "ecr:UploadLayerPart",
    ]
    resources = ["${local.arn_prefix}:ecr:${local.region_acct}:repository/${var.project}/*"]
  }

  statement {
    sid = "TaskDefinitions"
    actions = [
      "ecs:DescribeTaskDefinition",
      "ecs:RegisterTaskDefinition",
      "ecs:TagResource",
    ]
    resources = ["*"] # task definition calls support no resource-level permission
  }

  statement {
    sid = "Services"
    actions = [
      "ecs:ContinueServiceDeployment",
      "ecs:DescribeServiceDeployments",
      "ecs:DescribeServiceRevisions",
      "ecs:DescribeServices",
      "ecs:DescribeTasks",
      "ecs:ListServiceDeployments",
      "ecs:ListTasks",
      "ecs:StopServiceDeployment",
      "ecs:UpdateService",
    ]
    resources = [
      "${local.arn_prefix}:ecs:${local.region_acct}:cluster/${local.stack_prefix}",
      "${local.arn_prefix}:ecs:${local.region_acct}:service/${local.stack_prefix}/*",
      "${local.arn_prefix}:ecs:${local.region_acct}:task/${local.stack_prefix}/*",
      "${local.arn_prefix}:ecs:${local.region_acct}:service-deployment/${local.stack_prefix}/*",
      "${local.arn_prefix}:ecs:${local.region_acct}:service-revision/${local.stack_prefix}/*",
    ]
  }

  statement {
    sid       = "PassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn_prefix}:iam::${data.aws_caller_identity.current.account_id}:role/${local.stack_prefix}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid       = "TargetHealth"
    actions   = ["elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTargetGroups"]
    resources = ["*"] # Describe calls support no resource-level permission
  }

  statement {
    sid = "AlarmsAndMetrics"
    actions = [
      "cloudwatch:DescribeAlarms",
      "cloudwatch:GetMetricData",
    ]
    resources = ["*"] # metric calls support no resource-level permission
  }

  # forecast-guard of deploy-ecs and rollback reads the predictive scaling
  # forecast; without it the guard only notes that it could not read one.
  statement {
    sid       = "ScalingForecast"
    actions   = ["application-autoscaling:GetPredictiveScalingForecast"]
    resources = ["*"]
  }

  statement {
    sid       = "Ledger"
    actions   = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.ledger.arn]
  }
}

resource "aws_iam_role_policy" "deploy" {
  name   = "deploy"
  role   = aws_iam_role.github["deploy"].id
  policy = data.aws_iam_policy_document.deploy.json
}

# --- terraform: apply the stack ----------------------------------------------
# Applying a whole stack needs broad rights; PowerUserAccess covers every
# service but IAM, and the IAM statement below limits role management to the
# stack's own names. Tighten further with a permissions boundary if your
# organisation has one.

resource "aws_iam_role_policy_attachment" "terraform" {
  role       = aws_iam_role.github["terraform"].name
  policy_arn = "${local.arn_prefix}:iam::aws:policy/PowerUserAccess"
}

data "aws_iam_policy_document" "terraform_iam" {
  statement {
    sid = "StackRoles"
    actions = [
      "iam:AttachRolePolicy",
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:PassRole",
      "iam:PutRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
    ]
    resources = ["${local.arn_prefix}:iam::${data.aws_caller_identity.current.account_id}:role/${local.stack_prefix}-*"]
  }

  statement {
    sid       = "ServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["${local.arn_prefix}:iam::${data.aws_caller_identity.current.account_id}:role/aws-service-role/*"]
  }
}

resource "aws_iam_role_policy" "terraform_iam" {
  name   = "stack-iam"
  role   = aws_iam_role.github["terraform"].id
  policy = data.aws_iam_policy_document.terraform_iam.json
}
