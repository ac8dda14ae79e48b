locals { a = 1 }
resource "x" "y" {}
resource "x" "z" {
}



data "x" "q" { }
