# Entry points. `make run` and `make test` install what is missing first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa

export BOT_HOST ?= 127.0.0.1
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export BACKEND_PORT ?= 8001
export REVIEW_PORT ?= 8000
export ACTION_SERVER_URL ?= http://$(BOT_HOST):$(ACTION_PORT)/webhook
# TensorFlow's C++ start-up chatter hides the useful log lines.
export TF_CPP_MIN_LOG_LEVEL ?= 2
# Sanic (Rasa's web server) refuses bodies over 1 MiB before reading them.
export SANIC_REQUEST_MAX_SIZE ?= 1048576
# pytest-xdist workers for `make test`: one module at a time per worker, in the order of
# tests/conftest.py (trainings first; xdist would otherwise start the modules with most tests).
PYTEST_WORKERS ?= 2
export PYTHONWARNINGS ?= ignore::DeprecationWarning,ignore::PendingDeprecationWarning

# Scale-out profile (make run-scale): shared Postgres, Redis and RabbitMQ, two nodes of each server.
# Its Rasa nodes sit behind nginx on 127.0.0.1, so run-scale trusts X-Forwarded-For from there
# (TRUSTED_PROXIES); set it to your balancers' addresses when they run elsewhere.
export SCALE_RASA_PORT_A ?= 5006
export SCALE_RASA_PORT_B ?= 5007
export SCALE_ACTION_PORT_A ?= 5056
export SCALE_ACTION_PORT_B ?= 5057
export SCALE_RASA_PORTS ?= $(SCALE_RASA_PORT_A),$(SCALE_RASA_PORT_B)
export SCALE_ACTION_PORTS ?= $(SCALE_ACTION_PORT_A),$(SCALE_ACTION_PORT_B)
# nginx's loopback-only listener for Rasa's HTTP API (the public one serves the channels only)
export SCALE_RASA_API_PORT ?= 5008
export PG_HOST ?= 127.0.0.1
export PG_PORT ?= 5432
export PG_DATABASE ?= test
export PG_USER ?= postgres
export PG_PASSWORD ?=
export REDIS_HOST ?= 127.0.0.1
export REDIS_PORT ?= 6379
export REDIS_DB ?= 1
export REDIS_KEY_PREFIX ?= cx
export RABBITMQ_HOST ?= 127.0.0.1
export RABBITMQ_PORT ?= 5672
export RABBITMQ_USER ?= guest
export RABBITMQ_PASSWORD ?= guest
export RABBITMQ_QUEUE ?= cx_events

.PHONY: install run run-scale test lint format train shell clean lock test-stories bench profile audit

install:
	@scripts/install.sh

train: install
	@$(PY) -m bot train

run: train
	@$(PY) -m bot prepare
	@echo "run: starting services (Ctrl-C stops all)"
	@exec $(VENV)/bin/honcho --no-colour start -f Procfile

# prepare migrates the same Postgres CX database the services use, before any of them starts.
run-scale: export CX_DATABASE_URL := $(or $(CX_DATABASE_URL),postgresql+asyncpg://$(PG_USER)@$(PG_HOST):$(PG_PORT)/$(PG_DATABASE))
run-scale: train
	@$(PY) -m bot prepare
	@$(PY) -m bot scale nginx-conf
	@echo "run-scale: two Rasa nodes + two action servers behind nginx on :$(RASA_PORT)/:$(ACTION_PORT)"
	@exec env CX_DATABASE_URL=$${CX_DATABASE_URL:-postgresql+asyncpg://$(PG_USER)@$(PG_HOST):$(PG_PORT)/$(PG_DATABASE)} \
		RASA_API_URL=$${RASA_API_URL:-http://127.0.0.1:$(SCALE_RASA_API_PORT)} \
		TRUSTED_PROXIES=$${TRUSTED_PROXIES:-127.0.0.1} \
		$(VENV)/bin/honcho --no-colour start -f Procfile.scale

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint train
	$(RASA) data validate --fail-on-warnings
	$(MAKE) --no-print-directory audit
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder
	$(MAKE) --no-print-directory test-stories

# Offline: installed packages against ../shared/advisories (AUDIT_ADVISORIES_DIR), see README.
audit: install
	$(PY) -m bot audit

test-stories: train
	$(RASA) test core --model models/assistant.tar.gz --stories tests/stories \
		--fail-on-prediction-errors --out results/core

# Load test (Locust, headless): ours vs a stock `rasa init` bot at 1, 10 and 50 users, same
# settings for both; writes bench/results/bench.{json,md}. BENCH_ARGS="--run-time 120" etc.
bench: train
	$(PY) bench/run_bench.py $(BENCH_ARGS)

# CPU per turn of our Rasa process and a py-spy profile of it under the same workload.
profile: train
	$(PY) bench/profile_turns.py $(PROFILE_ARGS)

shell: train
	@$(PY) -m bot prepare
	@set -a && . ./.env && set +a && $(RASA) shell --model models/assistant.tar.gz --endpoints endpoints.yml

lock:
	scripts/lock.sh

clean:
	rm -rf models results .rasa var .pytest_cache .ruff_cache tests/artifacts
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +
