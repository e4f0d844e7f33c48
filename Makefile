# ServiceOne partner portal — the two commands are `make run` and `make test`.
SHELL := /bin/bash
# The interpreter .venv is made from: the distribution's Python 3.11 where there is one, else
# the first python3.11 (or python3) on the PATH. The distribution's build (Debian's: linked
# statically, profile-guided) runs pure Python in about two thirds of the time a build with a
# shared libpython takes (pyenv's default), and the suite in about nine tenths.
# `PYTHON=... make run` chooses another; an existing .venv is kept (remove it to change).
PYTHON ?= $(shell test -x /usr/bin/python3.11 && echo /usr/bin/python3.11 || command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run prod test test-pg lint format messages check bench clean help

help:
	@echo "make run      start the portal (web + Celery worker + beat) on http://127.0.0.1:$(PORT)"
	@echo "make prod     production profile: gunicorn + worker + beat (DATABASE_URL, CELERY_BROKER_URL, CACHE_URL, SECRET_KEY)"
	@echo "make test     run the whole suite on SQLite"
	@echo "make test-pg  run the suite on PostgreSQL + Redis (DATABASE_URL, CELERY_BROKER_URL set)"
	@echo "make lint     ruff check + format check, import-linter layers, mypy"
	@echo "make messages regenerate and compile the translations (needs GNU gettext)"

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --quiet-logins
	PORT=$(PORT) scripts/run.sh

# The production profile: gunicorn + worker + beat on PostgreSQL and Redis (README, Production).
prod: $(VENV)/.runtime
	PORT=$(PORT) scripts/prod.sh

# The SQLite run: everything except the tests that need real PostgreSQL or Redis servers,
# in TEST_PROCESSES processes (pytest-xdist; each with its own test database and broker folder).
# The browser tests form one group (tests/conftest.py) that runs first, on one process, while
# the other process runs the rest; every other test is handed out one at a time to the process
# that is free ("loadgroup"). Left last (pytest-django orders the tests that flush the database
# last) they had run on both processes at once at the end, Chromium and its driver competing
# with both for two cores: the SQLite run took 137-147 s on a quiet machine, 131 s this way
# (A/B on a busy machine: 210, 191, 213 s before; 204, 182, 204 s after).
TEST_PROCESSES ?= 2
XDIST := -n $(TEST_PROCESSES) --dist loadgroup
# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE): each
# test process, and each Django process the suite starts (Celery workers, gunicorn, manage.py
# checks), compiled the portal's modules and the tests from source again.
test test-pg: export PYTHONDONTWRITEBYTECODE=
test: $(VENV)/.dev
	@mkdir -p var
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -m "not postgres and not redis" $(XDIST) $(PYTEST_ARGS)

# The real-servers run: needs DATABASE_URL (postgres://) and CELERY_BROKER_URL (redis://), in
# TEST_PROCESSES processes too (each its own test database and Redis database: the given one,
# then the next).
test-pg: $(VENV)/.dev
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "test-pg needs DATABASE_URL=postgres://..." >&2; exit 2;; esac
	@case "$$CELERY_BROKER_URL" in redis*) ;; *) echo "test-pg needs CELERY_BROKER_URL=redis://..." >&2; exit 2;; esac
	$(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy servicone webhooks partners contracts tickets reports demo

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l en -l fr --no-obsolete --ignore=.venv --ignore=var --ignore=bench --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

check: $(VENV)/.dev
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf var/broker var/celerybeat-schedule*
