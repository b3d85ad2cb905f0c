"""``extractor doctor``: what this install will run on this machine, checked, in one report.

It answers the questions a user has when the embedded default misbehaves: which Python and
packages, which CPU features the llama.cpp build was compiled for against those this CPU has (a
build using an instruction the CPU lacks dies with SIGILL; AMX tile code faults on virtualised
Xeons), whether the model file is there and verifies, whether the model really generates and how
fast, and where the server logs are.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from extractor.backends.models import MODELS, get_model, is_pulled, model_path
from extractor.errors import ExtractorError
from extractor.home import extractor_home

PACKAGES = ("extractor", "openai", "instructor", "pydantic", "datasets", "llama_cpp_python")

# llama.cpp's feature names (``llama_print_system_info``) -> the Linux /proc/cpuinfo flag.
CPU_FLAG_OF_FEATURE = {
    "SSE3": "pni",
    "SSSE3": "ssse3",
    "AVX": "avx",
    "AVX_VNNI": "avx_vnni",
    "AVX2": "avx2",
    "F16C": "f16c",
    "FMA": "fma",
    "BMI2": "bmi2",
    "AVX512": "avx512f",
    "AVX512_VBMI": "avx512vbmi",
    "AVX512_VNNI": "avx512_vnni",
    "AVX512_BF16": "avx512_bf16",
    "AMX_INT8": "amx_int8",
}
AMX_MNEMONICS = ("ldtilecfg", "tileloadd", "tdpbssd", "tilerelease")

TEST_PROMPT = (
    "Regime loyalists captured a town and a village from extremists and allied rebels in "
    "northwest Syria on Wednesday, after fierce clashes that killed nearly 30 combatants "
    "overnight, a war monitor said. The town of Al-Zakat and the Al-Arba'een village in Hama "
    "province came under regime control on Wednesday morning, the Syrian Observatory for Human "
    "Rights said. It said the clashes overnight killed 10 regime loyalists and 18 opposition "
    "fighters, including 13 extremists. Retell this report in your own words, in about 80 words."
)


@dataclass
class Report:
    """Lines of ``name: value`` under section headings, and the problems found."""

    sections: list[tuple[str, list[tuple[str, str]]]] = field(
        default_factory=list[tuple[str, list[tuple[str, str]]]]
    )
    problems: list[str] = field(default_factory=list[str])

    def section(self, title: str) -> list[tuple[str, str]]:
        """Start a section; returns its list of lines to append to."""
        lines: list[tuple[str, str]] = []
        self.sections.append((title, lines))
        return lines

    def render(self) -> str:
        """Plain text, one fact per line, problems last."""
        out: list[str] = []
        for title, lines in self.sections:
            out.append(f"{title}")
            width = max((len(k) for k, _ in lines), default=0)
            out += [f"  {k.ljust(width)}  {v}" for k, v in lines]
        out.append("problems" if self.problems else "problems: none")
        out += [f"  - {p}" for p in self.problems]
        return "\n".join(out)


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The CPU's feature flags as Linux reports them (empty where there is no /proc/cpuinfo)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name, or the platform's processor string."""
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def parse_system_info(info: str) -> dict[str, bool]:
    """``"CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 0 |"`` -> ``{"SSE3": True, ...}``."""
    return {m[1]: m[2] == "1" for m in re.finditer(r"([A-Z0-9_]+) = (\d)", info)}


@dataclass(frozen=True)
class LlamaBuild:
    """What the installed llama.cpp was compiled for."""

    version: str
    system_info: str
    features: dict[str, bool]
    libraries: list[Path]
    amx_instructions: int | None
    """AMX instructions found by ``objdump -d`` in the CPU libraries; None without objdump."""

    def missing_on(self, flags: set[str]) -> list[str]:
        """Features compiled in that a CPU with these flags lacks (the build would crash)."""
        return [
            name
            for name, on in self.features.items()
            if on and name in CPU_FLAG_OF_FEATURE and CPU_FLAG_OF_FEATURE[name] not in flags
        ]


def count_amx_instructions(libraries: list[Path]) -> int | None:
    """AMX instructions in the libraries' machine code, or None when objdump is not installed."""
    objdump = shutil.which("objdump")
    if objdump is None or not libraries:
        return None
    pattern = re.compile(r"\t(" + "|".join(AMX_MNEMONICS) + r")\b")
    total = 0
    for lib in libraries:
        listing = subprocess.run(
            [objdump, "-d", "--no-show-raw-insn", str(lib)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        total += len(pattern.findall(listing))
    return total


def llama_build() -> LlamaBuild | None:
    """The installed llama-cpp-python build, or None when it is not installed."""
    try:
        import llama_cpp
    except ImportError:
        return None
    package_dir = Path(llama_cpp.__file__).parent
    info = llama_cpp.llama_print_system_info().decode("utf-8", "replace")
    found = sorted(package_dir.glob("lib/libggml-cpu*.so*")) or sorted(
        package_dir.glob("lib/libggml*.so*")
    )
    by_content: dict[str, Path] = {}  # a wheel stores .so, .so.0 and .so.0.x as three copies
    for lib in found:
        by_content.setdefault(hashlib.sha256(lib.read_bytes()).hexdigest(), lib)
    libraries = sorted(by_content.values())
    return LlamaBuild(
        version=_version("llama_cpp_python"),
        system_info=" ".join(info.split()),
        features=parse_system_info(info),
        libraries=libraries,
        amx_instructions=count_amx_instructions(libraries),
    )


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def verify_sha256(path: Path) -> str:
    """The file's sha256 (reads the whole file: about 3 s per GB)."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@dataclass(frozen=True)
class Speed:
    """One measured test completion."""

    prompt_tokens: int
    completion_tokens: int
    prefill_s: float
    decode_s: float

    @property
    def prefill_tps(self) -> float:
        """Prompt tokens evaluated per second (the first request, nothing cached)."""
        return self.prompt_tokens / self.prefill_s if self.prefill_s else 0.0

    @property
    def decode_tps(self) -> float:
        """Tokens generated per second (the second request, its prompt served from the cache)."""
        return self.completion_tokens / self.decode_s if self.decode_s else 0.0


def _chat(base_url: str, model: str, max_tokens: int) -> tuple[dict[str, int], float]:
    body = json.dumps(
        {
            "model": model,
            "messages": [{"role": "user", "content": TEST_PROMPT}],
            "max_tokens": max_tokens,
            "temperature": 0,
        }
    ).encode("utf-8")
    request = urllib.request.Request(
        f"{base_url}/chat/completions", data=body, headers={"Content-Type": "application/json"}
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as reply:
        payload = json.loads(reply.read())
    return dict(payload.get("usage") or {}), time.perf_counter() - start


def measure_speed(base_url: str, model: str, decode_tokens: int = 48) -> Speed:
    """Prefill from a one-token completion, decode from a longer one on the cached prompt."""
    usage, prefill_s = _chat(base_url, model, 1)
    usage2, total_s = _chat(base_url, model, decode_tokens)
    return Speed(
        prompt_tokens=int(usage.get("prompt_tokens", 0)),
        completion_tokens=int(usage2.get("completion_tokens", 0)),
        prefill_s=prefill_s,
        decode_s=total_s,
    )


def _check_build(report: Report, flags: set[str]) -> LlamaBuild | None:
    lines = report.section("llama.cpp build")
    build = llama_build()
    if build is None:
        lines.append(("llama-cpp-python", "not installed (pip install 'extractor[local]')"))
        return None
    lines.append(("llama-cpp-python", build.version))
    compiled = [k for k, on in build.features.items() if on and k in CPU_FLAG_OF_FEATURE]
    lines.append(("compiled for", " ".join(compiled) or "baseline x86-64"))
    lines.append(("runs on", f"x86-64 CPUs with {', '.join(compiled) or 'any features'}"))
    lines.append(("system info", build.system_info))
    lines.append(("libraries", ", ".join(str(p) for p in build.libraries) or "not found"))
    amx = build.amx_instructions
    lines.append(("AMX instructions", "objdump not installed" if amx is None else str(amx)))
    if amx:
        report.problems.append(
            f"the llama.cpp build holds {amx} AMX instructions: it faults on virtualised "
            "Xeons; rebuild with `make install` (GGML_NATIVE=OFF, AMX off)"
        )
    if build.features.get("AMX_INT8"):
        report.problems.append("the llama.cpp build was compiled with AMX_INT8: rebuild portably")
    missing = build.missing_on(flags) if flags else []
    if missing:
        report.problems.append(
            "the llama.cpp build uses instructions this CPU lacks "
            f"({', '.join(missing)}): it will die with SIGILL; rebuild with `make install`"
        )
    return build


def _check_model(report: Report, name: str, verify: bool) -> bool:
    lines = report.section(f"model {name}")
    spec = get_model(name)
    path = model_path(spec)
    lines.append(("file", str(path)))
    lines.append(("expected sha256", spec.sha256))
    if not is_pulled(spec) and not path.exists():
        lines.append(("state", f"not pulled (extractor models pull {name})"))
        report.problems.append(f"model {name} is not pulled: extractor models pull {name}")
        return False
    if verify:
        got = verify_sha256(path)
        ok = got == spec.sha256
        lines.append(("verified sha256", f"{got} ({'matches' if ok else 'MISMATCH'})"))
        if not ok:
            report.problems.append(f"{path}: sha256 {got} is not the registry's {spec.sha256}")
            return False
    else:
        lines.append(("verified sha256", "skipped (--no-verify)"))
    return True


def _check_generation(report: Report, name: str) -> None:
    from extractor.backends.local import LlamaServer

    lines = report.section(f"test completion ({name})")
    try:
        server = LlamaServer.start(get_model(name))
    except ExtractorError as exc:
        lines.append(("start-up", "FAILED"))
        report.problems.append(str(exc))
        return
    try:
        speed = measure_speed(server.base_url, name)
        lines.append(("start-up", "ok: one-token completion answered"))
        lines.append(
            (
                "prefill",
                f"{speed.prefill_tps:.0f} tokens/s ({speed.prompt_tokens} tokens, "
                f"{speed.prefill_s:.2f} s)",
            )
        )
        lines.append(
            (
                "decode",
                f"{speed.decode_tps:.1f} tokens/s ({speed.completion_tokens} tokens, "
                f"{speed.decode_s:.2f} s, prompt cached)",
            )
        )
        lines.append(("server log", str(server.log_path)))
    except OSError as exc:
        died = server.died_during(exc)
        report.problems.append(str(died or f"test completion failed: {exc}"))
    finally:
        server.stop()


def diagnose(
    *, model: str = "qwen2.5-coder-1.5b", verify: bool = True, generate: bool = True
) -> Report:
    """Collect the doctor's report (starts the model's server when ``generate``)."""
    report = Report()
    flags = cpu_flags()
    lines = report.section("machine")
    lines.append(("python", f"{sys.version.split()[0]} ({sys.executable})"))
    lines.append(("platform", platform.platform()))
    lines.append(("cpu", cpu_model()))
    relevant = sorted(f for f in CPU_FLAG_OF_FEATURE.values() if f in flags)
    lines.append(("cpu features", " ".join(relevant) or "unknown"))
    lines = report.section("packages")
    lines += [(p, _version(p)) for p in PACKAGES]
    build = _check_build(report, flags)  # once: it runs objdump over the libraries
    if model not in MODELS:
        report.problems.append(f"unknown model {model!r}; known: {', '.join(MODELS)}")
        return report
    if _check_model(report, model, verify) and generate and build is not None:
        _check_generation(report, model)
    lines = report.section("logs")
    logs = extractor_home() / "logs"
    lines.append(("server logs", str(logs)))
    lines += [("latest", str(p)) for p in _latest(logs.glob("llama-server-*.log"), key=_mtime)]
    return report


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _latest(paths: Iterator[Path], *, key: Callable[[Path], float], n: int = 3) -> list[Path]:
    return sorted(paths, key=key, reverse=True)[:n]
