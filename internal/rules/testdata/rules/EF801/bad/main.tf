resource "null_resource" "build" {
  triggers = { always = timestamp() }

  provisioner "local-exec" {
    command = <<-CMD
      git clone https://github.com/aws-samples/bedrock-access-gateway.git
      sed -i 's/foo/bar/' bedrock-access-gateway/Dockerfile
      docker build -t ${var.repo}:latest bedrock-access-gateway
      docker push ${var.repo}:latest
    CMD
  }
}

resource "terraform_data" "push" {
  provisioner "local-exec" {
    command = "podman push ${var.repo}:1.0"
  }
}

variable "repo" {
  type = string
}
