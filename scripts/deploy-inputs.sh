#!/usr/bin/env bash
# deploy-inputs.sh — turn the services a workflow built into deploy-ecs
# inputs, written in the GITHUB_OUTPUT multi-line format.
#
# Usage: deploy-inputs.sh <services-json> <image-prefix> <tag> <task-definitions-dir> [order]
#
#   services-json   ["mcpo","open-webui"]: the services built (or promoted) by this run
#   image-prefix    registry host and repository prefix, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/ecsflow
#   tag             the immutable tag build-push wrote (the commit SHA)
#
# Prints the outputs services (one per line), images (service=prefix/service:tag;
# the container is named like the service), task-definitions
# (service=<dir>/<service>.json) and order: the waves given, without the
# services not deployed this time ("gateway,mcpo > open-webui" with only
# open-webui built → "open-webui").
set -euo pipefail

if [ $# -lt 4 ] || [ $# -gt 5 ]; then
	echo "usage: deploy-inputs.sh <services-json> <image-prefix> <tag> <task-definitions-dir> [order]" >&2
	exit 2
fi
services_json=$1
prefix=${2%/}
tag=$3
taskdefs=${4%/}
order=${5:-}

services="$(jq -r '.[]' <<<"$services_json")" || {
	echo "deploy-inputs.sh: services $services_json is not a JSON array of names" >&2
	exit 2
}
if [ -z "$services" ]; then
	echo "deploy-inputs.sh: no services to deploy" >&2
	exit 2
fi
if [ -z "$prefix" ] || [ -z "$tag" ]; then
	echo "deploy-inputs.sh: image prefix and tag must not be empty" >&2
	exit 2
fi

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
printf 'images<<EOF\n'
while read -r s; do printf '%s=%s/%s:%s\n' "$s" "$prefix" "$s" "$tag"; done <<<"$services"
printf 'EOF\n'
printf 'task-definitions<<EOF\n'
while read -r s; do printf '%s=%s/%s.json\n' "$s" "$taskdefs" "$s"; done <<<"$services"
printf 'EOF\n'
printf 'order=%s\n' "$order_out"
