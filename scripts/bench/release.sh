#!/usr/bin/env bash
# release.sh — start-up report for a step pinned to a release (issue 15).
#
# Runs BenchmarkPinnedStart (internal/testenv/e2e/release_test.go) once: act
# runs a workflow whose step uses ecsflow/ecsflow/actions/validate@v1.4.2,
# mapped with --local-repository to a checkout prepared by
# scripts/release.sh, on this machine without Docker. Two ways to start:
#   release-asset  the release asset served by a local stand-in for the
#                  releases download URL, verified against
#                  release/checksums.txt; no Go on PATH
#   source-build   the same checkout without release/ (a SHA between
#                  releases): go build with an empty build cache
# and reports, for each, the time from act's start until the action's
# binary runs (s-to-step) and the setup-binary step alone (s-setup).
# act's own start and the workspace checkout are in s-to-step for both.
#
# Needs: go, act (go install github.com/nektos/act@v0.2.89).
# Usage: scripts/bench/release.sh   (make bench runs it)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT

(cd "$ROOT" && go test -count=1 -run '^$' -bench '^BenchmarkPinnedStart$' -benchtime=1x -timeout=30m \
	./internal/testenv/e2e/) >"$OUT" 2>&1 || {
	cat "$OUT" >&2
	exit 1
}

echo "## step pinned to @v1.4.2: act start to the binary running"
echo
printf '| start from | act start to step | setup-binary |\n| --- | ---: | ---: |\n'
awk '/^BenchmarkPinnedStart\// {
	name = $1; sub(/^BenchmarkPinnedStart\//, "", name); sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i++) {
		if ($(i + 1) == "s-to-step") step = $i
		if ($(i + 1) == "s-setup") setup = $i
	}
	printf "| %s | %.2f s | %.2f s |\n", name, step, setup
}' "$OUT"
