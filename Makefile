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

# llama.cpp's own server (parallel slots, continuous batching), built with the same portable flags
# from the source vendored in the same pinned llama-cpp-python sdist, into the venv's bin/ where the
# local backend finds it. llama-cpp-python's server stays installed as the fallback.
LLAMA_SERVER := $(VENV)/bin/llama-server
LLAMA_SRC := $(VENV)/src/llama_cpp_python-$(LLAMA_CPP_VERSION)
LLAMA_SERVER_CMAKE_ARGS := -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF \
	-DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
	-DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_APP=OFF
CMAKE ?= $(shell command -v cmake 2>/dev/null || echo $(VENV)/bin/cmake)

.PHONY: install models chromium eval report test lint bench

install: $(VENV)/.installed $(LLAMA_SERVER)

$(VENV)/.installed: pyproject.toml $(WHEELS)/.built
	$(PY) -m pip install -q --find-links $(WHEELS) --only-binary llama-cpp-python -e '.[local,dev]'
	touch $@

$(LLAMA_SERVER): | $(VENV)/.installed
	test -x $(CMAKE) || $(PY) -m pip install -q 'cmake>=3.25,<4'
	$(PY) -m pip download -q --no-deps --no-binary :all: -d $(VENV)/src \
		llama-cpp-python==$(LLAMA_CPP_VERSION)
	tar -xzf $(LLAMA_SRC).tar.gz -C $(VENV)/src
	$(CMAKE) -S $(LLAMA_SRC)/vendor/llama.cpp -B $(LLAMA_SRC)/build \
		$(LLAMA_CMAKE_ARGS) $(LLAMA_SERVER_CMAKE_ARGS) > $(VENV)/src/llama-server-cmake.log
	$(CMAKE) --build $(LLAMA_SRC)/build --target llama-server -j $(CMAKE_BUILD_PARALLEL_LEVEL) \
		> $(VENV)/src/llama-server-build.log
	install -m 755 $(LLAMA_SRC)/build/bin/llama-server $@

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
