#!/usr/bin/env bash
# deploy-inputs.sh — turn the services a workflow built into deploy-ecs
# inputs, written in the GITHUB_OUTPUT multi-line format.
#
# Usage: deploy-inputs.sh <services-json> <image-prefix> <tag> <task-definitions-dir> [order] [deploys-json]
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
#
# deploys-json, the deploys output of services-plan.sh with ecsflow.yaml
# ([{"service":"api","repository":"shop/app","container":"api",
# "task-definition":"deploy/ecs/api.json"}, ...]), says where each service
# differs from that layout: its image is <registry>/<repository>:<tag> (the
# registry is image-prefix up to its first /), set on its container, and
# its task definition is its file; task-definitions-dir is not used.
set -euo pipefail

if [ $# -lt 4 ] || [ $# -gt 6 ]; then
	echo "usage: deploy-inputs.sh <services-json> <image-prefix> <tag> <task-definitions-dir> [order] [deploys-json]" >&2
	exit 2
fi
services_json=$1
prefix=${2%/}
tag=$3
taskdefs=${4%/}
order=${5:-}
deploys=${6:-}

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

lines=""
if [ -n "$deploys" ]; then
	# one line per service; services that share a container and an image
	# give the same images line once
	lines="$(jq -r --arg services "$services" --arg registry "${prefix%%/*}" --arg tag "$tag" '
		($services | split("\n")) as $want
		| [.[] | select(.service as $s | $want | index($s))] as $d
		| if ($d | length) != ($want | length) then error("services \($want - [$d[].service]) are not in deploys") else . end
		| "images<<EOF", ([$d[] | "\(.container)=\($registry)/\(.repository):\($tag)"] | unique[]), "EOF",
		  "task-definitions<<EOF", ($d[] | "\(.service)=\(.["task-definition"])"), "EOF"' <<<"$deploys")" || {
		echo "deploy-inputs.sh: deploys $deploys is not the deploys output of services-plan.sh for these services" >&2
		exit 2
	}
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
if [ -n "$deploys" ]; then
	printf '%s\n' "$lines"
else
	printf 'images<<EOF\n'
	while read -r s; do printf '%s=%s/%s:%s\n' "$s" "$prefix" "$s" "$tag"; done <<<"$services"
	printf 'EOF\n'
	printf 'task-definitions<<EOF\n'
	while read -r s; do printf '%s=%s/%s.json\n' "$s" "$taskdefs" "$s"; done <<<"$services"
	printf 'EOF\n'
fi
printf 'order=%s\n' "$order_out"
