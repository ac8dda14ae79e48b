resource "x" "w" {
  a=1
  bb=2
}
