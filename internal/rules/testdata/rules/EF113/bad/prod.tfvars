environment  = "prod"
desired_cout = 3
