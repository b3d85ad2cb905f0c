"""The per-article token budget, and awkward inputs, through the real pipeline on loopback."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from extractor.backends import GenerateSettings, get_backend
from extractor.pipeline import PipelineSettings, Strategy, extract_article
from extractor.pipeline.prompts import load_prompt
from extractor.pipeline.strategies import plan
from extractor.records import ExtractionRecord
from extractor.run import ResponseCache, Work, run_batch
from extractor.schema import Article
from tests.faults.replay import Script, ok
from tests.faults.tally import Tally
from tests.integration.test_local_llm import _assert_grounded
from tests.integration.test_replay import ARTICLE, WHOLE, serve

COUNT = {"kind": "killed", "qualifier": "exact"}
SENTENCES = " ".join(f"Clashes in town {i} killed {i + 2} fighters on Monday." for i in range(8))


async def _extract(
    url: str,
    text: str,
    strategy: Strategy,
    *,
    article_token_budget: int | None = 250_000,
    **settings: Any,
) -> ExtractionRecord:
    backend = get_backend(f"openai-compatible/replay@{url}")
    try:
        return await extract_article(
            Article(id="b", text=text),
            backend,
            strategy=strategy,
            settings=GenerateSettings(**settings),
            pipeline=PipelineSettings(article_token_budget=article_token_budget),
        )
    finally:
        await backend.aclose()


def test_article_budget_stops_further_requests_and_says_so(httpserver: HTTPServer) -> None:
    script = Script([ok({"events": []})])  # each reply reports 100 + 20 tokens
    record = asyncio.run(
        _extract(serve(httpserver, script), SENTENCES, Strategy.SENTENCE, article_token_budget=300)
    )
    assert len(plan(SENTENCES, Strategy.SENTENCE)) == 8
    assert len(script.requests) == 3 and record.meta.requests == 3  # 360 >= 300 after three
    assert record.meta.budget_exhausted and record.error is None
    assert record.meta.usage.prompt_tokens + record.meta.usage.completion_tokens == 360
    assert record.extraction is not None
    (note,) = [d for d in record.extraction.diagnostics if "token budget" in d.reason]
    assert "token budget of 300 per article" in note.reason and "after 3 of 8" in note.reason


def test_article_budget_cuts_reasks_short(httpserver: HTTPServer) -> None:
    script = Script([ok(WHOLE)])  # invents a number every time: re-asked until the budget ends
    record = asyncio.run(
        _extract(
            serve(httpserver, script),
            ARTICLE,
            Strategy.WHOLE,
            max_retries=9,
            article_token_budget=250,
        )
    )
    assert len(script.requests) == 3  # 120, 240 (< 250, re-ask), 360: stop, not 10 attempts
    assert record.meta.budget_exhausted
    assert record.extraction is not None  # the grounded part of the last reply is kept
    assert [c.value for c in record.extraction.events[0].counts] == [10]


def test_budget_is_in_the_output_file_and_a_cut_record_is_not_cached(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    script = Script([ok({"events": []})])
    url = serve(httpserver, script)
    cache = ResponseCache(tmp_path / "cache.sqlite")

    async def go(out: Path, budget: int) -> None:
        backend = get_backend(f"openai-compatible/replay@{url}")
        try:
            await run_batch(
                [Article(id="long", text=SENTENCES), Article(id="short", text=ARTICLE)],
                backend,
                output=out,
                work=Work(
                    load_prompt(),
                    Strategy.SENTENCE,
                    GenerateSettings(),
                    PipelineSettings(article_token_budget=budget),
                ),
                cache=cache,
            )
        finally:
            await backend.aclose()

    asyncio.run(go(tmp_path / "a.jsonl", 300))
    lines = {r["id"]: r for r in map(json.loads, (tmp_path / "a.jsonl").read_text().splitlines())}
    assert lines["long"]["meta"]["budget_exhausted"] is True
    assert lines["short"]["meta"]["budget_exhausted"] is False
    before = len(script.requests)
    asyncio.run(go(tmp_path / "b.jsonl", 10_000))  # the cut record is redone, the other cached
    assert len(script.requests) - before == 8
    cache.close()


def test_a_one_megabyte_article_is_bounded_by_the_budget(
    httpserver: HTTPServer, tmp_path: Path, reliability: Tally
) -> None:
    reliability.bad_input("1 MB article")
    sentence = "Clashes near Mosul killed 12 fighters on Monday, officials said. "
    text = sentence * (1_000_000 // len(sentence))
    script = Script([ok({"events": []})])
    windows = len(plan(text, Strategy.WINDOW))
    record = asyncio.run(
        _extract(serve(httpserver, script), text, Strategy.WINDOW, article_token_budget=1_200)
    )
    assert windows > 150 and len(script.requests) == 10  # not one request per window
    assert record.meta.budget_exhausted and record.error is None
    assert all(len(r["messages"][-1]["content"]) < 30_000 for r in script.requests)


@pytest.mark.parametrize(
    ("name", "text", "reply", "values"),
    [
        (
            "HTML markup in the text",
            "<p>Clashes in <b>Idlib</b> killed 7 fighters on Monday.</p>",
            {
                "events": [
                    {
                        **WHOLE["events"][0],
                        "evidence": "Clashes in <b>Idlib</b> killed 7 fighters",
                        "date": {"text": "on Monday", "precision": "day"},
                        "counts": [{**COUNT, "evidence": "killed 7 fighters", "value": 7}],
                    }
                ]
            },
            [7],
        ),
        (
            "non-English text (Arabic)",
            "قتل 12 شخصا في قصف على إدلب يوم الاثنين.",
            {
                "events": [
                    {
                        **WHOLE["events"][0],
                        "evidence": "قتل 12 شخصا في قصف على إدلب",
                        "date": {"text": None, "precision": "unknown"},
                        "counts": [{**COUNT, "evidence": "قتل 12 شخصا", "value": 12}],
                    }
                ]
            },
            [12],
        ),
        ("non-English text (French)", "Des affrontements ont fait 9 morts.", {"events": []}, []),
    ],
    ids=["html", "arabic", "french"],
)
def test_markup_and_other_languages_go_through_grounded(
    httpserver: HTTPServer,
    name: str,
    text: str,
    reply: dict[str, object],
    values: list[int],
    reliability: Tally,
) -> None:
    reliability.bad_input(name)
    record = asyncio.run(_extract(serve(httpserver, Script([ok(reply)])), text, Strategy.WHOLE))
    assert record.error is None and record.extraction is not None
    _assert_grounded(record.extraction, text)
    assert [c.value for e in record.extraction.events for c in e.counts] == values
