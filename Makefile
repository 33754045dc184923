# The two commands: `make run` (the system on embedded SQLite, served on
# http://127.0.0.1:8000) and `make test` (the whole suite on SQLite and
# PostgreSQL). Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WORKERS ?= 200
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# Demo data only into an empty ledger, so a second `make run` serves what the first left.
run: $(VENV)/.installed
	$(BIN)/ledger migrate
	$(BIN)/ledger demo --if-empty --workers $(WORKERS)
	@echo
	@echo "API:              http://$(HOST):$(PORT)/api/v1"
	@echo "interactive docs: http://$(HOST):$(PORT)/api/v1/docs"
	@echo "registrar token (8 hours; others: $(BIN)/ledger token --role ROLE [--kvk NUMBER]):"
	@$(BIN)/ledger token --role registrar --sub demo-registrar
	@echo
	$(BIN)/ledger serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests migrations $(wildcard bench)
	$(BIN)/ruff format --check src tests migrations $(wildcard bench)
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -n 4

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed

# Benchmarks (bench/README.md): PostgreSQL as for `make test`; never part of `make test`.
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench

bench-quick: $(VENV)/.installed-bench
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache node_modules
