# Colloquy: every command sets up .venv/ first when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PELICAN := $(BIN)/pelican
CONTENT := content
OUTPUT := output
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: html publish serve test lint format clean setup screenshots bench bench-intake bench-feeds bench-import fuzz

html: $(STAMP)
	$(PELICAN) $(CONTENT) -o $(OUTPUT) -s pelicanconf.py

publish: $(STAMP)
	$(PELICAN) $(CONTENT) -o $(OUTPUT) -s publishconf.py --fatal warnings

# A first build that skipped a bad file (exit status 1) still leaves a site to look at.
serve: $(STAMP)
	-$(PELICAN) $(CONTENT) -o $(OUTPUT) -s pelicanconf.py
	$(PELICAN) --listen --autoreload $(CONTENT) -o $(OUTPUT) -s pelicanconf.py -b $(HOST) -p $(PORT)

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

# The browser tests' npm tools (vnu-jar, axe-core), pinned in package-lock.json.
# --ignore-scripts: vnu-jar's install script would try to download a Java.
$(NODE_STAMP): package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "npm not found: the browser tests will skip (in CI they fail)"; \
	elif npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; then \
		touch $@; \
	elif [ -n "$$CI" ]; then \
		exit 1; \
	else \
		echo "npm ci failed: the browser tests will skip (in CI they fail)"; \
	fi

# PNGs of one page of each type, phone and desktop, light and dark, into screenshots/.
screenshots: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m tests.browser.screenshots screenshots
bench-feeds: $(STAMP)
	$(BIN)/python -m plugins.site_feeds.bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

setup: $(STAMP)

# Colloquy against bare Pelican on a generated corpus (README "Performance").
# BENCH_ARGS=--quick for a small run; e.g. BENCH_ARGS="--posts 1000 --rounds 5".
bench: $(STAMP)
	$(BIN)/colloquy bench $(BENCH_ARGS)

# The intake endpoint's throughput and p99 latency (CLIENTS concurrent clients).
CLIENTS ?= 50
bench-intake: $(STAMP)
	$(BIN)/colloquy intake bench --clients $(CLIENTS) --submissions 20

# import-blog throughput on a generated WordPress export (POSTS posts, COMMENTS each)
bench-import: $(STAMP)
	$(BIN)/python benchmarks/import_blog.py $(or $(POSTS),1000) $(or $(COMMENTS),10)

$(STAMP): pyproject.toml requirements.lock Makefile
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Colloquy needs Python 3.11 or newer as $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@# compat: the project's folder on sys.path by a .pth line, not an import hook
	@# that every Python start (each build) loads first (9 ms).
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation \
		--config-settings editable_mode=compat -e .
	@# pip byte-compiles the libraries it installs, not an editable project's code:
	@# without this, every build compiles the plugins anew where PYTHONDONTWRITEBYTECODE is set.
	$(BIN)/python -m compileall -q plugins
	touch $(STAMP)

# Hostile-input fuzzing: every parser and renderer, with many more examples
# than the suite's (FUZZ_EXAMPLES per property; crashes become fixtures).
FUZZ_EXAMPLES ?= 5000
fuzz: $(STAMP)
	COLLOQUY_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q \
		tests/test_fuzz.py tests/test_hostile.py -k "not hostile_site"

clean:
	rm -rf $(OUTPUT) cache __pycache__ .pytest_cache
