output "ids" {
  value = aws_subnet.private[*].id
}
output "first" {
  value = "${aws_subnet.private[0].id}"
}
output "legacy" {
  value = "${join(",", aws_subnet.private.*.id)}"
}
output "cond" {
  value = "${var.a == "x" ? "yes" : "no"}"
}
