module "net" {
  source = "./net"
}

output "vpc" {
  value = module.network.vpc_id
}
