# leading comment
// slash comment
/* block
   comment */
terraform {
  required_version = ">= 1.5"


  required_providers {
    aws = {
      source = "hashicorp/aws" # pinned below
      version = "~> 5.0"
    }
  }
}



provider "aws" {
    region = var.region
    default_tags {
        tags = {
            Project = "x"
            Env = var.env
        }
    }
}
