# The spec-first loop: edit openapi.yaml → make generate → implement → make test.
GO ?= go
OAPI_CODEGEN := $(GO) run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen
STATICCHECK  := $(GO) run honnef.co/go/tools/cmd/staticcheck
OASDIFF      := $(GO) run github.com/oasdiff/oasdiff
# spec-diff compares openapi.yaml with its version at BASE: origin/main if
# there is one, else the previous commit.
BASE         ?= $(shell git rev-parse -q --verify origin/main >/dev/null 2>&1 && echo origin/main || echo HEAD~1)
RUN_FLAGS    ?= --dev --db sqlite:data/app.db
MIGRATE_FLAGS ?= --db sqlite:data/app.db

.PHONY: all generate check-generated build run migrate test unit lint lint-spec spec-diff spec-diff-files tidy-check clean

all: test

## generate: regenerate gen/ from openapi.yaml (never edit gen/ by hand)
generate:
	$(OAPI_CODEGEN) -config gen/oapi-codegen.yaml openapi.yaml

## check-generated: fail if gen/ does not match what openapi.yaml generates
check-generated:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	sed "s|^output: .*|output: $$tmp/gen.go|" gen/oapi-codegen.yaml > "$$tmp/config.yaml"; \
	$(OAPI_CODEGEN) -config "$$tmp/config.yaml" openapi.yaml && \
	diff -u gen/gen.go "$$tmp/gen.go" > "$$tmp/diff" || { \
		head -40 "$$tmp/diff"; echo "gen/ is stale: run 'make generate' and commit the result"; exit 1; }
	@echo "gen/ is up to date"

## build: build the server and the token minter into bin/
build:
	$(GO) build -o bin/ ./cmd/...

## run: run the server on localhost:8080 with the development tokens, keeping tasks in data/app.db
run:
	@mkdir -p data
	$(GO) run ./cmd/server $(RUN_FLAGS)

## migrate: apply pending schema migrations (MIGRATE_FLAGS="--db postgres://…" for another database)
migrate:
	@mkdir -p data
	$(GO) run ./cmd/server migrate $(MIGRATE_FLAGS)

## test: everything CI runs
test: check-generated tidy-check lint lint-spec spec-diff unit

## unit: the Go tests, with the race detector
unit:
	$(GO) test -race -count=1 ./...

## lint: gofmt, go vet and staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

## lint-spec: the spec's security contract (cmd/speclint)
lint-spec:
	$(GO) run ./cmd/speclint openapi.yaml

## spec-diff: fail on breaking changes to openapi.yaml since BASE (make spec-diff BASE=v1.2.0)
spec-diff:
	@if ! git rev-parse -q --verify "$(BASE)^{commit}" >/dev/null 2>&1; then 		echo "spec-diff: skipped: no git ref '$(BASE)' here (no history, or a shallow clone)"; exit 0; fi; 	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; 	if ! git show "$(BASE):openapi.yaml" > "$$tmp/base.yaml" 2>/dev/null; then 		echo "spec-diff: skipped: $(BASE) has no openapi.yaml"; exit 0; fi; 	$(MAKE) -s spec-diff-files BASE_SPEC="$$tmp/base.yaml" REV_SPEC=openapi.yaml && echo "spec-diff: no breaking changes since $(BASE)"

# spec-diff-files: the check itself, on two files (cmd/speclint tests it).
# .oasdiff-levels makes a value added to a response enum a warning: the one
# such enum that grows is ProblemCode, an open set (RFC 9457 clients must
# tolerate codes they do not know); review the warnings it prints.
spec-diff-files:
	$(OASDIFF) breaking --fail-on ERR --severity-levels .oasdiff-levels "$(BASE_SPEC)" "$(REV_SPEC)"

## tidy-check: fail if go.mod or go.sum is not tidy
tidy-check:
	$(GO) mod tidy -diff

clean:
	rm -rf bin/

help:
	@grep -E '^## ' Makefile | sed 's/^## /  /'
