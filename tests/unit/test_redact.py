"""Secrets are masked wherever a backend id, URL, error or log line is shown or stored."""

from __future__ import annotations

import base64
import io
import logging
import sys
from pathlib import Path

import pytest

from extractor.backends import get_backend
from extractor.harness.check import mismatches
from extractor.harness.suite import load_suite
from extractor.records import ExtractionRecord, RecordMeta, RunInfo, RunSummary
from extractor.redact import ScrubFilter, is_secret_name, redact_url, remember, scrub
from extractor.run.work import scrubbed
from extractor.schema import ArticleExtraction, Diagnostic


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # userinfo, and a key-like query parameter among options
        (
            "openai-compatible/m@https://user:KEY1@host/v1?api-key=K2&mode=json",
            "openai-compatible/m@https://***@host/v1?api-key=***&mode=json",
        ),
        ("https://TOKEN@github.com/x.git", "https://***@github.com/x.git"),
        # the userinfo runs to the last "@" before the host, as urllib reads it
        ("cannot reach https://u:p@ss@h:1/v1: refused", "cannot reach https://***@h:1/v1: refused"),
        # names: any case, - or _, and the *_key/_token/_signature families
        ("http://h/v1?API_KEY=a&Token=b&x=1", "http://h/v1?API_KEY=***&Token=***&x=1"),
        ("http://h/?X-Amz-Signature=a&sig=b", "http://h/?X-Amz-Signature=***&sig=***"),
        ("http://h/?subscription-key=a&apikey=b", "http://h/?subscription-key=***&apikey=***"),
        # inside JSON the URL ends at its quote: the next value is not taken for userinfo
        ('{"u":"http://a@b","x":"y@z"}', '{"u":"http://***@b","x":"y@z"}'),
        # nothing secret: unchanged, character for character (ids are part of cache keys)
        (
            "openai-compatible/m@http://127.0.0.1:8080/v1",
            "openai-compatible/m@http://127.0.0.1:8080/v1",
        ),
        ("local/qwen2.5-coder-1.5b", "local/qwen2.5-coder-1.5b"),
        ("http://h/v1?mode=tools&schema_in_body=0", "http://h/v1?mode=tools&schema_in_body=0"),
        ("mail me at a@b.org, or see http://h/p@q", "mail me at a@b.org, or see http://h/p@q"),
        # an empty value stays empty; masking twice changes nothing
        ("http://h/?key=&x=1", "http://h/?key=&x=1"),
        ("https://***@h/v1?api-key=***", "https://***@h/v1?api-key=***"),
    ],
)
def test_redact_url(text: str, shown: str) -> None:
    assert redact_url(text) == shown


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("key", True),
        ("Api-Key", True),
        ("access_token", True),
        ("client_secret", True),
        ("password", True),
        ("signature", True),
        ("refresh-token", True),
        ("mode", False),
        ("schema_in_body", False),
        ("api-version", False),
        ("keyword", False),
    ],
)
def test_is_secret_name(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_scrub_removes_environment_keys_and_remembered_url_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EXTRACTOR_API_KEY", "sk-env-unit-0123456789")
    monkeypatch.setenv("SOME_TOKEN", "short")  # under 8 characters: not replaced everywhere
    remember("openai-compatible/m@https://me:pw%2Bunit-9@h/v1?api-key=qk-unit-42")
    basic = base64.b64encode(b"me:pw+unit-9").decode()
    echoed = (
        f"HTTP 401: Bearer sk-env-unit-0123456789 / Basic {basic} / pw+unit-9 / pw%2Bunit-9 / "
        "GET /v1/chat?api-key=qk-unit-42 said qk-unit-42; a short token"
    )
    assert scrub(echoed) == (
        "HTTP 401: Bearer *** / Basic *** / *** / *** / GET /v1/chat?api-key=*** said ***; "
        "a short token"
    )


def test_scrub_filter_cleans_message_arguments_and_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EXTRACTOR_API_KEY", "sk-env-filter-0123456789")
    try:
        raise RuntimeError("echo sk-env-filter-0123456789")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "httpx2", logging.INFO, __file__, 1, "HTTP Request: %s", ("http://u:p4ss@h/v1",), exc_info
    )
    assert ScrubFilter().filter(record) is True
    text = logging.Formatter("%(message)s").format(record)
    assert text.startswith("HTTP Request: http://***@h/v1\nTraceback")
    assert "RuntimeError: echo ***" in text and "sk-env-filter" not in text and "p4ss" not in text


def _meta(backend: str) -> RecordMeta:
    return RecordMeta(
        backend=backend,
        model="m",
        prompt_id="events.v1",
        prompt_sha256="p",
        schema_sha256="s",
        strategy="whole",
    )


def test_a_record_is_scrubbed_before_it_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTRACTOR_API_KEY", "sk-env-record-0123456789")
    leaky = ExtractionRecord(
        id="a",
        extraction=ArticleExtraction(
            diagnostics=[
                Diagnostic(path="request[0]", reason="HTTP 400: sk-env-record-0123456789"),
                Diagnostic(path="events[0]", reason="quote not found"),
            ]
        ),
        meta=_meta("plugin/m@https://u:pw-rec@h/v1?token=t0k3n"),
        error="HTTP 400: echo Bearer sk-env-record-0123456789",
        raw="not JSON: sk-env-record-0123456789",
    )
    clean = scrubbed(leaky)
    assert clean.error == "HTTP 400: echo Bearer ***"
    assert clean.raw == "not JSON: ***"
    assert clean.meta.backend == "plugin/m@https://***@h/v1?token=***"
    assert clean.extraction is not None
    assert [d.reason for d in clean.extraction.diagnostics] == [
        "HTTP 400: ***",
        "quote not found",
    ]
    fine = leaky.model_copy(update={"extraction": None, "error": None, "raw": None})
    fine = fine.model_copy(update={"meta": _meta("openai-compatible/m@http://127.0.0.1:9/v1")})
    assert scrubbed(fine) is fine  # nothing to hide: the very same record


def test_a_backend_shows_its_url_redacted_and_its_run_matches_its_suite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXTRACTOR_API_KEY", "sk-env-backend-0123456789")
    typed = "openai-compatible/m@https://u:pw-backend-1@h.example/v1?api-key=qk-backend-2&mode=json"
    backend = get_backend(typed)
    assert backend.id == "openai-compatible/m@https://***@h.example/v1?api-key=***"
    assert backend.describe() == {
        "backend": "openai-compatible/m@https://***@h.example/v1?api-key=***",
        "model": "m",
        "base_url": "https://***@h.example/v1?api-key=***",
        "instructor_mode": "json",
    }
    suite_path = tmp_path / "s.toml"
    suite_path.write_text(
        f'[[systems]]\nbackend = "{typed.removesuffix("&mode=json")}"\nstrategy = "whole"\n',
        encoding="utf-8",
    )
    suite = load_suite(suite_path)
    entry = suite.entries[0]
    assert entry.name == "openai-compatible_m@https:__***@h.example_v1?api-key=***__whole"
    info = RunInfo(backend=backend.describe(), strategy="whole", summary=RunSummary())
    assert not [m for m in mismatches(info, entry, suite) if m.startswith("backend")]


def test_the_sdk_loggers_are_scrubbed_for_programs_that_log_themselves() -> None:
    import extractor.backends.openai_compat  # noqa: F401  (installs the filters)

    out = io.StringIO()
    handler = logging.StreamHandler(out)  # a program's own handler: no filter of ours
    root = logging.getLogger()
    root.addHandler(handler)
    httpx = logging.getLogger("httpx2")
    level = httpx.level
    httpx.setLevel(logging.INFO)
    try:
        httpx.info('HTTP Request: POST %s "200 OK"', "http://u:pw-sdk-1@h/v1/x?api-key=qk-sdk-2")
    finally:
        root.removeHandler(handler)
        httpx.setLevel(level)
    assert out.getvalue() == 'HTTP Request: POST http://***@h/v1/x?api-key=*** "200 OK"\n'
