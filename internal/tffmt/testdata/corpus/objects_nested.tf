locals {
  services = {
    "open-webui" = {
      port = 8080
      cpu = 2048
      env = {
        A = "1"
        LONGER_NAME = "2"
      }
    }
    mcpo = { port = 80, cpu = 512 }
  }
  list_of_objects = [
    { name = "a", value = 1 },
    {
      name = "b"
      value = 2
    },
  ]
}
