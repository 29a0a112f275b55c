# Hearth's front door. Every target works on a machine with only Go.
export CGO_ENABLED := 0
GO ?= go

.DEFAULT_GOAL := help

.PHONY: help run test build generate lint check rename migration fuzz screenshots bench crashtest

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

run: ## build and start the app on http://localhost:8080 (SQLite under data/)
	$(GO) run ./cmd/hearth serve

# The PostgreSQL pass runs the database-backed packages again on this server
# when it answers; HEARTH_REQUIRE_POSTGRES=1 (set by CI) makes its absence fail.
HEARTH_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
PG_PACKAGES := ./models/... ./internal/sessionstore/... ./handlers/... ./cmd/... ./mail/... ./migrations/...

test: ## run every test (SQLite, then PostgreSQL when reachable; browser tests when Chromium is installed)
	@command -v chromium >/dev/null || echo "SKIPPED: the browser tests in e2e/ (Chromium not installed: apt-get install chromium)"
	$(GO) test -count=1 ./...
	@if HEARTH_TEST_POSTGRES_URL='$(HEARTH_TEST_POSTGRES_URL)' $(GO) run ./internal/testdb/pgping; then \
		echo "== PostgreSQL pass ($(HEARTH_TEST_POSTGRES_URL))"; \
		HEARTH_TEST_POSTGRES_URL='$(HEARTH_TEST_POSTGRES_URL)' $(GO) test -count=1 $(PG_PACKAGES); \
	elif [ "$(HEARTH_REQUIRE_POSTGRES)" = "1" ]; then \
		echo "PostgreSQL is required (HEARTH_REQUIRE_POSTGRES=1) but not reachable"; exit 1; \
	else \
		echo "SKIPPED: the PostgreSQL pass (no server at HEARTH_TEST_POSTGRES_URL); only SQLite was tested"; \
	fi

# The kill -9 durability check: the built binary under sign-up load, killed
# with SIGKILL five times and restarted on the same database; every
# acknowledged sign-up must survive. SQLite, then PostgreSQL when reachable.
# HEARTH_SQLITE_SYNCHRONOUS=full make crashtest runs it with that setting.
crashtest: ## kill -9 under write load, then check every acknowledged write (SQLite, then PostgreSQL when reachable)
	HEARTH_CRASHTEST=1 $(GO) test -count=1 -v -run TestCrashKeepsAcknowledgedWrites ./cmd/hearth
	@if HEARTH_TEST_POSTGRES_URL='$(HEARTH_TEST_POSTGRES_URL)' $(GO) run ./internal/testdb/pgping; then \
		echo "== PostgreSQL pass ($(HEARTH_TEST_POSTGRES_URL))"; \
		HEARTH_CRASHTEST=1 HEARTH_TEST_POSTGRES_URL='$(HEARTH_TEST_POSTGRES_URL)' $(GO) test -count=1 -v -run TestCrashKeepsAcknowledgedWrites ./cmd/hearth; \
	else \
		echo "SKIPPED: the PostgreSQL pass (no server at HEARTH_TEST_POSTGRES_URL)"; \
	fi

build: ## build a static binary into bin/hearth
	$(GO) build -trimpath -o bin/hearth ./cmd/hearth

generate: ## regenerate templ components
	$(GO) tool templ generate

lint: ## go vet and a gofmt check
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (echo "gofmt would change:"; gofmt -l .; exit 1)

check: lint ## lint, and verify generated code is committed
	$(GO) tool templ generate
	@git diff --exit-code -- '*_templ.go' || (echo "templ generate changed files: commit them"; exit 1)

migration: ## create a migration: make migration name=add_things
	@test -n "$(name)" || (echo "usage: make migration name=add_things"; exit 1)
	@n=$$( (ls migrations/*.sql | sed -E 's|.*/0*([0-9]+)_.*|\1|'; grep -ho 'NewGoMigration([0-9]*' migrations/*.go | grep -o '[0-9]*$$') | sort -n | tail -1); \
	 f=$$(printf "migrations/%05d_%s.sql" $$((n+1)) "$(name)"); \
	 printf -- "-- +goose Up\n\n-- +goose Down\n" > $$f; echo "created $$f"

rename: ## rename the Go module and the product: make rename MODULE=github.com/acme/app NAME=Acme (either or both)
	@test -n "$(MODULE)$(NAME)" || (echo "usage: make rename MODULE=github.com/acme/app NAME=Acme"; exit 1)
	$(GO) run ./internal/rename -module "$(MODULE)" -name "$(NAME)"

# BENCH_FLAGS="-against /path/to/a/checkout" also builds that checkout's HEAD
# (exported to a temp dir, the checkout untouched) and runs the page scenarios
# on both builds side by side.
BENCH_FLAGS ?=
bench: ## load benchmark on SQLite and PostgreSQL next to a bare Echo baseline; writes docs/benchmarks.md
	$(GO) run ./internal/bench -out docs/benchmarks.md $(BENCH_FLAGS)
	@if HEARTH_TEST_POSTGRES_URL='$(HEARTH_TEST_POSTGRES_URL)' $(GO) run ./internal/testdb/pgping; then \
		$(GO) run ./internal/bench -db '$(HEARTH_TEST_POSTGRES_URL)' -out docs/benchmarks.md $(BENCH_FLAGS); \
	else echo "SKIPPED: the PostgreSQL benchmark (no server at HEARTH_TEST_POSTGRES_URL)"; fi

screenshots: ## refresh the README screenshots from the browser tests (needs Chromium)
	HEARTH_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 ./e2e/

FUZZTIME ?= 10s
fuzz: ## run each fuzz target for FUZZTIME (default 10s)
	$(GO) test -run '^$$' -fuzz '^FuzzSafeNext$$' -fuzztime $(FUZZTIME) ./handlers/
	$(GO) test -run '^$$' -fuzz '^FuzzFormBodies$$' -fuzztime $(FUZZTIME) ./handlers/
	$(GO) test -run '^$$' -fuzz '^FuzzBearerHeader$$' -fuzztime $(FUZZTIME) ./handlers/
	$(GO) test -run '^$$' -fuzz '^FuzzEmail$$' -fuzztime $(FUZZTIME) ./internal/emailaddr/
	$(GO) test -run '^$$' -fuzz '^FuzzNormalize$$' -fuzztime $(FUZZTIME) ./internal/photo/
