# Herald's entry points. `make help` lists the targets that exist right now: a target
# that starts processes, runs migrations, benchmarks or replays appears only once the
# files it runs exist.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PNPM_VERSION := 12.4.2
# The whole test run's bound (scripts/run-tests.mjs stops at 75 min itself and still prints its summary).
TEST_TIMEOUT ?= 80m
ARGS ?=

MAINS := $(wildcard packages/command-api/src/main.ts packages/projections/src/main.ts packages/notifier/src/main.ts)
MIGRATIONS := $(wildcard packages/eventstore/src/cli/migrate.ts packages/projections/src/cli/migrate.ts)
# A benchmark is a bench/*.ts that writes a report; helpers it spawns (a baseline server, say) are not run.
BENCHES := $(sort $(shell grep -l writeBenchReport $(wildcard packages/*/bench/*.ts) /dev/null 2>/dev/null))
BENCH_TIMEOUT ?= 30m
HERALD := $(wildcard packages/cli/src/main.ts)
MIGRATE := $(if $(MIGRATIONS),migrate)

.PHONY: help deps services test typecheck down status config-table chromium

help::
	@echo 'make test        install what is missing, ready the services, run every test (ARGS=<file filter>)'
	@echo 'make services    ready PostgreSQL, Redis and RabbitMQ (bash infra/services.sh [--check])'
	@echo 'make deps        pnpm (if missing) and node_modules from the lockfile'
	@echo 'make typecheck   tsc over every package'
	@echo 'make config-table  rewrite the README configuration table from the settings'

deps:
	@command -v pnpm >/dev/null || npm i -g pnpm@$(PNPM_VERSION)
	@pnpm install --frozen-lockfile

services:
	@bash infra/services.sh

# The web page's browser test drives Debian's Chromium; without it that test skips with
# the reason, so a failed install does not fail the run.
chromium:
	@[ -x /usr/bin/chromium ] || { echo 'chromium: installing (apt-get install chromium) for the web page browser test'; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo -n); export DEBIAN_FRONTEND=noninteractive; \
	  { $$sudo apt-get install -y -qq chromium </dev/null || { $$sudo apt-get update -qq && $$sudo apt-get install -y -qq chromium </dev/null; }; } \
	  || echo 'chromium: could not be installed; the browser test will skip'; }

# Setup failures still end with the summary line CI reads.
test:
	@$(MAKE) chromium || true
	@$(MAKE) deps services || { echo 'make test: could not install dependencies or ready the services (see above)'; echo '0 passed, 1 failed, 0 skipped'; exit 1; }
	@status=0; timeout --kill-after=30s $(TEST_TIMEOUT) node scripts/run-tests.mjs $(ARGS) || status=$$?; \
	if [ $$status -eq 124 ] || [ $$status -eq 137 ]; then echo "make test: the run did not finish within $(TEST_TIMEOUT)"; echo '0 passed, 1 failed, 0 skipped'; fi; \
	exit $$status

typecheck: deps
	@npx tsc -p tsconfig.json --noEmit

config-table: deps
	@node --import tsx scripts/config-table.ts --write

down:
	@node scripts/processes.mjs down

status:
	@node scripts/processes.mjs status

ifneq ($(MIGRATIONS),)
.PHONY: migrate
help::
	@echo 'make migrate     apply the event store and read-model migrations'
migrate: deps services
	@$(foreach m,$(MIGRATIONS),echo 'migrate: $(m)'; node --import tsx $(m);)
endif

ifneq ($(MAINS),)
.PHONY: run up
help::
	@echo 'make run         ready everything and start every process in the foreground; Ctrl-C stops them'
	@echo 'make up / down   the same in the background (logs and pids in .run/); also make status'
run: deps services $(MIGRATE)
	@exec node scripts/processes.mjs run

up: deps services $(MIGRATE)
	@node scripts/processes.mjs up
endif

ifneq ($(BENCHES),)
.PHONY: bench
help::
	@echo 'make bench       run every packages/*/bench/*.ts, then one summary table'
bench: deps services $(MIGRATE)
	@failed=0; for bench in $(BENCHES); do \
	  echo "== $$bench"; timeout --kill-after=30s $(BENCH_TIMEOUT) node --import tsx $$bench || { echo "bench: $$bench failed"; failed=1; }; \
	done; node scripts/bench-summary.mjs; exit $$failed
endif

ifneq ($(HERALD),)
.PHONY: herald replay
help::
	@echo 'make herald      the operator tool: make herald ARGS="--help" (events, state, projections status, rebuild, log export/import)'
	@echo 'make replay      rebuild read models from the log (herald rebuild): make replay ARGS="feeds --dry-run"'
# What readying prints goes to stderr, so that stdout is herald's alone (JSON lines, an exported log).
herald:
	@$(MAKE) deps services >&2
	@pnpm herald $(ARGS)

replay:
	@$(MAKE) deps services >&2
	@pnpm herald rebuild $(ARGS)
endif
