#!/usr/bin/env bash
# contract.sh — startup report for the five action binaries (issue 2).
#
# For each binary built as the release builds it (static, -trimpath, -s -w):
#   size          bytes and share of its budget (16 MB; drift-check 20 MB,
#                 as in actions/contract_test.go)
#   --help        wall time from exec to exit (goal: under 50 ms)
#   bad input     wall time to refuse one wrong value with exit 2
# measured with hyperfine (apt-get install hyperfine) or, without it, a
# plain loop of date +%s%N. The peers are the start of the runtimes most
# marketplace actions use: `node -e 0` (JavaScript actions such as
# aws-actions/amazon-ecs-deploy-task-definition) and `terraform -help`.
# actions/contract_test.go asserts the size and the exit codes; this
# script only reports times, never fails on them.
#
# Usage: scripts/bench/contract.sh [runs]   (make bench runs it; default 50)
# Uses $ECSFLOW_BIN_DIR/ecsflow-* when all five are there (make bench sets
# it after make build), otherwise builds them into a temporary directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUNS="${1:-50}"
ACTIONS="validate build-push deploy-ecs drift-check rollback optimize"
# budget prints an action's size budget in bytes (actions/contract_test.go).
budget() { case $1 in drift-check) echo 20000000 ;; *) echo 16000000 ;; esac; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

BIN="${ECSFLOW_BIN_DIR:-}"
for a in $ACTIONS; do
	if [ -z "$BIN" ] || [ ! -x "$BIN/ecsflow-$a" ]; then
		BIN=""
		break
	fi
done
if [ -z "$BIN" ]; then
	BIN="$WORK/bin"
	echo "building the binaries as scripts/release.sh does ..." >&2
	for a in $ACTIONS; do
		(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -buildvcs=false \
			-ldflags "-s -w -X github.com/ecsflow/ecsflow/internal/cli.version=bench" \
			-o "$BIN/ecsflow-$a" "./actions/$a")
	done
fi

# bad_args <action>: one wrong value per action (exit 2 before any AWS call).
bad_args() {
	case "$1" in
	validate) echo "--fail-on=critical" ;;
	build-push) echo "--repository=contract/app --builder=podman" ;;
	deploy-ecs) echo "--cluster=contract --service=web --wait=later" ;;
	drift-check) echo "--state=$WORK/none.tfstate --fail-on-drift=often" ;;
	rollback) echo "--cluster=contract --service=web --mode=heal" ;;
	esac
}

# mean_ms <command...>: prints "mean ± stddev" in milliseconds.
mean_ms() {
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -N -i --warmup 3 --runs "$RUNS" --export-csv "$WORK/h.csv" "$*" >/dev/null 2>&1
		awk -F, 'NR == 2 { printf "%.1f ± %.1f", $2 * 1000, $3 * 1000 }' "$WORK/h.csv"
	else
		local i start end total=0 sq=0 d
		for ((i = 0; i < 3; i++)); do "$@" >/dev/null 2>&1 || true; done
		for ((i = 0; i < RUNS; i++)); do
			start=$(date +%s%N)
			"$@" >/dev/null 2>&1 || true
			end=$(date +%s%N)
			d=$(((end - start) / 1000))
			total=$((total + d))
			sq=$((sq + d * d))
		done
		awk -v t="$total" -v s="$sq" -v n="$RUNS" 'BEGIN { m = t / n; v = s / n - m * m; if (v < 0) v = 0; printf "%.1f ± %.1f", m / 1000, sqrt(v) / 1000 }'
	fi
}

tool="a date +%s%N loop"
command -v hyperfine >/dev/null 2>&1 && tool="$(hyperfine --version)"
printf '## ecsflow action binaries: size and start-up (%s, %s runs, %s cores, load %s)\n\n' \
	"$tool" "$RUNS" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo ?)"
printf '| Action | Size (bytes) | of budget | --help (ms) | bad input, exit 2 (ms) | --help < 50 ms |\n'
printf '| --- | ---: | ---: | ---: | ---: | --- |\n'
for a in $ACTIONS; do
	b="$BIN/ecsflow-$a"
	size=$(wc -c <"$b" | tr -d ' ')
	help=$(mean_ms "$b" --help)
	# shellcheck disable=SC2046 # the wrong values are words on purpose
	badin=$(mean_ms "$b" $(bad_args "$a"))
	verdict=$(awk -v m="${help%% *}" 'BEGIN { print (m + 0 < 50) ? "met" : "MISSED" }')
	share=$(awk -v s="$size" -v b="$(budget "$a")" 'BEGIN { printf "%.1f%%", 100 * s / b }')
	printf '| %s | %s | %s | %s | %s | %s |\n' "$a" "$size" "$share" "$help" "$badin" "$verdict"
done

printf '\nPeers (the same measurement):\n\n| Command | ms |\n| --- | ---: |\n'
if command -v node >/dev/null 2>&1; then
	printf '| node -e 0 (start of a JavaScript action, %s) | %s |\n' "$(node --version)" "$(mean_ms node -e 0)"
fi
if command -v terraform >/dev/null 2>&1; then
	printf '| terraform -help | %s |\n' "$(mean_ms terraform -help)"
fi
printf '| /bin/true (process start floor) | %s |\n' "$(mean_ms /bin/true)"
