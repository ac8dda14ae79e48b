[
  {
    "name": "${name}",
    "image": "${image}",
    "essential": true
  }
]
