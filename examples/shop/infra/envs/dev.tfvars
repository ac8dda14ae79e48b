environment          = "dev"
region               = "eu-west-1"
api_desired_count    = 2
worker_desired_count = 1
