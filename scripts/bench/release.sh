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
# Then BenchmarkShopDeployStart (internal/testenv/e2e/shop_test.go), the same
# two ways for a whole deployment: examples/shop's deploy caller calls
# ecsflow/ecsflow/.github/workflows/phase1-deploy.yml@v1.4.2 fully offline on
# the sandbox seeded from examples/shop/infra; reported are the time from
# act's start until the deploy job's deploy-ecs binary runs (after the
# resolve and build jobs, s-to-deploy) and the whole run (s-run).
#
# Needs: go, act (go install github.com/nektos/act@v0.2.89), moto_server,
# buildah.
# Usage: scripts/bench/release.sh   (make bench runs it)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT

(cd "$ROOT" && go test -count=1 -run '^$' -bench '^(BenchmarkPinnedStart|BenchmarkShopDeployStart)$' -benchtime=1x -timeout=90m \
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

echo
echo "## the shop's deployment through the reusable workflows @v1.4.2: act start to the first deploy step"
echo
printf '| binaries from | act start to deploy-ecs running | whole run |\n| --- | ---: | ---: |\n'
awk '/^BenchmarkShopDeployStart\// {
	name = $1; sub(/^BenchmarkShopDeployStart\//, "", name); sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i++) {
		if ($(i + 1) == "s-to-deploy") step = $i
		if ($(i + 1) == "s-run") run = $i
	}
	printf "| %s | %.2f s | %.2f s |\n", name, step, run
}' "$OUT"
