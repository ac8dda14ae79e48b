#!/usr/bin/env bash
# validate.sh — benchmark report for the validate action against tflint.
#
# Generates a large Terraform tree (a root calling MODULES local service
# modules, ~11 resources each: for_each, count, dynamic blocks, jsonencode
# container definitions, heredoc policies) and, in the same run:
#   validate   ecsflow-validate --path TREE (follows the local modules; runs
#              every rule incl. the terraform-fmt check)
#   tflint     tflint --recursive in TREE (its bundled terraform ruleset)
# reporting wall time, files/s and peak RSS of each (GNU time -v), and the
# same for the example stack (examples/open-webui) and for a flat stack (one
# main.tf of FLAT resources, default 100 000) with its time and peak RSS per
# 1 000 resources. Goals: validate >= 5x faster than tflint while checking
# far more; the flat stack of 100 000 resources under 500 MB.
#
# Needs: go; tflint (installed with go install
# github.com/terraform-linters/tflint@v0.64.0 when missing).
# Usage: [FLAT=N] scripts/bench/validate.sh [MODULES]   (make bench runs it; default 300)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODULES="${1:-300}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

TFLINT="$(command -v tflint || true)"
if [ -z "$TFLINT" ] && [ -x "$(go env GOPATH)/bin/tflint" ]; then TFLINT="$(go env GOPATH)/bin/tflint"; fi
if [ -z "$TFLINT" ]; then
	echo "installing tflint v0.64.0 (go install) ..." >&2
	go install github.com/terraform-linters/tflint@v0.64.0
	TFLINT="$(go env GOPATH)/bin/tflint"
fi

BIN="$WORK/ecsflow-validate"
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$BIN" ./actions/validate)
TREE="$WORK/tree"
STATS="$(cd "$ROOT" && go run ./internal/testenv/benchtree/gen "$TREE" "$MODULES")"
FILES="$(find "$TREE" -name '*.tf' | wc -l)"

# measure NAME DIR CMD...: runs CMD in DIR, prints wall seconds and peak RSS.
measure() {
	local name="$1" dir="$2"
	shift 2
	local tlog="$WORK/$name.time" rc=0
	if [ -x /usr/bin/time ]; then
		(cd "$dir" && /usr/bin/time -v "$@" >"$WORK/$name.out" 2>"$tlog") || rc=$?
		local wall rss
		wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tlog" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')"
		rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tlog")"
		echo "$name $wall $rss $rc"
	else
		local start end
		start="$(date +%s.%N)"
		(cd "$dir" && "$@" >"$WORK/$name.out" 2>&1) || rc=$?
		end="$(date +%s.%N)"
		echo "$name $(echo "$end - $start" | bc) 0 $rc"
	fi
}

report() { # name wall rss rc files
	awk -v n="$1" -v w="$2" -v r="$3" -v rc="$4" -v f="$5" 'BEGIN {
		printf "  %-22s %8.2f s  %9.0f files/s  %7.1f MB peak RSS  (exit %d)\n", n, w, (w > 0 ? f / w : 0), r / 1024, rc }'
}

echo "validate benchmark: $STATS"
echo "  machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
read -r _ vw vr vrc < <(measure validate "$TREE" "$BIN" --path . --sarif-file "$WORK/v.sarif" --fail-on never)
read -r _ tw tr trc < <(measure tflint "$TREE" "$TFLINT" --recursive --format=compact --force)
report "ecsflow-validate" "$vw" "$vr" "$vrc" "$FILES"
report "tflint $("$TFLINT" --version | head -1 | awk '{print $3}')" "$tw" "$tr" "$trc" "$FILES"
awk -v v="$vw" -v t="$tw" 'BEGIN { if (v > 0) printf "  speed-up: %.1fx (goal >= 5x)\n", t / v }'
echo "  findings: validate $(grep -c . "$WORK/v.report.json" >/dev/null && python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$WORK/v.report.json" 2>/dev/null || echo '?'), tflint $(grep -c ' - ' "$WORK/tflint.out" || true) (bundled terraform ruleset: required_version/required_providers per module)"

EX="$ROOT/examples/open-webui"
if [ -d "$EX/terraform" ]; then
	EXFILES="$(find "$EX/terraform" "$EX/bootstrap" -name '*.tf' | wc -l)"
	read -r _ ew er erc < <(measure validate-example "$ROOT" "$BIN" --path examples/open-webui/terraform,examples/open-webui/bootstrap \
		--task-definitions 'examples/open-webui/task-definitions/*.json' --sarif-file "$WORK/e.sarif" --fail-on never)
	read -r _ ew2 er2 erc2 < <(measure validate-example-tf "$EX/terraform" "$BIN" --path . --sarif-file "$WORK/e2.sarif" --fail-on never)
	read -r _ etw etr etrc < <(measure tflint-example "$EX/terraform" "$TFLINT" --format=compact --force)
	echo "example stack (examples/open-webui, $EXFILES files):"
	report "ecsflow-validate (all)" "$ew" "$er" "$erc" "$EXFILES"
	echo "    (all = both roots, task definitions and the repository's workflows through actionlint + shellcheck)"
	report "ecsflow-validate (tf/)" "$ew2" "$er2" "$erc2" "$(find "$EX/terraform" -name '*.tf' | wc -l)"
	report "tflint (terraform/)" "$etw" "$etr" "$etrc" "$(find "$EX/terraform" -name '*.tf' | wc -l)"
fi

# A monolithic stack: everything in one file, the worst case for memory.
FLAT="${FLAT:-100000}"
FSTATS="$(cd "$ROOT" && go run ./internal/testenv/benchtree/gen -flat "$WORK/flat" "$FLAT")"
read -r _ fw fr frc < <(measure validate-flat "$WORK/flat" "$BIN" --path . --sarif-file "$WORK/f.sarif" --fail-on never)
echo "flat stack ($FSTATS):"
report "ecsflow-validate" "$fw" "$fr" "$frc" 1
awk -v w="$fw" -v r="$fr" -v n="$FLAT" 'BEGIN {
	printf "    per 1 000 resources: %.3f s, %.2f MB peak RSS (goal: under 500 MB for 100 000 resources)\n", w * 1000 / n, r / 1024 * 1000 / n }'
