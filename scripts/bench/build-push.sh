#!/usr/bin/env bash
# build-push.sh — benchmark report for the build-push action.
#
# For each example image (examples/open-webui/services/*) against a real
# local registry (Debian docker-registry, the CNCF distribution registry):
#   cold     first build and push into an empty repository
#   rerun    the same context again (target: < 1 s, zero blob bytes uploaded)
#   promote  copy staging/<svc> to prod/<svc> (target: manifest only; blobs
#            mounted, not uploaded) and check the digests are identical
# and the peer way of doing the same with the same tools:
#   peer rerun    buildah bud + buildah push again (rebuild and push every time)
#   peer promote  skopeo copy docker://staging docker://prod
#
# Needs: go, buildah, skopeo, docker-registry, root (buildah chroot isolation).
# Usage: scripts/bench/build-push.sh   (make bench runs it)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d)"
REG_PID=""
cleanup() {
	if [ -n "$REG_PID" ]; then kill "$REG_PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

for tool in buildah skopeo docker-registry; do
	command -v "$tool" >/dev/null || { echo "build-push bench: $tool is not installed (apt-get install $tool)" >&2; exit 1; }
done

BIN="$WORK/ecsflow-build-push"
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$BIN" ./actions/build-push)

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
REG="127.0.0.1:$PORT"
cat >"$WORK/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $WORK/registry
http:
  addr: $REG
YML
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 50); do curl -fsS "http://$REG/v2/" >/dev/null 2>&1 && break; sleep 0.1; done

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# run_action <log> <args...>: runs the action outside Actions (plain output).
run_action() {
	local log="$1"; shift
	env -u GITHUB_ACTIONS GITHUB_SHA=0123456789abcdef0123456789abcdef01234567 GITHUB_REF=refs/heads/main \
		"$BIN" --registry "$REG" --ecr false --builder buildah "$@" >"$log" 2>&1
}
traffic() { grep -o 'Registry traffic | [^|]*' "$1" | sed 's/Registry traffic | //; s/ *$//'; }
output() { sed -n "s/^  $2: //p" "$1"; }

printf '# build-push benchmark (%s, %s, buildah %s)\n\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(uname -m)" "$(buildah --version | awk '{print $3}')"
printf 'Registry: docker-registry %s on loopback. Times are wall-clock seconds of one run each.\n\n' "$(docker-registry --version 2>/dev/null | awk '{print $3}')"
printf '| image | cold build+push | rerun (unchanged) | rerun traffic | peer rerun (buildah bud+push) | promote | promote traffic | same digest | peer promote (skopeo copy) |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'

for dir in "$ROOT"/examples/open-webui/services/*/; do
	svc="$(basename "$dir")"
	[ -f "$dir/Dockerfile" ] || continue

	t0=$(now); run_action "$WORK/$svc.cold" --context "$dir" --repository "staging/$svc" --tags short-sha; t1=$(now)
	cold=$(elapsed "$t0" "$t1")

	t0=$(now); run_action "$WORK/$svc.rerun" --context "$dir" --repository "staging/$svc" --tags short-sha; t1=$(now)
	rerun=$(elapsed "$t0" "$t1")
	[ "$(output "$WORK/$svc.rerun" result)" = skipped ] || { echo "rerun of $svc was not skipped:" >&2; cat "$WORK/$svc.rerun" >&2; exit 1; }

	# Peer: rebuild and push with buildah itself, as a plain pipeline does.
	t0=$(now)
	buildah --root "$WORK/bs" --runroot "$WORK/bsr" --storage-driver vfs bud -q --isolation chroot --layers=false -t "peer-$svc" "$dir" >/dev/null 2>&1
	buildah --root "$WORK/bs" --runroot "$WORK/bsr" --storage-driver vfs push -q --tls-verify=false "peer-$svc" "docker://$REG/peer/$svc:x" >/dev/null 2>&1
	t1=$(now); peer=$(elapsed "$t0" "$t1")

	staging_digest="$(output "$WORK/$svc.cold" digest)"
	t0=$(now); run_action "$WORK/$svc.promote" --repository "prod/$svc" --tags release-1 --promote-from "staging/$svc@$staging_digest"; t1=$(now)
	promote=$(elapsed "$t0" "$t1")
	prod_digest="$(output "$WORK/$svc.promote" digest)"
	same=no
	if [ "$prod_digest" = "$staging_digest" ] &&
		cmp -s <(skopeo inspect --raw --tls-verify=false "docker://$REG/staging/$svc@$staging_digest") \
			<(skopeo inspect --raw --tls-verify=false "docker://$REG/prod/$svc:release-1"); then
		same=yes
	fi

	t0=$(now)
	skopeo copy -q --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
		"docker://$REG/staging/$svc@$staging_digest" "docker://$REG/peer-prod/$svc:release-1" >/dev/null 2>&1
	t1=$(now); peerp=$(elapsed "$t0" "$t1")

	printf '| %s | %ss | %ss | %s | %ss | %ss | %s | %s | %ss |\n' "$svc" "$cold" "$rerun" "$(traffic "$WORK/$svc.rerun")" "$peer" "$promote" "$(traffic "$WORK/$svc.promote")" "$same" "$peerp"
done

printf '\nTargets: rerun under 1 s with 0 B of blobs uploaded; promotion writes manifests only (blobs mounted) and keeps the digest.\n'
printf 'Go benchmarks with request counts per operation: go test -run=^$ -bench=. ./internal/buildpush/\n'
