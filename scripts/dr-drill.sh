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
#   dr-drill.sh network <recovery-network>
#     Checks the recovery-network input before anything runs: empty, or a
#     JSON awsvpcConfiguration {subnets, securityGroups[, assignPublicIp]}
#     with at least one subnet and one security group (the recovery
#     region's Terraform outputs). Exits 2 naming the input otherwise.
#   dr-drill.sh create <region> <cluster> <services> <task-definitions-dir> <images> <recovery-network>
#     services one per line, images deploy-ecs's container=image lines.
#     Creates each service the recovery cluster lacks (none, or INACTIVE)
#     at desired count 0, for deploy-ecs to update: its task definition is
#     <dir>/<service>.json with the images, registered once; the rest of
#     CreateService's input comes from <dir>/<service>.service.json when
#     committed (load balancers, service registries, network), with
#     recovery-network as the network when that file names none. Every
#     missing service is checked before the first is created. Prints
#     created=<JSON map service → the revision it was created with>.
#   dr-drill.sh cleanup <region> <cluster> <restored> <previous> [<created>]
#     restored and previous are deploy-ecs's task-definition-arn and
#     previous-task-definition-arn outputs (a JSON map, or one ARN for one
#     service), created is create's output. A service the drill created is
#     deleted with the revision it was created with; every other service
#     goes back to its previous revision at desired count 0 (pilot light)
#     and is waited for; then the restored revisions are deregistered.
#     Prints cleaned-up=true. Needs the AWS CLI.
set -euo pipefail

usage() {
	echo "usage: dr-drill.sh inputs <images-json> <registry> <task-definitions-dir> <cluster>" >&2
	echo "       dr-drill.sh health <region> <cluster> <services>" >&2
	echo "       dr-drill.sh network <recovery-network>" >&2
	echo "       dr-drill.sh create <region> <cluster> <services> <task-definitions-dir> <images> <recovery-network>" >&2
	echo "       dr-drill.sh cleanup <region> <cluster> <restored> <previous> [<created>]" >&2
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
	local region=$1 cluster=$2 restored previous created s prev
	restored="$(asMap "$3")" previous="$(asMap "$4")" created="${5:-}"
	created="${created:-"{}"}"
	if ! jq -e 'type == "object"' >/dev/null 2>&1 <<<"$created"; then
		echo "dr-drill.sh: created $created is not a JSON map of service to revision" >&2
		exit 2
	fi
	if ! jq -e --argjson c "$created" 'type == "object" and (length > 0 or ($c | length > 0))' >/dev/null 2>&1 <<<"$restored" || [ -z "$region" ] || [ -z "$cluster" ]; then
		echo "dr-drill.sh: nothing to clean up: region, cluster and the restored or created services are needed (got '$region', '$cluster', '$3')" >&2
		exit 2
	fi
	needAWS
	# Services the drill created are deleted; the others (Terraform's) go
	# back to their revision of before at desired count 0.
	local services=() gone=()
	while read -r s; do
		if [ -n "$s" ]; then gone+=("$s"); fi
	done < <(jq -r 'keys[]' <<<"$created")
	while read -r s; do
		if [ -n "$s" ]; then services+=("$s"); fi
	done < <(jq -r --argjson c "$created" 'keys - ($c | keys) | .[]' <<<"$restored")
	for s in "${gone[@]}"; do
		aws ecs delete-service --region "$region" --cluster "$cluster" --service "$s" --force \
			--query service.serviceName --output text >&2
	done
	for s in "${services[@]}"; do
		prev="$(jq -r --arg s "$s" '.[$s] // ""' <<<"$previous")"
		args=(--region "$region" --cluster "$cluster" --service "$s" --desired-count 0)
		if [ -n "$prev" ]; then args+=(--task-definition "$prev"); fi
		aws ecs update-service "${args[@]}" --query service.serviceName --output text >&2
	done
	if [ ${#services[@]} -gt 0 ]; then
		aws ecs wait services-stable --region "$region" --cluster "$cluster" --services "${services[@]}"
	fi
	local arn
	while read -r arn; do
		if [ -n "$arn" ]; then
			aws ecs deregister-task-definition --region "$region" --task-definition "$arn" \
				--query taskDefinition.taskDefinitionArn --output text >&2
		fi
	done < <(jq -r --argjson p "$previous" --argjson c "$created" \
		'([to_entries[] | select(.value != ($p[.key] // "") or $c[.key]) | .value] + [$c[]]) | unique | .[]' <<<"$restored")
	echo "cleaned-up=true"
}

# awsvpcOK reads a JSON awsvpcConfiguration on stdin: at least one subnet
# and one security group, strings, and assignPublicIp ENABLED or DISABLED.
awsvpcOK() {
	jq -e 'type == "object" and
		(.subnets | type == "array" and length > 0 and all(.[]; type == "string" and length > 0)) and
		(.securityGroups | type == "array" and length > 0 and all(.[]; type == "string" and length > 0)) and
		((.assignPublicIp // "DISABLED") | IN("ENABLED", "DISABLED"))' >/dev/null 2>&1
}

network() {
	if [ -n "$1" ] && ! awsvpcOK <<<"$1"; then
		echo "::error title=ecsflow::input \"recovery-network\" is '$1'; allowed: empty or JSON {\"subnets\": [ids], \"securityGroups\": [ids], \"assignPublicIp\": \"ENABLED\"|\"DISABLED\"} with at least one subnet and one security group of the recovery region (its Terraform outputs)"
		exit 2
	fi
}

# serviceSpec prints CreateService's input for a service the drill creates,
# without task definition, or exits 2 naming what the user must supply.
serviceSpec() {
	local dir=$1 s=$2 net=$3 where=$4 spec="{}"
	if [ -f "$dir/$s.service.json" ]; then
		if ! spec="$(jq -ce 'select(type == "object")' "$dir/$s.service.json" 2>/dev/null)"; then
			echo "dr-drill.sh: $dir/$s.service.json is not a JSON object (CreateService's input)" >&2
			exit 2
		fi
	fi
	if [ -n "$net" ] && ! jq -e '.networkConfiguration.awsvpcConfiguration' >/dev/null <<<"$spec"; then
		spec="$(jq -c --argjson n "$net" '.networkConfiguration = {awsvpcConfiguration: $n}' <<<"$spec")"
	fi
	if ! jq '.networkConfiguration.awsvpcConfiguration' <<<"$spec" | awsvpcOK; then
		echo "dr-drill.sh: $s does not exist in $where and the drill must create it: give input recovery-network (subnets and security groups of the recovery region, from its Terraform outputs) or commit $dir/$s.service.json with networkConfiguration.awsvpcConfiguration" >&2
		exit 2
	fi
	jq -c 'del(.cluster, .serviceName, .taskDefinition, .desiredCount) |
		if .capacityProviderStrategy or .launchType then . else .launchType = "FARGATE" end' <<<"$spec"
}

create() {
	local region=$1 cluster=$2 dir=${4%/} images=$5 net=$6 services=() s missing=() specs=() created="{}"
	while read -r s; do
		if [ -n "$s" ]; then services+=("$s"); fi
	done <<<"$3"
	if [ -z "$region" ] || [ -z "$cluster" ] || [ ${#services[@]} -eq 0 ]; then
		echo "dr-drill.sh: create needs a region, a cluster and services (got '$region', '$cluster', '$3')" >&2
		exit 2
	fi
	network "$net"
	needAWS
	local states draining=()
	states="$(aws ecs describe-services --region "$region" --cluster "$cluster" --services "${services[@]}" \
		--query 'services[].[serviceName,status]' --output text)"
	for s in "${services[@]}"; do
		if grep -qxF -- "$s	ACTIVE" <<<"$states"; then continue; fi
		missing+=("$s")
		# ECS refuses a new service while one of the same name is DRAINING
		# (DeleteService, API reference): wait until it is INACTIVE.
		if grep -qxF -- "$s	DRAINING" <<<"$states"; then draining+=("$s"); fi
	done
	# Every missing service is checked before the first is created.
	for s in "${missing[@]}"; do
		specs+=("$(serviceSpec "$dir" "$s" "$net" "cluster $cluster in $region")")
	done
	if [ ${#draining[@]} -gt 0 ]; then
		echo "dr-drill.sh: waiting for ${draining[*]} to finish draining in cluster $cluster before creating them again" >&2
		aws ecs wait services-inactive --region "$region" --cluster "$cluster" --services "${draining[@]}"
	fi
	local i td arn
	for i in "${!missing[@]}"; do
		s=${missing[$i]}
		td="$(jq -c --arg lines "$images" '($lines | split("\n") | map(select(contains("="))) |
			map({key: (split("=")[0]), value: (split("=")[1:] | join("="))}) | from_entries) as $img |
			.containerDefinitions |= map(if $img[.name] then .image = $img[.name] else . end)' "$dir/$s.json")"
		arn="$(aws ecs register-task-definition --region "$region" --cli-input-json "$td" \
			--query taskDefinition.taskDefinitionArn --output text)"
		aws ecs create-service --region "$region" --cli-input-json \
			"$(jq -c --arg c "$cluster" --arg s "$s" --arg td "$arn" '. + {cluster: $c, serviceName: $s, taskDefinition: $td, desiredCount: 0}' <<<"${specs[$i]}")" \
			--query service.serviceName --output text >&2
		created="$(jq -c --arg s "$s" --arg a "$arn" '.[$s] = $a' <<<"$created")"
	done
	echo "created=$created"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
inputs) [ $# -eq 4 ] || usage && inputs "$@" ;;
network) [ $# -eq 1 ] || usage && network "$@" ;;
create) [ $# -eq 6 ] || usage && create "$@" ;;
health) [ $# -eq 3 ] || usage && health "$@" ;;
cleanup) [ $# -eq 4 ] || [ $# -eq 5 ] || usage && cleanup "$@" ;;
*) usage ;;
esac
