"""The embedded default, for real: llama.cpp's server on 127.0.0.1 with models pulled from PyPI.

SmolLM2-135M checks the plumbing (start, extract, validate, stop); Qwen2.5-Coder-1.5B extracts the
seed article end to end and must find most of its key facts (``gold/seed_facts.toml``). A missing
model or server is a failure, never a silent skip: this tier is the product's default path.

"No invented number" is checked with the tests' own reader (``tests/count_reader.py``), not with
the ``supports_value`` that grounding filters with: that one accepts "a 10-year-old boy" as 10, so
checking grounding's output with it could never fail.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest

from extractor import extract
from extractor.backends import get_backend
from extractor.backends.local import LlamaServer, find_running, write_state
from extractor.backends.models import get_model
from extractor.pipeline import Strategy, extract_article
from extractor.schema import Article, ArticleExtraction
from tests.count_reader import read_counts, states_count_of_people

pytestmark = pytest.mark.local_llm


def _assert_grounded(extraction: ArticleExtraction, text: str) -> None:
    for event in extraction.events:
        for item in [event, *event.places, *event.actors, *event.counts]:
            assert item.span is not None, item
            assert text[item.span.start : item.span.end] == item.evidence
        for c in event.counts:  # no invented number survives grounding
            assert states_count_of_people(c.evidence, c.value, c.upper), (
                c,
                read_counts(c.evidence),
            )
        for p in event.places:
            assert p.name.casefold() in text.casefold() or p.name in p.evidence


def test_smollm2_plumbing_start_extract_validate_stop(seed_text: str) -> None:
    spec = get_model("smollm2-135m")
    server = LlamaServer.start(spec)
    assert server.process is not None and server.process.poll() is None
    try:
        backend = get_backend(f"openai-compatible/smollm2-135m@{server.base_url}")
        text = seed_text.split("\n")[2]  # one sentence with three counts keeps it quick

        async def go() -> None:
            try:
                record = await extract_article(
                    Article(id="seed-s3", text=text), backend, strategy=Strategy.WHOLE
                )
            finally:
                await backend.aclose()
            assert record.meta.requests == 1 and record.meta.usage.prompt_tokens > 0
            if record.extraction is not None:  # a 135M model may fail; then the error is kept
                _assert_grounded(record.extraction, text)
            else:
                assert record.error

        asyncio.run(go())
    finally:
        server.stop()
    assert server.process.poll() is not None  # stopped, no orphan


def test_server_dies_with_its_parent() -> None:
    """A server started by a process that is killed does not outlive it (PR_SET_PDEATHSIG)."""
    code = (
        "from extractor.backends.local import LlamaServer;"
        "from extractor.backends.models import get_model;"
        "s = LlamaServer.start(get_model('smollm2-135m'));"
        "print(s.process.pid, flush=True);"
        "import time; time.sleep(60)"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("llama.cpp server outlived its parent")


def test_serve_state_is_reused() -> None:
    spec = get_model("smollm2-135m")
    server = LlamaServer.start(spec)
    try:
        write_state(server)
        found = find_running(spec)
        assert found is not None and found.port == server.port
    finally:
        server.stop()
    assert find_running(spec) is None


def test_qwen_extracts_the_seed_article(seed_text: str) -> None:
    import datetime as dt
    import tomllib

    from benchmarks.seed_facts import FACTS, tally

    result = extract(seed_text, backend="local/qwen2.5-coder-1.5b", published=dt.date(2019, 8, 7))
    assert result.events, "the seed article reports several events"
    _assert_grounded(result, seed_text)
    assert all(e.event_type.value for e in result.events)
    # Most of the 16 key facts, and most of the 7 counts among them: the default found 12 of 16
    # (5 of 7 counts) in the canonical run and 10-14 across servers and builds (README), so a
    # regression shows here while a 1.5B model's run-to-run wobble does not.
    facts = tally(result, seed_text)
    assert facts.total == 16 and facts.found >= 10, facts.missing
    counts = {(c.kind.value, c.value) for e in result.events for c in e.counts}
    count_facts = [(k, v) for k, v in tomllib.loads(FACTS.read_text(encoding="utf-8"))["counts"]]
    found = [f for f in count_facts if f in counts]
    assert len(count_facts) == 7 and len(found) >= 4, (found, counts)


def test_constrain_article_on_the_real_server_keeps_values_to_the_articles_own(
    seed_text: str,
) -> None:
    """llama.cpp compiles the per-article schema into a grammar: even a 135M model can only
    write the sentence's own numbers and names (issue 9), and the strict model still validates."""
    from extractor.backends import GenerateSettings
    from extractor.pipeline import Constrain, PipelineSettings
    from extractor.pipeline.candidates import candidates

    spec = get_model("smollm2-135m")
    server = LlamaServer.start(spec)
    text = seed_text.split("\n")[2]  # "...killed 10 regime loyalists and 18 opposition fighters..."
    allowed = candidates(text)
    try:
        backend = get_backend(f"openai-compatible/smollm2-135m@{server.base_url}")
        assert backend.supports_constrained_decoding

        async def go() -> None:
            try:
                record = await extract_article(
                    Article(id="seed-s3", text=text),
                    backend,
                    strategy=Strategy.SENTENCE,
                    settings=GenerateSettings(),
                    pipeline=PipelineSettings(constrain=Constrain.ARTICLE),
                )
            finally:
                await backend.aclose()
            assert record.meta.requests >= 1 and record.error is None, record.error
            assert record.extraction is not None
            for event in record.extraction.events:
                assert {c.value for c in event.counts} <= set(allowed.count_values)
                assert {p.name for p in event.places} <= set(allowed.places)
                assert {a.name for a in event.actors} <= set(allowed.actors)
            # nothing the grammar allowed was an unsupported value: grounding dropped none
            assert not [d for d in record.extraction.diagnostics if "not stated" in d.reason]

        asyncio.run(go())
    finally:
        server.stop()
