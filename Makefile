# contactguard: the one entry point for people. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
# Prefer python3.13 (the Lambda runtime); fall back to pyenv's 3.13, then any python3 >= 3.11.
PYTHON_BOOTSTRAP ?= $(shell \
	for c in python3.13 $$(ls -d $$HOME/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | sort -V | tail -1) python3.12 python3.11 python3; do \
	  if [ -n "$$c" ] && "$$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; then echo "$$c"; break; fi; \
	done)
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The SAM CLI and checkov live apart from the project's packages (infra/requirements-tools.txt).
TOOLS ?= .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed
SAM := $(TOOLS)/bin/sam
export SAM_CLI_TELEMETRY := 0

.PHONY: browser screenshots help dev tools test unit lint typecheck contracts lint-infra build policy-matrix demo workdays clean bench letters-preview soak mutation bench-compare

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON_BOOTSTRAP)" ]; then echo "error: no Python 3.11+ found (python3.13 preferred)" >&2; exit 1; fi
	@echo "creating $(VENV) with $(PYTHON_BOOTSTRAP) ($$($(PYTHON_BOOTSTRAP) --version))"
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

dev: $(STAMP) ## create the virtual environment and install everything

$(TOOLS_STAMP): infra/requirements-tools.txt
	@if [ -z "$(PYTHON_BOOTSTRAP)" ]; then echo "error: no Python 3.11+ found (python3.13 preferred)" >&2; exit 1; fi
	@echo "creating $(TOOLS) (SAM CLI, checkov) with $(PYTHON_BOOTSTRAP)"
	$(PYTHON_BOOTSTRAP) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet -r infra/requirements-tools.txt
	@touch $(TOOLS_STAMP)

tools: $(TOOLS_STAMP) ## install the deployment tools (SAM CLI, checkov) in their own venv

lint: $(STAMP) ## ruff
	$(VENV)/bin/ruff check functions src tests
	$(VENV)/bin/ruff format --check functions src tests

typecheck: $(STAMP) ## mypy (strict on the domain)
	$(VENV)/bin/mypy functions src

contracts: $(STAMP) ## import-linter: the domain stays pure, Lambda code never imports local tooling
	$(VENV)/bin/lint-imports

unit: $(STAMP) ## the tests only
	$(PY) -m pytest --policy-check

lint-infra: $(TOOLS_STAMP) ## the SAM template: sam validate --lint (cfn-lint) and checkov, no failures
	AWS_DEFAULT_REGION=eu-west-2 $(SAM) validate --lint --template-file infra/template.yaml
	BC_SKIP_MAPPING=TRUE $(TOOLS)/bin/checkov --skip-download --quiet --compact --framework cloudformation -f infra/template.yaml

build: $(STAMP) $(TOOLS_STAMP) ## sam build: one package per function (python3.13, arm64), then check and size them
	PYTHON=$(abspath $(PY)) $(SAM) build --template-file infra/template.yaml
	$(PY) -m contactguard_local.packages
	$(PY) -m contactguard_local.packages --smoke

# The browser tests drive Debian's Chromium through Playwright (never `playwright install`, which
# downloads a browser): installed here when missing and running as root.
CHROMIUM ?= /usr/bin/chromium
browser: ## Debian's Chromium for the console's browser tests (apt-get, when missing and root)
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "the console's browser tests need Debian's Chromium: run  sudo apt-get install chromium" >&2; exit 1; \
	fi

screenshots: $(STAMP) browser ## the console's pages at desktop and mobile widths, into docs/console/
	CONTACTGUARD_SCREENSHOTS=docs/console $(PY) -m pytest -q -p no:cacheprovider tests/browser

test: lint typecheck contracts lint-infra browser ## everything CI runs: lint, types, import contracts, template lint, all tests, policy traceability
	$(PY) -m pytest --policy-check

policy-matrix: $(STAMP) ## print the policy rule -> tests table
	@$(PY) -m pytest --policy-matrix -q -p no:cacheprovider; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]

demo: $(STAMP) ## the main job on the embedded stack
	$(VENV)/bin/contactguard demo

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) $(TOOLS) .mutation .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info

letters-preview: $(STAMP) ## render every letter template from a sample case (PDF with LibreOffice if installed)
	$(PY) -m contactguard_local.letters_preview

bench: $(STAMP) ## benchmarks beside same-run baselines, each against its target (not part of make test); writes out/bench.json
	$(PY) -m contactguard_local.bench

A ?= out/bench.previous.json
B ?= out/bench.json
bench-compare: $(STAMP) ## two bench runs side by side: make bench-compare A=out/old.json B=out/bench.json
	$(PY) -m contactguard_local.bench --compare $(A) $(B)

soak: $(STAMP) ## long adversarial runs (fuzzing, fault injection, replays) and the mutation check; CI runs it after make test
	$(PY) -m pytest --soak -m soak -p no:cacheprovider
	$(MAKE) mutation

mutation: $(STAMP) ## mutmut on the domain and ingest's decisions; fails on a survivor not listed as equivalent
	$(PY) -m contactguard_local.mutation
