# GrantRadar — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GR := $(BIN)/grantradar

.DEFAULT_GOAL := help

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed ## Create .venv and install GrantRadar

install-dev: $(VENV)/.installed-dev ## Create .venv and install GrantRadar with the dev tools

demo: install ## Install, load the demo calls through the real crawlers, serve on :5000
	$(GR) init-db
	$(GR) demo

run: install ## Install, migrate, serve the web app and run the scheduler (real sources)
	$(if $(findstring postgresql,$(GRANTRADAR_DATABASE_URL)),$(BIN)/python -m pip install --quiet -e '.[pg]')
	$(GR) init-db
	$(BIN)/python -m webapp.runall

test: install-dev lint typecheck ## Install with dev extras, run ruff, mypy and pytest
	$(BIN)/pytest

lint: install-dev ## ruff check + format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install-dev ## Format and fix what ruff can
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install-dev ## mypy over the packages
	$(BIN)/mypy

cov: install-dev ## Tests with branch coverage
	$(BIN)/pytest --cov --cov-report=term-missing

crawl: install ## Crawl one source now: make crawl SOURCE=key
	$(GR) crawl $(SOURCE)

reindex: install ## Rebuild the search index from the store
	$(GR) reindex

bench: install-dev ## Benchmarks (quick sizes); figures are printed, never asserted
	$(BIN)/python bench/search.py --quick
	$(BIN)/python bench/relevance.py
	$(BIN)/python bench/digest.py

clean: ## Remove the virtualenv and caches (keeps instance/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

.PHONY: help install install-dev demo run test lint fmt typecheck cov crawl reindex bench clean
