# llmstxt: every setup step a fresh machine needs lives here. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat container/pyproject.toml | sha1sum | cut -c1-12)
PKG := container/src/llmstxt

.PHONY: venv bytecode run test lint unit bench test-deps clean
.DEFAULT_GOAL := help

help:
	@echo "make run URL=<site> [OUT=<dir>] [ARGS='--max-pages 100']   generate llms.txt for a site"
	@echo "make test                                                   install test deps, lint, run all tests"
	@echo "make bench                                                  run the benchmarks"
	@echo "make serve                                                  run the service on 127.0.0.1:8000"
	@echo "make build | deploy | image | push | delete                 the AWS SAM application (README: Deploy)"

$(STAMP): container/pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e 'container[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

venv: $(STAMP)

# The editable install leaves our own modules uncompiled, and where PYTHONDONTWRITEBYTECODE is set
# (many images and sandboxes set it) Python recompiles them at every start: ~50 ms of each run.
# compileall writes them regardless, and only what changed since.
bytecode: venv
	@$(PY) -m compileall -q $(PKG)

run: bytecode
	@test -n "$(URL)" || { echo "usage: make run URL=https://example.com [OUT=dir] [ARGS='...']"; exit 2; }
	$(VENV)/bin/llmstxt generate "$(URL)" $(if $(OUT),--out "$(OUT)") $(ARGS)

lint: venv
	$(VENV)/bin/ruff check --config container/pyproject.toml $(PKG) tests bench functions
	$(VENV)/bin/ruff format --config container/pyproject.toml --check $(PKG) tests bench functions
	$(VENV)/bin/mypy $(PKG)

# Everything the tests need beyond the venv (real documentation site, emulator, browser, ...).
test-deps: venv
	bash tests/sites/fetch_pydoc.sh

test: venv test-deps lint
	$(PY) -m pytest -q

unit: venv
	$(PY) -m pytest -q -m unit

bench: bytecode
	$(PY) -m bench
	$(PY) -m bench.service
	$(PY) -m bench.recrawl

clean:
	rm -rf $(VENV) .cache out .pytest_cache .mypy_cache .ruff_cache

# Parts owned by other areas (deploy, service, ...) add their targets here.
-include mk/*.mk
