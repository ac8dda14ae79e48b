#!/usr/bin/env bash
# setup-terraform.sh — make terraform <version> available to later steps.
#
# Usage: setup-terraform.sh <version>
#
# Uses a terraform already on the PATH when it is that version; else the
# runner tool cache; else downloads the release zip from releases.hashicorp.com,
# checks it against the release's SHA256SUMS, unpacks it into the tool cache
# and adds it to $GITHUB_PATH.
set -euo pipefail

err() {
	echo "::error title=setup-terraform::$*"
	exit 3
}

version=${1:?usage: setup-terraform.sh <version>}
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || {
	echo "::error title=setup-terraform::version \"$version\" is not MAJOR.MINOR.PATCH"
	exit 2
}

if command -v terraform >/dev/null 2>&1 &&
	[ "$(terraform version -json 2>/dev/null | jq -r .terraform_version)" = "$version" ]; then
	echo "terraform $version is on the PATH: $(command -v terraform)"
	exit 0
fi

case "$(uname -s)" in
Linux) os=linux ;;
Darwin) os=darwin ;;
*) err "unsupported OS $(uname -s)" ;;
esac
case "$(uname -m)" in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) err "unsupported architecture $(uname -m)" ;;
esac

dir="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/terraform/$version/$os-$arch"
if [ ! -x "$dir/terraform" ]; then
	work="$(mktemp -d)"
	zip="terraform_${version}_${os}_${arch}.zip"
	base="https://releases.hashicorp.com/terraform/$version"
	curl -fsSL --retry 3 -o "$work/$zip" "$base/$zip" || err "failed to download $base/$zip"
	curl -fsSL --retry 3 -o "$work/SHA256SUMS" "$base/terraform_${version}_SHA256SUMS" || err "failed to download the checksums of terraform $version"
	want="$(awk -v z="$zip" '$2 == z { print $1 }' "$work/SHA256SUMS")"
	got="$(sha256sum "$work/$zip" | cut -d' ' -f1)"
	if [ -z "$want" ] || [ "$want" != "$got" ]; then
		err "checksum mismatch for $zip (want $want, got $got)"
	fi
	mkdir -p "$dir"
	unzip -o -q "$work/$zip" terraform -d "$dir"
	rm -rf "$work"
fi
echo "$dir" >>"${GITHUB_PATH:?GITHUB_PATH is not set: run this inside GitHub Actions}"
echo "terraform $version from $dir"
