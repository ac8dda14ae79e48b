environment = "dev
region = 
