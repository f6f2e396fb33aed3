# ltu-platform: `make run` sets everything up and materializes every asset; `make test` tests it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export LTU_DATA_DIR ?= $(CURDIR)/data
# A demo key so the demo runs out of the box; real deployments set their own secret.
export LTU_PSEUDO_KEY ?= ltu-demo-key-not-for-real-data
export DAGSTER_HOME ?= $(LTU_DATA_DIR)/dagster_home
export MLFLOW_PORT ?= 5000
export MLFLOW_TRACKING_URI ?= http://127.0.0.1:$(MLFLOW_PORT)
export DAGSTER_PORT ?= 3000
export SCALE ?= demo
export SEED ?= 42
export UV_LINK_MODE := copy

UV_VERSION := 0.13.8
BOOTSTRAP := .bootstrap
UV := $(BOOTSTRAP)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
LTU := $(VENV)/bin/ltu
MANIFEST := dbt_project/target/manifest.json

.PHONY: help env run ui test bench browser clean manifest simulate dagster-home

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv $(BOOTSTRAP)
	$(BOOTSTRAP)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python 3.11
	touch $@

env: $(VENV)/.synced manifest dagster-home ## create the environment from the lock file

# dagster-dbt loads the manifest when the code location loads: prepare it at build time.
manifest: $(VENV)/.synced
	cd dbt_project && ../$(VENV)/bin/dbt parse --profiles-dir . --quiet

dagster-home:
	mkdir -p $(DAGSTER_HOME)
	cp orchestration/dagster.yaml $(DAGSTER_HOME)/dagster.yaml

simulate: env ## generate the demo data set (SCALE=demo SEED=42)
	$(LTU) simulate --scale $(SCALE) --seed $(SEED) --if-missing

run: env simulate ## set up, generate demo data, materialize every asset, print where things are
	$(LTU) run --with-mlflow-server
	$(LTU) where

ui: env ## start the Dagster webserver + daemon and the MLflow server on 127.0.0.1
	@$(PY) -m ml.tracking_server start --data-dir $(LTU_DATA_DIR)/mlflow --port $(MLFLOW_PORT)
	@echo "MLflow UI:  http://127.0.0.1:$(MLFLOW_PORT)"
	@echo "Dagster UI: http://127.0.0.1:$(DAGSTER_PORT)  (Ctrl-C stops Dagster; 'python -m ml.tracking_server stop' stops MLflow)"
	set -m; $(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(DAGSTER_PORT)

# The report test renders the evaluation report in Debian's Chromium.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test: env browser ## run the test suite (real Dagster, dbt, DuckDB, GX, MLflow on small data)
	$(VENV)/bin/pytest -n 2 --dist loadfile -q

bench: env ## benchmark at national scale; writes bench/results.json and bench/results.md
	$(PY) -m bench.run

clean: ## remove generated data and build output (keeps the environment)
	rm -rf $(LTU_DATA_DIR) dbt_project/target dbt_project/logs
