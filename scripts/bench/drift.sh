#!/usr/bin/env bash
# drift.sh — benchmark report for drift-check (issue 6).
#
# Runs BenchmarkScan of internal/drift on the local sandbox (moto): the
# example-sized stack (3 services, as examples/open-webui has) and generated
# stacks of 50 and 500 services, each service with its task definition,
# target group, listener rule, log group and alarm, plus the shared
# cluster, load balancer, listener, security groups, repository, role,
# autoscaling and Cloud Map resources. Every scan reads the whole stack and
# must find it in sync. Requests are counted at the HTTP transport, retries
# included. Wall time is moto's answer time on this machine, an upper bound
# for AWS's. The peer, `terraform plan -refresh-only`, needs the terraform
# binary and the provider, which this machine does not have; the AWS
# provider refreshes each resource with its own calls (no batching), so at
# least one request per resource is its floor.
#
# Usage: scripts/bench/drift.sh [iterations]   (make bench runs it)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="${1:-3}"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT

(cd "$ROOT" && go test ./internal/drift/ -run '^$' -bench 'BenchmarkScan' -benchtime "${N}x" -count=1 -timeout 30m) >"$OUT"

metric() { # metric <benchmark name regex> <unit>
	awk -v b="$1" -v u="$2" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 1; i < NF; i++) if ($(i+1) == u) print $i }' "$OUT"
}
verdict() { # verdict <value> <limit>
	awk -v v="$1" -v l="$2" 'BEGIN { if (v + 0 <= l + 0) print "met"; else print "MISSED" }'
}

echo "drift-check benchmark ($N scans per row, local sandbox)"
echo
printf '%-14s %10s %18s %10s %14s %12s %8s\n' "stack" "resources" "requests/resource" "ms/scan" "µs/resource" "ms/request" "verdict"
for n in 3 50 500; do
	b="BenchmarkScan/services=$n"
	res=$(metric "$b" resources)
	rpr=$(metric "$b" requests/resource)
	ms=$(metric "$b" ms/scan)
	us=$(metric "$b" µs/resource)
	v=$(verdict "$rpr" 1.5)
	if [ "$n" = 3 ]; then
		[ "$(verdict "$ms" 2999)" = met ] || v=MISSED
	fi
	mpr=$(awk -v ms="$ms" -v r="$rpr" -v n="$res" 'BEGIN { printf "%.2f", ms / (r * n) }')
	printf '%-14s %10s %18s %10s %14s %12s %8s\n' "$n services" "$res" "$rpr" "$ms" "$us" "$mpr" "$v"
done
echo
echo "goals: <= 1.5 requests per resource; example stack < 3000 ms; linear growth."
# Growth is judged on what drift-check controls, the requests per resource.
# Wall time per resource also includes moto's time per request, which grows
# with the data moto holds (its list and describe calls scan everything it
# stores); the ms/request column shows that part.
small=$(metric "BenchmarkScan/services=50" requests/resource)
large=$(metric "BenchmarkScan/services=500" requests/resource)
awk -v s="$small" -v l="$large" 'BEGIN { r = l / s; printf "growth: requests per resource at 500 services are %.2fx those at 50: %s\n", r, (r <= 1.05 ? "linear (met)" : "super-linear (MISSED)") }'
us50=$(metric "BenchmarkScan/services=50" µs/resource)
us500=$(metric "BenchmarkScan/services=500" µs/resource)
awk -v s="$us50" -v l="$us500" 'BEGIN { printf "wall time per resource at 500 services is %.2fx that at 50 (moto time per request included)\n", l / s }'
