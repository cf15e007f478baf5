# Two commands do all the set-up: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format translations extract-messages chromium install install-test clean bench-pages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Compiled catalogues (.mo) are build output, not committed.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d marketplace/translations --use-fuzzy 2>&1 | grep -v '^compiling' || true

# Pull new strings from the code into the catalogues (then translate messages.po).
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--no-wrap --project marketplace -o marketplace/translations/messages.pot . >/dev/null
	$(BIN)/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations \
		--no-wrap --ignore-obsolete

# Migrate, load demo data into an empty database, then serve on http://127.0.0.1:5000.
run: $(VENV)/.installed translations
	$(FLASK) marketplace init
	$(FLASK) run --host $(HOST) --port $(PORT)

# Debian's chromium and CJK fonts for the browser tests (Playwright cannot download here).
chromium:
	@command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Everything: lint, then the whole suite on SQLite and PostgreSQL, browser tests included,
# spread over PYTEST_WORKERS processes (pytest-xdist; 0 runs it in one process).
PYTEST_WORKERS ?= auto
test: $(VENV)/.installed-test translations chromium lint
	$(BIN)/pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist worksteal) $(PYTEST_ARGS)

# Every page under gunicorn + wrk against a Flask "hello" (bench/README.md); installs Debian's wrk.
bench-pages: $(VENV)/.installed translations
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
