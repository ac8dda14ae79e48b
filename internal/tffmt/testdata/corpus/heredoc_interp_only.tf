resource "aws_iam_role_policy" "p" {
  policy = <<-JSON
    ${jsonencode({ a = 1 })}
  JSON
  name   = "${var.name}"
  role   = "${
    var.role
  }"
}
