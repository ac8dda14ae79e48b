module "present" {
  source = "./modules/present"
}
