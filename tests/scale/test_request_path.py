"""What reaches the server is the article as written: no template engine touches it."""

from __future__ import annotations

import asyncio

from pytest_httpserver import HTTPServer

from extractor.backends import GenerateSettings, get_backend
from extractor.pipeline import Strategy, extract_article
from extractor.schema import Article
from tests.faults.replay import Script, ok
from tests.scale.canned_server import ARTICLE, REPLY


def test_template_syntax_in_an_article_is_sent_verbatim(httpserver: HTTPServer) -> None:
    # instructor renders messages as Jinja templates when given a validation context: with it,
    # "{{" failed the request and "{{ article }}" was replaced by the article itself
    text = ARTICLE + " A banner read {{ article }} and {% raw %} and {{ unclosed.\n"
    script = Script([ok(REPLY)])
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(script)

    async def go() -> None:
        backend = get_backend(f"openai-compatible/r@{httpserver.url_for('/v1')}")
        try:
            record = await extract_article(
                Article(id="a", text=text),
                backend,
                strategy=Strategy.WHOLE,
                settings=GenerateSettings(),
            )
        finally:
            await backend.aclose()
        assert record.error is None and record.extraction is not None
        assert len(record.extraction.events) == 1  # grounding still saw the article

    asyncio.run(go())
    (request,) = script.requests
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    assert "A banner read {{ article }} and {% raw %} and {{ unclosed." in user
