#!/usr/bin/env bash
# fuzz.sh — runs every Go fuzz target of the module for a bounded time.
#
# Targets are discovered, not listed by hand: every package whose tests
# declare `func Fuzz...` is asked for its targets with `go test -list`,
# and each target runs alone for FUZZTIME (default 20s). New crashers are
# written by go test under the package's testdata/fuzz/FuzzXxx/; commit
# them with the fix so that `go test` (and CI) replays them from then on.
# CI does not fuzz: `go test ./...` runs the committed seed corpora only.
#
# Usage: scripts/fuzz.sh [PACKAGE-SUBSTRING]   (make fuzz; FUZZTIME=60s to go longer;
#        scripts/fuzz.sh tffmt runs only the targets of packages whose path holds tffmt)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZTIME="${FUZZTIME:-20s}"
FILTER="${1:-}"
cd "$ROOT"

failed=()
ran=0
for dir in $(grep -rl --include='*_test.go' '^func Fuzz' internal cmd actions scripts 2>/dev/null | xargs -r -n1 dirname | sort -u); do
	pkg="./$dir"
	[[ "$pkg" == *"$FILTER"* ]] || continue
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "== $pkg $target ($FUZZTIME)"
		ran=$((ran + 1))
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"; then
			failed+=("$pkg $target")
		fi
	done
done
echo "fuzz: $ran targets, ${#failed[@]} failed"
for f in "${failed[@]}"; do echo "  FAILED: $f (crasher under $(echo "$f" | cut -d' ' -f1)/testdata/fuzz/)"; done
[ "${#failed[@]}" -eq 0 ]
