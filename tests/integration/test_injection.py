"""Planted instructions against a model that obeys them (played back by the replay server).

The replay server answers with what an obedient model would write: events, numbers and places
taken from the planted text, or a planted number hung on a genuine quote. The output must keep its
strict format, hold only items grounded in the genuine report, and nothing may connect anywhere
but the model server. The same articles go to the real embedded model in
``test_injection_local.py``.
"""

from __future__ import annotations

import asyncio

import pytest
from pytest_httpserver import HTTPServer

from extractor.backends import get_backend
from extractor.pipeline import Strategy, extract_article
from extractor.pipeline.planted import find_planted
from extractor.records import ExtractionRecord
from extractor.schema import Article
from tests.faults.injection import INJECTIONS, Injection, connections, events_json
from tests.faults.replay import Script, ok
from tests.faults.tally import Tally
from tests.integration.test_local_llm import _assert_grounded
from tests.integration.test_replay import serve

__all__ = ["connections"]  # the fixture, used by name


@pytest.mark.parametrize("case", INJECTIONS, ids=[c.name for c in INJECTIONS])
def test_an_obeying_reply_adds_nothing_and_nothing_planted_reaches_the_model(
    httpserver: HTTPServer, case: Injection, connections: list[object], reliability: Tally
) -> None:
    reliability.injection(f"{case.name} (replay of an obeying reply)")
    script = Script([ok(case.obeying)])
    backend = get_backend(f"openai-compatible/replay@{serve(httpserver, script)}")

    async def go() -> ExtractionRecord:
        try:
            return await extract_article(
                Article(id="inj", text=case.text), backend, strategy=Strategy.WHOLE
            )
        finally:
            await backend.aclose()

    record = asyncio.run(go())
    # the output keeps its strict format
    record = ExtractionRecord.model_validate_json(record.model_dump_json())
    assert record.error is None and record.extraction is not None
    # the model never read the planted text (the re-ask repeats the model's own reply, so look
    # at the first request, which carries the article)
    first = " ".join(m["content"] for m in script.requests[0]["messages"])
    assert case.report in first and case.planted not in first
    assert all(f not in first for f in case.forbidden)
    # nothing from the planted text survives; every kept item is grounded in the article
    assert all(f not in events_json(record.extraction) for f in case.forbidden)
    _assert_grounded(record.extraction, case.text)
    for e in record.extraction.events:
        assert e.span is not None and e.span.end <= len(case.report)
    # what was masked and what was dropped is listed, not silently lost
    paths = [d.path for d in record.extraction.diagnostics]
    stretches = find_planted(case.text)  # found in the planted part only, up to its end
    assert stretches[0].start > len(case.report) and stretches[-1].end == len(case.text)
    assert all(any(f in p.text for p in stretches) for f in case.forbidden)
    assert all(f"article[{p.start}:{p.end}]" in paths for p in stretches)
    assert len(paths) > 1  # the obeying items, dropped by grounding
    # no connection but to the model server
    assert connections and all(a == ("127.0.0.1", httpserver.port) for a in connections)
