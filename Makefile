# Alliance Portal: `make run` to try it, `make test` to check it. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/alliance_portal_bench
# The bench's own Redis databases (it empties them between cold runs); tests use 13.
BENCH_CACHE_URL ?= redis://127.0.0.1:6379/11
BENCH_PAGE_CACHE_URL ?= redis://127.0.0.1:6379/12
# pytest-xdist workers: one per core (each has its own test database and Redis database).
PYTEST_WORKERS ?= auto

.PHONY: help install run test lint format migrations-check pytest bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-17s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/css/portal.css: scss/portal.scss node_modules/.installed
	npm run --silent build:css

install: $(VENV)/.installed node_modules/.installed static/css/portal.css ## Install Python and npm packages and build the stylesheet (idempotent)

run: install ## Set up a SQLite database with demo data and serve the portal (and its worker) on http://127.0.0.1:8000
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --no-input
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo
	@# The worker sends the outbox and does what no request may wait for; it stops with the server.
	DEBUG=$${DEBUG:-true} $(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-true} $(PY) manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.installed ## Check the code with ruff (lint and format)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.installed ## Reformat the code with ruff
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

migrations-check: $(VENV)/.installed ## Fail if a model change has no migration
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

pytest: install ## Run the pytest suite alone (SQLite, or the DATABASE_URL database)
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test: install lint migrations-check pytest ## Lint, check migrations and run every test

bench: install ## Measure at national scale on PostgreSQL (builds the data once, then reuses it)
	export DATABASE_URL=$(BENCH_DATABASE_URL) DEBUG=false ALLOWED_HOSTS=localhost \
	       CACHE_URL=$(BENCH_CACHE_URL) PAGE_CACHE_URL=$(BENCH_PAGE_CACHE_URL) TRUSTED_PROXY_COUNT=0 \
	       SECRET_KEY=$${SECRET_KEY:-bench-only-key-never-used-for-a-real-site-5d1c9a7e3b8f2046}; \
	$(PY) manage.py collectstatic --no-input --verbosity 0 && \
	$(PY) manage.py bench $(BENCH_ARGS)

clean: ## Remove the virtualenv, npm packages and built files (keeps db.sqlite3)
	rm -rf $(VENV) node_modules static/css/portal.css staticfiles .bench
