"""Articles per hour of the embedded default on a batch, for each llama.cpp server (issue 17).

The first N gold v2 *dev* articles (in file order, not chosen) go through the runner
(``run_batch``, the code ``extractor extract`` uses) with no cache, as many at once as the server
has slots (``server.slots``: 1 for llama-cpp-python's server, 4 for llama.cpp's own unless
``native:--parallel K`` or ``--concurrency`` says otherwise). Timed around the batch only (the
server is started and probed first). Per server: wall time, articles per hour, the median
article's own latency (which grows with the slots it shares the cores with), completion tokens
per second over the whole batch, failures, and L1 F1 on those articles against gold dev, so a
faster path that extracts worse shows it.

    python -m benchmarks.batch_throughput --servers python native --articles 8 \
        --out eval/reports/batch_throughput.md

Run it on an otherwise idle machine: llama.cpp's threads share the cores with anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.local_model import peak_rss_mb
from benchmarks.request_profile import command_for
from extractor.backends.local import LlamaServer, default_threads, llama_client
from extractor.backends.models import get_model
from extractor.backends.servers import server_kind
from extractor.gold import GoldSet, load_gold
from extractor.harness.run import score_records
from extractor.pipeline import Strategy
from extractor.records import read_records
from extractor.run import Work, run_batch
from extractor.scoring.keys import ScoreKey

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class BatchResult:
    server: str
    concurrency: int
    articles: int
    wall_s: float
    median_latency_s: float
    completion_tokens: int
    failed: int
    l1_f1: float
    peak_rss_mb: int

    @property
    def per_hour(self) -> float:
        return self.articles / self.wall_s * 3600

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.wall_s


def run_server(
    name: str, gold: GoldSet, n: int, model: str, concurrency: int | None, log: Path
) -> BatchResult:
    command = command_for(name)
    articles = [ga.article for ga in gold.articles[:n]]
    server = LlamaServer.start(get_model(model), command=command)
    assert server.process is not None
    conc = concurrency or server.slots

    async def go() -> float:
        backend = llama_client(model, server.base_url)
        try:
            started = time.perf_counter()
            await run_batch(
                articles,
                backend,
                output=log,
                work=Work(strategy=Strategy.SENTENCE),
                concurrency=conc,
            )
            return time.perf_counter() - started
        finally:
            await backend.aclose()

    try:
        wall = asyncio.run(go())
        rss = peak_rss_mb(server.process.pid)
    finally:
        server.stop()
    records = read_records(log)
    score = score_records(records, gold, only=[a.id for a in articles], ci_resamples=0)
    return BatchResult(
        server=server_kind(command),
        concurrency=conc,
        articles=len(records),
        wall_s=wall,
        median_latency_s=statistics.median(r.meta.latency_s or 0.0 for r in records),
        completion_tokens=sum(r.meta.usage.completion_tokens for r in records),
        failed=sum(r.error is not None for r in records),
        l1_f1=score.results[ScoreKey.L1_ALL_HEADLINE].f1,
        peak_rss_mb=round(rss),
    )


def table(results: list[BatchResult]) -> str:
    base = results[0]
    lines = [
        "| server | in flight | articles | wall s | articles/hour | vs first | median article "
        "latency s | completion tok/s (batch) | failed | L1 F1 | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.server} | {r.concurrency} | {r.articles} | {r.wall_s:.0f} | "
            f"{r.per_hour:.1f} | {r.per_hour / base.per_hour:.2f}x | {r.median_latency_s:.1f} | "
            f"{r.tokens_per_s:.1f} | {r.failed} | {r.l1_f1:.2f} | {r.peak_rss_mb} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--servers", nargs="+", default=["python", "native"])
    parser.add_argument("--articles", type=int, default=8, help="the first N gold v2 dev articles")
    parser.add_argument("--concurrency", type=int, default=None, help="default: the slots")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "eval" / "reports" / "batch_throughput.md"
    )
    args = parser.parse_args()
    gold = load_gold(ROOT / "gold" / "v2" / "dev")
    with tempfile.TemporaryDirectory() as tmp:
        results = [
            run_server(
                name, gold, args.articles, args.model, args.concurrency, Path(tmp, f"{i}.jsonl")
            )
            for i, name in enumerate(args.servers)
        ]
    out = (
        "# Batch throughput of the embedded default\n\n"
        f"The first {args.articles} gold v2 dev articles, `{args.model}`, sentence strategy, "
        f"no cache, {default_threads()} llama.cpp thread(s) on {os.cpu_count()} cores, measured "
        f"{time.strftime('%Y-%m-%d %H:%M')} in one run of `benchmarks/batch_throughput.py`, "
        "servers one after the other. *In flight*: articles sent at once (the server's slots). "
        "L1 F1 is on these articles only, without an interval: a sanity check that a faster "
        "path does not extract worse, not a quality figure.\n\n"
        f"{table(results)}\n"
    )
    print(out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(out, encoding="utf-8")


if __name__ == "__main__":
    main()
