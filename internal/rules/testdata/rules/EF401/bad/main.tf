resource "aws_ecr_repository" "default" {
  name = "default"
}

resource "aws_ecr_repository" "mutable" {
  name                 = "mutable"
  image_tag_mutability = "MUTABLE"
}
