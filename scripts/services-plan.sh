#!/usr/bin/env bash
# services-plan.sh — what a workflow run builds and deploys, written in the
# GITHUB_OUTPUT format.
#
# Usage: services-plan.sh <config> <environment> <base> <services-json> \
#                         <services-dir> <task-definitions-dir> <ecr-repository-prefix>
#
#   config           ecsflow.yaml to read; empty means ecsflow.yaml when the
#                    repository has one (docs/ecsflow-yaml.md), else the
#                    services/<service> layout below
#   environment      environment deployed (cluster and strategies); empty
#                    for a pull request
#   base             commit to compare with (changed services); empty, all
#                    zeros or missing from the clone: every service
#   services-json    services to take instead of the changed ones (JSON array)
#   services-dir, task-definitions-dir, ecr-repository-prefix
#                    the layout without ecsflow.yaml: a build context per
#                    service in <services-dir>/<service>, its task definition
#                    in <task-definitions-dir>/<service>.json, its image in
#                    ECR repository <prefix>/<service>
#
# Prints config (the file read, or empty), services (JSON array), builds
# (JSON array of {image, context, dockerfile (relative to the context, as
# build-push takes it), repository, services}: each
# image once), deploys (JSON array: with ecsflow.yaml one object per service
# with its repository, container and task-definition file, for
# deploy-inputs.sh; empty without), cluster and strategies
# (from ecsflow.yaml's environment; empty without it). With ecsflow.yaml the
# work is done by `ecsflow-validate services` (no YAML parsing in shell).
set -euo pipefail

die() {
	printf 'services-plan.sh: %s\n' "$*" >&2
	exit 2
}

if [ $# -ne 7 ]; then die "usage: services-plan.sh <config> <environment> <base> <services-json> <services-dir> <task-definitions-dir> <ecr-repository-prefix>"; fi
config=$1 environment=$2 base=$3 services=$4 services_dir=$5 taskdefs_dir=$6 prefix=${7%/}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ -n "$services" ]; then
	services="$(jq -ce 'if type == "array" and all(.[]; type == "string") then . else error end' <<<"$services" 2>/dev/null)" ||
		die "services $4 is not a JSON array of service names"
fi
if [ -z "$config" ] && [ -f ecsflow.yaml ]; then config=ecsflow.yaml; fi

if [ -z "$config" ]; then
	if [ -z "$services" ]; then services="$("$here/changed-services.sh" "$services_dir" "$taskdefs_dir" "$base")"; fi
	builds="$(jq -c --arg dir "${services_dir%/}" --arg prefix "$prefix" \
		'map({image: ., context: "\($dir)/\(.)", dockerfile: "Dockerfile", repository: "\($prefix)/\(.)", services: [.]})' <<<"$services")"
	printf 'config=\nservices=%s\nbuilds=%s\ndeploys=\ncluster=\nstrategies=\n' "$services" "$builds"
	exit 0
fi

[ -f "$config" ] || die "config $config does not exist (looked in $PWD); give the path of ecsflow.yaml relative to the repository root"
bin="$("$here/setup-binary.sh" validate)"
args=(services --config "$config" --environment "$environment")
if [ -n "$services" ]; then
	plan="$("$bin" "${args[@]}" --services "$services")"
elif [ -z "$base" ] || [[ "$base" =~ ^0+$ ]] || ! git cat-file -e "$base^{commit}" 2>/dev/null; then
	echo "no usable base commit ($base): every service counts as changed" >&2
	plan="$("$bin" "${args[@]}")"
else
	plan="$(git diff --name-only "$base" HEAD | "$bin" "${args[@]}" --changed-files -)"
fi
jq -r --arg config "$config" '"config=\($config)",
	"services=\(.services | tojson)",
	"builds=\(.builds | tojson)",
	"deploys=\(.deploys | tojson)",
	"cluster=\(.cluster)",
	"strategies=\(.strategies | tojson)"' <<<"$plan"
