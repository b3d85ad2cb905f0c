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
# Builds are kept per version and flag set (and server patch) outside the venv, so a fresh clone on
# the same machine reuses them; pip's own wheel cache is never used for llama.cpp, since it keys a
# wheel by its source URL alone and may hold a -march=native build from an earlier install.
LLAMA_BUILD_ID := $(shell echo '$(LLAMA_CPP_VERSION) $(LLAMA_CMAKE_ARGS) space-rule-1' \
	| sha256sum | cut -c1-12)
BUILDS ?= $(HOME)/.cache/extractor/build/llama-$(LLAMA_BUILD_ID)
WHEEL_STAMP := $(BUILDS)/wheel/.built

# llama.cpp's own server (parallel slots, continuous batching; EXTRACTOR_LLAMA_SERVER=native), built
# with the same portable flags from the llama.cpp vendored in the same pinned sdist, into the venv's
# bin/ where the local backend looks for it. llama-cpp-python's server stays the default.
LLAMA_SERVER := $(VENV)/bin/llama-server
LLAMA_SRC := $(BUILDS)/src/llama_cpp_python-$(LLAMA_CPP_VERSION)
LLAMA_SERVER_CMAKE_ARGS := -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF \
	-DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
	-DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_APP=OFF
JSON_GRAMMAR := $(LLAMA_SRC)/vendor/llama.cpp/common/json-schema-to-grammar.cpp
CMAKE ?= $(shell command -v cmake 2>/dev/null || echo $(VENV)/bin/cmake)

.PHONY: install llama-server models chromium eval report test lint bench

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(WHEEL_STAMP)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --find-links $(BUILDS)/wheel --only-binary llama-cpp-python \
		-e '.[local,dev,gold,geo]'
	touch $@

# The portable llama-cpp-python wheel (about 7 minutes on 2 cores, once per build id).
$(WHEEL_STAMP):
	python3 -m pip --version >/dev/null
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" python3 -m pip wheel -q --no-deps --no-cache-dir \
		-w $(BUILDS)/wheel llama-cpp-python==$(LLAMA_CPP_VERSION)
	touch $@

llama-server: $(LLAMA_SERVER)

$(LLAMA_SERVER): $(BUILDS)/bin/llama-server | $(VENV)/.installed
	install -m 755 $< $@

$(BUILDS)/bin/llama-server: | $(VENV)/.installed
	test -x $(CMAKE) || $(PY) -m pip install -q 'cmake>=3.25,<4'
	mkdir -p $(BUILDS)/src $(BUILDS)/bin
	$(PY) -m pip download -q --no-deps --no-binary :all: -d $(BUILDS)/src \
		llama-cpp-python==$(LLAMA_CPP_VERSION)
	tar -xzf $(LLAMA_SRC).tar.gz -C $(BUILDS)/src
	# JSON grammars without free newlines and indentation (llama-cpp-python's own converter uses
	# the same `" "?`): with them, the model pretty-prints every reply at twice the tokens.
	grep -q '^const std::string SPACE_RULE = ' $(JSON_GRAMMAR)
	sed -i 's|^const std::string SPACE_RULE = .*|const std::string SPACE_RULE = "\\" \\"?";|' \
		$(JSON_GRAMMAR)
	$(CMAKE) -S $(LLAMA_SRC)/vendor/llama.cpp -B $(LLAMA_SRC)/build \
		$(LLAMA_CMAKE_ARGS) $(LLAMA_SERVER_CMAKE_ARGS) > $(BUILDS)/llama-server-cmake.log
	$(CMAKE) --build $(LLAMA_SRC)/build --target llama-server -j $(CMAKE_BUILD_PARALLEL_LEVEL) \
		> $(BUILDS)/llama-server-build.log
	install -m 755 $(LLAMA_SRC)/build/bin/llama-server $@

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

# Every suite with committed runs (eval/runs/): the canonical v2 test run, and the v1 runs kept for
# the record (historical: their staleness is reported, not failed).
CHECKED_SUITES := eval/suites/v2_test.toml eval/suites/default.toml eval/suites/whole.toml \
	eval/suites/constrain.toml

# Re-score the committed runs against the current gold (no model calls).
report: install
	$(X) check $(CHECKED_SUITES)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pyright extractor
	$(VENV)/bin/pyright -p pyrightconfig.tests.json

test: models llama-server chromium lint
	$(X) gold validate gold/v1
	$(X) gold validate gold/v2
	$(X) check $(CHECKED_SUITES)
	$(VENV)/bin/pytest -q --reliability-report=eval/reports --reliability-readme=README.md

# Speed, memory and quality figures (eval/reports/*.md); run on an otherwise idle machine.
bench: models
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m benchmarks.local_model
	$(PY) -m benchmarks.peers
	$(PY) -m benchmarks.scoring_speed
	$(PY) -m benchmarks.throughput
