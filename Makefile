# The spec-first loop: edit openapi.yaml → make generate → implement → make test.
GO ?= go
OAPI_CODEGEN := $(GO) run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen
STATICCHECK  := $(GO) run honnef.co/go/tools/cmd/staticcheck
RUN_FLAGS    ?= --dev

.PHONY: all generate check-generated build run test unit lint tidy-check clean fuzz load

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

## run: run the server on localhost:8080 with the development tokens
run:
	$(GO) run ./cmd/server $(RUN_FLAGS)

## test: everything CI runs
test: check-generated tidy-check lint unit

## unit: the Go tests, with the race detector
unit:
	$(GO) test -race -count=1 ./...

## fuzz: run every fuzz target for FUZZTIME each (`make test` runs their seed corpora)
FUZZTIME ?= 5m
fuzz:
	@set -e; for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for target in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/p' $$dir/*_test.go); do \
			echo "== $$dir $$target for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$dir; \
		done; \
	done

## load: the long load test, figures printed (`make test` runs a short one)
LOAD_REQUESTS    ?= 200000
LOAD_CONCURRENCY ?= 256
load:
	$(GO) test -count=1 -v -run '^TestLoad$$' -timeout 30m ./impl/load \
		-load.requests=$(LOAD_REQUESTS) -load.concurrency=$(LOAD_CONCURRENCY) -load.max-duration=20m

## lint: gofmt, go vet and staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

## tidy-check: fail if go.mod or go.sum is not tidy
tidy-check:
	$(GO) mod tidy -diff

clean:
	rm -rf bin/

help:
	@grep -E '^## ' Makefile | sed 's/^## /  /'
