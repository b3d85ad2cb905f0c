"""Both embedded servers, for real: llama-cpp-python's server (the default) and llama.cpp's own
``llama-server`` (``EXTRACTOR_LLAMA_SERVER=native``, built by ``make llama-server``, which
``make test`` runs).

Each is started by the same ``LlamaServer.start`` (start-up probe included), extracts one sentence
through the openai + instructor path, and is stopped; a missing native build is a failure, not a
skip, since ``make test`` builds it.
"""

from __future__ import annotations

import asyncio

import pytest

from extractor.backends import get_backend
from extractor.backends.local import LlamaServer
from extractor.backends.models import get_model
from extractor.backends.servers import (
    SERVER_ENV,
    NativeServer,
    default_server_command,
    native_server_binary,
)
from extractor.pipeline import Strategy, extract_article
from extractor.schema import Article

pytestmark = pytest.mark.local_llm


@pytest.mark.parametrize("which", ["native", "python"])
def test_each_server_starts_probes_extracts_and_stops(
    which: str, seed_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SERVER_ENV, which)
    if which == "native":
        assert native_server_binary() is not None
    command = default_server_command()
    assert isinstance(command, NativeServer) == (which == "native")
    server = LlamaServer.start(get_model("smollm2-135m"), command=command)
    assert server.process is not None
    assert server.slots == (command.slots if isinstance(command, NativeServer) else 1)
    try:
        backend = get_backend(f"openai-compatible/smollm2-135m@{server.base_url}")
        text = seed_text.split("\n")[2]

        async def go() -> None:
            try:
                record = await extract_article(
                    Article(id="seed-s3", text=text), backend, strategy=Strategy.WHOLE
                )
            finally:
                await backend.aclose()
            assert record.meta.requests == 1
            assert record.meta.usage.prompt_tokens > 0
            assert record.extraction is not None or record.error

        asyncio.run(go())
    finally:
        server.stop()
    assert server.process.poll() is not None
