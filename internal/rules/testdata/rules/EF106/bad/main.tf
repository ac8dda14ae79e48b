module "missing" {
  source = "./modules/missing"
}
