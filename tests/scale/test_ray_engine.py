"""The Ray engine against a loopback server: same records as the local runner, same resume/cache.

One local Ray (2 logical CPUs, loopback only) serves the whole module; it costs ~7 s to start.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray
from pytest_httpserver import HTTPServer

from extractor.backends import GenerateSettings, get_backend
from extractor.errors import BackendError, ConfigError
from extractor.pipeline import Strategy
from extractor.pipeline.prompts import load_prompt
from extractor.records import ExtractionRecord, read_records
from extractor.run import ResponseCache, Work, run_batch
from extractor.run.engines.ray import RayOptions, run_ray
from extractor.schema import Article
from tests.faults.replay import Script, ok
from tests.integration.test_replay import CAPTURE, CLASH


def corpus(n: int) -> list[Article]:
    """Articles that differ in what the server replies to them: 0, 1 or 2 events, or a failure."""
    texts = [
        "Regime loyalists captured the town of Al-Zakat on Wednesday.",
        "It said the clashes overnight killed 10 regime loyalists. The town was quiet.",
        "Regime loyalists captured the town of Al-Zakat on Wednesday. "
        "It said the clashes overnight killed 10 regime loyalists.",
        "The weather was calm and the market reopened.",
        "BROKEN report of an attack that killed 3.",
    ]
    return [
        Article(id=f"r{i:02d}", text=texts[i % len(texts)][:-1] + f" (item {i}).") for i in range(n)
    ]


def script() -> Script:
    return Script(
        [ok({"events": []})],
        by_focus={"captured": ok(CAPTURE), "clashes": ok(CLASH), "BROKEN": ok("not json")},
    )


@pytest.fixture(scope="module", autouse=True)
def ray_session() -> Iterator[None]:
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        _node_ip_address="127.0.0.1",
    )
    yield
    ray.shutdown()


def serve(httpserver: HTTPServer, s: Script) -> str:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(s)
    return f"openai-compatible/replay@{httpserver.url_for('/v1')}"


def local_run(backend_id: str, articles: list[Article], out: Path, **kw: Any) -> None:
    async def go() -> None:
        backend = get_backend(backend_id)
        try:
            await run_batch(
                articles,
                backend,
                output=out,
                work=Work(load_prompt(), Strategy.SENTENCE, GenerateSettings(max_retries=0)),
                **kw,
            )
        finally:
            await backend.aclose()

    asyncio.run(go())


def ray_run(
    backend_id: str, articles: list[Article], out: Path, *, concurrency: int = 8, **kw: Any
) -> Any:
    return run_ray(
        articles,
        backend_id,
        output=out,
        work=Work(load_prompt(), Strategy.SENTENCE, GenerateSettings(max_retries=0)),
        options=RayOptions(concurrency=concurrency, actors=2),
        **kw,
    )


def comparable(record: ExtractionRecord) -> dict[str, Any]:
    dump = record.model_dump(mode="json")
    dump["meta"].pop("latency_s")  # timing differs run to run
    return dump


def test_ray_matches_the_local_runner_resumes_and_fills_the_cache(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    s = script()
    backend_id = serve(httpserver, s)
    articles = corpus(15)
    local_run(backend_id, articles, tmp_path / "local.jsonl", concurrency=4)
    local_lines = (tmp_path / "local.jsonl").read_text(encoding="utf-8").splitlines()
    local = {r.id: comparable(r) for r in read_records(tmp_path / "local.jsonl")}
    # shapes of record: 0, 1 or 2 events, or a failure, so the comparison is not vacuous
    shapes = {len(r["extraction"]["events"]) if r["extraction"] else None for r in local.values()}
    assert shapes == {0, 1, 2, None}

    # a Ray run resuming an interrupted log: 3 records done, then a line torn by a kill
    out = tmp_path / "ray.jsonl"
    out.write_text("\n".join(local_lines[:3]) + '\n{"id": "r0', encoding="utf-8")
    done_before = {json.loads(line)["id"] for line in local_lines[:3]}
    cache = ResponseCache(tmp_path / "cache.sqlite")
    try:
        calls = len(s.requests)
        stats = ray_run(backend_id, articles, out, concurrency=4, cache=cache)
        assert (stats.total, stats.skipped, stats.done, stats.cached) == (15, 3, 12, 0)
        assert stats.failed == sum(
            r["error"] is not None for i, r in local.items() if i not in done_before
        )
        by_ray = {r.id: comparable(r) for r in read_records(out)}
        ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
        assert sorted(ids) == sorted(a.id for a in articles)  # no duplicate, none lost
        assert by_ray == local  # the same records as the local runner's
        expected_calls = sum(
            r["meta"]["requests"] for i, r in local.items() if i not in done_before
        )
        assert len(s.requests) - calls == expected_calls  # the 3 done articles were not redone

        # the driver filled the cache: identical work now makes a request only for failures
        calls = len(s.requests)
        local_run(backend_id, articles, tmp_path / "again.jsonl", cache=cache)
        again = read_records(tmp_path / "again.jsonl")
        ok_from_ray = [i for i, r in by_ray.items() if r["error"] is None and i not in done_before]
        assert sorted(r.id for r in again if r.meta.cached) == sorted(ok_from_ray)
    finally:
        cache.close()


def test_unreachable_backend_stops_the_run_with_backend_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="every actor can reach"):
        ray_run("local/qwen2.5-coder-1.5b", corpus(1), tmp_path / "o.jsonl")
    with pytest.raises(BackendError, match="cannot reach"):
        ray_run("openai-compatible/none@http://127.0.0.1:9/v1", corpus(3), tmp_path / "o.jsonl")
    assert read_records(tmp_path / "o.jsonl") == []  # nothing half-done is written
