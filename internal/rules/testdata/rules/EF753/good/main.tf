resource "aws_ecr_repository" "app" {
  name = "acme/app"
}

resource "aws_ecr_replication_configuration" "dr" {
  replication_configuration {
    rule {
      destination {
        region      = "us-west-2"
        registry_id = "111111111111"
      }
    }
  }
}
