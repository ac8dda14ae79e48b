# ecsflow:ignore EF401,EF402 legacy repository, removed next quarter
resource "aws_ecr_repository" "a" {
  name = "a"
}

# ecsflow:ignore policy/org.ecr/deny_mutable tags are moved by the mirror job
resource "aws_ecr_repository" "b" {
  name = "b"
}
