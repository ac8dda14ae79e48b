terraform {
  backend "s3" {
    dynamodb_table = "locks"
  }
}
