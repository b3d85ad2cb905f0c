"""Prefill and decode speed of llama.cpp builds, side by side on one machine and one prompt.

Chooses the build flags of the embedded server (issue: runs on any x86-64 machine). Each build is
a Python interpreter with its own llama-cpp-python installed; the measurement runs in a worker
process per build (``--worker``) that imports only llama_cpp and the standard library, so an old
native build can be measured from a throwaway venv. Rounds alternate between the builds, so a
slow moment of the machine hits both; the table gives medians over the rounds and the ratio.

- prefill: ``Llama.eval`` of the prompt's tokens on an empty KV cache (batch 512);
- decode: 64 single-token ``eval`` calls after the prompt (one token per step, as generation).

Usage::

    .venv/bin/python -m benchmarks.llama_build \\
        --build portable=.venv/bin/python --build native=/tmp/venv-native/bin/python \\
        [--rounds 3] [--threads 2] [--report eval/reports/llama_build.md]

The native venv for the comparison: ``python3 -m venv /tmp/venv-native && /tmp/venv-native/bin/pip
install --no-cache-dir llama-cpp-python==0.3.36`` (compiled with llama.cpp's default
``GGML_NATIVE=ON``, the flags the Makefile used before).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "corpus" / "seed_afp_hama.txt"
DECODE_STEPS = 64


def worker(model: str, threads: int, prompt_file: str) -> None:
    """Measure one build (runs under that build's interpreter); prints one JSON line."""
    import llama_cpp

    llm = llama_cpp.Llama(model, n_ctx=4096, n_threads=threads, n_batch=512, verbose=False)
    text = Path(prompt_file).read_text(encoding="utf-8")
    tokens = llm.tokenize(text.encode("utf-8"))
    llm.reset()
    start = time.perf_counter()
    llm.eval(tokens)
    prefill_s = time.perf_counter() - start
    step = tokens[-1:]
    start = time.perf_counter()
    for _ in range(DECODE_STEPS):
        llm.eval(step)
    decode_s = time.perf_counter() - start
    info = llama_cpp.llama_print_system_info().decode("utf-8", "replace")
    print(
        json.dumps(
            {
                "prompt_tokens": len(tokens),
                "prefill_s": prefill_s,
                "decode_s": decode_s,
                "system_info": " ".join(info.split()),
            }
        )
    )


def _run(python: str, model: str, threads: int) -> dict[str, float | str]:
    out = subprocess.run(
        [python, __file__, "--worker", "--model", model, "--threads", str(threads)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float | str] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    """Measure every build for the given rounds and print (and write) the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--model", default="")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompt", default=str(SEED))
    parser.add_argument("--build", action="append", default=[], help="label=python")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--report", type=Path, default=None)
    args = parser.parse_args()
    if args.worker:
        worker(args.model, args.threads, args.prompt)
        return
    sys.path.insert(0, str(ROOT))
    from extractor.backends.models import ensure_model

    model = args.model or str(ensure_model("qwen2.5-coder-1.5b"))
    builds = [tuple(b.split("=", 1)) for b in args.build] or [("portable", sys.executable)]
    runs: dict[str, list[dict[str, float | str]]] = {label: [] for label, _ in builds}
    for r in range(args.rounds):
        for label, python in builds:
            res = _run(python, model, args.threads)
            runs[label].append(res)
            print(f"round {r + 1} {label}: {res}", file=sys.stderr)
    rows = [
        "| build | compiled for | prompt tokens | prefill tokens/s | decode tokens/s |",
        "|---|---|---|---|---|",
    ]
    medians: dict[str, tuple[float, float]] = {}
    for label, _ in builds:
        rs = runs[label]
        n = float(rs[0]["prompt_tokens"])
        prefill = statistics.median(n / float(x["prefill_s"]) for x in rs)
        decode = statistics.median(DECODE_STEPS / float(x["decode_s"]) for x in rs)
        medians[label] = (prefill, decode)
        info = str(rs[0]["system_info"]).replace("|", "/")
        rows.append(f"| {label} | {info} | {int(n)} | {prefill:.1f} | {decode:.1f} |")
    if len(builds) > 1:
        base = builds[0][0]
        for label, _ in builds[1:]:
            p = medians[base][0] / medians[label][0]
            d = medians[base][1] / medians[label][1]
            rows.append(f"\n{base} / {label}: prefill x{p:.2f}, decode x{d:.2f}")
    table = "\n".join(rows)
    print(table)
    if args.report:
        header = (
            "# llama.cpp builds: prefill and decode speed\n\n"
            f"`benchmarks/llama_build.py`, {args.rounds} alternating rounds, {args.threads} "
            "threads, Qwen2.5-Coder-1.5B Q4_K_M, the seed article as the prompt; medians.\n\n"
        )
        args.report.write_text(header + table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
