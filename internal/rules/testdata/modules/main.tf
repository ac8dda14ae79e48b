locals {
  services = {
    api = { cpu = 512, memory = 512 }
    web = { cpu = 1024, memory = 2048 }
  }
}

module "svc" {
  source   = "./svc"
  for_each = local.services

  name   = each.key
  cpu    = each.value.cpu
  memory = each.value.memory
}
