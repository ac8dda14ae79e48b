#!/usr/bin/env bash
# deploy-result.sh — combine the outputs of the deploy-ecs steps a workflow
# ran, one per strategy group, into one set of outputs in the GITHUB_OUTPUT
# format, as one deploy-ecs step would have written them.
#
# Usage: deploy-result.sh <group-json>...
#
#   group-json  {"services": [...], "outputs": <the step's outputs>} for each
#               group in the order the steps ran; a step that did not run has
#               empty outputs ({}).
#
# One group that ran: its outputs, unchanged. Several: status is the worst
# (failed, locked, rolled-back, started, succeeded), duration-seconds the sum, and
# task-definition-arn, previous-task-definition-arn and deployment-id JSON
# maps service → value (a group of one service wrote a plain value).
set -euo pipefail

ran=()
for g in "$@"; do
	if ! jq -e 'type == "object" and (.services | type == "array")' <<<"$g" >/dev/null 2>&1; then
		echo "deploy-result.sh: $g is not {\"services\": [...], \"outputs\": {...}}" >&2
		exit 2
	fi
	if jq -e '(.outputs // {}) | has("status")' <<<"$g" >/dev/null; then
		ran+=("$g")
	fi
done
if [ ${#ran[@]} -eq 0 ]; then
	exit 0
fi
keys=(status task-definition-arn previous-task-definition-arn deployment-id duration-seconds)
if [ ${#ran[@]} -eq 1 ]; then
	for k in "${keys[@]}"; do
		printf '%s=%s\n' "$k" "$(jq -r --arg k "$k" '.outputs[$k] // ""' <<<"${ran[0]}")"
	done
	exit 0
fi
all="$(printf '%s\n' "${ran[@]}" | jq -cs .)"
printf 'status=%s\n' "$(jq -r '[.[].outputs.status] as $s |
	first(("failed", "locked", "rolled-back", "started") as $w | select(any($s[]; . == $w)) | $w) // $s[0]' <<<"$all")"
for k in task-definition-arn previous-task-definition-arn deployment-id; do
	printf '%s=%s\n' "$k" "$(jq -c --arg k "$k" 'map(.services[0] as $s | (.outputs[$k] // "") as $v |
		($v | try fromjson catch null) as $m |
		if ($m | type) == "object" then $m elif $v == "" then {} else {($s): $v} end) | add' <<<"$all")"
done
printf 'duration-seconds=%s\n' "$(jq -r 'map(.outputs["duration-seconds"] // "0" | tonumber? // 0) | add' <<<"$all")"
