terraform {
  backend "s3" {
    bucket       = "state"
    key          = "app.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}

resource "aws_s3_bucket" "a" {
  bucket = "a"
}
