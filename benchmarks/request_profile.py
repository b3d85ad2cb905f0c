"""Where an article's seconds go, request by request, on each embedded server (issue 17, item 1).

For each server it extracts the seed article and a sample of gold v2 *dev* (never test) with the
default pipeline, recording every HTTP request (``extractor.backends.profile``): prompt tokens,
those served from the prompt cache and those evaluated, prefill and decode seconds, completion
tokens, and the wall time no server timer covers (wall - prefill - decode: slot wait, grammar
set-up, tokenising, HTTP). Beside the requests, the client's own time: the article's latency
minus the requests' wall time (building prompts, validating, grounding, re-ask bookkeeping).

llama.cpp's ``llama-server`` reports its timings with every reply. llama-cpp-python's server
reports none; with ``--verbose`` its log says, per request, how many prompt tokens matched the
cache and how many remained, which gives the evaluated tokens. Its prefill and decode seconds are
then *fitted*, by least squares over all its requests (wall = a + b * evaluated + c * completion),
and the table says so.

    python -m benchmarks.request_profile --servers python native --dev-every 11 \
        --out eval/reports/request_profile.md

Run it on an otherwise idle machine: llama.cpp's threads share the cores with anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.local_model import peak_rss_mb
from extractor.backends.local import LlamaServer, default_threads, llama_client
from extractor.backends.models import get_model
from extractor.backends.profile import ProfileSummary, RequestProfile, recording, summarise
from extractor.backends.servers import (
    NativeServer,
    ServerCommand,
    llama_cpp_python_command,
    native_server_binary,
    server_kind,
)
from extractor.gold import load_gold
from extractor.pipeline import Strategy, extract_article
from extractor.schema import Article

ROOT = Path(__file__).resolve().parents[1]
SEED_ID = "seed:afp_hama"
_PREFIX = re.compile(r"Llama\.generate: (\d+) prefix-match hit, remaining (\d+) prompt tokens")


@dataclass(frozen=True)
class ArticleProfile:
    """One article on one server."""

    server: str
    article: str
    chars: int
    latency_s: float
    requests: list[RequestProfile]

    @property
    def total(self) -> ProfileSummary:
        return summarise(self.requests)

    @property
    def client_s(self) -> float:
        """The article's latency outside any request (prompts, validation, grounding)."""
        return max(0.0, self.latency_s - self.total.wall_s)


def sample(dev_every: int) -> list[Article]:
    """The seed (gold v1), then every N-th gold v2 dev article."""
    seed = next(
        ga.article for ga in load_gold(ROOT / "gold" / "v1").articles if ga.article.id == SEED_ID
    )
    dev = [ga.article for ga in load_gold(ROOT / "gold" / "v2" / "dev").articles]
    return [seed, *dev[::dev_every]]


def command_for(name: str) -> ServerCommand:
    if name == "python":
        return llama_cpp_python_command
    binary = native_server_binary() if name == "native" else Path(name)
    if binary is None:
        os.environ["EXTRACTOR_LLAMA_SERVER"] = "native"
        binary = native_server_binary()
    assert binary is not None
    return NativeServer(binary)


def with_log_prefill(requests: list[RequestProfile], log_text: str) -> list[RequestProfile]:
    """Fill the evaluated and cached tokens of llama-cpp-python's requests from its verbose log
    (one prefix-match line per generation, in order); left as they are if the counts differ."""
    hits = [(int(a), int(b)) for a, b in _PREFIX.findall(log_text)]
    answered = [i for i, r in enumerate(requests) if r.status == 200]
    if len(hits) != len(answered):
        return requests
    out = list(requests)
    for i, (cached, remaining) in zip(answered, hits, strict=True):
        out[i] = replace(out[i], cached_tokens=cached, evaluated_tokens=remaining)
    return out


def fitted_costs(requests: list[RequestProfile]) -> tuple[float, float, float] | None:
    """Least-squares (fixed s, s per evaluated token, s per completion token) over requests."""
    import numpy as np

    rows = [r for r in requests if r.evaluated_tokens is not None and r.completion_tokens]
    if len(rows) < 4:
        return None
    a = np.array([[1.0, r.evaluated_tokens or 0, r.completion_tokens or 0] for r in rows])
    b = np.array([r.wall_s for r in rows])
    solution, *_ = np.linalg.lstsq(a, b, rcond=None)
    fixed, per_prompt, per_completion = (float(x) for x in solution)
    return fixed, per_prompt, per_completion


def with_fitted_timings(
    requests: list[RequestProfile], costs: tuple[float, float, float]
) -> list[RequestProfile]:
    """Requests without server timings, given the fitted prefill and decode seconds."""
    _, per_prompt, per_completion = costs
    return [
        r
        if r.prefill_s is not None or r.evaluated_tokens is None
        else replace(
            r,
            prefill_s=max(0.0, per_prompt * r.evaluated_tokens),
            decode_s=max(0.0, per_completion * (r.completion_tokens or 0)),
        )
        for r in requests
    ]


def run_server(
    name: str, articles: list[Article], model: str
) -> tuple[list[ArticleProfile], dict[str, object]]:
    os.environ["EXTRACTOR_LLAMA_VERBOSE"] = "true"  # llama-cpp-python's prefix-match lines
    command = command_for(name)
    label = server_kind(command)
    server = LlamaServer.start(get_model(model), command=command)
    assert server.process is not None and server.log_path is not None
    log = server.log_path
    out: list[ArticleProfile] = []

    async def go() -> None:
        backend = llama_client(model, server.base_url)
        try:
            for article in articles:
                since = log.stat().st_size
                with recording() as requests:
                    started = time.perf_counter()
                    await extract_article(article, backend, strategy=Strategy.SENTENCE)
                    latency = time.perf_counter() - started
                text = log.read_text(encoding="utf-8", errors="replace")[since:]
                if not any(r.evaluated_tokens is not None for r in requests):
                    requests[:] = with_log_prefill(requests, text)
                out.append(ArticleProfile(label, article.id, len(article.text), latency, requests))
        finally:
            await backend.aclose()

    try:
        asyncio.run(go())
        rss = peak_rss_mb(server.process.pid)
    finally:
        server.stop()
    facts: dict[str, object] = {"server": label, "peak_rss_mb": round(rss)}
    every = [r for a in out for r in a.requests]
    if every and all(r.prefill_s is None for r in every):
        costs = fitted_costs(every)
        if costs is not None:
            facts["fitted"] = costs
            out = [replace(a, requests=with_fitted_timings(a.requests, costs)) for a in out]
    return out, facts


def _s(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f}"


def _n(v: int | None) -> str:
    return "n/a" if v is None else str(v)


def table(profiles: list[ArticleProfile]) -> str:
    head = (
        "| server | article | chars | requests | latency s | requests' wall s | prefill s | "
        "decode s | other s | client s | prompt tok | cached tok | evaluated tok | "
        "completion tok | decode tok/s | effective tok/s |"
    )
    lines = [head, "|" + "---|" * 16]
    for a in profiles:
        t = a.total
        lines.append(
            f"| {a.server} | {a.article} | {a.chars} | {t.requests} | {a.latency_s:.1f} | "
            f"{t.wall_s:.1f} | {_s(t.prefill_s)} | {_s(t.decode_s)} | {_s(t.other_s)} | "
            f"{a.client_s:.1f} | {t.prompt_tokens} | {_n(t.cached_tokens)} | "
            f"{_n(t.evaluated_tokens)} | {t.completion_tokens} | {_s(t.decode_tokens_per_s)} | "
            f"{t.completion_tokens / a.latency_s:.1f} |"
        )
    return "\n".join(lines)


def _share(mine: list[ArticleProfile], part: str) -> str:
    """Median share of the articles' latency spent in one part (``prefill_s``...)."""
    values: list[float | None] = [getattr(a.total, part) for a in mine]
    known = [v for v in values if v is not None]
    if len(known) < len(values):
        return "n/a"
    return f"{statistics.median(v / a.latency_s for v, a in zip(known, mine, strict=True)):.0%}"


def shares(profiles: list[ArticleProfile]) -> str:
    """Median share of an article's latency per part, per server."""
    lines = [
        "| server | articles | median latency s | prefill | decode | other (slot, grammar, HTTP) "
        "| client |",
        "|---|---|---|---|---|---|---|",
    ]
    for server in dict.fromkeys(a.server for a in profiles):
        mine = [a for a in profiles if a.server == server]

        client = statistics.median(a.client_s / a.latency_s for a in mine)
        lines.append(
            f"| {server} | {len(mine)} | {statistics.median(a.latency_s for a in mine):.1f} | "
            f"{_share(mine, 'prefill_s')} | {_share(mine, 'decode_s')} | "
            f"{_share(mine, 'other_s')} | {client:.0%} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--servers", nargs="+", default=["python", "native"])
    parser.add_argument("--dev-every", type=int, default=11, help="every N-th gold v2 dev article")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "eval" / "reports" / "request_profile.md"
    )
    args = parser.parse_args()
    articles = sample(args.dev_every)
    profiles: list[ArticleProfile] = []
    notes: list[str] = []
    for name in args.servers:
        got, facts = run_server(name, articles, args.model)
        profiles += got
        fitted = facts.get("fitted")
        if isinstance(fitted, tuple):
            fixed, per_prompt, per_completion = fitted
            notes.append(
                f"- {facts['server']}: no server timings; prefill and decode seconds are fitted "
                f"over its requests: {fixed:.2f} s per request + {per_prompt * 1000:.2f} ms per "
                f"evaluated prompt token + {per_completion * 1000:.1f} ms per completion token."
            )
        notes.append(f"- {facts['server']}: peak RSS {facts['peak_rss_mb']} MB.")
    out = (
        "# Request profile of the embedded default\n\n"
        f"The seed article and every {args.dev_every}-th gold v2 dev article, "
        f"`{args.model}`, sentence strategy, {default_threads()} llama.cpp thread(s) on "
        f"{os.cpu_count()} cores, measured {time.strftime('%Y-%m-%d %H:%M')} in one run of "
        "`benchmarks/request_profile.py`, servers one after the other. Seconds are sums over an "
        "article's requests; *other* is wall time no server timer covers, *client* the "
        "article's latency outside any request.\n\n"
        f"{shares(profiles)}\n\n{table(profiles)}\n\n" + "\n".join(notes) + "\n"
    )
    print(out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(out, encoding="utf-8")


if __name__ == "__main__":
    main()
