terraform {
  backend "s3" {
    bucket       = "state"
    key          = "app.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
