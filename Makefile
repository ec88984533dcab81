# GAM: the two commands of the README (make run, make test), plus lint and bench.
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?= -n auto

.PHONY: run test lint format bench services clean lock chaos

# Exactly the locked versions, checked by hash (requirements-dev.lock: make lock).
$(VENV)/.installed: pyproject.toml requirements-dev.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes --no-deps -r requirements-dev.lock
	touch $@

# Re-resolve the dependencies of pyproject.toml into the two lock files with hashes:
# requirements.lock (the Docker image) and requirements-dev.lock (make run/test, CI).
LOCK_ARGS := --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-find-links \
	--no-emit-index-url --no-emit-trusted-host
lock: $(VENV)/.installed
	$(VENV)/bin/pip-compile $(LOCK_ARGS) --upgrade -o requirements.lock pyproject.toml
	$(VENV)/bin/pip-compile $(LOCK_ARGS) --upgrade --extra dev -o requirements-dev.lock pyproject.toml

# The embedded default: SQLite file, Celery eager, demo tenant, served on 127.0.0.1:8000.
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:8000/  (API docs: /api/docs/)"
	$(PY) manage.py runserver 127.0.0.1:8000

# The full suite against the local PostgreSQL and Redis (started if not running).
test: $(VENV)/.installed
	scripts/services.sh
	$(PY) -m pytest -m "not celery_worker" $(PYTEST_ARGS)
	# Real Celery workers (subprocesses on Redis) on their own, after the rest: their
	# timing-sensitive waits must not share the CPU with the browser and fuzzing tests.
	$(PY) -m pytest -m celery_worker

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.installed
	scripts/services.sh
	$(PY) -m bench.run

services:
	scripts/services.sh

# Faults on a production-like stack of its own (gunicorn, Celery worker, RLS roles, Redis):
# Redis killed, the worker SIGKILLed mid-scan, the database refused, concurrent writers and
# import applies; prints requests served, 5xx, rows lost or duplicated (scripts/chaos.py).
chaos: $(VENV)/.installed
	scripts/services.sh
	$(PY) scripts/chaos.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
