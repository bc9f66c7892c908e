# The two commands: `make run` and `make test`. Both install what they need into .venv first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BENCH_DATABASE ?= postgresql+psycopg://postgres@127.0.0.1:5432/ontzorgen_bench
BENCH_ENTRIES ?= 100000

.PHONY: install run serve test lint typecheck unit browser bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## make run: migrate the embedded SQLite database, seed the demo once, serve http://127.0.0.1:8000
run: install
	$(BIN)/ontzorgen db upgrade
	$(BIN)/ontzorgen demo
	$(BIN)/ontzorgen serve

## make test: lint, type-check, and run the whole suite on SQLite and on PostgreSQL
test: install lint typecheck unit

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

## the browser tests drive Debian's chromium: installed when missing
browser:
	@.ci/install-chromium

unit: install browser
	$(BIN)/pytest

## make bench: the ledger, payment-run and statement benchmarks on PostgreSQL (their own databases)
bench: install
	-createdb -h 127.0.0.1 -U postgres ontzorgen_bench 2>/dev/null
	-createdb -h 127.0.0.1 -U postgres ontzorgen_bench_runs 2>/dev/null
	-createdb -h 127.0.0.1 -U postgres ontzorgen_bench_statements 2>/dev/null
	$(BIN)/python bench/ledger.py --entries $(BENCH_ENTRIES) --database $(BENCH_DATABASE)
	$(BIN)/python bench/payment_run.py --households $(BENCH_ENTRIES) \
		--database postgresql+psycopg://postgres@127.0.0.1:5432/ontzorgen_bench_runs \
		--output bench/out
	$(BIN)/python bench/statements.py --households $(BENCH_ENTRIES) \
		--database postgresql+psycopg://postgres@127.0.0.1:5432/ontzorgen_bench_statements

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info ontzorgen.db*
