resource "aws_ecr_repository" "app" {
  name = "acme/app"
}
