#!/usr/bin/env bash
# setup-binary.sh — put the ecsflow-<action> binary on the PATH of later steps.
#
# Usage: setup-binary.sh <action>          (validate, build-push, deploy-ecs,
#                                           drift-check, rollback)
#        setup-binary.sh --source-digest   (print the source digest and exit)
#        setup-binary.sh --source-files    (list the files the digest covers)
#
# Called by the first step of every actions/<name>/action.yml. It tries, in
# order, and stops at the first that works:
#
#   1. $ECSFLOW_BIN_DIR           prebuilt binaries (tests, act, air-gapped runners)
#   2. the runner tool cache      $RUNNER_TOOL_CACHE/ecsflow/<version>/<os>-<arch>,
#                                 only after verifying it: a release binary
#                                 against release/checksums.txt, a binary
#                                 built from source against the SHA-256
#                                 recorded when it was built (outside its
#                                 directory, in ecsflow/.sha256/); a binary
#                                 that fails, has no record, or is writable
#                                 by others is rebuilt, never run
#   3. the GitHub release asset   for the version recorded in release/version,
#                                 verified against release/checksums.txt — the
#                                 list committed in this repository at the ref
#                                 the workflow pinned — and only when
#                                 release/source.sha256 matches the source
#                                 checked out here (so a SHA pinned between
#                                 releases never runs an older binary)
#   4. go build from source       with the runner's Go (actions/setup-go)
#
# A checksum mismatch is never "fixed" by falling back to a source build: it
# stops the job. See docs/adr/0001-packaging.md.
#
# Environment (all optional):
#   ECSFLOW_BIN_DIR      directory holding ecsflow-<action> (or <action>)
#   ECSFLOW_RELEASE_URL  base URL of release assets, for tests only (a local
#                        stand-in for the releases download URL); callers
#                        leave it unset
#                        (default $GITHUB_SERVER_URL/<repo>/releases/download)
#   ECSFLOW_OS, ECSFLOW_ARCH  override the detected platform
#   RUNNER_TOOL_CACHE, RUNNER_TEMP, GITHUB_PATH  set by the Actions runner
set -euo pipefail

readonly ACTIONS="validate build-push deploy-ecs drift-check rollback optimize"
readonly MODULE="github.com/ecsflow/ecsflow"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT

log() { printf 'ecsflow setup: %s\n' "$*" >&2; }

# die prints one error line (a workflow command inside Actions) and exits.
die() {
	local code=$1
	shift
	if [ -n "${GITHUB_ACTIONS:-}" ]; then
		printf '::error title=ecsflow setup::%s\n' "$*"
	else
		printf 'error: %s\n' "$*" >&2
	fi
	exit "$code"
}

sha256_of() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d' ' -f1
	else
		shasum -a 256 "$1" | cut -d' ' -f1
	fi
}

sha256_stdin() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum | cut -d' ' -f1
	else
		shasum -a 256 | cut -d' ' -f1
	fi
}

# source_files lists every file that can go into an action binary, sorted:
# go.mod, go.sum, the non-test files under actions/ and internal/ (embedded
# action.yml files included), and what the root package embeds or compiles
# (its .go files, action.yml, the reusable workflows, the built-in policies).
# scripts/setup_binary_test.go holds it to `go list -deps` of the actions.
source_files() {
	(
		cd "$ROOT"
		{
			printf '%s\n' go.mod go.sum action.yml
			find actions internal -type f \
				! -name '*_test.go' ! -name '*.md' ! -path '*/testdata/*' 2>/dev/null
			find . -maxdepth 1 -type f -name '*.go' ! -name '*_test.go' 2>/dev/null | sed 's|^\./||'
			find .github/workflows -maxdepth 1 -type f -name '*.yml' 2>/dev/null || true
			find policies -maxdepth 1 -type f -name '*.rego' 2>/dev/null || true
		} | LC_ALL=C sort | while IFS= read -r f; do
			if [ -f "$f" ]; then printf '%s\n' "$f"; fi
		done
	)
}

# source_digest hashes the files source_files lists. The release records it
# in release/source.sha256.
source_digest() {
	local hasher=(sha256sum)
	if ! command -v sha256sum >/dev/null 2>&1; then hasher=(shasum -a 256); fi
	source_files | (cd "$ROOT" && tr '\n' '\0' | xargs -0 "${hasher[@]}") | sha256_stdin
}

detect_platform() {
	local s m
	s="${ECSFLOW_OS:-$(uname -s)}"
	m="${ECSFLOW_ARCH:-$(uname -m)}"
	case "$s" in
	Linux | linux) OS=linux ;;
	Darwin | darwin) OS=darwin ;;
	MINGW* | MSYS* | CYGWIN* | Windows_NT | windows) OS=windows ;;
	*) die 3 "unsupported operating system $s; ecsflow runs on linux, darwin and windows runners" ;;
	esac
	case "$m" in
	x86_64 | amd64 | X64 | x64) ARCH=amd64 ;;
	aarch64 | arm64 | ARM64) ARCH=arm64 ;;
	*) die 3 "unsupported architecture $m; ecsflow runs on amd64 and arm64 runners" ;;
	esac
	EXE=""
	if [ "$OS" = windows ]; then EXE=".exe"; fi
}

# add_to_path makes dir visible to the following steps of the job (or says
# what to do when run outside Actions).
add_to_path() {
	local dir=$1
	if [ -n "${GITHUB_PATH:-}" ]; then
		if [ "$OS" = windows ] && command -v cygpath >/dev/null 2>&1; then
			cygpath -w "$dir" >>"$GITHUB_PATH"
		else
			printf '%s\n' "$dir" >>"$GITHUB_PATH"
		fi
	else
		log "add $dir to PATH to run $BIN"
	fi
	printf '%s\n' "$dir/$BIN"
}

# install_file moves a verified binary into dir atomically (parallel jobs on
# a self-hosted runner may share the tool cache).
install_file() {
	local src=$1 dir=$2
	mkdir -p "$dir"
	chmod 0755 "$src"
	local tmp
	tmp="$(mktemp "$dir/.$BIN.XXXXXX")"
	cp "$src" "$tmp"
	chmod 0755 "$tmp"
	mv -f "$tmp" "$dir/$BIN"
}

scratch_dir() {
	local base="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
	mktemp -d "$base/ecsflow.XXXXXX"
}

# expected_sum prints the committed checksum of a release asset, or nothing.
expected_sum() {
	local asset=$1 file="$ROOT/release/checksums.txt"
	[ -f "$file" ] || return 0
	awk -v a="$asset" '$2 == a || $2 == "*" a { print $1; exit }' "$file"
}

download() {
	local url=$1 out=$2
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --retry 3 --retry-delay 2 --connect-timeout 10 -o "$out" "$url"
	elif command -v wget >/dev/null 2>&1; then
		wget -q -T 30 -t 3 -O "$out" "$url"
	else
		return 1
	fi
}

from_bin_dir() {
	local dir=$1
	if [ -x "$dir/$BIN" ]; then
		log "using $dir/$BIN (ECSFLOW_BIN_DIR)"
		add_to_path "$(cd "$dir" && pwd)"
		return 0
	fi
	# `make build` writes bin/<action>; expose it under the action's name.
	if [ -x "$dir/$NAME$EXE" ]; then
		local link
		link="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/ecsflow-bin"
		mkdir -p "$link"
		ln -sf "$(cd "$dir" && pwd)/$NAME$EXE" "$link/$BIN"
		log "using $dir/$NAME$EXE as $BIN (ECSFLOW_BIN_DIR)"
		add_to_path "$link"
		return 0
	fi
	die 2 "ECSFLOW_BIN_DIR=$dir holds neither $BIN nor $NAME$EXE; build them with make build or unset ECSFLOW_BIN_DIR"
}

# record_path prints where the SHA-256 of a binary built from source into
# dest is kept: beside the version directories, not in dest itself, so a
# file dropped next to the binary cannot vouch for it.
record_path() {
	local version=$1 dest=$2
	printf '%s/.sha256/%s/%s/%s.sha256\n' "$(dirname "$(dirname "$dest")")" "$version" "$OS-$ARCH" "$BIN"
}

# cached_source_build_ok reports whether the binary in dest is the one this
# runner built: recorded checksum present and equal, and neither file
# writable by group or others.
cached_source_build_ok() {
	local version=$1 dest=$2 record
	record="$(record_path "$version" "$dest")"
	[ -f "$record" ] || return 1
	if [ -n "$(find "$dest/$BIN" "$record" \( -perm -020 -o -perm -002 \) 2>/dev/null)" ]; then
		return 1
	fi
	[ "$(sha256_of "$dest/$BIN")" = "$(tr -d ' \n\r' <"$record")" ]
}

# The setup-go step a caller adds when a binary must be built here; the
# same pin as .github/workflows/release.yml.
readonly SETUP_GO="actions/setup-go@924ae3a1cded613372ab5595356fb5720e22ba16 # v6.5.0"

# go_version prints the Go version this checkout is built with: the one the
# release used, else go.mod's go line.
go_version() {
	if [ -f "$ROOT/release/go-version" ]; then
		tr -d ' \n\r' <"$ROOT/release/go-version"
	else
		awk '$1 == "go" { print $2; exit }' "$ROOT/go.mod"
	fi
}

# no_go stops the job with what the caller adds to its workflow. why says
# why a build is needed (a released ref whose download failed, or a ref
# between releases).
no_go() {
	local why=$1
	die 3 "$why, and Go is not installed to build ecsflow-$NAME from source; add this step before it: \"- uses: $SETUP_GO\" with \"go-version: $(go_version)\""
}

build_from_source() {
	local version=$1 dest=$2 why=$3
	command -v go >/dev/null 2>&1 || no_go "$why"
	local work
	work="$(scratch_dir)"
	log "building $BIN $version from source with $(go version | cut -d' ' -f3)"
	(
		cd "$ROOT"
		CGO_ENABLED=0 GOOS="$OS" GOARCH="$ARCH" go build -trimpath -buildvcs=false \
			-ldflags "-s -w -X $MODULE/internal/cli.version=$version" \
			-o "$work/$BIN" "./actions/$NAME"
	) || die 3 "go build of ./actions/$NAME failed; see the compiler output above"
	local record
	record="$(record_path "$version" "$dest")"
	mkdir -p "$(dirname "$record")"
	chmod 0700 "$(dirname "$record")"
	sha256_of "$work/$BIN" >"$record.tmp"
	chmod 0600 "$record.tmp"
	install_file "$work/$BIN" "$dest"
	mv -f "$record.tmp" "$record"
	rm -rf "$work"
}

main() {
	[ $# -eq 1 ] || die 2 "usage: setup-binary.sh <action> (one of: $ACTIONS)"
	case "$1" in
	--source-digest)
		source_digest
		return 0
		;;
	--source-files)
		source_files
		return 0
		;;
	esac
	NAME=$1
	case " $ACTIONS " in
	*" $NAME "*) ;;
	*) die 2 "unknown action \"$NAME\"; allowed: $ACTIONS" ;;
	esac
	detect_platform
	BIN="ecsflow-$NAME$EXE"

	# 1. Prebuilt binaries supplied by the caller.
	if [ -n "${ECSFLOW_BIN_DIR:-}" ]; then
		from_bin_dir "$ECSFLOW_BIN_DIR"
		return 0
	fi

	# Which version is this checkout? A release only when the committed
	# source digest matches the files actually here.
	local digest version why released=false
	digest="$(source_digest)"
	version="src-${digest:0:16}"
	if [ -f "$ROOT/release/version" ] && [ -f "$ROOT/release/source.sha256" ] &&
		[ "$(tr -d ' \n\r' <"$ROOT/release/source.sha256")" = "$digest" ]; then
		version="$(tr -d ' \n\r' <"$ROOT/release/version")"
		released=true
	fi
	local asset="ecsflow-$NAME-$OS-$ARCH$EXE"
	local want=""
	if $released; then want="$(expected_sum "$asset")"; fi

	local dest
	if [ -n "${RUNNER_TOOL_CACHE:-}" ]; then
		dest="$RUNNER_TOOL_CACHE/ecsflow/$version/$OS-$ARCH"
	else
		dest="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/ecsflow/$version/$OS-$ARCH"
	fi

	# 2. Tool cache, verified before use: against release/checksums.txt for
	# a release, against the checksum recorded at build time otherwise.
	if [ -x "$dest/$BIN" ]; then
		if [ -n "$want" ]; then
			if [ "$(sha256_of "$dest/$BIN")" = "$want" ]; then
				log "using cached $BIN $version (sha256 verified)"
				add_to_path "$dest"
				return 0
			fi
			log "cached $BIN does not match release/checksums.txt; fetching it again"
		elif cached_source_build_ok "$version" "$dest"; then
			log "using cached $BIN $version (sha256 verified)"
			add_to_path "$dest"
			return 0
		else
			log "cached $BIN does not match the checksum recorded when it was built (or is writable by others); rebuilding it"
		fi
	fi

	# 3. Release asset, verified against the committed checksum list.
	if [ -n "$want" ]; then
		local repo="${GITHUB_ACTION_REPOSITORY:-}"
		[ -n "$repo" ] || repo="ecsflow/ecsflow"
		local base="${ECSFLOW_RELEASE_URL:-${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download}"
		local work
		work="$(scratch_dir)"
		if download "$base/$version/$asset" "$work/$asset"; then
			local got
			got="$(sha256_of "$work/$asset")"
			if [ "$got" != "$want" ]; then
				rm -rf "$work"
				die 3 "checksum mismatch for $asset $version: release/checksums.txt says $want, the download is $got; refusing to run it (report this to the ecsflow maintainers)"
			fi
			install_file "$work/$asset" "$dest"
			rm -rf "$work"
			log "installed $BIN $version (sha256 $got verified)"
			add_to_path "$dest"
			return 0
		fi
		rm -rf "$work"
		log "could not download $asset $version from $base; building from source instead"
		why="ecsflow $version: could not download $asset from $base"
	elif $released; then
		log "release $version has no asset for $OS/$ARCH; building from source"
		why="ecsflow $version has no release asset for $OS/$ARCH"
	else
		why="this ecsflow ref is not a release (its source differs from release/source.sha256; pin a release tag vMAJOR.MINOR.PATCH to run a prebuilt binary)"
	fi

	# 4. Build from source with the runner's Go.
	build_from_source "$version" "$dest" "$why"
	add_to_path "$dest"
}

main "$@"
