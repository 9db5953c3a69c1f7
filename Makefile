# kb — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KB := $(BIN)/kb
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres install setup clean help messages translations

help:
	@echo "make run   - install, migrate, import content/, create demo accounts, serve on http://$(HOST):$(PORT)"
	@echo "make test  - install and run the whole suite on SQLite and on PostgreSQL"

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The Hindi catalogue: `make messages` extracts every marked string and merges it into the .po file
# (kb/translations/README.md says how to translate); `make translations` compiles it (setup and test do).
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --sort-by-file -o kb/translations/messages.pot kb
	$(BIN)/pybabel update -i kb/translations/messages.pot -d kb/translations -l hi --previous

translations: install
	$(BIN)/pybabel compile -d kb/translations --statistics

# Everything `make run` does before serving; idempotent, so it is safe to run again and again.
setup: install translations
	bash scripts/ensure-pdf-libs
	$(KB) db upgrade
	$(KB) content import content
	$(KB) index rebuild
	$(KB) demo-accounts

run: setup
	$(KB) serve --host $(HOST) --port $(PORT)

test: install translations
	bash scripts/ensure-postgres
	bash scripts/ensure-test-tools
	bash scripts/ensure-pdf-libs
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install
	@echo "== tests on SQLite =="
	$(BIN)/python -m pytest -q -n 2

test-postgres: install
	@echo "== tests on PostgreSQL ($(PG_TEST_URL)) =="
	KB_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q -n 2

clean:
	rm -rf $(VENV) instance .pytest_cache
