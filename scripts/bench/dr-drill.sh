#!/usr/bin/env bash
# dr-drill.sh — benchmark report for the disaster-recovery drill (issue 12).
#
# Runs the drill end to end under act on the local sandbox
# (TestPhase3DisasterRecoveryDrill: three services deployed in us-east-2,
# restored in us-west-1, one of them created there, from the ledger's
# last-known-good entries) and prints its RTO and RPO beside the seed's targets. RTO is on the ECS
# simulator's clock: the run's wall time with deploy-ecs's wall time
# replaced by the simulated time the recovery region's ECS took (the
# sandbox runs ECS 20 times faster than AWS would). RPO is the age of the
# oldest entry restored: the seed deployment moments before, so it shows the
# drill's own lag, not a production figure.
#
# Needs the binaries (make build), act and moto: make bench sets them up.
# Usage: scripts/bench/dr-drill.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT

if ! (cd "$ROOT" && go test ./internal/testenv/e2e/phases/ -run '^TestPhase3DisasterRecoveryDrill$' -count=1 -v -timeout 15m) >"$OUT" 2>&1; then
	tail -40 "$OUT" >&2
	echo "dr-drill.sh: the drill failed; see the test output above" >&2
	exit 1
fi

field() { # field <name>: from the test's dr-drill-bench line
	sed -n "s/.*dr-drill-bench:.* $1=\([0-9]*\).*/\1/p" "$OUT" | tail -1
}
verdict() { # verdict <value> <limit>
	awk -v v="$1" -v l="$2" 'BEGIN { if (v + 0 <= l + 0) print "met"; else print "MISSED" }'
}

rto=$(field rto-sim-seconds)
wall=$(field rto-wall-seconds)
ecs=$(field ecs-restore-sim-seconds)
rpo=$(field rpo-seconds)

echo "disaster-recovery drill (sandbox: 3 services, us-east-2 → us-west-1, one service created, one run)"
echo
printf '%-56s %10s %22s %8s\n' "measure" "ecsflow" "seed target" "verdict"
printf '%-56s %10s %22s %8s\n' "RTO, simulator's clock (s)" "$rto" "< 600 (recovery 10 min)" "$(verdict "$rto" 599)"
printf '%-56s %10s %22s %8s\n' "  of which ECS restore in the recovery region (s)" "$ecs" "" ""
printf '%-56s %10s %22s %8s\n' "  RTO on this machine's wall clock (s)" "$wall" "" ""
printf '%-56s %10s %22s %8s\n' "RPO, age of the oldest last-known-good entry (s)" "$rpo" "none set" ""
