module "net" {
  source = "./net"
}

output "vpc" {
  value = module.net.vpc_id
}
