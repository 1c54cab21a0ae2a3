# The replication book. `make book` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PARAMS ?= notebooks/params/canonical.yaml
export PATH := $(abspath $(BIN)):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help book notebooks test lint serve lab lock bench clean env linkcheck pdf browser student

help:
	@echo "make book    - set up (first time), execute the notebooks and build _build/html"
	@echo "make test    - set up (first time), lint (ruff) and run every test"
	@echo "make lint    - ruff check and ruff format --check, as make test and pre-commit run them"
	@echo "make serve   - serve _build/html on http://localhost:8000"
	@echo "make lab     - open JupyterLab from the project's environment"
	@echo "make notebooks - re-execute the committed notebooks in place (the canonical run)"
	@echo "make lock    - regenerate requirements.lock and environment.yml from pyproject.toml"
	@echo "make bench   - print the benchmarks (SWICT_BENCH_INSTALL=0 skips timing a fresh install)"
	@echo "make pdf     - the whole book as one PDF (_build/pdf/book.pdf; needs Chromium)"
	@echo "make browser - install Chromium for the PDF and the browser tests"
	@echo "make student - the student edition: chapters without solutions, exercise notebooks, a zip (_build/student)"

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

book: $(STAMP)
	$(BIN)/python -m helpers.tools.build --params $(PARAMS)

notebooks: $(STAMP)
	$(BIN)/python -m helpers.tools.build --refresh-notebooks

test: $(STAMP) lint
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
		-p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

serve:
	@test -d _build/html || { echo "no _build/html yet: run 'make book' first"; exit 1; }
	$(or $(wildcard $(BIN)/python),$(PYTHON)) -m http.server --directory _build/html --bind 127.0.0.1 8000

lab: $(STAMP)
	$(BIN)/jupyter lab --allow-root --ServerApp.root_dir=notebooks

# `make lock` keeps every existing pin and adds what pyproject.toml newly needs;
# `make lock UPGRADE=1` resolves everything afresh (new versions may change the outputs).
lock:
	rm -rf _build/lockenv && $(PYTHON) -m venv _build/lockenv
	_build/lockenv/bin/python -m pip install --quiet --upgrade pip
	grep -v '^#' requirements.lock > _build/lock-constraints.txt
	_build/lockenv/bin/python -m pip install --quiet '.[book,test]' \
		$(if $(UPGRADE),,-c _build/lock-constraints.txt)
	{ echo "# Exact versions of the whole environment (Python 3.11). Generated from pyproject.toml by 'make lock'; do not edit."; \
	  _build/lockenv/bin/python -m pip freeze --all --exclude socialwork-ict-replication | grep -v '^pip=='; } > requirements.lock
	$(or $(wildcard $(BIN)/python),_build/lockenv/bin/python) -m helpers.tools.lockfile requirements.lock environment.yml

linkcheck: $(STAMP)
	$(BIN)/python -m helpers.tools.build --builder linkcheck

pdf: $(STAMP)
	$(BIN)/python -m helpers.tools.pdf --params $(PARAMS)

student: $(STAMP)
	$(BIN)/python -m helpers.tools.student

# Debian's Chromium where apt-get can install it (as root); Playwright's own build elsewhere.
browser: $(STAMP)
	@if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		$(BIN)/python -m playwright install chromium; \
	fi

bench: $(STAMP)
	$(BIN)/python -m helpers.tools.bench

clean:
	rm -rf _build
