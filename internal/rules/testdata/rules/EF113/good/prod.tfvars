environment   = "prod"
desired_count = 3
