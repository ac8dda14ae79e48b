resource "aws_ecr_repository" "a" {
  name = "a"

  image_scanning_configuration {
    scan_on_push = true
  }
}
