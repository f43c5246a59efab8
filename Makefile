# The tiers-lieux knowledge graph. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BUILD_DIR ?= build
HOST ?= 127.0.0.1
PORT ?= 8000
#: pytest-xdist workers for `make test` and `make test-fast` (a test file runs whole on one worker: its module
#: fixtures, such as a module's servers, start once); tests/ports.py gives each worker its own ports
TEST_WORKERS ?= 2
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist loadfile
#: pytest keeps the test modules it rewrites for its assertions as bytecode (__pycache__/, git-ignored); where the
#: machine sets PYTHONDONTWRITEBYTECODE, every run would rewrite them all again (about 5 s a worker)
unexport PYTHONDONTWRITEBYTECODE
#: Etalab's découpage administratif (npm, MIT): the version mappings/reference/*.csv are converted from
ETALAB_VERSION := 6.0.0
REFERENCE_CACHE := .cache/npm

.DEFAULT_GOAL := help
.PHONY: help setup system-deps reference-data build validate qc serve test test-fast lint bench clean

help: ## List the targets with what they do
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip check
	touch $@

setup: $(STAMP) ## Create the virtual environment and install the project (done by every target)

system-deps: ## Install the Debian packages the tests need (chromium), when missing
	@bash scripts/install-system-deps.sh

reference-data: setup ## Fetch @etalab/decoupage-administratif (pinned) with npm and regenerate mappings/reference/*.csv (committed)
	mkdir -p $(REFERENCE_CACHE)
	cd $(REFERENCE_CACHE) && npm pack --silent @etalab/decoupage-administratif@$(ETALAB_VERSION)
	rm -rf $(REFERENCE_CACHE)/package
	tar -xzf $(REFERENCE_CACHE)/etalab-decoupage-administratif-$(ETALAB_VERSION).tgz -C $(REFERENCE_CACHE)
	$(BIN)/python -m tierslieux.importing.reference $(REFERENCE_CACHE)/package

build: setup ## Build the dataset, dumps and store into build/ (refuses a graph that does not conform)
	$(BIN)/tierslieux build --build-dir $(BUILD_DIR)

validate: setup ## Validate the whole graph against the shapes
	$(BIN)/tierslieux validate

qc: setup ## Run the data-quality lint queries (each must return no row)
	$(BIN)/tierslieux qc

serve: setup ## Build the graph if needed and serve it on http://$(HOST):$(PORT)/
	$(BIN)/tierslieux build --build-dir $(BUILD_DIR) --if-needed
	$(BIN)/tierslieux serve --build-dir $(BUILD_DIR) --host $(HOST) --port $(PORT)

test: setup system-deps ## Run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

test-fast: setup ## The edit loop: every test not marked slow (no browser, no server process)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not slow" -q

lint: setup ## Check the style (ruff, rules in pyproject.toml; tests/test_lint.py runs the same check)
	$(BIN)/ruff check src tests benchmarks scripts

bench: setup ## Measure speed and memory against Oxigraph server and rdflib-endpoint on the real, 0.1 M and 1 M-triple graphs; writes benchmarks/RESULTS.md (up to an hour); then the load-and-abuse run (issue 13's hostile corpus, mixed and request by request, beside cheap queries), its section of RESULTS.md; then serving against Oxigraph in memory, benchmarks/SERVING.md; then the matcher's speed, benchmarks/MATCHING.md; then the explorer's first view on 100,000 places, benchmarks/FIRST-VIEW.md
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/abuse.py --seconds 30 --each 5
	$(BIN)/python benchmarks/serving.py
	$(BIN)/python benchmarks/matching.py
	$(BIN)/python benchmarks/first_view.py

clean: ## Remove the build folder and caches (keeps the virtual environment)
	rm -rf $(BUILD_DIR) .pytest_cache dist
