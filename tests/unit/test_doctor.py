"""The doctor's readings: llama.cpp feature strings, CPU flags, and the AMX instruction scan."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from extractor.doctor import (
    LlamaBuild,
    Report,
    count_amx_instructions,
    cpu_flags,
    parse_system_info,
)

NATIVE_ZEN4 = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
    "AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | LLAMAFILE = 1 | "
)


def _build(info: str) -> LlamaBuild:
    return LlamaBuild("0", info, parse_system_info(info), [], 0)


def test_system_info_is_parsed_into_features() -> None:
    features = parse_system_info(NATIVE_ZEN4 + "AMX_INT8 = 0 |")
    assert features["AVX2"] and features["AVX512_BF16"]
    assert features["AMX_INT8"] is False


def test_a_native_avx512_build_is_flagged_on_an_avx2_only_cpu() -> None:
    haswell = {"pni", "ssse3", "avx", "avx2", "f16c", "fma", "bmi2"}
    missing = _build(NATIVE_ZEN4).missing_on(haswell)
    assert missing == ["AVX512", "AVX512_VBMI", "AVX512_VNNI", "AVX512_BF16"]
    portable = "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 |"
    assert _build(portable).missing_on(haswell) == []


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor: 0\nflags\t\t: fpu avx2 amx_tile amx_int8\n", encoding="utf-8")
    assert cpu_flags(info) == {"fpu", "avx2", "amx_tile", "amx_int8"}
    assert cpu_flags(tmp_path / "missing") == set()


@pytest.mark.skipif(shutil.which("gcc") is None or shutil.which("objdump") is None, reason="gcc")
def test_the_amx_scan_finds_tile_code_that_gcc_compiled(tmp_path: Path) -> None:
    # Positive control: the scan must see AMX instructions where they are, or its "0" means nothing.
    src = tmp_path / "amx.c"
    src.write_text(
        "#include <immintrin.h>\n"
        "void cfg(const void *c) { _tile_loadconfig(c); _tile_release(); }\n",
        encoding="utf-8",
    )
    lib = tmp_path / "libamx.so"
    subprocess.run(
        ["gcc", "-O2", "-mamx-tile", "-shared", "-fPIC", str(src), "-o", str(lib)], check=True
    )
    assert count_amx_instructions([lib]) == 2
    plain = tmp_path / "plain.c"
    plain.write_text("int add(int a, int b) { return a + b; }\n", encoding="utf-8")
    plain_lib = tmp_path / "libplain.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", str(plain), "-o", str(plain_lib)], check=True)
    assert count_amx_instructions([plain_lib]) == 0


def test_report_renders_sections_and_problems() -> None:
    report = Report()
    report.section("machine").append(("python", "3.11"))
    report.problems.append("the build uses AVX512")
    text = report.render()
    assert "machine\n  python  3.11" in text
    assert text.endswith("problems\n  - the build uses AVX512")
