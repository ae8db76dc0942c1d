# DVC Assistant — `make run` starts everything, `make test` runs the whole suite (both set up what is missing).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Rasa 3.6's dependencies print pages of deprecation warnings at start-up; they are not ours to fix.
export PYTHONWARNINGS := ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false

.PHONY: run run-cluster stop-cluster load bench-profiles test soak setup train bench eval catalog lint format lock clean help
SHARED_CATALOG ?= ../shared/data/tthc_catalog.jsonl.gz

help:
	@echo "make run    - set up, train if needed, start Rasa (:5005), actions (:5055), back-office (:8080)"
	@echo "make run-cluster  - PostgreSQL, Redis, 2 Rasa + 2 action servers + 2 back-offices behind nginx (:8088)"
	@echo "make stop-cluster - stop what make run-cluster started"
	@echo "make load   - the cluster under LOAD_CITIZENS simulated citizens (default 300), with correctness checks"
	@echo "make test   - set up and run the whole test suite"
	@echo "make soak   - hostile input, faults and log scan run long; prints lost/duplicated/5xx/personal-data counts"
	@echo "make bench  - training, memory, latency, the whitespace peer, a py-spy profile, growth (docs/benchmarks/)"
	@echo "make bench-profiles - embedded vs cluster (1 and 2 Rasa) at 10, 50, 100 conversations (docs/benchmarks/)"
	@echo "make eval   - procedure search and chat accuracy on every question set vs peers (prints JSON)"
	@echo "make catalog - re-import the national catalogue into data/catalog/procedures.jsonl.gz"
	@echo "make lint   - ruff check and format check"
	@echo "make lock   - re-resolve requirements.in into requirements.lock"

setup:
	@scripts/ensure_venv.sh
	@mkdir -p var models

.env:
	@sed "s/^RASA_AUTH_TOKEN=.*/RASA_AUTH_TOKEN=$$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')/" .env.example > .env
	@echo "Created .env from .env.example (with a random RASA_AUTH_TOKEN)."

train: setup
	@$(PY) -m devtools.train
	@$(PY) -m bot.catalog.library
	@$(PY) -m bot.catalog.library

run: setup train .env
	@set -a; source .env; set +a; \
	$(PY) scripts/check_ports.py rasa=$${RASA_PORT:-5005} actions=$${ACTION_PORT:-5055} backoffice=$${DVC_BACKOFFICE_PORT:-8080} || exit 1; \
	$(PY) -m backoffice migrate || exit 1; \
	if [ -n "$${DVC_DEMO_PASSWORD:-}" ]; then $(PY) -m backoffice seed-demo || exit 1; \
	else echo "DVC_DEMO_PASSWORD is not set in .env: the demo commune (officers, dossiers) is not seeded."; fi; \
	echo ""; \
	echo "  Demo commune page + chat widget: http://localhost:$${DVC_BACKOFFICE_PORT:-8080}/"; \
	echo "  Officers' back-office:           http://localhost:$${DVC_BACKOFFICE_PORT:-8080}/officer/ (user admin, motcua, tuphap, chutich; password DVC_DEMO_PASSWORD in .env)"; \
	echo "  Officers' JSON API (OpenAPI):    http://localhost:$${DVC_BACKOFFICE_PORT:-8080}/api/openapi.json"; \
	echo "  Back-office health:              http://localhost:$${DVC_BACKOFFICE_PORT:-8080}/healthz"; \
	echo "  Rasa REST channel:               http://localhost:$${RASA_PORT:-5005}/webhooks/rest/webhook"; \
	echo "  Action server:                   http://localhost:$${ACTION_PORT:-5055}/health"; \
	echo "  SMS in development (OTP codes):  var/sms_outbox.jsonl"; \
	echo "  Stop everything with Ctrl-C."; \
	echo ""; \
	exec $(VENV)/bin/honcho start -f Procfile -e /dev/null

run-cluster: setup train
	@scripts/cluster.sh start

stop-cluster:
	@scripts/cluster.sh stop

# The cluster with the per-address limits lifted (every simulated citizen writes from 127.0.0.1).
LOAD_CITIZENS ?= 300
LOAD_CONCURRENCY ?= 50
load: setup train
	@export DVC_CHAT_RATE_PER_ADDRESS=1000000 DVC_CHAT_RATE_PER_CONVERSATION=1000000 \
	  DVC_NGINX_CHAT_RATE=100000r/s DVC_NGINX_CHAT_BURST=100000; \
	scripts/cluster.sh start && scripts/cluster.sh load --citizens $(LOAD_CITIZENS) \
	  --concurrency $(LOAD_CONCURRENCY); status=$$?; scripts/cluster.sh stop; exit $$status

test: setup train
	@scripts/ensure_chromium.sh
	@$(PY) -m pytest

SOAK_TESTS := tests/unit/test_input_properties.py tests/unit/test_payment_input_properties.py \
	tests/unit/test_channel_input_properties.py tests/unit/test_endpoint_fuzz.py tests/unit/test_openapi_contract.py \
	tests/integration/test_faults.py tests/integration/test_log_privacy.py

soak: setup train
	@rm -rf test-results/soak
	@HYPOTHESIS_PROFILE=soak DVC_SOAK=1 $(PY) -m pytest -q $(SOAK_TESTS); status=$$?; \
	$(PY) -m devtools.soak_report && exit $$status

bench: setup train
	@$(PY) -m benchmarks.run $(BENCH_ARGS)

bench-profiles: setup train
	@$(PY) -m benchmarks.profiles

eval: setup
	@$(PY) -m eval.run --nlu

catalog: setup
	@$(PY) -m bot.catalog.importer $(SHARED_CATALOG) data/catalog/procedures.jsonl.gz

lint: setup
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: setup
	@$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

lock:
	@python=$$(scripts/find_python.sh) && rm -rf /tmp/dvc-lock-venv && $$python -m venv /tmp/dvc-lock-venv && \
	/tmp/dvc-lock-venv/bin/pip install --quiet -r requirements.in && \
	{ echo "# Generated by 'make lock' from requirements.in; install with scripts/ensure_venv.sh."; \
	  /tmp/dvc-lock-venv/bin/pip freeze --exclude-editable; } > requirements.lock && \
	echo "requirements.lock updated"

clean:
	rm -rf models/*.tar.gz models/*.inputs-sha256 .pytest_cache
