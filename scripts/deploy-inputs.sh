#!/usr/bin/env bash
# deploy-inputs.sh — turn the images built by a workflow's matrix into
# deploy-ecs inputs, written in the GITHUB_OUTPUT multi-line format.
#
# Usage: deploy-inputs.sh <images-dir> <task-definitions-dir> [order]
#
# images-dir holds one file per service containing "service=image" (the
# container is named like the service). Prints the outputs services,
# images, task-definitions (service=<dir>/<service>.json) and order: the
# waves given, without the services that are not deployed this time
# ("gateway,mcpo > open-webui" with only open-webui changed → "open-webui").
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: deploy-inputs.sh <images-dir> <task-definitions-dir> [order]" >&2
	exit 2
fi
dir=$1
taskdefs=${2%/}
order=${3:-}

images="$(cat "$dir"/*)"
[ -n "$images" ] || {
	echo "deploy-inputs.sh: no image files in $dir" >&2
	exit 2
}
services="$(cut -d= -f1 <<<"$images")"

has() { grep -qx -- "$1" <<<"$services"; }

waves=()
if [ -n "$order" ]; then
	IFS='>' read -r -a raw <<<"$order"
	for w in "${raw[@]}"; do
		kept=()
		IFS=',' read -r -a names <<<"$w"
		for n in "${names[@]}"; do
			n="$(tr -d '[:space:]' <<<"$n")"
			if [ -n "$n" ] && has "$n"; then kept+=("$n"); fi
		done
		if [ ${#kept[@]} -gt 0 ]; then
			waves+=("$(
				IFS=,
				echo "${kept[*]}"
			)")
		fi
	done
fi
order_out=""
for w in "${waves[@]}"; do
	if [ -z "$order_out" ]; then order_out="$w"; else order_out="$order_out > $w"; fi
done

printf 'services<<EOF\n%s\nEOF\n' "$services"
printf 'images<<EOF\n%s\nEOF\n' "$images"
printf 'task-definitions<<EOF\n'
while read -r s; do printf '%s=%s/%s.json\n' "$s" "$taskdefs" "$s"; done <<<"$services"
printf 'EOF\n'
printf 'order=%s\n' "$order_out"
