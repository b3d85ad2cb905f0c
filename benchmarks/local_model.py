"""Benchmark the embedded models: speed, tokens, prompt-cache reuse, memory, failures, quality.

For each model x strategy it starts llama.cpp's server (verbose, to read its prompt-cache lines),
extracts the first N gold articles, and prints one table row: median seconds and tokens per
article, share of prompt tokens served from the prompt cache, peak RSS of the server, the share of
requests whose replies never validated, and L1 precision/recall/F1 per field on those articles.

    python -m benchmarks.local_model --every 14 --out eval/reports/local_model.md \
        --systems qwen2.5-coder-1.5b:sentence qwen2.5-coder-1.5b:sentence:article \
        qwen2.5-coder-1.5b:whole smollm2-135m:sentence smollm2-135m:whole

A system is MODEL:STRATEGY[:CONSTRAIN]. The sample is every N-th gold article, the seed first; the
seed's 16 key facts (``gold/seed_facts.toml``) are tallied for each system.

Run it on an otherwise idle machine: llama.cpp's threads share the cores with anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from pathlib import Path

from benchmarks.seed_facts import SEED_ID, tally
from extractor.backends.local import LlamaServer, default_threads, llama_client
from extractor.backends.models import get_model
from extractor.backends.servers import NativeServer, ServerCommand, llama_cpp_python_command
from extractor.gold import load_gold
from extractor.harness import score_records
from extractor.pipeline import Constrain, PipelineSettings, Strategy, extract_article
from extractor.records import ExtractionRecord

ROOT = Path(__file__).resolve().parents[1]
_PREFIX = re.compile(r"Llama\.generate: (\d+) prefix-match hit, remaining (\d+) prompt tokens")


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cache_reuse(log: Path, since: int) -> float | None:
    """Share of prompt tokens llama.cpp reused from its cache, from its log after byte ``since``."""
    text = log.read_text(encoding="utf-8", errors="replace")[since:]
    hits = [(int(a), int(b)) for a, b in _PREFIX.findall(text)]
    total = sum(a + b for a, b in hits)
    return sum(a for a, _ in hits) / total if total else None


def with_python(python: str) -> ServerCommand:
    """The server of one build: a ``llama-server`` binary, or llama-cpp-python's server run by
    that interpreter (another build)."""
    if Path(python).name == "llama-server":
        return NativeServer(Path(python))

    def command(model_file: Path, *, alias: str, port: int, n_ctx: int, threads: int) -> list[str]:
        argv = llama_cpp_python_command(
            model_file, alias=alias, port=port, n_ctx=n_ctx, threads=threads
        )
        return [python, *argv[1:]]

    return command


def run_one(
    model: str, strategy: str, constrain: str, every: int, build: tuple[str, str]
) -> dict[str, object]:
    gold = load_gold(ROOT / "gold" / "v1")
    articles = [ga.article for ga in gold.articles][::every]
    os.environ["EXTRACTOR_LLAMA_VERBOSE"] = "true"
    started = time.perf_counter()
    server = LlamaServer.start(get_model(model), command=with_python(build[1]))
    ready_s = time.perf_counter() - started
    assert server.process is not None and server.log_path is not None
    log_start = server.log_path.stat().st_size
    records: list[ExtractionRecord] = []

    async def go() -> None:
        backend = llama_client(model, server.base_url)
        try:
            for article in articles:
                records.append(
                    await extract_article(
                        article,
                        backend,
                        strategy=Strategy(strategy),
                        pipeline=PipelineSettings(constrain=Constrain(constrain)),
                    )
                )
        finally:
            await backend.aclose()

    try:
        asyncio.run(go())
        rss = peak_rss_mb(server.process.pid)
        reuse = cache_reuse(server.log_path, log_start)  # llama-cpp-python's verbose log
        if reuse is None:  # llama-server reports cached prompt tokens in each reply's usage
            prompt = sum(r.meta.usage.prompt_tokens for r in records)
            cached = sum(r.meta.usage.cached_tokens for r in records)
            reuse = cached / prompt if prompt and cached else None
    finally:
        server.stop()
    score = score_records(records, gold, only=[a.id for a in articles], ci_resamples=0)
    seed = next(r for r in records if r.id == SEED_ID)
    facts = tally(seed.extraction, articles[0].text)
    requests = sum(r.meta.requests for r in records)
    f1 = {
        k: score.results[k]
        for k in ("L1/actors/lenient", "L1/places/lenient", "L1/counts/value", "L1/all/headline")
    }
    return {
        "build": build[0],
        "model": model,
        "strategy": strategy,
        "constrain": constrain,
        "articles": len(records),
        "server_ready_s": round(ready_s, 1),
        "median_s": round(statistics.median(r.meta.latency_s for r in records), 1),
        "median_prompt_tokens": statistics.median(r.meta.usage.prompt_tokens for r in records),
        "median_completion_tokens": statistics.median(
            r.meta.usage.completion_tokens for r in records
        ),
        "cache_reuse": None if reuse is None else round(reuse, 3),
        "peak_rss_mb": round(rss),
        "schema_failure_rate": round(
            sum(r.meta.failed_requests for r in records) / max(1, requests), 3
        ),
        "dropped_by_grounding": sum(len(r.extraction.diagnostics) for r in records if r.extraction),
        **{k.split("/")[1] + "_f1": round(v.f1, 2) for k, v in f1.items()},
        "seed_facts": f"{facts.found}/{facts.total}",
        "invented_numbers": len(facts.invented),
    }


def table(rows: list[dict[str, object]]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--systems",
        nargs="+",
        default=[
            "qwen2.5-coder-1.5b:sentence",
            "qwen2.5-coder-1.5b:sentence:article",
            "qwen2.5-coder-1.5b:whole",
            "smollm2-135m:sentence",
            "smollm2-135m:whole",
        ],
        help="MODEL:STRATEGY[:CONSTRAIN]",
    )
    parser.add_argument("--every", type=int, default=14, help="every N-th gold article")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "local_model.md")
    parser.add_argument(
        "--build",
        action="append",
        default=[],
        help="LABEL=PYTHON or LABEL=/path/llama-server: run each system on the llama-cpp-python "
        "server of that interpreter, or on that llama-server (repeat to compare side by side; "
        "default: this interpreter, labelled portable)",
    )
    args = parser.parse_args()
    builds = [tuple(b.split("=", 1)) for b in args.build] or [("portable", sys.executable)]
    rows: list[dict[str, object]] = []
    for system in args.systems:
        model, strategy, *rest = system.split(":")
        for label, python in builds:
            rows.append(
                run_one(model, strategy, rest[0] if rest else "none", args.every, (label, python))
            )
    out = (
        f"# Local model benchmark\n\nGold v1 articles 0, {args.every}, {2 * args.every}, ... "
        f"(the seed first; {rows[0]['articles']} articles), "
        f"{default_threads()} llama.cpp thread(s) on {os.cpu_count()} cores, "
        f"measured {time.strftime('%Y-%m-%d %H:%M')} in one run of "
        f"`benchmarks/local_model.py`; medians per article. F1: L1 micro over the sample; "
        f"seed_facts: the seed's 16 key facts found (`gold/seed_facts.toml`); "
        f"invented_numbers: count values on the seed that nothing in it states.\n\n"
        f"{table(rows)}\n"
    )
    print(out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(out, encoding="utf-8")


if __name__ == "__main__":
    main()
