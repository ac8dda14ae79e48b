resource x y {
  a = "${~ var.a ~}"
  b = "${foo("${bar}")}"
  c = "${a}${b}"
  d = "${(var.a ? 1 :
  2)}"
  e = "${
  var.a ? 1 : 2
  }"
  f = "%{if true}x%{endif}"
  g = ["${var.a}"]
  h = "${var.a}" # trailing
  i = "${var.a /* c */}"
	j = <<-EOT
	  x
	  EOT
}
resource "x" /* c */ "z" {}
locals {
  partial   = "${var.a}-suffix"
  nested    = "${format("%s", "${var.b}")}"
  two       = "${var.a}${var.b}"
  only_call = "${lookup(var.m, "k", "${var.d}")}"
}
