resource "aws_iam_policy" "p" {
  name = "p"
  policy = <<EOF2
{
  "Version": "2012-10-17",
    "Statement": []
}
EOF2
  other = <<-EOT
      indented ${var.x}
    %{ for s in var.list ~}
    item ${s}
    %{ endfor ~}
    EOT
  after=1
}
