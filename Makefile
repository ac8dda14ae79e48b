# ecsflow — quick start: `make demo` (local sandbox, no AWS account) and `make test`.
GO       ?= go
ACTIONS  := validate build-push deploy-ecs drift-check rollback
BIN      := bin
LDFLAGS  := -s -w -X github.com/ecsflow/ecsflow/internal/cli.version=$(or $(VERSION),dev)
TESTFLAGS ?= -race -shuffle=on -count=1 -timeout=20m

.PHONY: all build test unit demo bench docs lint tidy clean

all: build

# Build every action binary the way the release does (static, trimmed).
build:
	@mkdir -p $(BIN)
	@for a in $(ACTIONS); do \
		if [ -f actions/$$a/main.go ]; then \
			CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/$$a ./actions/$$a || exit 1; \
		fi; \
	done

# Every test: unit, sandbox integration (moto + local registry) and act end-to-end.
test: build
	$(GO) vet ./...
	PATH="$(CURDIR)/$(BIN):$$(go env GOPATH)/bin:$$PATH" $(GO) test $(TESTFLAGS) ./...

# Unit tests only (no sandbox, no act): fast feedback while coding.
unit:
	$(GO) test -short -count=1 ./...

# Bring up the local sandbox and run the pipeline against the example stack.
demo: build
	PATH="$(CURDIR)/$(BIN):$$(go env GOPATH)/bin:$$PATH" $(GO) run ./cmd/demo

# Benchmarks and comparison reports (see scripts/bench/).
bench: build
	$(GO) test -run='^$$' -bench=. -benchmem -count=1 ./...
	@for s in scripts/bench/*.sh; do [ -f "$$s" ] && bash "$$s" || true; done

# Regenerate the input/output tables of each action README and the rules reference.
docs:
	$(GO) run ./cmd/docgen

lint:
	$(GO) vet ./...
	actionlint

clean:
	rm -rf $(BIN)
