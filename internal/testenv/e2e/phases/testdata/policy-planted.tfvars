# Planted for the policy e2e: dev keeps logs at least 7 days
# (examples/open-webui/policies/data.yaml).
log_retention_days = 3
