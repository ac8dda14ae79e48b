# ecsflow:ignore EF401
resource "aws_ecr_repository" "a" {
  name = "a"
}

# ecsflow:ignore EF999 no such rule
resource "aws_ecr_repository" "b" {
  name = "b"
}

# ecsflow:ignore
resource "aws_ecr_repository" "c" {
  name = "c"
}

# ecsflow:ignore policy/main the policy's rule is missing
resource "aws_ecr_repository" "d" {
  name = "d"
}
