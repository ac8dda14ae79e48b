#!/usr/bin/env bash
# notify.sh — post a one-line workflow result to Slack and/or Microsoft Teams.
#
# Usage: notify.sh <status> <title> [details]
#   status   success | failure | cancelled | skipped (anything else is shown as is)
#
# Reads the incoming-webhook URLs from SLACK_WEBHOOK_URL and TEAMS_WEBHOOK_URL
# (secrets; either may be empty, then nothing is sent to it) and links the run
# from GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID. A failed post
# is a warning, never a failed job: the notification must not hide the result.
# The URLs are never printed (secrets are masked by the runner as well).
set -euo pipefail

[ $# -ge 2 ] || {
	echo "usage: notify.sh <status> <title> [details]" >&2
	exit 2
}
status=$1
title=$2
details=${3:-}

case "$status" in
success) icon="✅" ;;
failure) icon="❌" ;;
cancelled) icon="⚪" ;;
skipped) icon="⏭" ;;
*) icon="ℹ️" ;;
esac
run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"
text="$icon $title: $status"
[ -n "$details" ] && text="$text — $details"
text="$text ($run_url)"

post() {
	local name=$1 url=$2 body=$3
	if ! curl -fsS --retry 3 --retry-delay 2 --max-time 20 -H 'Content-Type: application/json' -d "$body" "$url" >/dev/null; then
		echo "::warning title=notify::could not post to $name; check the webhook secret"
	fi
}

sent=0
if [ -n "${SLACK_WEBHOOK_URL:-}" ]; then
	post Slack "$SLACK_WEBHOOK_URL" "$(jq -cn --arg t "$text" '{text: $t}')"
	sent=$((sent + 1))
fi
if [ -n "${TEAMS_WEBHOOK_URL:-}" ]; then
	post Teams "$TEAMS_WEBHOOK_URL" "$(jq -cn --arg t "$text" '{
		type: "message",
		attachments: [{
			contentType: "application/vnd.microsoft.card.adaptive",
			content: {
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
				type: "AdaptiveCard",
				version: "1.4",
				body: [{type: "TextBlock", text: $t, wrap: true}]
			}
		}]
	}')"
	sent=$((sent + 1))
fi
echo "notify: $text (sent to $sent webhook(s))"
