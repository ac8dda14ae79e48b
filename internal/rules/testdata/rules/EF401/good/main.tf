resource "aws_ecr_repository" "a" {
  name                 = "a"
  image_tag_mutability = "IMMUTABLE"
}
