locals {
  names = [
    for s in var.services :
    s.name
  ]
  by_name = {
    for s in var.services :
    s.name => s
    if s.enabled
  }
}
resource aws_s3_bucket plain {
  bucket = "x"
}
