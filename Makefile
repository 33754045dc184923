# The two commands: `make run` (the system on embedded SQLite, served on
# http://127.0.0.1:8000) and `make test` (the whole suite on SQLite and
# PostgreSQL). Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WORKERS ?= 200
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck browser messages screenshots bench bench-quick clean

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
	@echo "staff pages:      http://$(HOST):$(PORT)/ (sign in by choosing a role; docs/web.md)"
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

# --durations: CI's log names the slowest tests, so the suite's 15 minutes can be kept from the log alone.
test: lint browser
	$(BIN)/pytest -n 4 --dist loadgroup --durations=40

# The browser tests (tests/browser) drive Debian's chromium: installed here when missing and run as root
# (as CI is); otherwise one line says what to install, and `make test` stops (it never skips them).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null 2>&1 || \
	    { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; }; \
	  fi; \
	  command -v chromium >/dev/null 2>&1 || { \
	    echo "make test: no chromium for the browser tests; run as root: apt-get install -y --no-install-recommends chromium fonts-liberation" >&2; \
	    exit 1; }; }

# The README's pictures of the staff pages (docs/screenshots): a fresh demo ledger served as `make run`
# serves it, photographed in Debian's chromium (tests/browser/screenshots.py; docs/web.md).
# Dutch date fields (dd-mm-jjjj) need chromium's Dutch locale (Debian's chromium-l10n), installed here as root.
screenshots: $(VENV)/.installed-test browser
	@[ -f /usr/lib/chromium/locales/nl.pak ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium's Dutch locale (chromium-l10n) for the screenshots"; \
	    apt-get install -y -qq --no-install-recommends chromium-l10n >/dev/null 2>&1 || \
	    { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium-l10n >/dev/null; }; \
	  fi; \
	  [ -f /usr/lib/chromium/locales/nl.pak ] || \
	    echo "make screenshots: no chromium-l10n; date fields will show the English order (run as root: apt-get install chromium-l10n)" >&2; }
	$(BIN)/python -m tests.browser.screenshots --out docs/screenshots --workers $(WORKERS)

# The staff pages' texts: extract them again and update both catalogues (src/web/locale; docs/web.md).
messages: $(VENV)/.installed
	$(BIN)/python -m web.i18n

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed

# Benchmarks (bench/README.md): PostgreSQL as for `make test`; never part of `make test`.
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench

bench-quick: $(VENV)/.installed-bench
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache node_modules artifacts
