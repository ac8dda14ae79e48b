#!/usr/bin/env bash
# dr-drill.sh — the shell steps of the disaster-recovery drill workflow
# (.github/workflows/phase3-dr-drill.yml), written in the GITHUB_OUTPUT format.
#
# Usage:
#   dr-drill.sh inputs <images-json> <registry> <task-definitions-dir> <cluster>
#     images-json is rollback known-good's images output (rows of service,
#     container, repository and digest). Prints deploy-ecs's inputs for the
#     recovery region: cluster, services (one per line), task-definitions
#     (service=<dir>/<service>.json, each file must exist) and images
#     (container=<registry>/<repository>@<digest>).
#   dr-drill.sh health <region> <cluster> <services>
#     services one per line. Every service must be ACTIVE with tasks
#     desired, all of them running, and one deployment left (nothing still
#     rolling out or draining); prints healthy=true, else names each
#     service that is not and exits 1. Needs the AWS CLI.
#   dr-drill.sh cleanup <region> <cluster> <restored> <previous>
#     restored and previous are deploy-ecs's task-definition-arn and
#     previous-task-definition-arn outputs (a JSON map, or one ARN for one
#     service). Each service goes back to its previous revision at desired
#     count 0 (pilot light), waits until stable, then the restored revisions
#     are deregistered. Prints cleaned-up=true. Needs the AWS CLI.
set -euo pipefail

usage() {
	echo "usage: dr-drill.sh inputs <images-json> <registry> <task-definitions-dir> <cluster>" >&2
	echo "       dr-drill.sh health <region> <cluster> <services>" >&2
	echo "       dr-drill.sh cleanup <region> <cluster> <restored> <previous>" >&2
	exit 2
}

inputs() {
	local rows=$1 registry=${2%/} dir=${3%/} cluster=$4
	if ! jq -e 'type == "array" and length > 0 and all(.[]; (.service and .container and .repository and .digest))' >/dev/null 2>&1 <<<"$rows"; then
		echo "dr-drill.sh: images $rows is not a non-empty JSON array of {service, container, repository, digest}" >&2
		exit 2
	fi
	if [ -z "$registry" ] || [ -z "$cluster" ]; then
		echo "dr-drill.sh: registry and cluster must not be empty" >&2
		exit 2
	fi
	# deploy-ecs applies an images line to every service with that
	# container: two services naming one container with different images
	# cannot be restored in one step.
	local clash
	clash="$(jq -r 'group_by(.container)[] | select((map(.repository + "@" + .digest) | unique | length) > 1) | .[0].container' <<<"$rows")"
	if [ -n "$clash" ]; then
		echo "dr-drill.sh: container $clash runs different images in different services; give the containers distinct names" >&2
		exit 2
	fi
	local services s
	services="$(jq -r '[.[].service] | unique | .[]' <<<"$rows")"
	while read -r s; do
		if [ ! -f "$dir/$s.json" ]; then
			echo "dr-drill.sh: $dir/$s.json is missing: the task definition of $s must be in Git to restore it" >&2
			exit 2
		fi
	done <<<"$services"
	printf 'cluster=%s\n' "$cluster"
	printf 'services<<EOF\n%s\nEOF\n' "$services"
	printf 'task-definitions<<EOF\n'
	while read -r s; do printf '%s=%s/%s.json\n' "$s" "$dir" "$s"; done <<<"$services"
	printf 'EOF\n'
	printf 'images<<EOF\n'
	jq -r --arg r "$registry" 'unique_by(.container) | .[] | "\(.container)=\($r)/\(.repository)@\(.digest)"' <<<"$rows"
	printf 'EOF\n'
}

# asMap turns deploy-ecs's one-ARN output into a map keyed by the service
# the ARN's family names (deploy-ecs registers each service's family).
asMap() {
	case "$1" in
	"{"*) printf '%s' "$1" ;;
	"") printf '{}' ;;
	*) jq -n --arg a "$1" '{($a | sub(".*:task-definition/"; "") | sub(":[0-9]+$"; "")): $a}' ;;
	esac
}

needAWS() {
	command -v aws >/dev/null 2>&1 || {
		echo "dr-drill.sh: the AWS CLI is not installed on this runner" >&2
		exit 3
	}
	# Set but empty, these make the AWS CLI look for a profile named "" or
	# send an empty session token.
	local v
	for v in AWS_PROFILE AWS_SESSION_TOKEN; do
		if [ -z "${!v:-}" ]; then unset "$v"; fi
	done
}

health() {
	local region=$1 cluster=$2 services=() s out sick=0 name status desired running deployments
	while read -r s; do
		if [ -n "$s" ]; then services+=("$s"); fi
	done <<<"$3"
	if [ -z "$region" ] || [ -z "$cluster" ] || [ ${#services[@]} -eq 0 ]; then
		echo "dr-drill.sh: health needs a region, a cluster and services (got '$region', '$cluster', '$3')" >&2
		exit 2
	fi
	needAWS
	out="$(aws ecs describe-services --region "$region" --cluster "$cluster" --services "${services[@]}" \
		--query 'services[].[serviceName,status,desiredCount,runningCount,length(deployments)]' --output text)"
	for s in "${services[@]}"; do
		if ! grep -q "^${s}[[:space:]]" <<<"$out"; then
			echo "::error title=dr-drill health::$s is missing from cluster $cluster in $region"
			sick=1
		fi
	done
	while read -r name status desired running deployments; do
		if [ -z "$name" ]; then continue; fi
		if [ "$status" != ACTIVE ] || [ "$desired" -lt 1 ] || [ "$running" != "$desired" ] || [ "$deployments" != 1 ]; then
			echo "::error title=dr-drill health::$name is not healthy: $status, $running of $desired tasks running, $deployments deployment(s)"
			sick=1
		fi
	done <<<"$out"
	if [ "$sick" -ne 0 ]; then exit 1; fi
	echo "healthy=true"
}

cleanup() {
	local region=$1 cluster=$2 restored previous s prev
	restored="$(asMap "$3")" previous="$(asMap "$4")"
	if ! jq -e 'type == "object" and length > 0' >/dev/null 2>&1 <<<"$restored" || [ -z "$region" ] || [ -z "$cluster" ]; then
		echo "dr-drill.sh: nothing to clean up: region, cluster and the restored revisions are needed (got '$region', '$cluster', '$3')" >&2
		exit 2
	fi
	needAWS
	local services=()
	while read -r s; do services+=("$s"); done < <(jq -r 'keys[]' <<<"$restored")
	for s in "${services[@]}"; do
		prev="$(jq -r --arg s "$s" '.[$s] // ""' <<<"$previous")"
		args=(--region "$region" --cluster "$cluster" --service "$s" --desired-count 0)
		if [ -n "$prev" ]; then args+=(--task-definition "$prev"); fi
		aws ecs update-service "${args[@]}" --query service.serviceName --output text >&2
	done
	aws ecs wait services-stable --region "$region" --cluster "$cluster" --services "${services[@]}"
	for s in "${services[@]}"; do
		local arn
		arn="$(jq -r --arg s "$s" '.[$s]' <<<"$restored")"
		if [ "$arn" != "$(jq -r --arg s "$s" '.[$s] // ""' <<<"$previous")" ]; then
			aws ecs deregister-task-definition --region "$region" --task-definition "$arn" \
				--query taskDefinition.taskDefinitionArn --output text >&2
		fi
	done
	echo "cleaned-up=true"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
inputs) [ $# -eq 4 ] || usage && inputs "$@" ;;
health) [ $# -eq 3 ] || usage && health "$@" ;;
cleanup) [ $# -eq 4 ] || usage && cleanup "$@" ;;
*) usage ;;
esac
