resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = templatefile("${path.module}/tpl/app.json.tpl", {
    image = var.image
    port= 8080
  })
  cpu = "${var.cpu}"
  memory = "${var.memory}"
  tags = merge(var.tags, {Name = "app-${var.env}"})
  json = jsonencode({
    a = [1, 2]
  b = { c = "d" }
  })
  oneline = { a = 1, b = 2 }
}
output "x" {
  value = "${aws_ecs_task_definition.app.arn}"
  sensitive = true
}
