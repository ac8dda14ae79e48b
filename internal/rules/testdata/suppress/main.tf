# ecsflow:ignore EF401,EF402 legacy repository, removed next quarter
resource "aws_ecr_repository" "legacy" {
  name = "legacy"
}

resource "aws_ecr_repository" "other" {
  name         = "other"
  force_delete = true # ecsflow:ignore EF403 scratch repository for load tests
}

resource "aws_ecr_repository" "kept" {
  name = "kept"
}

resource "aws_cloudwatch_log_group" "scratch" {
  name = "/scratch"
}
