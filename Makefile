# The two commands: `make run` and `make test`. Both install what they need into .venv first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BENCH_DATABASE ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
BENCH_ENTRIES ?= 100000

.PHONY: install run serve test lint typecheck unit bench clean

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

unit: install
	$(BIN)/pytest

## make bench: the ledger benchmark on PostgreSQL (BENCH_DATABASE, BENCH_ENTRIES)
bench: install
	$(BIN)/python bench/ledger.py --entries $(BENCH_ENTRIES) --database $(BENCH_DATABASE)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info ontzorgen.db*
