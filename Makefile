# One entry point for people and CI. `make eval` is the main job, `make test` the test suite;
# both install what they need first (a venv in .venv; llama.cpp compiles once, ~7 min on 2 cores).
VENV ?= .venv
PY := $(VENV)/bin/python
X := $(VENV)/bin/extractor
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2

# llama.cpp is compiled for every x86-64 CPU with AVX2 (Haswell, 2013, and Zen 1 on), never for
# the build machine: GGML_NATIVE=OFF drops -march=native, whose AMX tile code faults on virtualised
# Sapphire/Granite Rapids Xeons (llama.cpp issue 20824). AVX-512 stays off too, so a wheel built on
# one machine runs on the next. Measured against the native build: benchmarks/llama_build.py.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF \
	-DGGML_AMX_BF16=OFF
LLAMA_BUILD_ID := $(shell echo '$(LLAMA_CPP_VERSION) $(LLAMA_CMAKE_ARGS)' | sha256sum | cut -c1-12)
WHEELS := $(VENV)/wheels/llama-$(LLAMA_BUILD_ID)

.PHONY: install models chromium eval report test lint bench

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(WHEELS)/.built
	$(PY) -m pip install -q --find-links $(WHEELS) --only-binary llama-cpp-python -e '.[local,dev]'
	touch $@

# The portable llama-cpp-python wheel, compiled once per version and flag set. --no-cache-dir: pip's
# wheel cache may hold a -march=native build from an earlier install, which would be reused.
$(WHEELS)/.built:
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip wheel -q --no-deps --no-cache-dir \
		-w $(WHEELS) llama-cpp-python==$(LLAMA_CPP_VERSION)
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
	$(VENV)/bin/lint-imports
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
