"""OpenAI Batch API support, fully offline: prepare, strict schema, collect, and the API wrappers.

The recorded output (tests/fixtures/batch/output.jsonl, see the README there) holds one reply per
article of tests/fixtures/batch/articles.jsonl: a good grounded reply, a reply with an invented
number, an HTTP 500, and a reply cut off at max_tokens. The API wrappers run the real ``openai``
SDK against a loopback server (pytest-httpserver).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field
from pytest_httpserver import HTTPServer

from extractor.backends import GenerateSettings
from extractor.backends.openai_batch import (
    BATCH_ENDPOINT,
    ManifestMismatchError,
    download,
    manifest_path,
    read_manifest,
    status,
    strict_schema,
    submit,
)
from extractor.errors import BackendError, ConfigError, InputError
from extractor.pipeline import Strategy, schema_sha256
from extractor.pipeline.prompts import load_prompt
from extractor.records import ExtractionRecord
from extractor.run.batch import collect, prepare, request_schema
from extractor.run.inputs import read_articles
from extractor.schema import Article

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "batch"
OUTPUT = FIXTURES / "output.jsonl"
HAMA = "seed:afp_hama"
AZAZ = "re3d:DC40EB7B4BDB1254DAF8A430A8E5383B"  # reply with an invented number
TABQA = "re3d:28829CF80D445874061C5948E6A3751D"  # HTTP 500
KARRADA = "re3d:09FF200CBB76594D688F8EB565717543"  # truncated reply
FAKE_KEY = "sk-test-not-a-real-key-0123456789"


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    return {a.id: a for a in read_articles(str(FIXTURES / "articles.jsonl"))}


@pytest.fixture()
def prepared(tmp_path: Path, articles: dict[str, Article]) -> Path:
    return prepare(
        articles.values(),
        model="gpt-4.1-mini",
        prompt=load_prompt(),
        out=tmp_path / "batch.jsonl",
        settings=GenerateSettings(),
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def records(path: Path) -> dict[str, ExtractionRecord]:
    return {
        r.id: r
        for r in (
            ExtractionRecord.model_validate_json(line)
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    }


def walk(node: Any, path: str = "$"):
    """Every (path, schema object) in a JSON schema."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}[{i}]")


def conforms(value: Any, schema: dict[str, Any], root: dict[str, Any]) -> bool:
    """A minimal validator for the keywords a strict schema uses (no jsonschema dependency)."""
    if "$ref" in schema:
        return conforms(value, root["$defs"][schema["$ref"].removeprefix("#/$defs/")], root)
    if "anyOf" in schema:
        return any(conforms(value, s, root) for s in schema["anyOf"])
    if "enum" in schema and value not in schema["enum"]:
        return False
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    python = {
        "object": dict,
        "array": list,
        "string": str,
        "integer": int,
        "boolean": bool,
        "null": type(None),
    }
    if not any(isinstance(value, python[k]) for k in kinds):
        return False
    if isinstance(value, dict):
        props = schema["properties"]
        return set(value) == set(props) and all(conforms(value[k], props[k], root) for k in props)
    if isinstance(value, list):
        return all(conforms(v, schema["items"], root) for v in value)
    return True


# ------------------------------------------------------------------------------------------------
# strict_schema
# ------------------------------------------------------------------------------------------------


def test_strict_schema_closes_every_object_and_requires_every_property() -> None:
    schema = request_schema()
    objects = [(p, n) for p, n in walk(schema) if n.get("type") == "object"]
    assert len(objects) >= 6  # root, Event, EventDate, Place, Actor, Count
    for path, node in objects:
        assert node["additionalProperties"] is False, path
        assert node["required"] == list(node["properties"]), path
    assert schema["type"] == "object" and "anyOf" not in schema


def test_strict_schema_has_no_unsupported_keywords_and_resolvable_refs() -> None:
    schema = request_schema()
    for path, node in walk(schema):
        if path.endswith(".properties"):
            continue  # property names, not keywords
        assert "default" not in node, path
        assert not {"allOf", "oneOf", "not", "minLength", "maxLength"} & node.keys(), path
        if "$ref" in node:
            assert set(node) == {"$ref"}, f"{path}: keywords next to a $ref"
            assert node["$ref"].removeprefix("#/$defs/") in schema["$defs"], path


def test_strict_schema_optional_fields_are_nullable_and_defaults_required() -> None:
    defs = request_schema()["$defs"]
    count = defs["Count"]["properties"]
    # `who: str | None = None`: required now, and null is a value the model may write
    assert {"type": "null"} in count["who"]["anyOf"]
    assert "who" in defs["Count"]["required"]
    # `vague: bool = False`: required, not nullable (Pydantic would refuse null)
    assert count["vague"]["type"] == "boolean"
    # a $ref with a description was inlined, keeping the description (it instructs the model)
    assert count["qualifier"]["description"] == "How the number is hedged in the text."
    assert "range" in count["qualifier"]["enum"]
    event_date = defs["Event"]["properties"]["date"]
    assert event_date["description"] == "When it happened."
    assert event_date["required"] == ["text", "precision"]


def test_strict_schema_rewrites_a_hand_written_schema_without_modifying_it() -> None:
    source: dict[str, Any] = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "default": "x"},
            "note": {"type": "string", "default": None},
            "site": {"type": "string", "format": "uri"},
            "kind": {"allOf": [{"$ref": "#/$defs/Kind"}], "description": "which kind"},
            "either": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
        },
        "required": ["name"],
        "$defs": {"Kind": {"enum": ["a", "b"], "type": "string"}},
    }
    before = json.dumps(source, sort_keys=True)
    out = strict_schema(source)
    assert json.dumps(source, sort_keys=True) == before
    props = out["properties"]
    assert out["required"] == ["name", "note", "site", "kind", "either"]
    assert props["name"] == {"type": "string"}
    assert props["note"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert props["site"] == {"type": "string"}
    assert props["kind"] == {"enum": ["a", "b"], "type": "string", "description": "which kind"}
    assert props["either"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert "$defs" not in out  # Kind was inlined everywhere: the unused definition is gone


class _Node(BaseModel):
    label: str
    children: list[_Node] = Field(default_factory=list["_Node"])


def test_strict_schema_keeps_recursive_references() -> None:
    out = strict_schema(_Node)
    node = out["$defs"]["_Node"]
    assert node["properties"]["children"]["items"] == {"$ref": "#/$defs/_Node"}
    assert node["required"] == ["label", "children"] and node["additionalProperties"] is False


class _WithDict(BaseModel):
    tags: dict[str, int]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (_WithDict, "$.tags: an open-ended object"),
        ({"type": "object", "properties": {"x": {"not": {"type": "null"}}}}, "$.x: strict mode"),
        ({"type": "object", "properties": {"x": {"allOf": [{}, {}]}}}, "allOf of 2 schemas"),
        ({"type": "object", "properties": {"x": {"$ref": "#/$defs/Nope"}}}, "cannot resolve"),
        ({"type": "array", "items": {"type": "string"}}, "root of a strict schema"),
    ],
)
def test_strict_schema_refuses_what_strict_mode_cannot_express(source: Any, message: str) -> None:
    with pytest.raises(ValueError) as err:
        strict_schema(source)
    assert message in str(err.value)


def test_recorded_replies_conform_to_the_strict_schema() -> None:
    # The fixture must look like what strict mode produces, or the tests prove nothing.
    schema = request_schema()
    complete = [
        json.loads(line["response"]["body"]["choices"][0]["message"]["content"])
        for line in read_jsonl(OUTPUT)
        if line["custom_id"] in (HAMA, AZAZ)
    ]
    assert len(complete) == 2
    assert all(conforms(reply, schema, schema) for reply in complete)
    assert not conforms({"events": [{"evidence": "x"}]}, schema, schema)  # the checker checks


# ------------------------------------------------------------------------------------------------
# prepare
# ------------------------------------------------------------------------------------------------


def test_prepare_writes_whole_strategy_requests(
    prepared: Path, articles: dict[str, Article]
) -> None:
    lines = read_jsonl(prepared)
    prompt = load_prompt()
    assert [line["custom_id"] for line in lines] == list(articles)
    schema = request_schema()
    for line in lines:
        article = articles[line["custom_id"]]
        assert line["method"] == "POST" and line["url"] == BATCH_ENDPOINT
        body = line["body"]
        published = article.published.isoformat() if article.published else None
        assert body["messages"] == prompt.messages(
            article.text, task=Strategy.WHOLE, published=published
        )
        assert body["model"] == "gpt-4.1-mini"
        assert body["response_format"] == {
            "type": "json_schema",
            "json_schema": {"name": "ArticleExtraction", "strict": True, "schema": schema},
        }
        assert body["max_completion_tokens"] == GenerateSettings().max_tokens
        assert (body["temperature"], body["seed"]) == (0.0, 0)
    assert "(published 2019-08-07)" in lines[0]["body"]["messages"][1]["content"]


def test_prepare_writes_a_manifest_that_identifies_the_work(
    prepared: Path, articles: dict[str, Article]
) -> None:
    manifest = read_manifest(manifest_path(prepared))
    assert manifest_path(prepared).name == "batch.manifest.json"
    prompt = load_prompt()
    assert (manifest.prompt_id, manifest.prompt_sha256) == (prompt.id, prompt.sha256)
    assert manifest.schema_sha256 == schema_sha256()
    assert manifest.model == "gpt-4.1-mini" and manifest.backend == "openai-batch/gpt-4.1-mini"
    assert manifest.settings == dataclasses.asdict(GenerateSettings())
    assert manifest.requests_sha256 == hashlib.sha256(prepared.read_bytes()).hexdigest()
    hama = manifest.articles[HAMA]
    assert hama.sha256 == hashlib.sha256(articles[HAMA].text.encode()).hexdigest()
    assert hama.published == "2019-08-07"
    assert set(manifest.articles) == set(articles)


def test_prepare_refuses_duplicate_ids(tmp_path: Path, articles: dict[str, Article]) -> None:
    twice = [articles[HAMA], articles[AZAZ], articles[HAMA]]
    out = tmp_path / "batch.jsonl"
    with pytest.raises(InputError, match=r"duplicate article id 'seed:afp_hama'"):
        prepare(twice, model="m", prompt=load_prompt(), out=out, settings=GenerateSettings())
    assert not out.exists() and not manifest_path(out).exists()


def test_prepare_refuses_no_articles(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no articles"):
        prepare(
            [],
            model="m",
            prompt=load_prompt(),
            out=tmp_path / "b.jsonl",
            settings=GenerateSettings(),
        )


# ------------------------------------------------------------------------------------------------
# collect
# ------------------------------------------------------------------------------------------------


def test_collect_writes_grounded_records_and_failures(
    prepared: Path, articles: dict[str, Article], tmp_path: Path
) -> None:
    out = tmp_path / "records.jsonl"
    stats = collect(OUTPUT, manifest=manifest_path(prepared), articles=articles, out=out)
    assert (stats.lines, stats.written, stats.failed, stats.dropped, stats.missing) == (
        4,
        4,
        2,
        1,
        0,
    )
    got = records(out)
    assert list(got) == [HAMA, AZAZ, TABQA, KARRADA]

    hama = got[HAMA]
    assert hama.error is None and hama.extraction is not None
    assert not hama.extraction.diagnostics
    captured, clash = hama.extraction.events
    assert captured.sub_event_type.value == "government_regains_territory"
    assert captured.span is not None and captured.span.match == "exact"
    assert captured.date.start is not None and captured.date.start.isoformat() == "2019-08-07"
    assert [p.name for p in captured.places] == ["Al-Zakat", "Al-Arba'een"]
    assert [(c.value, c.qualifier.value) for c in clash.counts] == [
        (30, "approximate"),
        (10, "exact"),
        (18, "exact"),
    ]
    text = articles[HAMA].text
    for count in clash.counts:  # every kept item points at the article's own words
        assert count.span is not None
        assert text[count.span.start : count.span.end] == count.evidence
    meta = hama.meta
    assert (meta.backend, meta.model, meta.strategy) == (
        "openai-batch/gpt-4.1-mini",
        "gpt-4.1-mini",
        "whole",
    )
    assert (meta.usage.prompt_tokens, meta.usage.completion_tokens) == (3012, 688)
    assert meta.usage.cached_tokens == 2048
    assert (meta.attempts, meta.requests, meta.failed_requests) == (1, 1, 0)
    assert meta.prompt_sha256 == load_prompt().sha256 and meta.schema_sha256 == schema_sha256()

    azaz = got[AZAZ]
    assert azaz.error is None and azaz.extraction is not None
    [event] = azaz.extraction.events
    assert [(c.kind.value, c.value) for c in event.counts] == [("killed", 43)]
    [dropped] = azaz.extraction.diagnostics
    assert dropped.path == "request[0].events[0].counts[1]"
    assert "value 60 is not stated in its evidence" in dropped.reason
    assert dropped.item["value"] == 60
    assert azaz.meta.usage.prompt_tokens == 2391

    failed = got[TABQA]
    assert failed.extraction is None
    assert failed.error == (
        "HTTP 500: The server had an error while processing your request. Sorry about that!"
    )
    assert failed.raw is not None and json.loads(failed.raw)["error"]["type"] == "server_error"
    assert (failed.meta.requests, failed.meta.failed_requests) == (1, 1)
    assert failed.meta.usage.prompt_tokens == 0

    cut = got[KARRADA]
    assert cut.extraction is None
    assert cut.error is not None
    assert cut.error.startswith("reply cut off at max_tokens (finish_reason=length)")
    assert "Invalid JSON" in cut.error
    assert cut.raw is not None and cut.raw.endswith('"Daesh targeted fami')
    assert cut.meta.usage.completion_tokens == 1536  # tokens are billed even for a cut reply


def test_collect_twice_writes_nothing_new(
    prepared: Path, articles: dict[str, Article], tmp_path: Path
) -> None:
    out = tmp_path / "records.jsonl"
    collect(OUTPUT, manifest=manifest_path(prepared), articles=articles, out=out)
    before = out.read_bytes()
    again = collect(OUTPUT, manifest=manifest_path(prepared), articles=articles, out=out)
    assert (again.written, again.skipped, again.failed) == (0, 4, 0)
    assert out.read_bytes() == before


def test_collect_resumes_after_a_torn_last_line(
    prepared: Path, articles: dict[str, Article], tmp_path: Path
) -> None:
    out = tmp_path / "records.jsonl"
    collect(OUTPUT, manifest=manifest_path(prepared), articles=articles, out=out)
    first, second, *_ = out.read_text(encoding="utf-8").splitlines()
    out.write_text(f"{first}\n{second[:40]}", encoding="utf-8")  # killed while writing line 2
    stats = collect(OUTPUT, manifest=manifest_path(prepared), articles=articles, out=out)
    assert (stats.skipped, stats.written) == (1, 3)
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids == [HAMA, AZAZ, TABQA, KARRADA]


def test_collect_refuses_an_article_changed_since_prepare(
    prepared: Path, articles: dict[str, Article], tmp_path: Path
) -> None:
    edited = dict(articles)
    edited[AZAZ] = articles[AZAZ].model_copy(update={"text": articles[AZAZ].text + " Updated."})
    out = tmp_path / "records.jsonl"
    with pytest.raises(ManifestMismatchError) as err:
        collect(OUTPUT, manifest=manifest_path(prepared), articles=edited, out=out)
    assert f"article {AZAZ!r} changed since prepare" in str(err.value)
    assert not out.exists()  # refused before writing anything


def test_collect_refuses_a_changed_publication_date(
    prepared: Path, articles: dict[str, Article], tmp_path: Path
) -> None:
    edited = dict(articles)
    edited[HAMA] = articles[HAMA].model_copy(update={"published": None})
    with pytest.raises(ManifestMismatchError, match="publication date None differs"):
        collect(OUTPUT, manifest=manifest_path(prepared), articles=edited, out=tmp_path / "r")


def test_collect_refuses_ids_outside_the_manifest_or_the_articles(
    tmp_path: Path, articles: dict[str, Article]
) -> None:
    out = tmp_path / "records.jsonl"
    two = prepare(
        [articles[HAMA], articles[AZAZ]],
        model="gpt-4.1-mini",
        prompt=load_prompt(),
        out=tmp_path / "two.jsonl",
        settings=GenerateSettings(),
    )
    with pytest.raises(ManifestMismatchError, match=r"output.jsonl:3: custom_id 're3d:2882"):
        collect(OUTPUT, manifest=manifest_path(two), articles=articles, out=out)
    full = prepare(
        articles.values(),
        model="gpt-4.1-mini",
        prompt=load_prompt(),
        out=tmp_path / "full.jsonl",
        settings=GenerateSettings(),
    )
    fewer = {k: v for k, v in articles.items() if k != KARRADA}
    with pytest.raises(ManifestMismatchError, match="is missing from the articles given"):
        collect(OUTPUT, manifest=manifest_path(full), articles=fewer, out=out)
    assert not out.exists()


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("prompt_sha256", "prompt 'events.v1' changed since prepare"),
        ("schema_sha256", "the extraction schema changed since prepare"),
    ],
)
def test_collect_refuses_another_prompt_or_schema(
    prepared: Path, articles: dict[str, Article], tmp_path: Path, field: str, message: str
) -> None:
    path = manifest_path(prepared)
    data = json.loads(path.read_text(encoding="utf-8"))
    data[field] = "0" * 64
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ManifestMismatchError, match=message):
        collect(OUTPUT, manifest=path, articles=articles, out=tmp_path / "r.jsonl")


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"custom_id": "seed:afp_hama", "response": {"status_co', "Invalid JSON"),
        ('{"id": "batch_req_1", "response": null, "error": null}', "field 'custom_id'"),
        ("[1, 2]", "not a Batch API output line"),
    ],
)
def test_collect_names_file_and_line_of_a_malformed_output_line(
    prepared: Path, articles: dict[str, Article], tmp_path: Path, bad_line: str, message: str
) -> None:
    first, *_ = OUTPUT.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "output.jsonl"
    broken.write_text(f"{first}\n\n{bad_line}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        collect(broken, manifest=manifest_path(prepared), articles=articles, out=tmp_path / "r")
    assert str(err.value).startswith(f"{broken}:3: not a Batch API output line")
    assert message in str(err.value)


def test_collect_turns_every_failed_line_into_a_record(
    prepared: Path, articles: dict[str, Article], tmp_path: Path
) -> None:
    [good] = [line for line in read_jsonl(OUTPUT) if line["custom_id"] == HAMA]

    def reply(custom_id: str, content: str | None, refusal: str | None = None) -> dict[str, Any]:
        line = json.loads(json.dumps(good))
        line["custom_id"] = custom_id
        line["response"]["body"]["choices"][0]["message"].update(content=content, refusal=refusal)
        return line

    content = json.loads(good["response"]["body"]["choices"][0]["message"]["content"])
    content["events"][0]["event_type"] = "picnic"  # schema violation
    lines = [
        {
            "id": "batch_req_9",
            "custom_id": HAMA,
            "response": None,
            "error": {"code": "batch_expired", "message": "This request could not be executed"},
        },
        reply(AZAZ, None, refusal="I can't help with that."),
        reply(TABQA, json.dumps(content)),
        reply(KARRADA, "   "),
    ]
    errors = tmp_path / "errors.jsonl"
    errors.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out = tmp_path / "records.jsonl"
    stats = collect(errors, manifest=manifest_path(prepared), articles=articles, out=out)
    assert (stats.written, stats.failed) == (4, 4)
    got = records(out)
    assert got[HAMA].error == "batch error batch_expired: This request could not be executed"
    assert json.loads(got[HAMA].raw or "{}")["code"] == "batch_expired"
    assert got[AZAZ].error == "the model refused: I can't help with that."
    assert "events.0.event_type" in (got[TABQA].error or "")
    assert got[TABQA].raw == json.dumps(content)
    assert got[KARRADA].error == "empty reply (finish_reason=stop)"
    assert all(r.extraction is None for r in got.values())


def test_collect_output_then_error_file_fills_the_gaps(
    prepared: Path, articles: dict[str, Article], tmp_path: Path
) -> None:
    lines = OUTPUT.read_text(encoding="utf-8").splitlines()
    ok, errors = tmp_path / "ok.jsonl", tmp_path / "errors.jsonl"
    ok.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    errors.write_text("\n".join(lines[2:]) + "\n", encoding="utf-8")
    out = tmp_path / "records.jsonl"
    first = collect(ok, manifest=manifest_path(prepared), articles=articles, out=out)
    assert (first.written, first.missing) == (2, 2)
    second = collect(errors, manifest=manifest_path(prepared), articles=articles, out=out)
    assert (second.written, second.failed, second.missing) == (2, 2, 0)
    assert list(records(out)) == [HAMA, AZAZ, TABQA, KARRADA]


# ------------------------------------------------------------------------------------------------
# submit / status / download (loopback only)
# ------------------------------------------------------------------------------------------------


def test_importing_the_module_touches_no_sdk() -> None:
    code = (
        "import sys, extractor.backends.openai_batch, extractor.run.batch;"
        " print('openai' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(
    "call",
    [
        lambda p: submit(p),
        lambda p: status("batch_abc"),
        lambda p: download("file-abc", p.with_name("out.jsonl")),
    ],
    ids=["submit", "status", "download"],
)
def test_api_calls_need_the_key_from_the_environment(prepared: Path, call: Any) -> None:
    # conftest removes OPENAI_API_KEY for every test
    with pytest.raises(ConfigError, match="needs the OPENAI_API_KEY environment variable"):
        call(prepared)


BATCH = {
    "id": "batch_abc123",
    "object": "batch",
    "endpoint": BATCH_ENDPOINT,
    "input_file_id": "file-in",
    "completion_window": "24h",
    "status": "completed",
    "created_at": 1752831000,
    "output_file_id": "file-out",
    "error_file_id": None,
    "request_counts": {"total": 4, "completed": 3, "failed": 1},
}


@pytest.fixture()
def api(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", httpserver.url_for("/v1"))
    return httpserver


def test_submit_uploads_the_file_and_creates_a_batch(
    api: HTTPServer, prepared: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.expect_oneshot_request("/v1/files", method="POST").respond_with_json(
        {
            "id": "file-in",
            "object": "file",
            "bytes": prepared.stat().st_size,
            "created_at": 1752830990,
            "filename": prepared.name,
            "purpose": "batch",
            "status": "processed",
        }
    )
    api.expect_oneshot_request("/v1/batches", method="POST").respond_with_json(
        {**BATCH, "status": "validating", "output_file_id": None}
    )
    caplog.set_level(logging.DEBUG)
    assert submit(prepared) == "batch_abc123"
    upload, create = (request for request, _ in api.log)
    assert b'name="purpose"\r\n\r\nbatch' in upload.get_data()
    assert prepared.read_bytes() in upload.get_data()
    sent = json.loads(create.get_data())
    assert sent["input_file_id"] == "file-in"
    assert (sent["endpoint"], sent["completion_window"]) == (BATCH_ENDPOINT, "24h")
    assert (
        sent["metadata"]["requests_sha256"]
        == read_manifest(manifest_path(prepared)).requests_sha256
    )
    assert create.headers["Authorization"] == f"Bearer {FAKE_KEY}"
    assert FAKE_KEY not in caplog.text


def test_submit_refuses_a_file_edited_since_prepare(api: HTTPServer, prepared: Path) -> None:
    prepared.write_text(prepared.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="changed since prepare"):
        submit(prepared)
    assert not api.log  # refused before any request


def test_status_and_download(api: HTTPServer, tmp_path: Path) -> None:
    api.expect_oneshot_request("/v1/batches/batch_abc123", method="GET").respond_with_json(BATCH)
    api.expect_oneshot_request("/v1/files/file-out/content", method="GET").respond_with_data(
        OUTPUT.read_bytes()
    )
    info = status("batch_abc123")
    assert (info["status"], info["output_file_id"]) == ("completed", "file-out")
    assert info["request_counts"] == {"total": 4, "completed": 3, "failed": 1}
    saved = download(info["output_file_id"], tmp_path / "out" / "output.jsonl")
    assert saved.read_bytes() == OUTPUT.read_bytes()


def test_api_errors_become_backend_errors(api: HTTPServer) -> None:
    api.expect_oneshot_request("/v1/batches/batch_nope", method="GET").respond_with_json(
        {"error": {"message": "No batch found with id 'batch_nope'.", "type": "invalid_request"}},
        status=404,
    )
    with pytest.raises(BackendError, match="HTTP 404: No batch found"):
        status("batch_nope")
