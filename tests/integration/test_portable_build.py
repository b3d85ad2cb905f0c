"""The installed llama.cpp is the portable build: no AMX code, nothing beyond AVX2.

Built by `make install`; checked on the built library itself, not on the build flags.
"""

from __future__ import annotations

import shutil

import pytest

from extractor.doctor import llama_build

PORTABLE = {"SSE3", "SSSE3", "AVX", "AVX2", "F16C", "FMA", "BMI2"}


def test_the_installed_build_is_portable() -> None:
    build = llama_build()
    assert build is not None, "llama-cpp-python is not installed (make install)"
    assert build.libraries, "libggml-cpu not found in the llama_cpp package"
    compiled = {k for k, on in build.features.items() if on and k not in ("LLAMAFILE", "OPENMP")}
    compiled -= {"REPACK"}
    assert compiled <= PORTABLE, f"compiled for {sorted(compiled - PORTABLE)} beyond AVX2"


@pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump (binutils) not installed")
def test_libggml_cpu_holds_no_amx_instruction() -> None:
    build = llama_build()
    assert build is not None
    assert build.amx_instructions == 0
