"""The LLM path (openai SDK + instructor + validation + grounding + runner + CLI) against a real
loopback server that plays back recorded replies and injects faults."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from extractor.backends import GenerateSettings, get_backend
from extractor.cli import app
from extractor.errors import BackendError
from extractor.pipeline import (
    Constrain,
    PipelineSettings,
    Strategy,
    extract_article,
    schema_sha256,
)
from extractor.pipeline.prompts import load_prompt
from extractor.records import ExtractionRecord, RecordMeta
from extractor.run import ResponseCache, Work, run_batch
from extractor.schema import Article
from tests.faults.replay import Script, ok, slow, status

ARTICLE = (
    "Regime loyalists captured the town of Al-Zakat on Wednesday. "
    "It said the clashes overnight killed 10 regime loyalists and 18 opposition fighters."
)
CAPTURE = {
    "events": [
        {
            "sub_event_type": "government_regains_territory",
            "date": "on Wednesday",
            "places": [{"name": "Al-Zakat", "kind": "town"}],
            "actors": [
                {"name": "Regime loyalists", "actor_type": "state_forces", "role": "initiator"}
            ],
            "counts": [],
        }
    ]
}
CLASH = {
    "events": [
        {
            "sub_event_type": "armed_clash",
            "date": "overnight",
            "places": [],
            "actors": [
                {"name": "opposition fighters", "actor_type": "rebel_group", "role": "participant"}
            ],
            "counts": [
                {"kind": "killed", "value": 10, "who": "regime loyalists"},
                {"kind": "killed", "value": 18, "who": "opposition fighters"},
            ],
        }
    ]
}
INVENTED = {
    "events": [
        {**CLASH["events"][0], "counts": [{"kind": "killed", "value": 28, "who": "combatants"}]}
    ]
}
WHOLE = {
    "events": [
        {
            "evidence": "It said the clashes overnight killed 10 regime loyalists",
            "event_type": "battles",
            "sub_event_type": "armed_clash",
            "summary": "overnight clashes",
            "date": {"text": "overnight", "precision": "day"},
            "counts": [
                {
                    "evidence": "killed 10 regime loyalists",
                    "kind": "killed",
                    "value": 10,
                    "qualifier": "exact",
                    "who": "regime loyalists",
                },
                {
                    "evidence": "killed 10 regime loyalists and 18 opposition fighters",
                    "kind": "killed",
                    "value": 100000,
                    "qualifier": "exact",
                },
            ],
        }
    ]
}


def serve(httpserver: HTTPServer, script: Script) -> str:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(script)
    return httpserver.url_for("/v1")


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _extract(
    url: str,
    strategy: Strategy = Strategy.SENTENCE,
    constrain: Constrain = Constrain.NONE,
    **settings: Any,
) -> ExtractionRecord:
    backend = get_backend(f"openai-compatible/replay@{url}")
    try:
        return await extract_article(
            Article(id="a1", text=ARTICLE),
            backend,
            strategy=strategy,
            settings=GenerateSettings(**settings),
            pipeline=PipelineSettings(constrain=constrain),
        )
    finally:
        await backend.aclose()


def test_sentence_strategy_end_to_end(httpserver: HTTPServer) -> None:
    script = Script([ok({"events": []})], by_focus={"captured": ok(CAPTURE), "clashes": ok(CLASH)})
    record = run(_extract(serve(httpserver, script)))
    assert record.error is None and record.extraction is not None
    events = record.extraction.events
    assert [e.sub_event_type.value for e in events] == [
        "government_regains_territory",
        "armed_clash",
    ]
    assert [c.value for c in events[1].counts] == [10, 18]
    for e in events:  # every quote is the article's own words, at the computed span
        for item in [e, *e.places, *e.actors, *e.counts]:
            assert item.span is not None
            assert ARTICLE[item.span.start : item.span.end] == item.evidence
    assert record.meta.requests == 2 and record.meta.attempts == 2
    assert record.meta.usage.prompt_tokens == 200 and record.meta.usage.completion_tokens == 40
    # llama.cpp's grammar: the schema travels in response_format
    assert script.requests[0]["response_format"]["type"] == "json_object"
    assert "schema" in script.requests[0]["response_format"]


def test_grounding_failure_is_reasked_with_a_precise_message(httpserver: HTTPServer) -> None:
    script = Script([ok({"events": []})], by_focus={"captured": ok({"events": []})})
    script.replies = [ok(INVENTED), ok(CLASH)]
    script.by_focus = {"captured": ok({"events": []})}
    # whole-article request: first reply invents 100000, the re-ask fixes it
    script2 = Script(
        [
            ok(WHOLE),
            ok({"events": [{**WHOLE["events"][0], "counts": WHOLE["events"][0]["counts"][:1]}]}),
        ]
    )
    record = run(_extract(serve(httpserver, script2), strategy=Strategy.WHOLE))
    assert record.meta.attempts == 2
    reask = json.dumps(script2.requests[1]["messages"])
    assert "value 100000 is not stated in its evidence" in reask
    assert record.extraction is not None
    assert [c.value for c in record.extraction.events[0].counts] == [10]


def test_when_retries_run_out_bad_items_are_dropped_and_listed(httpserver: HTTPServer) -> None:
    script = Script([ok(WHOLE)])  # keeps inventing
    record = run(_extract(serve(httpserver, script), strategy=Strategy.WHOLE, max_retries=1))
    assert record.error is None and record.extraction is not None
    assert record.meta.attempts == 2
    assert [c.value for c in record.extraction.events[0].counts] == [10]
    assert any("100000" in d.reason for d in record.extraction.diagnostics)


@pytest.mark.parametrize(
    "bad",
    [
        '{"events": [{"sub_event_type": "armed_cl',  # truncated JSON
        '{"events": [{"sub_event_type": "picnic"}]}',  # breaks schema
        "Sure! Here are the events:",
    ],
)  # not JSON
def test_unusable_replies_become_a_recorded_error(httpserver: HTTPServer, bad: str) -> None:
    record = run(_extract(serve(httpserver, Script([ok(bad)])), strategy=Strategy.WHOLE))
    assert record.extraction is None
    assert record.error and record.raw == bad
    assert record.meta.attempts == 2 and record.meta.usage.completion_tokens == 40


def test_429_with_retry_after_is_honoured(httpserver: HTTPServer) -> None:
    script = Script([status(429, retry_after="1"), ok(WHOLE)])
    record = run(_extract(serve(httpserver, script), strategy=Strategy.WHOLE))
    assert record.extraction is not None and len(script.requests) >= 2


@pytest.mark.parametrize("fault", [status(500), status(503), status(429)])
def test_persistent_server_errors_raise_backend_error(httpserver: HTTPServer, fault: Any) -> None:
    with pytest.raises(BackendError, match=r"HTTP (500|503|429)"):
        run(_extract(serve(httpserver, Script([fault])), strategy=Strategy.WHOLE))


def test_timeout_is_recorded_for_the_article_and_the_run_goes_on(httpserver: HTTPServer) -> None:
    # the second sentence's reply is too slow (this one-thread server then blocks, so it goes last)
    script = Script(
        [ok({"events": []})], by_focus={"captured": ok(CAPTURE), "clashes": slow(2, ok(CLASH))}
    )
    record = run(_extract(serve(httpserver, script), timeout_s=0.5))
    assert record.meta.requests == 2 and record.meta.failed_requests == 1
    assert record.extraction is not None  # the other sentence's events are kept
    assert [e.sub_event_type.value for e in record.extraction.events] == [
        "government_regains_territory"
    ]
    assert any("timed out" in d.reason for d in record.extraction.diagnostics)


def test_unreachable_server_names_the_url() -> None:
    with pytest.raises(BackendError, match=r"cannot reach http://127\.0\.0\.1:9/v1"):
        run(_extract("http://127.0.0.1:9/v1", strategy=Strategy.WHOLE))


_META = RecordMeta(
    backend="b",
    model="m",
    prompt_id="events.v1",
    prompt_sha256="p",
    schema_sha256="s",
    strategy="w",
)


def _articles(n: int) -> list[Article]:
    return [Article(id=f"a{i}", text=ARTICLE) for i in range(n)]


def test_runner_resumes_without_duplicates_and_cache_skips_work(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    script = Script([ok(WHOLE)])
    url = serve(httpserver, script)
    out = tmp_path / "out.jsonl"
    work = Work(load_prompt(), Strategy.WHOLE, GenerateSettings(max_retries=0))
    # made as this run makes records (a log of other work is refused: test_run_robustness.py)
    meta = _META.model_copy(
        update={
            "backend": f"openai-compatible/replay@{url}",
            "model": "replay",
            "prompt_sha256": work.prompt.sha256,
            "schema_sha256": schema_sha256(),
            "strategy": "whole",
        }
    )
    done = ExtractionRecord(id="a0", extraction=None, meta=meta, error="earlier")
    # a0 was written by an earlier run; a1 was being written when that run was killed
    out.write_text(done.model_dump_json() + '\n{"id": "a1", "extr', encoding="utf-8")
    cache = ResponseCache(tmp_path / "cache.sqlite")

    async def go(path: Path) -> Any:
        backend = get_backend(f"openai-compatible/replay@{url}")
        try:
            return await run_batch(
                _articles(5),
                backend,
                output=path,
                work=work,
                concurrency=3,
                cache=cache,
            )
        finally:
            await backend.aclose()

    stats = run(go(out))
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(ids) == ["a0", "a1", "a2", "a3", "a4"]  # torn a1 redone, a0 kept, no dupes
    assert stats.skipped == 1 and stats.done == 4
    calls = len(script.requests)
    stats2 = run(go(tmp_path / "again.jsonl"))  # identical work: all from the cache
    assert len(script.requests) == calls and stats2.cached == 5
    cache.close()


def test_cli_extract_and_exit_codes(
    httpserver: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "sk-test-DO-NOT-LEAK-1234567890"
    monkeypatch.setenv("EXTRACTOR_API_KEY", secret)
    script = Script(
        [ok({"events": []})],
        by_focus={"captured": ok(CAPTURE), "clashes": ok(CLASH), "BROKEN": ok("not json")},
    )
    url = serve(httpserver, script)
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "good", "text": ARTICLE}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    runner = CliRunner()
    caplog.set_level(logging.DEBUG)
    res = runner.invoke(
        app,
        ["-v", "extract", str(src), "--backend", f"openai-compatible/replay@{url}", "-o", str(out)],
    )
    assert res.exit_code == 0, res.output
    (line,) = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["extraction"]["events"]
    assert script.headers[0]["Authorization"] == f"Bearer {secret}"  # sent to the server only
    for text in (res.output, out.read_text(encoding="utf-8"), caplog.text):
        assert secret not in text
    src.write_text(
        json.dumps({"id": "bad", "text": "BROKEN attack killed 3."}) + "\n", encoding="utf-8"
    )
    res = runner.invoke(
        app,
        [
            "extract",
            str(src),
            "--backend",
            f"openai-compatible/replay@{url}",
            "-o",
            str(tmp_path / "out2.jsonl"),
        ],
    )
    assert res.exit_code == 1  # an article failed; its record is written with the error
    assert json.loads((tmp_path / "out2.jsonl").read_text(encoding="utf-8"))["error"]
    res = runner.invoke(app, ["extract", str(tmp_path / "missing.txt")])
    assert res.exit_code == 2 and "missing.txt: no such file" in res.output
    res = runner.invoke(app, ["extract", str(src), "--backend", "nosuch/x"])
    assert res.exit_code == 2 and "unknown backend provider" in res.output


def test_constrain_article_sends_the_articles_own_values_as_enums(httpserver: HTTPServer) -> None:
    script = Script([ok({"events": []})], by_focus={"captured": ok(CAPTURE), "clashes": ok(CLASH)})
    record = run(_extract(serve(httpserver, script), constrain=Constrain.ARTICLE))
    assert record.extraction is not None and len(record.extraction.events) == 2
    schemas = [r["response_format"]["schema"] for r in script.requests]
    clash = next(s for s in schemas if "18" in json.dumps(s))
    count = clash["$defs"]["CompactCount"]["properties"]["value"]
    assert set(count["enum"]) >= {10, 18} and 28 not in count["enum"]
    assert clash["$defs"]["CompactEvent"]["properties"]["counts"]["maxItems"] >= 1


def test_constrain_article_without_schema_support_puts_the_candidates_in_the_prompt(
    httpserver: HTTPServer,
) -> None:
    """A server that takes no schema gets the same candidates as advice; grounding still checks."""
    from extractor.backends.openai_compat import OpenAICompatBackend

    script = Script([ok({"events": []})], by_focus={"clashes": ok(INVENTED)})
    backend = OpenAICompatBackend(
        backend_id="openai-compatible/plain",
        model="plain",
        base_url=serve(httpserver, script),
        api_key="none",
        mode="json",
        schema_in_body=False,
    )
    assert not backend.supports_constrained_decoding

    async def go() -> ExtractionRecord:
        try:
            return await extract_article(
                Article(id="a1", text=ARTICLE),
                backend,
                strategy=Strategy.SENTENCE,
                settings=GenerateSettings(),
                pipeline=PipelineSettings(constrain=Constrain.ARTICLE),
            )
        finally:
            await backend.aclose()

    record = run(go())

    def task(r: dict[str, Any]) -> str:  # what follows the article: the focus and the advice
        return str(r["messages"][-1]["content"]).split(">>>")[-1]

    clash = next(r for r in script.requests if "clashes overnight" in task(r))
    assert "schema" not in clash.get("response_format", {})
    assert "Numbers stated: 10, 18" in task(clash) and "Al-Zakat" not in task(clash)
    # the model ignored the advice and invented 28: grounding still drops it
    assert record.extraction is not None
    assert all(c.value != 28 for e in record.extraction.events for c in e.counts)
