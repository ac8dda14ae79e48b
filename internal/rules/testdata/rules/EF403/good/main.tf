resource "aws_ecr_repository" "a" {
  name = "a"
}
