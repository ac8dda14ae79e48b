# ecsflow — quick start: `make demo` (local sandbox, no AWS account) and `make test`.
GO        ?= go
ACTIONS   := validate build-push deploy-ecs drift-check rollback optimize
BIN       := bin
GOBIN_DIR := $(shell $(GO) env GOPATH)/bin
LDFLAGS   := -s -w -X github.com/ecsflow/ecsflow/internal/cli.version=$(or $(VERSION),dev)
TESTFLAGS ?= -race -shuffle=on -count=1 -timeout=20m
# The e2e tests and the demo use the binaries `make build` wrote, exactly as
# the release builds them; act and actionlint come from $(GOBIN_DIR).
RUNENV    := ECSFLOW_BIN_DIR="$(CURDIR)/$(BIN)" PATH="$(CURDIR)/$(BIN):$(GOBIN_DIR):$$PATH"

.PHONY: all build test unit e2e demo sandbox bench fuzz docs lint clean

all: build

# Build every action binary the way the release does (static, trimmed):
# bin/ecsflow-<action>, the name each action.yml runs.
build:
	@mkdir -p $(BIN)
	@for a in $(ACTIONS); do \
		if [ -f actions/$$a/main.go ]; then \
			CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/ecsflow-$$a ./actions/$$a || exit 1; \
		fi; \
	done

# Every test: unit, sandbox integration (moto + local registry + ECS
# simulator) and act end-to-end runs of the actions and workflows.
test: build
	$(GO) vet ./...
	$(RUNENV) $(GO) test $(TESTFLAGS) ./...

# Everything but the act end-to-end runs (no race detector): fast feedback
# while coding. Integration tests still start their sandbox (about 1 s).
unit:
	$(GO) test -short -count=1 $$($(GO) list ./... | grep -v -e /internal/testenv/e2e -e /cmd/demo)

# Only the act end-to-end runs.
e2e: build
	$(RUNENV) $(GO) test -count=1 -timeout=15m ./internal/testenv/e2e/...

# Bring up the local sandbox and run the pipeline against the example stack.
demo: build
	$(RUNENV) $(GO) run ./cmd/demo

# A sandbox for your shell: prints export lines and writes .sandbox/env;
# stop it with Ctrl-C or `go run ./cmd/sandbox down`.
# Your own stack: make sandbox STACK=infra REGION=eu-west-1 [VAR_FILE=envs/dev.tfvars]
# [BACKEND_CONFIG=backend/dev.s3.tfbackend] (files relative to the stack).
sandbox:
	$(GO) run ./cmd/sandbox up $(if $(STACK),--stack $(STACK)) $(if $(REGION),--region $(REGION)) \
		$(if $(VAR_FILE),--var-file $(VAR_FILE)) $(if $(BACKEND_CONFIG),--backend-config $(BACKEND_CONFIG))

# Benchmarks and comparison reports (see scripts/bench/).
bench: build
	$(RUNENV) $(GO) test -run='^$$' -bench=. -benchmem -count=1 ./...
	@for s in scripts/bench/*.sh; do [ -f "$$s" ] && $(RUNENV) bash "$$s" || true; done

# Every fuzz target (discovered by scripts/fuzz.sh) for FUZZTIME each; CI
# runs only the committed seed corpora, as part of go test.
FUZZTIME  ?= 20s
fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

# Regenerate the input/output tables of each action README, the root
# action.yml, the workflow reference and the rules reference (docs/rules.md).
docs:
	$(GO) run ./cmd/docgen
	$(GO) run ./cmd/docgen/rules

# Static checks: vet, staticcheck, gofmt, actionlint (with shellcheck),
# shellcheck on the scripts, generated docs up to date, terraform fmt on the
# example when terraform is installed. staticcheck comes from $(GOBIN_DIR)
# (go install honnef.co/go/tools/cmd/staticcheck@v0.8.2, as .ci/run does).
lint:
	$(GO) vet ./...
	PATH="$(GOBIN_DIR):$$PATH" staticcheck ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: run gofmt -w on the files above"; exit 1; }
	PATH="$(GOBIN_DIR):$$PATH" actionlint
	shellcheck scripts/*.sh scripts/bench/*.sh .ci/run
	$(GO) run ./cmd/docgen -check
	@if command -v terraform >/dev/null; then terraform fmt -check -recursive examples; else echo "terraform not installed: skipped terraform fmt -check"; fi

clean:
	rm -rf $(BIN) .sandbox
