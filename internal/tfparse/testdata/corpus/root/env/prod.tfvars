environment = "prod"
services = {
  web = { cpu = 1024, memory = 2048, port = 8080, public = true }
  api = { public = false, memory = 1024 }
}
image_tags = { web = "1.2.3", api = "4.5.6" }
