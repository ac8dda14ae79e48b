#!/usr/bin/env bash
# aws-oidc.sh — sign a job in to AWS with its GitHub OIDC token.
#
# Usage: aws-oidc.sh <role-arn> [region]
#
# Exchanges the job's OIDC token (needs `permissions: id-token: write`) for a
# one-hour session of role-arn (sts:AssumeRoleWithWebIdentity) and exports
# AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_REGION
# to the following steps through $GITHUB_ENV, masked in the log. Used by the
# reusable workflows for Terraform; ecsflow's own actions take role-to-assume
# directly. Needs curl, jq and the AWS CLI (all on GitHub's hosted runners).
set -euo pipefail

err() {
	echo "::error title=aws-oidc::$*"
	exit "${code:-3}"
}

if [ $# -lt 1 ] || [ -z "$1" ]; then
	code=2 err "usage: aws-oidc.sh <role-arn> [region]; the role ARN is empty (check the aws-roles input)"
fi
role=$1
region=${2:-${AWS_REGION:-}}
if [ -z "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ] || [ -z "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" ]; then
	code=2 err "no OIDC token available: give the job permissions: id-token: write"
fi
command -v aws >/dev/null 2>&1 || err "the AWS CLI is not installed on this runner"

token="$(curl -fsS --retry 3 -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
	"$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com" | jq -r '.value // empty')" ||
	err "failed to get the GitHub OIDC token"
[ -n "$token" ] || err "the GitHub OIDC token answer had no value"
echo "::add-mask::$token"

session="ecsflow-${GITHUB_RUN_ID:-local}-${GITHUB_RUN_ATTEMPT:-1}"
region_args=()
if [ -n "$region" ]; then region_args=(--region "$region"); fi
creds="$(aws sts assume-role-with-web-identity "${region_args[@]}" --role-arn "$role" \
	--role-session-name "$session" --web-identity-token "$token" --duration-seconds 3600 \
	--query Credentials --output json)" ||
	err "AssumeRoleWithWebIdentity for $role was refused; compare the role's trust policy with this job's subject (docs/troubleshooting.md)"

key="$(jq -r .AccessKeyId <<<"$creds")"
secret="$(jq -r .SecretAccessKey <<<"$creds")"
session_token="$(jq -r .SessionToken <<<"$creds")"
echo "::add-mask::$secret"
echo "::add-mask::$session_token"
{
	echo "AWS_ACCESS_KEY_ID=$key"
	echo "AWS_SECRET_ACCESS_KEY=$secret"
	echo "AWS_SESSION_TOKEN=$session_token"
	if [ -n "$region" ]; then
		echo "AWS_REGION=$region"
		echo "AWS_DEFAULT_REGION=$region"
	fi
} >>"${GITHUB_ENV:?GITHUB_ENV is not set: run this inside GitHub Actions}"
echo "assumed $role as $session"
