# Herald's entry points. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory
comma := ,

PNPM_VERSION := 12.4.2
export PNPM_VERSION
# The whole test run's bound (scripts/run-tests.mjs stops at 75 min itself and still prints its summary).
TEST_TIMEOUT ?= 80m
ARGS ?=

MIGRATIONS := packages/eventstore/src/cli/migrate.ts packages/projections/src/cli/migrate.ts
BENCH_TIMEOUT ?= 30m
export BENCH_TIMEOUT
HERALD := packages/cli/src/main.ts

# Operator commands (herald, replay, bench, migrate, up, run, typecheck, config-table) print their
# own answer: scripts/op.mjs readies what they need quietly (pnpm install, the services,
# migrations speak only when they fail) and runs them. A failing command's error must be
# the last line, and make would print "make: *** [target] Error 1" under it; so the step
# `.op-<target>` leaves the error in $(OP_ERROR) instead of failing, and the target raises
# it with $(error): make ends with that line ("Makefile:N: *** replay: ...  Stop.") and
# exits 2. $(raise) is expanded when the target's recipe starts, after its step ran.
OP_ERROR := .run/op-error.$(shell echo $$PPID)
op = node scripts/op.mjs $(1) --error-file $(OP_ERROR) $(if $(2),--setup $(2)) -- $(3)
raise = $(if $(wildcard $(OP_ERROR)),$(error $(file < $(OP_ERROR))$(shell rm -f $(OP_ERROR))))

.PHONY: help deps services test typecheck lint down status config-table chromium .op-typecheck .op-lint .op-config-table \
  migrate .op-migrate run up .op-run-setup .op-up bench .op-bench herald replay .op-herald .op-replay

help::
	@echo 'make test        install what is missing, ready the services, typecheck, lint, run every test'
	@echo '                 (ARGS=<file filter>: only those test files, without the typecheck and lint)'
	@echo 'make services    ready PostgreSQL, Redis and RabbitMQ (bash infra/services.sh [--check])'
	@echo 'make deps        pnpm (if missing) and node_modules from the lockfile'
	@echo 'make typecheck   tsc over every package'
	@echo 'make lint        eslint (typescript-eslint, eslint.config.js) over the tree'
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

# Setup speaks only when it fails; its failures still end with the summary line CI reads.
# A whole run starts with the gates (typecheck, lint), each counted as one test in the summary.
test:
	@$(MAKE) chromium || true
	@node scripts/op.mjs test --setup deps,services || { echo '0 passed, 1 failed, 0 skipped'; exit 1; }
	@status=0; timeout --kill-after=30s $(TEST_TIMEOUT) node scripts/run-tests.mjs $(if $(ARGS),,--gates) $(ARGS) || status=$$?; \
	if [ $$status -eq 124 ] || [ $$status -eq 137 ]; then echo "make test: the run did not finish within $(TEST_TIMEOUT)"; echo '0 passed, 1 failed, 0 skipped'; fi; \
	exit $$status

typecheck: .op-typecheck
	@$(raise)
.op-typecheck:
	@$(call op,typecheck,deps,bash -c 'npx tsc -p tsconfig.json --noEmit && echo "typecheck: no type errors"')

lint: .op-lint
	@$(raise)
.op-lint:
	@$(call op,lint,deps,bash -c 'node_modules/.bin/eslint --max-warnings 0 . && echo "lint: no problems"')

config-table: .op-config-table
	@$(raise)
.op-config-table:
	@$(call op,config-table,deps,node --import tsx scripts/config-table.ts --write)

down:
	@node scripts/processes.mjs down

status:
	@node scripts/processes.mjs status

help::
	@echo 'make migrate     apply the event store and read-model migrations'
migrate: .op-migrate
	@$(raise)
.op-migrate:
	@$(call op,migrate,deps$(comma)services,bash -c '$(foreach m,$(MIGRATIONS),echo "migrate: $(m)" && node --import tsx $(m) && ) true')

help::
	@echo 'make run         ready everything and start every process in the foreground; Ctrl-C stops them'
	@echo 'make up / down   the same in the background (logs and pids in .run/); also make status'
run: .op-run-setup
	@$(raise)
	@exec node scripts/processes.mjs run
.op-run-setup:
	@$(call op,run,deps$(comma)services$(comma)migrate)

up: .op-up
	@$(raise)
.op-up:
	@$(call op,up,deps$(comma)services$(comma)migrate,node scripts/processes.mjs up)

help::
	@echo 'make bench       run every benchmark, then one summary table; ARGS=<name> runs one, ARGS=--help lists them'
bench: .op-bench
	@$(raise)
.op-bench:
	@$(call op,bench,deps$(comma)services$(comma)migrate,node scripts/bench.mjs $(ARGS))

# Eight stretches of load, each with a rebuild of the read models: longer than one benchmark.
FAULTS_TIMEOUT ?= 60m
.PHONY: faults .op-faults
help::
	@echo 'make faults      the fault suite: kills, restarts and a cut link against the whole system under load, on'
	@echo '                 PostgreSQL, Redis and RabbitMQ of its own; one table and bench/results/faults.json'
	@echo '                 (BENCH_FULL=1 full size; FAULTS=projectorKill,relayCut runs some; docs/operations.md)'
faults: .op-faults
	@$(raise)
.op-faults:
	@$(call op,faults,deps$(comma)services,timeout --kill-after=30s $(FAULTS_TIMEOUT) node --import tsx packages/notifier/bench/faults.ts)

help::
	@echo 'make herald      the operator tool: make herald ARGS="--help" (events, state, projections status, rebuild, log export/import)'
	@echo 'make replay      rebuild read models from the log (herald rebuild): make replay ARGS="feeds --dry-run"'
# stdout is herald's alone (JSON lines, an exported log): readying is quiet, and its output, when it fails, goes to stderr.
herald: .op-herald
	@$(raise)
.op-herald:
	@$(call op,herald,deps$(comma)services$(comma)migrate,node --import tsx $(HERALD) $(ARGS))
replay: .op-replay
	@$(raise)
.op-replay:
	@$(call op,replay,deps$(comma)services$(comma)migrate,node --import tsx $(HERALD) rebuild $(ARGS))
