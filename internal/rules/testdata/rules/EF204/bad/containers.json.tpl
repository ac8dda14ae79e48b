[{"name": "cache", "image": "${image}"}]
