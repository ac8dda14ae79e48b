environment = "dev"
aws_region  = "us-west-2"
replicas    = 3
tags        = { a = "b" }
