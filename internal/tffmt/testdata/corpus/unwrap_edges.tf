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
