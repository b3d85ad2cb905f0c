"""A planted API key reaches the server's Authorization header and nothing else.

The key is read from the environment only. After an eval (run files, cache, reports) and a failed
run, it must appear in no log line, output, run file, cache entry or report.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from extractor.cli import app
from tests.faults.replay import Script, ok, status
from tests.integration.test_replay import serve

ROOT = Path(__file__).resolve().parents[2]
SECRET = "sk-planted-FAKE-KEY-0123456789abcdef"


def test_a_planted_key_is_sent_to_the_server_and_written_nowhere(
    httpserver: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("EXTRACTOR_API_KEY", SECRET)
    monkeypatch.setenv("EXTRACTOR_CACHE", str(tmp_path / "cache.sqlite"))
    script = Script([ok({"events": []}), ok("not JSON: an article fails and its error is logged")])
    url = serve(httpserver, script)
    suite = tmp_path / "s.toml"
    suite.write_text(
        f'gold = "{ROOT / "gold" / "v1"}"\nlimit = 3\n[[systems]]\nname = "replay"\n'
        f'backend = "openai-compatible/replay@{url}"\nstrategy = "whole"\n',
        encoding="utf-8",
    )
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    runs, reports = tmp_path / "runs", tmp_path / "reports"
    args = ["-v", "eval", str(suite), "--runs-dir", str(runs), "--reports-dir", str(reports)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    # a server that refuses the key: the error message must not echo it
    httpserver.clear()
    serve(httpserver, Script([status(401)]))
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "x", "text": "Clashes killed 3 people."}\n', encoding="utf-8")
    backend = f"openai-compatible/replay@{url}"
    res2 = runner.invoke(
        app, ["-v", "extract", str(src), "--backend", backend, "-o", str(tmp_path / "o.jsonl")]
    )
    assert res2.exit_code == 2 and "HTTP 401" in res2.output

    assert all(h["Authorization"] == f"Bearer {SECRET}" for h in script.headers)  # it was used
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file() and p != suite)
    kinds = {p.name for p in written}
    assert {"run.json", "predictions.jsonl", "cache.sqlite", "s.md", "s.json", "s.html"} <= kinds
    for path in written:  # run files, cache (and its WAL), reports, outputs
        assert SECRET.encode() not in path.read_bytes(), path
    for text in (res.output, res2.output, caplog.text):
        assert SECRET not in text
    assert "Bearer" not in caplog.text  # not even a redacted header in the log stream
