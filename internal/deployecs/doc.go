// Package deployecs is the deploy-ecs action (ADR 0006): ParseConfig reads
// every input into a Config without any AWS call, Deps' zero value is the
// real thing, and Run checks the plan against AWS through the deploy
// engine (internal/deploy), takes the ledger locks, deploys, sets the
// outputs, writes the summary and records each deployment in the ledger.
// The engine names no input; Run turns what it finds wrong into the
// bad-input error of the input at fault (exit 2).
package deployecs
