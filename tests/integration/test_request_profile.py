"""Per-request profiles (``extractor.backends.profile``) through the real openai SDK and instructor,
against a loopback server (pytest-httpserver) that answers as llama.cpp's server does (with
``timings``) or as llama-cpp-python's does (without)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pydantic import BaseModel
from pytest_httpserver import HTTPServer
from werkzeug import Response

from extractor.backends import Completion, FailedCompletion, GenerateSettings, get_backend
from extractor.backends.profile import RequestProfile, profile_of, recording, summarise
from tests.faults.replay import Script, completion, ok, status

MESSAGES = [{"role": "user", "content": "Name one town."}]


class Town(BaseModel):
    name: str


def with_timings(content: dict[str, Any], *, cache_n: int, prompt_n: int) -> Any:
    body = completion(json.dumps(content), prompt_tokens=cache_n + prompt_n, completion_tokens=7)
    body["timings"] = {
        "cache_n": cache_n,
        "prompt_n": prompt_n,
        "prompt_ms": 250.0,
        "predicted_n": 7,
        "predicted_ms": 500.0,
    }
    return lambda _req: Response(json.dumps(body), 200, content_type="application/json")


def generate(url: str, retries: int = 1) -> Completion[Town] | FailedCompletion:
    backend = get_backend(f"openai-compatible/m@{url}")
    settings = GenerateSettings(max_retries=retries)
    return asyncio.run(backend.generate(MESSAGES, Town, settings))


def serve(httpserver: HTTPServer, script: Script) -> str:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(script)
    return httpserver.url_for("/v1")


def test_llama_cpp_timings_become_the_profile(httpserver: HTTPServer) -> None:
    script = Script([with_timings({"name": "Hama"}, cache_n=90, prompt_n=10)])
    result = generate(serve(httpserver, script))
    assert isinstance(result, Completion)
    (p,) = result.requests
    assert (p.status, p.prompt_tokens, p.completion_tokens) == (200, 100, 7)
    assert (p.cached_tokens, p.evaluated_tokens) == (90, 10)
    assert (p.prefill_s, p.decode_s) == (0.25, 0.5)
    assert p.grammar  # the schema went in response_format
    assert p.wall_s > 0 and p.other_s is not None and p.other_s == max(0.0, p.wall_s - 0.75)
    assert p.wall_s <= result.latency_s


def test_a_server_without_timings_reports_tokens_and_wall_time_only(
    httpserver: HTTPServer,
) -> None:
    result = generate(serve(httpserver, Script([ok({"name": "Hama"})])))
    (p,) = result.requests
    assert (p.prompt_tokens, p.completion_tokens) == (100, 20)
    assert p.prefill_s is None and p.decode_s is None and p.other_s is None
    assert p.evaluated_tokens is None and p.cached_tokens is None


def test_sdk_retries_and_re_asks_are_each_a_request(httpserver: HTTPServer) -> None:
    # a 503 the SDK retries, a reply that breaks the schema (instructor re-asks), then a good one
    script = Script(
        [status(503), ok({"town": 1}), with_timings({"name": "Hama"}, cache_n=0, prompt_n=100)]
    )
    result = generate(serve(httpserver, script), retries=2)
    assert isinstance(result, Completion)
    assert [p.status for p in result.requests] == [503, 200, 200]
    assert result.requests[0].prompt_tokens is None  # an error body has no usage
    assert result.requests[2].evaluated_tokens == 100
    assert len(script.requests) == 3


def test_a_failed_completion_keeps_its_requests(httpserver: HTTPServer) -> None:
    result = generate(serve(httpserver, Script([ok({"town": 1})])), retries=1)
    assert isinstance(result, FailedCompletion)
    assert [p.status for p in result.requests] == [200, 200]  # the request and its re-ask


def test_an_outer_recording_sees_every_request_of_nested_ones(httpserver: HTTPServer) -> None:
    url = serve(httpserver, Script([with_timings({"name": "Hama"}, cache_n=50, prompt_n=50)]))
    backend = get_backend(f"openai-compatible/m@{url}")

    async def two_at_once() -> None:
        await asyncio.gather(
            *(backend.generate(MESSAGES, Town, GenerateSettings()) for _ in range(2))
        )

    with recording() as seen:
        asyncio.run(two_at_once())
    total = summarise(seen)
    assert (total.requests, total.prompt_tokens, total.completion_tokens) == (2, 200, 14)
    assert (total.cached_tokens, total.evaluated_tokens) == (100, 100)
    assert total.prefill_s == 0.5 and total.decode_s == 1.0
    assert total.decode_tokens_per_s == 14.0
    assert total.grammar_requests == 2


def test_summaries_leave_a_timing_unknown_unless_every_request_reported_it() -> None:
    timed = profile_of(b"{}", 200, json.dumps({"timings": {"prompt_ms": 100}}).encode(), 1.0)
    untimed = RequestProfile(wall_s=1.0, status=200, grammar=False)
    total = summarise([timed, untimed])
    assert total.prefill_s is None and total.wall_s == 2.0
    assert summarise([timed]).prefill_s == 0.1
    assert summarise([]).prefill_s is None and summarise([]).requests == 0
    assert not profile_of(b"not json", 500, b"<html>", 0.1).grammar
