#!/usr/bin/env bash
# release.sh — build every action binary for every platform, reproducibly.
#
# Usage: scripts/release.sh prepare vX.Y.Z   build into dist/ and write the
#                                            release/ files to commit before tagging
#        scripts/release.sh verify  vX.Y.Z   build into dist/ and fail unless the
#                                            binaries match release/checksums.txt
#                                            (run by .github/workflows/release.yml)
#
# Builds are static (CGO_ENABLED=0), trimmed (-trimpath), without VCS stamps
# (-buildvcs=false) and with the version set by -ldflags, so the same source
# and Go version give the same bytes on any machine. That is what lets the
# checksum list be committed with the tag and checked by setup-binary.sh.
set -euo pipefail

readonly ACTIONS="validate build-push deploy-ecs drift-check rollback optimize"
# ECSFLOW_PLATFORMS narrows the list (tests); a release builds them all.
readonly PLATFORMS="${ECSFLOW_PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}"
readonly MODULE="github.com/ecsflow/ecsflow"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
DIST="${DIST:-$ROOT/dist}"

die() {
	printf 'error: %s\n' "$*" >&2
	exit 2
}

sha256_of() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d' ' -f1
	else
		shasum -a 256 "$1" | cut -d' ' -f1
	fi
}

build_all() {
	local version=$1
	rm -rf "$DIST"
	mkdir -p "$DIST"
	local p os arch a exe out
	for p in $PLATFORMS; do
		os="${p%/*}"
		arch="${p#*/}"
		exe=""
		if [ "$os" = windows ]; then exe=".exe"; fi
		for a in $ACTIONS; do
			[ -f "$ROOT/actions/$a/main.go" ] || continue
			out="$DIST/ecsflow-$a-$os-$arch$exe"
			(cd "$ROOT" && CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" go build -trimpath -buildvcs=false \
				-ldflags "-s -w -X $MODULE/internal/cli.version=$version" -o "$out" "./actions/$a")
		done
	done
	(cd "$DIST" && for f in ecsflow-*; do printf '%s  %s\n' "$(sha256_of "$f")" "$f"; done) >"$DIST/checksums.txt"
}

main() {
	[ $# -eq 2 ] || die "usage: release.sh prepare|verify vX.Y.Z"
	local mode=$1 version=$2
	[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "version \"$version\" is not vMAJOR.MINOR.PATCH"
	command -v go >/dev/null 2>&1 || die "go is not installed"
	local gov
	gov="$(go env GOVERSION)"
	gov="${gov#go}" # setup-go reads release/go-version as a bare version

	case "$mode" in
	prepare)
		build_all "$version"
		mkdir -p "$ROOT/release"
		printf '%s\n' "$version" >"$ROOT/release/version"
		printf '%s\n' "$gov" >"$ROOT/release/go-version"
		"$ROOT/scripts/setup-binary.sh" --source-digest >"$ROOT/release/source.sha256"
		cp "$DIST/checksums.txt" "$ROOT/release/checksums.txt"
		printf 'wrote release/ for %s (%s); commit it, then tag: git tag -s %s\n' "$version" "$gov" "$version"
		;;
	verify)
		[ -f "$ROOT/release/checksums.txt" ] || die "release/checksums.txt is missing: run scripts/release.sh prepare $version and commit it before tagging"
		[ "$(cat "$ROOT/release/version")" = "$version" ] || die "release/version says $(cat "$ROOT/release/version"), the tag is $version"
		[ "$(cat "$ROOT/release/go-version")" = "$gov" ] || die "release/go-version says $(cat "$ROOT/release/go-version"), this Go is $gov"
		[ "$("$ROOT/scripts/setup-binary.sh" --source-digest)" = "$(cat "$ROOT/release/source.sha256")" ] ||
			die "release/source.sha256 does not match the tagged source: run prepare again after the last change"
		build_all "$version"
		if ! diff -u "$ROOT/release/checksums.txt" "$DIST/checksums.txt"; then
			die "the binaries built here differ from release/checksums.txt; the build is not reproducible or the list is stale"
		fi
		printf 'verified %d binaries of %s against release/checksums.txt\n' "$(wc -l <"$DIST/checksums.txt")" "$version"
		;;
	*) die "unknown mode \"$mode\"; use prepare or verify" ;;
	esac
}

main "$@"
