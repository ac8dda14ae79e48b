#!/usr/bin/env bash
# anomaly.sh — MTTD and MTTR of anomaly detection, per misbehaving image
# (issue 12).
#
# Runs the end-to-end scenarios on the ECS rollout simulator's fake clock,
# with the CloudWatch stand-in (internal/testenv/cwsim) computing the
# bands: errors5pct during a canary (deploy-ecs anomaly gate, rolled
# back), slowleak after a deployment and flapping with no deployment
# (rollback check mode with anomaly, run every simulated minute as the
# anomaly alarms' one-minute evaluation would start it: rolled back to
# last-known-good, and escalated to an issue). Both figures run from the
# timestamp of the first datapoint outside its band (2 standard
# deviations); datapoints are one-minute periods, so no detector can see a
# minute before it ends: MTTD is at least 60 s. For flapping, MTTR is the
# time until the issue is open: the repair is a person's.
#
# Usage: scripts/bench/anomaly.sh   (make bench runs it)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT

(cd "$ROOT" &&
	go test ./internal/deploy/ -run '^TestAnomalyGateErrors5pctDuringCanaryRollsBack$' -count=1 -v &&
	go test ./internal/rollback/ -run '^TestCheckAnomaly' -count=1 -v) >"$OUT"

seconds() { # seconds <Go duration such as 1m2s or 45s>
	awk -v d="$1" 'BEGIN { s = 0; if (match(d, /[0-9.]+m/)) s += 60 * substr(d, RSTART, RLENGTH - 1);
		if (match(d, /[0-9.]+s$/)) s += substr(d, RSTART, RLENGTH - 1); print s }'
}
figure() { # figure <image> <MTTD|MTTR>
	local d
	d=$(sed -n "s/.*$1: .*$2 \([0-9hms.]*\).*/\1/p" "$OUT" | head -n 1)
	if [ -z "$d" ]; then echo "-"; else seconds "$d"; fi
}
verdict() { # verdict <value> <limit>
	awk -v v="$1" -v l="$2" 'BEGIN { if (v == "-") print "-"; else if (v + 0 <= l + 0) print "met"; else print "MISSED" }'
}

echo "anomaly detection on the simulator's clock (seconds from the first datapoint outside its band)"
echo
printf '%-44s %8s %10s %8s %12s %8s\n' "measure" "ecsflow" "goal" "verdict" "seed target" "verdict"
for image in errors5pct slowleak flapping; do
	d=$(figure "$image" MTTD)
	r=$(figure "$image" MTTR)
	printf '%-44s %8s %10s %8s %12s %8s\n' "MTTD $image" "$d" "<= 60" "$(verdict "$d" 60)" "< 120" "$(verdict "$d" 119.999)"
	if [ "$image" = flapping ]; then
		continue # escalated: the repair is a person's
	fi
	printf '%-44s %8s %10s %8s %12s %8s\n' "MTTR $image" "$r" "<= 180" "$(verdict "$r" 180)" "< 600" "$(verdict "$r" 599.999)"
done
echo
echo "errors5pct: deploy-ecs anomaly-metrics gate during a 20 % canary (ECS returns traffic natively)."
echo "slowleak: rollback check mode rolls back to last-known-good from the ledger."
echo "flapping: rollback check mode escalates (no deployment to blame); nothing is rolled back."
