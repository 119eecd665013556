# Hookline: `make run` starts the server on an embedded SQLite file, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8071
DOCS_PORT ?= 8000
# The Node receiver of docs/receivers.md, run by tests/e2e/test_receiver_snippets.py.
NODE_RECEIVER := docs/examples/receivers/node

.PHONY: run test bench reliability lint format clean screenshots docs docs-build

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml $(NODE_RECEIVER)/package-lock.json
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/pip install --quiet -e '.[dev,bench,otel,docs]'
	cd $(NODE_RECEIVER) && npm ci --no-audit --no-fund --loglevel=error
	touch $@ $(VENV)/.installed

# The documentation site (mkdocs-material over docs/): served on 127.0.0.1:8000 while editing,
# or built into ./site. `make test` builds it with --strict too (tests/unit/test_docs_site.py).
docs: $(VENV)/.installed-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:$(DOCS_PORT)

docs-build: $(VENV)/.installed-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

run: $(VENV)/.installed
	$(BIN)/hookline serve --host $(HOST) --port $(PORT)

# The 1.x line of the svix Python SDK (its newest release), for tests/e2e/test_sdk_v1.py: in a
# directory of its own, with its own dependencies, so that it never replaces the 2.x SDK of the
# virtualenv. The test puts it first on the path of a process of its own.
SVIX1_VERSION := 1.99.1
$(VENV)/svix1/.installed: $(BIN)/python Makefile
	rm -rf $(VENV)/svix1
	$(BIN)/pip install --quiet --no-warn-conflicts --target $(VENV)/svix1 'svix==$(SVIX1_VERSION)'
	touch $@

# The Svix JavaScript SDK, for tests/e2e/test_sdk_js.py, as pinned by its package-lock.json.
# `npm ci` fails (and so does `make test`) when the npm registry cannot be reached.
JS_SDK := tests/js_sdk
$(JS_SDK)/node_modules/.installed: $(JS_SDK)/package.json $(JS_SDK)/package-lock.json
	cd $(JS_SDK) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Most of the suite runs in parallel (three processes: the tests mostly wait on real servers);
# the tests marked `serial` (rates, counts per second, the heaviest load) run after it, alone.
# Files go to the processes in collection order, longest first (tests/conftest.py LONG_FILES),
# not pytest-xdist's default of the files with the most tests first.
# Exit status 5 means "no test selected", e.g. when PYTEST_ARGS picks no serial test.
test: $(VENV)/.installed-dev $(VENV)/svix1/.installed $(JS_SDK)/node_modules/.installed
	$(BIN)/python -m pytest -n 3 --dist loadfile --no-loadscope-reorder -m "not serial" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(BIN)/python -m pytest -m serial $(PYTEST_ARGS) || [ $$? -eq 5 ]

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

# Faults injected into real processes (SIGKILLs, ...), with what was lost and duplicated, into
# RELIABILITY.md. `make test` runs its quick mode.
reliability: $(VENV)/.installed-dev
	$(BIN)/python -m reliability $(RELIABILITY_ARGS)

# PNGs of every main view of the dashboard, light and dark, into docs/images/ (needs Chromium).
screenshots: $(VENV)/.installed-dev
	$(BIN)/python tests/browser/screenshots.py docs/images

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) hookline-data .pytest_cache site $(NODE_RECEIVER)/node_modules $(JS_SDK)/node_modules
