"""Where an article's seconds go, request by request, on each embedded server (issue 17, item 1).

For each server it extracts the seed article and a sample of gold v2 *dev* (never test) with the
default pipeline, recording every HTTP request (``extractor.backends.profile``): prompt tokens,
those served from the prompt cache and those evaluated, prefill and decode seconds, completion
tokens, and the wall time no server timer covers (wall - prefill - decode: slot wait, grammar
set-up, tokenising, HTTP). Beside the requests, the client's own time: the article's latency
minus the requests' wall time (building prompts, validating, grounding, re-ask bookkeeping).

llama.cpp's ``llama-server`` reports its timings with every reply. llama-cpp-python's server
reports none in its replies, but with ``--verbose`` its log has llama.cpp's own counters for each
request (``llama_perf_context_print``: prompt tokens evaluated and their milliseconds, decode
milliseconds); it answers one request at a time, so the log's blocks, read once the server has
stopped (its output is buffered), pair with its requests in order.

    python -m benchmarks.request_profile --servers python native \
        "native:--spec-type ngram-simple" --dev-every 11 --out eval/reports/request_profile.md

Run it on an otherwise idle machine: llama.cpp's threads share the cores with anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shlex
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
    """``python``, ``native``, ``native:OPTIONS`` (more llama-server options) or a binary's path."""
    if name == "python":
        return llama_cpp_python_command
    kind, _, options = name.partition(":")
    binary = Path(kind) if kind != "native" else native_server_binary()
    if binary is None:  # EXTRACTOR_LLAMA_SERVER unset: the one `make llama-server` installs
        os.environ["EXTRACTOR_LLAMA_SERVER"] = "native"
        binary = native_server_binary()
    assert binary is not None
    return NativeServer(binary, extra=tuple(shlex.split(options)))


_PROMPT_EVAL = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
_DECODE = re.compile(r"perf_context_print:\s+eval time =\s*([\d.]+) ms /\s*(\d+) runs")


def with_log_timings(requests: list[RequestProfile], log_text: str) -> list[RequestProfile]:
    """llama-cpp-python's requests with the prefill and decode its verbose log counted for each.

    One ``prompt eval`` / ``eval`` pair per generation, in order; the server's start-up probe is
    the first when there is one more than the requests answered. Left as they are when the
    counts do not pair up.
    """
    prompts = [(float(ms), int(n)) for ms, n in _PROMPT_EVAL.findall(log_text)]
    decodes = [float(ms) for ms, _ in _DECODE.findall(log_text)]
    answered = [i for i, r in enumerate(requests) if r.status == 200]
    if len(prompts) == len(decodes) == len(answered) + 1:
        prompts, decodes = prompts[1:], decodes[1:]  # the probe
    if not answered or not len(prompts) == len(decodes) == len(answered):
        return requests
    out = list(requests)
    for i, (prefill_ms, evaluated), decode_ms in zip(answered, prompts, decodes, strict=True):
        r = out[i]
        out[i] = replace(
            r,
            evaluated_tokens=evaluated,
            cached_tokens=None if r.prompt_tokens is None else max(0, r.prompt_tokens - evaluated),
            prefill_s=prefill_ms / 1000,
            decode_s=decode_ms / 1000,
        )
    return out


def run_server(
    name: str, articles: list[Article], model: str
) -> tuple[list[ArticleProfile], dict[str, object]]:
    os.environ["EXTRACTOR_LLAMA_VERBOSE"] = "true"  # llama-cpp-python's per-request counters
    command = command_for(name)
    label = server_kind(command)
    server = LlamaServer.start(get_model(model), command=command)
    assert server.process is not None and server.log_path is not None
    log = server.log_path  # this server's own (a new file per start)
    out: list[ArticleProfile] = []

    async def go() -> None:
        backend = llama_client(model, server.base_url)
        try:
            for article in articles:
                with recording() as requests:
                    started = time.perf_counter()
                    await extract_article(article, backend, strategy=Strategy.SENTENCE)
                    latency = time.perf_counter() - started
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
    if every and all(r.prefill_s is None for r in every):  # no timings in the replies
        timed = with_log_timings(every, log.read_text(encoding="utf-8", errors="replace"))
        facts["timings"] = "from its verbose log" if timed is not every else "none"
        it = iter(timed)
        out = [replace(a, requests=[next(it) for _ in a.requests]) for a in out]
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
        if "timings" in facts:
            notes.append(
                f"- {facts['server']}: no timings in its replies; prefill and decode "
                f"{facts['timings']} (llama.cpp's counters, per request in order)."
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
