# One entry point for people and CI. `make eval` is the main job, `make test` the test suite;
# both install what they need first (a venv in .venv; llama.cpp compiles once, ~7 min on 2 cores).
VENV ?= .venv
PY := $(VENV)/bin/python
X := $(VENV)/bin/extractor
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2

.PHONY: install models chromium eval report test lint bench

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[local,dev]'
	touch $@

models: install
	$(X) models pull qwen2.5-coder-1.5b
	$(X) models pull smollm2-135m

# Headless Chromium, to look at the HTML report as a reader does (Debian's package).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The main job: extract the gold set with the embedded model and print the evaluation report.
# Runs are cached and resumable (.runs/); a second `make eval` makes no model call.
eval: models
	$(X) eval eval/suites/main.toml --runs-dir .runs --reports-dir .runs/reports

# Re-score the committed canonical runs against the current gold (no model calls).
report: install
	$(X) check eval/suites/default.toml

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pyright extractor
	$(VENV)/bin/pyright -p pyrightconfig.tests.json

test: models chromium lint
	$(X) gold validate gold/v1
	$(X) check eval/suites/default.toml
	$(VENV)/bin/pytest -q --reliability-report=eval/reports

# Speed, memory and quality figures (eval/reports/*.md); run on an otherwise idle machine.
bench: models
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m benchmarks.local_model
	$(PY) -m benchmarks.peers
	$(PY) -m benchmarks.scoring_speed
	$(PY) -m benchmarks.throughput
