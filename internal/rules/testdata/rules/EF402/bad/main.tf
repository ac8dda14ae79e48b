resource "aws_ecr_repository" "a" {
  name = "a"
}

resource "aws_ecr_repository" "b" {
  name = "b"

  image_scanning_configuration {
    scan_on_push = false
  }
}
