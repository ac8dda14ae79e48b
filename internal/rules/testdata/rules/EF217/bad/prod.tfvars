environment            = "prod"
enable_execute_command = true
