#!/usr/bin/env bash
# strategy-groups.sh — pick each service's deploy-ecs strategy and split the
# services of a deployment into one group per strategy, written in the
# GITHUB_OUTPUT format.
#
# Usage: strategy-groups.sh <services-json> <strategies> [order]
#
#   services-json  ["mcpo","open-webui"]: the services deployed by this run
#   strategies     the environment's entry of the workflow's strategies input:
#                  one strategy for every service ("rolling"), or a JSON object
#                  service → strategy where "*" names the strategy of the
#                  services not listed ({"open-webui":"canary","*":"rolling"}).
#                  A strategy is rolling, blue-green, canary or linear, or ""
#                  to keep the one the service is configured with (Terraform).
#   order          deployment waves ("bedrock-access-gateway,mcpo > open-webui")
#
# Services behind no load balancer can only roll (ECS's blue/green, canary
# and linear need a load balancer with advancedConfiguration or Service
# Connect), so a fleet mixes strategies. deploy-ecs takes one strategy per
# step: the workflow deploys the groups one after the other in the order
# keep, rolling, linear, canary, blue-green, and the waves must agree with it.
#
# Prints strategy (the one strategy, or service=strategy pairs), strategies
# (JSON object service → strategy) and services-<group> for each group (a
# JSON array, [] when the group has none; the group of "" is "keep").
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: strategy-groups.sh <services-json> <strategies> [order]" >&2
	exit 2
fi
services_json=$1
spec=$2
order=${3:-}
groups=(keep rolling linear canary blue-green)

services="$(jq -r '.[]' <<<"$services_json" 2>/dev/null)" || {
	echo "strategy-groups.sh: services $services_json is not a JSON array of names" >&2
	exit 2
}

# The spec is an object, a JSON string or a bare strategy name.
if jq -e 'type == "object"' <<<"$spec" >/dev/null 2>&1; then
	object=$spec
elif jq -e 'type == "string"' <<<"$spec" >/dev/null 2>&1; then
	object="$(jq -c '{"*": .}' <<<"$spec")"
else
	object="$(jq -cn --arg s "$spec" '{"*": $s}')"
fi
if ! jq -e 'all(.[]; type == "string")' <<<"$object" >/dev/null; then
	echo "::error title=ecsflow::input \"strategies\": $spec: each service's strategy must be a string (rolling, blue-green, canary, linear or empty)" >&2
	exit 2
fi

group_of() {
	case "$1" in
	"") echo keep ;;
	rolling | linear | canary | blue-green) echo "$1" ;;
	*) return 1 ;;
	esac
}
rank() {
	local i
	for i in "${!groups[@]}"; do
		if [ "${groups[$i]}" = "$1" ]; then
			echo "$i"
			return
		fi
	done
}

declare -A strategy_of=()
while read -r s; do
	[ -n "$s" ] || continue
	st="$(jq -r --arg s "$s" 'if has($s) then .[$s] else (.["*"] // "") end' <<<"$object")"
	if ! group_of "$st" >/dev/null; then
		echo "::error title=ecsflow::input \"strategies\": service $s: strategy \"$st\" is not allowed; allowed: rolling, blue-green, canary, linear, or empty to keep the service's own" >&2
		exit 2
	fi
	strategy_of[$s]=$st
done <<<"$services"

# Waves must not put a service of a later group before one of an earlier group.
if [ -n "$order" ]; then
	IFS='>' read -r -a waves <<<"$order"
	highest=-1
	highest_name=""
	for w in "${waves[@]}"; do
		IFS=',' read -r -a names <<<"$w"
		wave_low=99
		wave_low_name=""
		wave_high=-1
		wave_high_name=""
		for n in "${names[@]}"; do
			n="$(tr -d '[:space:]' <<<"$n")"
			if [ -z "$n" ] || [ -z "${strategy_of[$n]+x}" ]; then continue; fi
			r="$(rank "$(group_of "${strategy_of[$n]}")")"
			if [ "$r" -lt "$wave_low" ]; then wave_low=$r wave_low_name=$n; fi
			if [ "$r" -gt "$wave_high" ]; then wave_high=$r wave_high_name=$n; fi
		done
		if [ "$wave_high" -ge 0 ] && [ "$wave_low" -lt "$highest" ]; then
			echo "::error title=ecsflow::input \"order\": $wave_low_name (${strategy_of[$wave_low_name]:-its own strategy}) comes after $highest_name (${strategy_of[$highest_name]:-its own strategy}), but services deploy by strategy in the order ${groups[*]}; reorder the waves or give them one strategy" >&2
			exit 2
		fi
		if [ "$wave_high" -gt "$highest" ]; then highest=$wave_high highest_name=$wave_high_name; fi
	done
fi

pairs=()
json="{}"
while read -r s; do
	[ -n "$s" ] || continue
	pairs+=("$s=${strategy_of[$s]}")
	json="$(jq -c --arg s "$s" --arg v "${strategy_of[$s]}" '. + {($s): $v}' <<<"$json")"
done <<<"$services"
distinct="$(jq -r '[.[]] | unique | length' <<<"$json")"
if [ "$distinct" -le 1 ]; then
	printf 'strategy=%s\n' "$(jq -r '[.[]] | first // ""' <<<"$json")"
else
	printf 'strategy=%s\n' "$(
		IFS=,
		echo "${pairs[*]}"
	)"
fi
printf 'strategies=%s\n' "$json"
for g in "${groups[@]}"; do
	members="[]"
	while read -r s; do
		[ -n "$s" ] || continue
		if [ "$(group_of "${strategy_of[$s]}")" = "$g" ]; then
			members="$(jq -c --arg s "$s" '. + [$s]' <<<"$members")"
		fi
	done <<<"$services"
	printf 'services-%s=%s\n' "$g" "$members"
done
