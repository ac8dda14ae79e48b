#!/usr/bin/env bash
# Regenerates corpus/*.tf.golden with the real terraform binary. The test
# compares tffmt.Format with these files, so it needs no terraform itself.
# Usage: internal/tffmt/testdata/regen.sh [path/to/terraform]  (goldens made with terraform 1.11.4)
set -euo pipefail
tf="${1:-terraform}"
dir="$(cd "$(dirname "$0")" && pwd)/corpus"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for f in "$dir"/*.tf; do
  cp "$f" "$tmp/in.tf"
  TF_CLI_CONFIG_FILE=/dev/null "$tf" fmt -no-color "$tmp/in.tf" >/dev/null
  cp "$tmp/in.tf" "$f.golden"
done
TF_CLI_CONFIG_FILE=/dev/null "$tf" version 2>/dev/null | head -1 > "$dir/TERRAFORM_VERSION"
