"""Planted keys reach the server and nothing else.

First in process: a key from the environment, after an eval (run files, cache, reports) and a
failed run, appears in no log line, output, run file, cache entry or report. Then in real
processes: keys in the URL (userinfo, a query parameter) and the environment, against a server
that echoes them back in error bodies and replies, through every output, run folder, the cache,
stdout and stderr (tracebacks logged under -v included), and a run that fails at run level.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

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


# --------------------------------------------------------------------------- real processes
#
# Keys planted in the URL (userinfo, a query parameter) and in the environment, against a server
# whose replies echo the Authorization header and the URL it was called with; the CLI runs in its
# own process (-v: the DEBUG log stream, the SDK's tracebacks included, goes to stderr), and every
# file it leaves, decoded where it is compressed, is searched for every planted key.

PASSWORD = "pw-planted-URL-userinfo-7f3a9c"
QUERY_KEY = "qk-planted-URL-query-5e1d2b"
BEARER_QUERY_KEY = "tok-planted-URL-query-8c4f6a"
ENV_KEY = "sk-planted-ENV-key-2b9e7d41"
BASIC = base64.b64encode(f"user:{PASSWORD}".encode()).decode()
PLANTED = (PASSWORD, QUERY_KEY, BEARER_QUERY_KEY, ENV_KEY, BASIC)

ECHO_400 = "ECHO-400: the server's error body echoes the request."
ECHO_RAW = "ECHO-RAW: the server's reply echoes the request."


class Echo:
    """Replies by the article: a valid extraction, a 400 or a 200 whose text echo the request."""

    def __init__(self, *, everything: int | None = None, markers: dict[str, str] | None = None):
        self.everything = everything
        """Answer every request with this HTTP status, echoing the request."""
        self.markers = {ECHO_400: "400", ECHO_RAW: "raw", **(markers or {})}
        self.seen: list[tuple[str, str]] = []
        """(Authorization header, path with query) of every request."""

    def __call__(self, request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        where = f"{request.path}?{request.query_string.decode()}"
        self.seen.append((auth, where))
        echo = f"you sent Authorization: {auth} to {request.url} ({where})"
        body = json.loads(request.get_data(as_text=True))
        said = " ".join(m["content"] for m in body["messages"] if m["role"] == "user")
        action = next((a for m, a in self.markers.items() if m in said), "ok")
        if self.everything is not None:
            action = str(self.everything)
        if action == "ok":
            return ok({"events": []})(body)
        if action == "raw":
            return ok(f"not JSON: {echo}")(body)
        error = json.dumps({"error": {"message": echo, "type": "invalid_request_error"}})
        return Response(error, int(action), content_type="application/json")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
    env.update(
        EXTRACTOR_API_KEY=ENV_KEY,
        EXTRACTOR_HOME=str(tmp_path / "home"),
        HF_HOME=str(tmp_path / "hf"),
        PYTHONPATH=str(ROOT),
    )
    return env


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "extractor", "-v", *args],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _backend(url: str, *, userinfo: bool) -> str:
    """The replay backend at ``url`` with keys in its URL (``url`` is http://host:port/v1)."""
    if userinfo:
        return f"openai-compatible/replay@{url.replace('://', f'://user:{PASSWORD}@')}?api-key={QUERY_KEY}"
    return f"openai-compatible/replay@{url}?access_token={BEARER_QUERY_KEY}"


def _contents(path: Path) -> Iterator[str]:
    """What a file holds as text: its bytes, and the decoded rows of a (compressed) Parquet."""
    yield path.read_bytes().decode("utf-8", "replace")
    if path.suffix == ".parquet":
        yield json.dumps(pq.read_table(path).to_pylist(), default=str)
    if path.suffix == ".arrow":
        with pa.memory_map(str(path)) as source:
            yield json.dumps(pa.ipc.open_stream(source).read_all().to_pylist(), default=str)


def _assert_nothing_leaks(root: Path, *texts: str, skip: tuple[Path, ...] = ()) -> list[Path]:
    """No planted key (nor the Basic credentials) in any file under root, file name or text."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and p not in skip)
    for path in files:
        for content in _contents(path):
            for key in PLANTED:
                assert key not in content, (path, key)
    for path in root.rglob("*"):
        assert not any(key in str(path) for key in PLANTED), path
    for text in texts:
        for key in PLANTED:
            assert key not in text, (key, text[-3000:])
    return files


def _articles(tmp_path: Path) -> Path:
    src = tmp_path / "in.jsonl"
    rows = [
        {"id": "fine", "text": "Clashes killed 3 people in Hama on Monday."},
        {"id": "echo-400", "text": f"{ECHO_400} Clashes killed 4 people."},
        {"id": "echo-raw", "text": f"{ECHO_RAW} Clashes killed 5 people."},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return src


@pytest.mark.parametrize("userinfo", [True, False], ids=["userinfo+query", "bearer+query"])
def test_extract_writes_no_planted_key_in_any_output(
    httpserver: HTTPServer, tmp_path: Path, userinfo: bool
) -> None:
    echo = Echo()
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(echo)
    src = _articles(tmp_path)
    out = tmp_path / "out" / "records.parquet"
    done = _cli(
        tmp_path,
        "extract",
        str(src),
        "--backend",
        _backend(httpserver.url_for("/v1"), userinfo=userinfo),
        "--strategy",
        "whole",
        "-o",
        str(out),
        "--output-dataset",
        str(tmp_path / "out" / "dataset"),
        "--cache",
        str(tmp_path / "out" / "cache.sqlite"),
    )
    assert done.returncode == 1, done.stderr[-3000:]  # two articles failed, the run went on
    records = {r["id"]: r for r in map(json.loads, out.with_suffix(".jsonl").open())}
    assert "HTTP 400" in records["echo-400"]["error"] and records["echo-raw"]["raw"]
    assert records["fine"]["error"] is None

    files = _assert_nothing_leaks(tmp_path, done.stdout, done.stderr, skip=(src,))
    kinds = {p.suffix for p in files}
    assert {".jsonl", ".parquet", ".arrow", ".sqlite"} <= kinds, kinds
    assert "***" in records["fine"]["meta"]["backend"]  # redacted, not dropped
    # and the keys were used: Basic credentials from the userinfo, else the environment's key;
    # the query parameter on every request
    auth = f"Basic {BASIC}" if userinfo else f"Bearer {ENV_KEY}"
    query = f"api-key={QUERY_KEY}" if userinfo else f"access_token={BEARER_QUERY_KEY}"
    assert echo.seen and all(a == auth and query in w for a, w in echo.seen), echo.seen


def _suite(tmp_path: Path, url: str) -> Path:
    suite = tmp_path / "leak.toml"
    suite.write_text(
        f'gold = "{ROOT / "gold" / "v1"}"\nlimit = 3\n'
        # unnamed: the run folder's default name comes from the backend id
        f'[[systems]]\nbackend = "{_backend(url, userinfo=True)}"\nstrategy = "whole"\n'
        f'[[systems]]\nname = "bearer"\nbackend = "{_backend(url, userinfo=False)}"\n'
        'strategy = "whole"\n',
        encoding="utf-8",
    )
    return suite


def test_eval_run_folders_reports_and_cache_hold_no_planted_key(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    gold = [json.loads(line) for line in (ROOT / "gold" / "v1" / "articles.jsonl").open()][:3]
    # the second gold article gets the echoing 400, the third the echoing reply
    markers = {gold[1]["text"][:40]: "400", gold[2]["text"][:40]: "raw"}
    echo = Echo(markers=markers)
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(echo)
    suite = _suite(tmp_path, httpserver.url_for("/v1"))
    runs, reports = tmp_path / "runs", tmp_path / "reports"
    # EXTRACTOR_CACHE left unset: the cache is runs/cache.sqlite
    done = _cli(
        tmp_path, "eval", str(suite), "--runs-dir", str(runs), "--reports-dir", str(reports)
    )
    assert done.returncode == 0, done.stderr[-3000:]
    checked = _cli(tmp_path, "check", str(suite), "--runs-dir", str(runs))
    infos = [json.loads(p.read_text(encoding="utf-8")) for p in runs.glob("*/run.json")]
    assert len(infos) == 2 and all(len(i["errors"]) == 2 for i in infos), infos

    files = _assert_nothing_leaks(
        tmp_path, done.stdout, done.stderr, checked.stdout, checked.stderr, skip=(suite,)
    )
    names = {p.name for p in files}
    assert {"run.json", "predictions.jsonl", "cache.sqlite", "leak.md", "leak.html"} <= names
    # the run is the suite's: the redacted ids agree, so check finds no other backend
    assert "backend is" not in checked.stderr + checked.stdout
    # and the keys were used
    assert {a for a, _ in echo.seen} == {f"Basic {BASIC}", f"Bearer {ENV_KEY}"}
    assert {f"api-key={QUERY_KEY}", f"access_token={BEARER_QUERY_KEY}"} <= {
        w.split("?")[1] for _, w in echo.seen
    }


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_run_level_failure_prints_no_planted_key(httpserver: HTTPServer, tmp_path: Path) -> None:
    # a server that refuses the request and echoes it: the run stops
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(
        Echo(everything=401)
    )
    src = _articles(tmp_path)
    refused = _cli(
        tmp_path,
        "extract",
        str(src),
        "--backend",
        _backend(httpserver.url_for("/v1"), userinfo=True),
        "-o",
        str(tmp_path / "refused.jsonl"),
    )
    # nothing listens there: the SDK retries, logs its tracebacks (-v), and the run stops
    port = _closed_port()
    url = f"http://127.0.0.1:{port}/v1"
    unreachable = _cli(
        tmp_path,
        "extract",
        str(src),
        "--backend",
        _backend(url, userinfo=True),
        "-o",
        str(tmp_path / "unreachable.jsonl"),
    )
    suite = _suite(tmp_path, url)
    failed_eval = _cli(
        tmp_path,
        "eval",
        str(suite),
        "--runs-dir",
        str(tmp_path / "runs"),
        "--reports-dir",
        str(tmp_path / "reports"),
    )

    assert refused.returncode == 2 and "HTTP 401" in refused.stderr, refused.stderr[-3000:]
    assert unreachable.returncode == 2, unreachable.stderr[-3000:]
    assert "Traceback" in unreachable.stderr  # the SDK's logged tracebacks are checked too
    assert failed_eval.returncode == 2 and list((tmp_path / "runs").glob("*/run.json"))

    _assert_nothing_leaks(
        tmp_path,
        refused.stdout,
        refused.stderr,
        unreachable.stdout,
        unreachable.stderr,
        failed_eval.stdout,
        failed_eval.stderr,
        skip=(src, suite),
    )
    # redacted, the endpoint can still be told from others
    shown = f"cannot reach http://***@127.0.0.1:{port}/v1?api-key=***"
    assert shown in " ".join(unreachable.stderr.split()), unreachable.stderr[-3000:]
