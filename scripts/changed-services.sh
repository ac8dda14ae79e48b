#!/usr/bin/env bash
# changed-services.sh — which services a push or pull request touches.
#
# Usage: changed-services.sh <services-dir> <task-definitions-dir> <base> [head]
#
# Prints a JSON array of service names (the directories under services-dir)
# whose build context or task-definition file (<task-definitions-dir>/<name>.json)
# differs between base and head. With no usable base (first push of a branch,
# all-zero SHA, a base missing from the clone) every service is listed, which
# is the safe answer. Needs a clone deep enough to hold base (fetch-depth: 0).
set -euo pipefail

die() {
	printf 'error: %s\n' "$*" >&2
	exit 2
}

if [ $# -lt 3 ] || [ $# -gt 4 ]; then die "usage: changed-services.sh <services-dir> <task-definitions-dir> <base> [head]"; fi
services_dir=${1%/}
taskdefs_dir=${2%/}
base=$3
head=${4:-HEAD}
[ -d "$services_dir" ] || die "services directory $services_dir does not exist"

all=()
for d in "$services_dir"/*/; do
	[ -d "$d" ] || continue
	all+=("$(basename "$d")")
done

json() {
	local first=true s
	printf '['
	for s in "$@"; do
		$first || printf ','
		first=false
		printf '"%s"' "$s"
	done
	printf ']\n'
}

if [ -z "$base" ] || [[ "$base" =~ ^0+$ ]] || ! git cat-file -e "$base^{commit}" 2>/dev/null; then
	echo "no usable base commit ($base): every service counts as changed" >&2
	json "${all[@]}"
	exit 0
fi

changed=()
for s in "${all[@]}"; do
	if ! git diff --quiet "$base" "$head" -- "$services_dir/$s" "$taskdefs_dir/$s.json"; then
		changed+=("$s")
	fi
done
json "${changed[@]}"
