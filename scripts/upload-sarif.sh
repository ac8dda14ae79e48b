#!/usr/bin/env bash
# upload-sarif.sh — send a SARIF file to GitHub code scanning.
#
# Usage: upload-sarif.sh <file.sarif>
#
# POSTs the gzipped, base64-encoded SARIF to the code-scanning API for this
# commit and ref (GITHUB_SHA, GITHUB_REF: for a pull request, its merge
# ref), with GITHUB_TOKEN (the job needs `permissions: security-events: write`).
set -euo pipefail

file=${1:?usage: upload-sarif.sh <file.sarif>}
[ -f "$file" ] || {
	echo "::error title=upload-sarif::$file does not exist"
	exit 2
}
: "${GITHUB_TOKEN:?GITHUB_TOKEN is not set}"
api="${GITHUB_API_URL:-https://api.github.com}/repos/${GITHUB_REPOSITORY:?}/code-scanning/sarifs"
body="$(mktemp)"
gzip -c "$file" | base64 | tr -d '\n' |
	jq -Rs --arg sha "${GITHUB_SHA:?}" --arg ref "${GITHUB_REF:?}" \
		'{commit_sha: $sha, ref: $ref, sarif: ., tool_name: "ecsflow validate"}' >"$body"
if ! out="$(curl -fsS --retry 3 -X POST -H "Authorization: Bearer $GITHUB_TOKEN" \
	-H "Accept: application/vnd.github+json" --data-binary "@$body" "$api" 2>&1)"; then
	rm -f "$body"
	echo "::warning title=upload-sarif::code scanning refused the upload ($out); forks and repositories without code scanning cannot receive SARIF"
	exit 0
fi
rm -f "$body"
echo "uploaded $file to code scanning: $(jq -r '.id // .url // "ok"' <<<"$out" 2>/dev/null || echo ok)"
