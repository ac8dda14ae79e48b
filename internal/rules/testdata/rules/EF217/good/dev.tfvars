environment            = "dev"
enable_execute_command = true
