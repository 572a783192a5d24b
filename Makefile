# Two commands for a newcomer: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: run test test-postgres setup install lint format migrate bench clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

setup: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py loaddata seed

run: setup
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	DJANGO_SETTINGS_MODULE=capj.settings.test $(PY) manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=capj.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -n auto

# The same suite against a throwaway PostgreSQL server (needs initdb and pg_ctl).
# `make test` alone honours DATABASE_URL when it points to an existing server.
test-postgres: install
	$(PY) -m tests.pg run $(MAKE) test

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# CSV import/export benchmark (docs/performance.md); not part of the test suite.
bench: install
	$(PY) bench/import_export.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
