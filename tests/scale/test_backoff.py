"""429/503 backoff honours Retry-After (the openai SDK's retries, as our backend configures it)."""

from __future__ import annotations

import asyncio
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractor.backends import GenerateSettings, get_backend
from extractor.pipeline import Strategy, extract_article
from extractor.schema import Article
from tests.faults.replay import ok, status
from tests.scale.canned_server import ARTICLE, REPLY


@pytest.mark.parametrize(("code", "header"), [(429, "2"), (503, "2"), (429, "1.5")])
def test_retry_waits_as_long_as_retry_after_says(
    httpserver: HTTPServer, code: int, header: str
) -> None:
    times: list[float] = []
    replies = [status(code, retry_after=header), ok(REPLY)]

    def handler(request: Request) -> Response:
        times.append(time.monotonic())
        return replies[min(len(times), 2) - 1](request.get_json())

    httpserver.expect_request("/v1/chat/completions").respond_with_handler(handler)

    async def go() -> None:
        backend = get_backend(f"openai-compatible/r@{httpserver.url_for('/v1')}")
        try:
            record = await extract_article(
                Article(id="a", text=ARTICLE),
                backend,
                strategy=Strategy.WHOLE,
                settings=GenerateSettings(),
            )
        finally:
            await backend.aclose()
        assert record.error is None and record.extraction is not None

    asyncio.run(go())
    assert len(times) == 2
    # without the header the SDK's first backoff is 0.5-1 s; with it, the server's figure
    assert float(header) - 0.05 <= times[1] - times[0] < float(header) + 1.5
