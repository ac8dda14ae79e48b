locals {
	a = 1
	bbb = 2
}
resource "x" "y" {
    a = 1   
    b = "unicode ✓ é"
}
