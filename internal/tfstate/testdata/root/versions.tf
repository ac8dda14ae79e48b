terraform {
  backend "s3" {
    encrypt              = true
    key                  = "app/terraform.tfstate"
    workspace_key_prefix = "ws"
  }
}
