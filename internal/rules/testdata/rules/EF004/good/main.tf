# ecsflow:ignore EF401,EF402 legacy repository, removed next quarter
resource "aws_ecr_repository" "a" {
  name = "a"
}
