locals {
  list = [1,2,3]
  multi = [
  "a",
      "b",
  ]
  obj = {a=1,bb="two",
  ccc = [for x in var.xs: upper(x) if x != ""]
  }
  m = {for k,v in var.m: k=>v...}
  splat = aws_instance.web[*].id
  legacy = aws_instance.web.*.id
  idx = var.list[0]
  cond = var.a?var.b:var.c
  neg = -1
  math = 1+2*3/4%5
  not = !var.flag
  call = merge(local.a,{
    x = 1
  })
  nested = {
    deep = {
      deeper = {
  value = "x"
      }
    }
  }
}
