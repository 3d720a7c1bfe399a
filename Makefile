# The spec-first loop: edit openapi.yaml → make generate → implement → make test.
GO ?= go
SHELL := bash
OAPI_CODEGEN := $(GO) run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen
STATICCHECK  := $(GO) run honnef.co/go/tools/cmd/staticcheck
OASDIFF      := $(GO) run github.com/oasdiff/oasdiff
BENCHSTAT    := $(GO) run golang.org/x/perf/cmd/benchstat
# make bench: BENCH_COUNT interleaved runs of BENCH_TIME iterations each.
BENCH_COUNT  ?= 10
BENCH_TIME   ?= 2000x
BENCH_OUT    ?= $(or $(TMPDIR),/tmp)/tasks-bench.txt
BENCH_PKGS   := ./impl/httpapi ./impl/validator ./impl/auth/... ./impl/httplog ./impl/redisstore
# Every benchmark but start-up, which is timed apart: one iteration is a whole
# spec load, a third of a second at 1,000 operations.
BENCH_PER_REQUEST := ^Benchmark(Request|Scaling|Verify|Log|Take|ProofsAdd)
# spec-diff compares openapi.yaml with its version at BASE: origin/main if
# there is one, else the previous commit.
BASE         ?= $(shell git rev-parse -q --verify origin/main >/dev/null 2>&1 && echo origin/main || echo HEAD~1)
RUN_FLAGS    ?= --dev --db sqlite:data/app.db
MIGRATE_FLAGS ?= --db sqlite:data/app.db

.PHONY: all check-options rename resource check-rename generate check-generated build run migrate test unit lint lint-spec lint-spec-redocly spec-diff spec-diff-files tidy-check clean fuzz load bench bench-smoke ogen-bench bench-http bench-http-smoke
.PHONY: node e2e swagger-ui check-ts-types check-swagger-ui

# The ogen comparison (docs/PERFORMANCE.md) is a module of its own, which a
# gonew copy or a fork that removed it does not have: its targets then do
# nothing.
OGEN_BENCH   := $(wildcard docs/ogen-bench/go.mod)
OGEN_MAKE    := $(if $(OGEN_BENCH),$(MAKE) -C docs/ogen-bench,@true)

# Node packages (e2e/package-lock.json): the browser test, the TypeScript
# generator and client, and the Swagger UI files served by /docs.
NPM_CI       := e2e/node_modules/.package-lock.json
OPENAPI_TS   := cd e2e && node_modules/.bin/openapi-typescript
SWAGGER_UI   := swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE NOTICE

all: test

## rename: make a fork yours: make rename MODULE=example.com/acme/orders-api NAME="Orders API" ENV_PREFIX=ORDERS (docs/FORKING.md)
rename:
	@if [ -z "$(MODULE)" ] || [ -z "$(NAME)" ] || [ -z "$(ENV_PREFIX)" ]; then \
		echo 'usage: make rename MODULE=example.com/acme/orders-api NAME="Orders API" ENV_PREFIX=ORDERS'; exit 2; fi
	$(GO) run ./cmd/rename -module "$(MODULE)" -name "$(NAME)" -env-prefix "$(ENV_PREFIX)"

## resource: add a resource: make resource NAME=project FIELDS="name:string:1..100,archived:boolean?" [PARENT=task] [PLURAL=…] [SCOPES="read write"] [DRY_RUN=1] (docs/FORKING.md)
resource:
	@if [ -z "$(NAME)" ] || [ -z "$(FIELDS)" ]; then \
		echo 'usage: make resource NAME=project FIELDS="name:string:1..100,archived:boolean?" [PARENT=task] [PLURAL=…] [SCOPES="read write"] [DRY_RUN=1]'; exit 2; fi
	$(GO) run ./cmd/resource -name "$(NAME)" -parent "$(PARENT)" -fields "$(FIELDS)" -plural "$(PLURAL)" -scopes "$(SCOPES)" $(if $(filter-out 0,$(DRY_RUN)),-dry-run)

## check-rename: rename a temporary clone, then build, vet and run its Go tests; and a gonew copy (make test runs it)
check-rename:
	$(GO) test -count=1 -timeout 30m -tags gonew -run '^TestGonewCopy$$' ./cmd/rename
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp" "$$tmp.old"' EXIT; \
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then git ls-files -z | tar --null -T - -cf - ; \
	else tar --exclude=./.git --exclude=node_modules --exclude=./bin --exclude=./data --exclude=./e2e/out -cf - . ; fi | tar -xf - -C "$$tmp" && \
	$(GO) run ./cmd/rename -leftovers > "$$tmp.old" && \
	cd "$$tmp" && git init -q && git add -A && git -c user.name=ci -c user.email=ci@localhost commit -qm copy && \
	$(GO) run ./cmd/rename -module example.com/acme/orders-api -name "Orders API" -env-prefix ORDERS && \
	if git grep -n -F -f "$$tmp.old" ; then \
		echo "check-rename: the old names above ($$(paste -sd, "$$tmp.old")) survived the rename"; exit 1; fi && \
	$(GO) build ./... && $(GO) vet ./... && $(GO) test -count=1 ./... && \
	echo "check-rename: the renamed copy builds, vets and passes its tests"

## generate: regenerate gen/ (the Go code and gen/openapi.d.ts) from openapi.yaml (never edit gen/ by hand)
# Only what the fork owns: the ogen comparison generates from its own frozen
# copy of the spec (make -C docs/ogen-bench refresh-spec), so a scheme ogen
# does not implement (openIdConnect) cannot break this loop.
generate: $(NPM_CI)
	$(OAPI_CODEGEN) -config gen/oapi-codegen.yaml openapi.yaml
	$(OPENAPI_TS) ../openapi.yaml -o ../gen/openapi.d.ts

## check-generated: fail if gen/ does not match what openapi.yaml generates (and docs/ogen-bench/api/ its frozen spec)
check-generated: check-ts-types check-swagger-ui
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	sed "s|^output: .*|output: $$tmp/gen.go|" gen/oapi-codegen.yaml > "$$tmp/config.yaml"; \
	$(OAPI_CODEGEN) -config "$$tmp/config.yaml" openapi.yaml && \
	diff -u gen/gen.go "$$tmp/gen.go" > "$$tmp/diff" || { \
		echo "gen/ is stale: run 'make generate' and commit the result. The first lines of the difference:"; head -40 "$$tmp/diff"; exit 1; }
	@$(OGEN_MAKE) -s check-generated
	@echo "gen/ is up to date"

check-ts-types: $(NPM_CI)
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(OPENAPI_TS) ../openapi.yaml -o "$$tmp/openapi.d.ts" >/dev/null && cd .. && \
	diff -u gen/openapi.d.ts "$$tmp/openapi.d.ts" > "$$tmp/diff" || { \
		echo "gen/openapi.d.ts is stale: run 'make generate' and commit the result. The first lines of the difference:"; head -40 "$$tmp/diff"; exit 1; }

## swagger-ui: refresh impl/docs/swaggerui/ from swagger-ui-dist in e2e/package-lock.json
swagger-ui: $(NPM_CI)
	cp $(addprefix e2e/node_modules/swagger-ui-dist/,$(SWAGGER_UI)) impl/docs/swaggerui/

check-swagger-ui: $(NPM_CI)
	@for f in $(SWAGGER_UI); do cmp -s e2e/node_modules/swagger-ui-dist/$$f impl/docs/swaggerui/$$f || { \
		echo "impl/docs/swaggerui/$$f differs from swagger-ui-dist in e2e/package-lock.json: run 'make swagger-ui' and commit"; exit 1; }; done

## e2e: the browser test of /docs and the TypeScript client, against the real server
e2e: $(NPM_CI)
	cd e2e && npm test

node:
	@command -v node >/dev/null && command -v npm >/dev/null || { \
		echo "Node.js 20 or newer with npm is needed for gen/openapi.d.ts and the browser test:"; \
		echo "  install it from your distribution or nodejs.org, then run make again"; exit 1; }

$(NPM_CI): e2e/package-lock.json | node
	cd e2e && npm ci --no-audit --no-fund

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
test: check-generated tidy-check lint lint-spec spec-diff unit bench-smoke ogen-bench bench-http-smoke e2e check-rename check-options

## unit: the Go tests, with the race detector, and the tests of the spec guards (they run make and npm)
# -timeout 30m: cmd/resource's end-to-end test builds and tests a copy of the
# repository, over 10 minutes on a cold build cache.
unit: $(NPM_CI)
	$(GO) test -race -count=1 -timeout 30m ./...
	$(GO) test -count=1 -timeout 30m -tags guards ./cmd/speclint

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

## lint-spec: lint openapi.yaml: Redocly's rules (e2e/redocly.yaml), then the security contract (cmd/speclint)
lint-spec: lint-spec-redocly
	$(GO) run ./cmd/speclint openapi.yaml

# lint-spec-redocly: the general OpenAPI linter on SPEC (cmd/speclint tests it)
SPEC ?= openapi.yaml
lint-spec-redocly: $(NPM_CI)
	@cd e2e && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
		node_modules/.bin/redocly lint --config redocly.yaml --format stylish "$(abspath $(SPEC))" 2>&1 | grep -v '[║╔╚]'; \
		exit $${PIPESTATUS[0]}

## spec-diff: fail on breaking changes to openapi.yaml since BASE (make spec-diff BASE=v1.2.0)
spec-diff:
	@if ! git rev-parse -q --verify "$(BASE)^{commit}" >/dev/null 2>&1; then \
		echo "spec-diff: skipped: no git ref '$(BASE)' here (no history, or a shallow clone)"; exit 0; fi; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	if ! git show "$(BASE):openapi.yaml" > "$$tmp/base.yaml" 2>/dev/null; then \
		echo "spec-diff: skipped: $(BASE) has no openapi.yaml"; exit 0; fi; \
	$(MAKE) -s spec-diff-files BASE_SPEC="$$tmp/base.yaml" REV_SPEC=openapi.yaml && \
	echo "spec-diff: no breaking changes since $(BASE)"

# spec-diff-files: the check itself, on two files (cmd/speclint tests it).
# .ci/oasdiff-accepted lists the breaking changes made on purpose.
# .ci/oasdiff-levels makes a value added to a response enum a warning: the one
# such enum that grows is ProblemCode, an open set (RFC 9457 clients must
# tolerate codes they do not know); review the warnings it prints.
spec-diff-files:
	$(OASDIFF) breaking --fail-on ERR --severity-levels .ci/oasdiff-levels --err-ignore .ci/oasdiff-accepted "$(BASE_SPEC)" "$(REV_SPEC)"

## bench: the benchmarks, BENCH_COUNT interleaved runs, compared with benchstat (docs/PERFORMANCE.md)
bench:
	@rm -f "$(BENCH_OUT)"
	@for i in $$(seq $(BENCH_COUNT)); do echo "run $$i of $(BENCH_COUNT)" >&2; \
		$(GO) test -run '^$$' -bench '$(BENCH_PER_REQUEST)' -benchmem -benchtime=$(BENCH_TIME) $(BENCH_PKGS) >> "$(BENCH_OUT)" && \
		$(GO) test -run '^$$' -bench Startup -benchmem -benchtime=3x ./impl/validator >> "$(BENCH_OUT)" || exit 1; done
	@echo "== Requests: the full stack and its options, against bare chi (the first column)"
	@$(BENCHSTAT) -filter '.name:/^Request/' -col /stack "$(BENCH_OUT)"
	@echo "== Validation against spec size, start-up, token verification"
	@$(BENCHSTAT) -filter '-.name:/^Request/' "$(BENCH_OUT)"
	@echo "raw results: $(BENCH_OUT)"

# bench-smoke: every benchmark, briefly, so that none can rot (no timing is judged)
bench-smoke:
	@out=$$($(GO) test -run '^$$' -bench '$(BENCH_PER_REQUEST)' -benchtime=100x $(BENCH_PKGS) 2>&1 && \
		$(GO) test -run '^$$' -bench Startup -benchtime=1x ./impl/validator 2>&1) || { echo "$$out"; exit 1; }; \
	echo "benchmarks ran"

## bench-http: bare chi, full (access log to a file), full (log discarded) and ogen as server processes on each database, and bare chi on a Go map, under loopback load, from outside (docs/PERFORMANCE.md); knobs BENCH_HTTP_DBS (some of memory,sqlite,postgres; all by default), BENCH_HTTP_ROUNDS, BENCH_HTTP_REQUESTS, BENCH_HTTP_WARMUP, BENCH_HTTP_CONNECTIONS, BENCH_HTTP_PROFILE (a folder for CPU profiles), BENCH_HTTP_PIN (yes: servers on CPU 0, load and PostgreSQL on the others)
bench-http:
	$(OGEN_MAKE) bench-http $(if $(BENCH_HTTP_PROFILE),BENCH_HTTP_PROFILE=$(abspath $(BENCH_HTTP_PROFILE)))

# bench-http-smoke: bench-http briefly, every stack on every database, statuses and list items checked, no timing judged
bench-http-smoke:
	$(OGEN_MAKE) bench-http-smoke

# ogen-bench: the ogen comparison (its own module, docs/ogen-bench) still
# builds and answers as the spec says, so that it cannot rot (check-generated
# checks that it is generated from its frozen copy of the spec)
ogen-bench:
	$(OGEN_MAKE) test

## tidy-check: fail if go.mod or go.sum is not tidy
tidy-check:
	$(GO) mod tidy -diff

clean:
	rm -rf bin/ e2e/out/

help:
	@grep -E '^## ' Makefile | sed 's/^## /  /'

## check-options: remove each removable option from a temporary copy as docs/FORKING.md says (its files, its marked lines, its scheme in the spec, then regenerate), then build and vet the copy (make test runs it)
# Each copy is made at the same path, so that the build cache serves the
# packages a removal does not touch. An option's scheme in openapi.yaml:
# its entry under securitySchemes and every `- NAME: []` requirement.
REMOVABLE_OPTIONS ?= apikey dpop introspect jwt mcp oidc ratelimit redis telemetry
check-options:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for opt in $(REMOVABLE_OPTIONS); do \
		case $$opt in apikey) scheme=apiKeyAuth ;; *) scheme= ;; esac; \
		rm -rf "$$tmp/src" && mkdir "$$tmp/src" && \
		git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$$tmp/src" && \
		( cd "$$tmp/src" && \
		  find . -iname "*$$opt*" -prune -exec rm -rf {} + && \
		  grep -rl --include='*.go' "option:$$opt" . | xargs -r sed -i "/option:$$opt/d" && \
		  if [ -n "$$scheme" ]; then \
			awk -v s="$$scheme" '$$0 ~ "^ *- "s": \\[\\]$$" { next } \
				drop && (/^      / || /^$$/) { next } { drop = 0 } \
				$$0 == "    "s":" { drop = 1; next } { print }' openapi.yaml > openapi.tmp && mv openapi.tmp openapi.yaml && \
			! grep -q "^ *- $$scheme: \[\]" openapi.yaml && \
			$(OAPI_CODEGEN) -config gen/oapi-codegen.yaml openapi.yaml; fi && \
		  $(GO) test -count=1 -run '^TestConfigTable$$' ./cmd/server -update >/dev/null && \
		  $(GO) build ./... && $(GO) vet ./... ) || { echo "check-options: removing $$opt as docs/FORKING.md says breaks the build"; exit 1; }; \
		echo "check-options: $$opt removed, the rest builds and vets"; \
	done
