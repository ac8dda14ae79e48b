locals {
  a = (
    var.x
    ? 1
    : 2
  )
  b = var.long_condition_name_here && var.another_condition ? "some-value" : "other-value"
  c = [
    for s in var.list :
    s
    if s != ""
  ]
  d = {
    for k, v in var.map :
      k => v
  }
  e = try(var.a.b, null)
  f = can(regex("^x", var.s))
}
