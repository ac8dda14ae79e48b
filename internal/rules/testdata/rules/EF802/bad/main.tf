module "shared" {
  source = "git::https://github.com/example/shared.git?ref=v1.2.0"
}

module "branch" {
  source = "github.com/example/modules//ecs?ref=main"
}
