"""A run at scale: one bad article, row, cache row or write never costs the rest (issue 18).

- any failure inside one article's extraction is that article's error record, and the run goes on;
- a full disk (a real write refused by the kernel) stops the run with exit 2 and whole lines only;
- ``--max-error-rate`` stops a run that fails everywhere;
- a corrupt cache row is a miss; bad input rows and unreadable files are reported, and skipped;
- ``--retry-failed`` redoes the failures, one record per id, even when killed at any moment;
- a second run on a log (or cache) in use is refused, naming the file;
- a resume made otherwise (strategy, prompt) is refused unless ``--force-mix``.

The model is a loopback server (pytest-httpserver) answering by article: the canned, grounded
extraction of ``tests/scale/canned_server.py``, or prose (which fails validation) for the
articles it is told to fail.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import random
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from extractor.backends import (
    Backend,
    BackendSpec,
    GenerateSettings,
    get_backend,
    register_backend,
    registry,
)
from extractor.backends.openai_compat import OpenAICompatBackend
from extractor.cli import app
from extractor.errors import ConfigError, InputError, OutputError
from extractor.gold import load_gold
from extractor.pipeline import Strategy
from extractor.pipeline.prompts import Prompt, load_prompt
from extractor.records import ExtractionRecord, RecordLog, iter_records
from extractor.run import ResponseCache, RunPolicy, Work, run_batch
from extractor.run.inputs import MAX_ARTICLE_CHARS
from extractor.schema import Article, ArticleExtraction
from tests.faults.replay import completion
from tests.faults.tally import Tally
from tests.scale.canned_server import REPLY, article

ROOT = Path(__file__).resolve().parents[2]
PROSE = "Sure! Here are the events you asked for."


class Replies:
    """The server's handler: the canned extraction, or prose for the articles in ``failing``."""

    def __init__(self, failing: Sequence[str] = (), delay: float = 0.0) -> None:
        self.failing = set(failing)
        self.delay = delay
        self.calls: Counter[str] = Counter()
        """Requests per article id."""

    def __call__(self, request: Request) -> Response:
        found = re.search(r"Report number (\d+)\.", request.get_data(as_text=True))
        rid = article(int(found.group(1)))["id"] if found else "?"
        self.calls[rid] += 1
        if self.delay:
            time.sleep(self.delay)
        content = PROSE if rid in self.failing else json.dumps(REPLY)
        return Response(json.dumps(completion(content)), 200, content_type="application/json")


def serve(httpserver: HTTPServer, replies: Replies) -> str:
    httpserver.clear()
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(replies)
    return httpserver.url_for("/v1")


def ids(n: int) -> list[str]:
    return [article(i)["id"] for i in range(n)]


def write_input(path: Path, n: int, *, extra: Sequence[Mapping[str, object]] = ()) -> Path:
    rows = [*(article(i) for i in range(n)), *extra]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def log_ids(path: Path) -> list[str]:
    return [r.id for r in iter_records(path)]


def strict_lines(path: Path) -> list[ExtractionRecord]:
    """Every line of the log is a whole record ending in a newline (no torn tail either)."""
    data = path.read_bytes()
    assert not data or data.endswith(b"\n"), data[-80:]
    return [ExtractionRecord.model_validate_json(line) for line in data.splitlines()]


def extract_args(src: Path, url: str, out: Path, *more: str) -> list[str]:
    backend = f"openai-compatible/canned@{url}"
    return ["extract", str(src), "--backend", backend, "--strategy", "whole", "-o", str(out), *more]


def cli(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, " ".join(res.output.split())


def cli_process(args: Sequence[str], **popen: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "extractor", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


# --------------------------------------------------------------------------- 1. per-article


class _Crashing:
    """A plugin backend with a bug: it raises ``error`` for articles marked CRASH, else answers
    through the real openai-compatible backend (a loopback server)."""

    def __init__(self, spec: BackendSpec, error: BaseException) -> None:
        self._inner = OpenAICompatBackend.from_spec(
            BackendSpec("openai-compatible", spec.model, spec.base_url)
        )
        self.id = f"crashing/{spec.model}"
        self.model = spec.model
        self.supports_constrained_decoding = self._inner.supports_constrained_decoding
        self._error = error

    def describe(self) -> dict[str, str]:
        return {"backend": self.id, "model": self.model}

    async def generate(self, messages: Any, response_model: Any, settings: Any, **kw: Any) -> Any:
        if any("CRASH" in m["content"] for m in messages):
            raise self._error
        return await self._inner.generate(messages, response_model, settings, **kw)

    async def aclose(self) -> None:
        await self._inner.aclose()


UNEXPECTED = [
    KeyError("choices"),
    ZeroDivisionError("division by zero"),
    OSError(28, "No space left on device"),  # a plugin's own file, not the log
    RecursionError("maximum recursion depth exceeded"),
    UnicodeEncodeError("ascii", "é", 0, 1, "ordinal not in range"),
    sqlite3.OperationalError("database is locked"),
    InputError("an ExtractorError that is no failure of the run"),
]


@pytest.fixture()
def crashing(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    """Registers ``crashing/MODEL@URL``; append the exception it is to raise."""
    monkeypatch.setattr(registry, "_FACTORIES", dict(registry._FACTORIES))
    error: list[BaseException] = []

    @register_backend("crashing")
    def _factory(spec: BackendSpec, **_: Any) -> Backend:
        return _Crashing(spec, error[0])  # type: ignore[return-value]

    return error


@pytest.mark.parametrize("error", UNEXPECTED, ids=[type(e).__name__ for e in UNEXPECTED])
def test_an_unexpected_exception_in_one_article_is_its_error_record_and_the_run_goes_on(
    httpserver: HTTPServer,
    tmp_path: Path,
    crashing: list[BaseException],
    error: BaseException,
    reliability: Tally,
) -> None:
    reliability.fault(f"{type(error).__name__} inside one article")
    crashing.append(error)
    url = serve(httpserver, Replies())
    crash = {"id": "crash", "text": f"{article(0)['text']} CRASH"}
    src = write_input(tmp_path / "in.jsonl", 6, extra=[crash])
    out = tmp_path / "out.jsonl"
    code, output = cli(
        "extract", str(src), "--backend", f"crashing/canned@{url}", "--strategy", "whole",
        "-o", str(out), "--concurrency", "3",
    )  # fmt: skip
    records = strict_lines(out)
    reliability.records([*ids(6), "crash"], [r.id for r in records])

    assert code == 1, output  # an article failed: recorded, not a crash of the run
    assert "Traceback" not in output
    assert sorted(r.id for r in records) == sorted([*ids(6), "crash"])
    by_id = {r.id: r for r in records}
    failed = by_id["crash"]
    assert failed.extraction is None and failed.error is not None
    assert failed.error.startswith(f"{type(error).__name__}: "), failed.error
    assert (failed.meta.backend, failed.meta.strategy) == ("crashing/canned", "whole")
    assert failed.meta.prompt_sha256 == load_prompt().sha256
    assert all(by_id[i].error is None and by_id[i].extraction for i in ids(6))


def test_a_full_disk_stops_the_run_with_exit_2_and_leaves_only_whole_lines(
    httpserver: HTTPServer, tmp_path: Path, reliability: Tally
) -> None:
    """The kernel refuses the write (a file size limit: EFBIG, after a partial write)."""
    reliability.fault("disk full on the log write")
    url = serve(httpserver, Replies())
    src = write_input(tmp_path / "in.jsonl", 40)
    out = tmp_path / "out.jsonl"
    limit = 12_000  # a record is ~1.2 kB: the disk fills mid-line, on the 10th or so

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # kept across exec: EFBIG, not a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    full = cli_process(extract_args(src, url, out, "--concurrency", "4"), preexec_fn=small_disk)
    _, stderr = full.communicate(timeout=180)
    message = " ".join(stderr.split())
    first = strict_lines(out)
    code, size = full.returncode, out.stat().st_size
    again, output = cli(*extract_args(src, url, out))
    final = strict_lines(out)
    reliability.records(ids(40), [r.id for r in final])

    assert code == 2, message
    assert f"{out}: cannot write the record log (File too large)" in message, message
    assert "Traceback" not in message
    assert 0 < len(first) < 40 and size <= limit
    assert len({r.id for r in first}) == len(first)
    assert not (tmp_path / "out.jsonl.lock").exists()  # released on the way out
    assert again == 0, output
    assert sorted(r.id for r in final) == ids(40)  # the rerun did the rest, once each
    assert final[: len(first)] == first


def test_max_error_rate_stops_a_run_that_fails_everywhere(
    httpserver: HTTPServer, tmp_path: Path, reliability: Tally
) -> None:
    reliability.fault("every article failing (a broken model)")
    replies = Replies(failing=ids(300))
    url = serve(httpserver, replies)
    src = write_input(tmp_path / "in.jsonl", 300)
    out = tmp_path / "out.jsonl"
    code, output = cli(*extract_args(src, url, out, "--concurrency", "4"))
    records = strict_lines(out)
    reliability.records(ids(len(records)), [r.id for r in records])

    assert code == 2, output  # the default --max-error-rate 0.5 over the last 100
    assert "100 of the last 100 articles failed, more than --max-error-rate 0.5" in output
    # the run stops at the 100th; articles in flight then may still be written
    assert 100 <= len(records) <= 104 and all(r.error for r in records)
    assert sum(replies.calls.values()) <= 2 * (104 + 4)  # stopped: not 300 articles' worth
    # off (1), a run goes on through every failure; the records already there are kept
    code, output = cli(*extract_args(src, url, out, "--max-error-rate", "1"))
    assert code == 1, output
    assert sorted(log_ids(out)) == ids(300)


# --------------------------------------------------------------------------- cache and inputs


def test_a_corrupt_cache_row_is_a_miss_and_the_article_is_done_again(
    httpserver: HTTPServer, tmp_path: Path, caplog: pytest.LogCaptureFixture, reliability: Tally
) -> None:
    reliability.fault("corrupt cache row")
    replies = Replies()
    url = serve(httpserver, replies)
    src = write_input(tmp_path / "in.jsonl", 4)
    cache = tmp_path / "cache.sqlite"
    code, output = cli(*extract_args(src, url, tmp_path / "one.jsonl", "--cache", str(cache)))
    assert code == 0, output
    with sqlite3.connect(cache) as db:
        (key,) = db.execute("SELECT key FROM records LIMIT 1").fetchone()
        db.execute("UPDATE records SET json = ? WHERE key = ?", ('{"id": "a0000', key))
    before = sum(replies.calls.values())
    code, output = cli(*extract_args(src, url, tmp_path / "two.jsonl", "--cache", str(cache)))
    two = strict_lines(tmp_path / "two.jsonl")
    reliability.records(ids(4), [r.id for r in two])

    assert code == 0, output
    assert f"{cache}: unreadable cache row {key[:12]}… (a miss)" in caplog.text
    assert sum(replies.calls.values()) == before + 1  # only the corrupt row was asked again
    assert sorted(r.id for r in two) == ids(4) and all(r.error is None for r in two)
    assert sum(r.meta.cached for r in two) == 3
    # the row was written again: a third run is served wholly from the cache
    code, _ = cli(*extract_args(src, url, tmp_path / "three.jsonl", "--cache", str(cache)))
    assert code == 0 and sum(replies.calls.values()) == before + 1


def test_bad_rows_and_unreadable_inputs_are_reported_and_the_other_articles_run(
    httpserver: HTTPServer, tmp_path: Path, reliability: Tally
) -> None:
    url = serve(httpserver, Replies())
    good = write_input(tmp_path / "good.jsonl", 3)
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        json.dumps(article(3)) + "\n"
        + '{"id": "torn", "text": \n'
        + json.dumps({**article(4), "published": "May 0000"}) + "\n"
        + json.dumps(article(5)) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    big = tmp_path / "big.csv"
    big.write_text(
        f"id,text\na00006,{article(6)['text']}\nhuge,{'x' * (MAX_ARTICLE_CHARS + 2)}\n"
        f"a00007,{article(7)['text']}\n",
        encoding="utf-8",
    )
    whole = tmp_path / "whole.parquet"
    pq.write_table(pa.Table.from_pylist([article(8), article(9)]), whole)
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(whole.read_bytes()[:-40])  # the footer is gone
    for name in ("torn JSONL line", "May 0000 date", "CSV field over the cap", "truncated Parquet"):
        reliability.bad_input(f"{name} among good inputs")
    out = tmp_path / "out.jsonl"
    inputs = [good, rows, big, truncated, whole, tmp_path / "missing.jsonl"]
    code, output = cli(
        "extract", *map(str, inputs), "--backend", f"openai-compatible/canned@{url}",
        "--strategy", "whole", "-o", str(out),
    )  # fmt: skip
    records = strict_lines(out)
    expected = [article(i)["id"] for i in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
    reliability.records(expected, [r.id for r in records])

    assert code == 1, output  # the good articles ran; the bad rows make the run exit 1
    assert sorted(r.id for r in records) == expected and all(r.error is None for r in records)
    assert f"{rows}:2: not valid JSON" in output
    assert f"{rows}:3: field 'published'" in output and "May 0000" in output
    assert f"{big}:3: not a CSV row: field larger than field limit" in output
    assert f"{truncated}: not a readable Parquet file" in output
    assert f"{tmp_path / 'missing.jsonl'}: no such file" in output
    assert "5 input row(s) or file(s) could not be read" in output
    assert "Traceback" not in output


# --------------------------------------------------------------------------- 2. retry


def test_retry_failed_replaces_the_failures_and_leaves_one_record_per_id(
    httpserver: HTTPServer, tmp_path: Path, reliability: Tally
) -> None:
    failing = ids(20)[3::4]
    replies = Replies(failing=failing)
    url = serve(httpserver, replies)
    src = write_input(tmp_path / "in.jsonl", 20)
    out = tmp_path / "out.jsonl"
    code, output = cli(*extract_args(src, url, out, "--concurrency", "4"))
    assert code == 1, output
    first = strict_lines(out)
    assert sorted(r.id for r in first if r.error) == failing
    code, output = cli(*extract_args(src, url, out))  # a plain resume keeps the failures
    assert code == 0 and strict_lines(out) == first
    replies.failing = set()  # the outage is over
    calls = sum(replies.calls.values())
    code, output = cli(*extract_args(src, url, out, "--retry-failed"))
    final = strict_lines(out)
    reliability.fault("failed records retried")
    reliability.records(ids(20), [r.id for r in final])

    assert code == 0, output
    assert sorted(r.id for r in final) == ids(20)  # one record per id
    assert all(r.error is None and r.extraction for r in final)
    kept = [r for r in first if r.error is None]
    assert final[: len(kept)] == kept  # the good lines are kept, unchanged, in their order
    assert sorted(r.id for r in final[len(kept) :]) == failing
    assert sum(replies.calls.values()) == calls + len(failing)  # only the failures were asked


def kill_when(proc: subprocess.Popen[str], ready: Callable[[], bool]) -> bool:
    """SIGKILL ``proc`` the moment ``ready()`` holds; False when it ended first."""
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if ready():
            proc.kill()
            proc.communicate(timeout=60)
            return True
        time.sleep(0.0002)
    proc.communicate(timeout=60)
    return False


def test_a_kill_at_any_moment_of_a_retry_leaves_a_valid_log_with_each_id_at_most_once(
    httpserver: HTTPServer, tmp_path: Path, reliability: Tally
) -> None:
    """SIGKILL while the log is rewritten, just after the rename, and at random moments after.

    The log is the one a first run left: 3,000 records, one in ten failed (padded to ~5 MB, so
    that the rewrite takes long enough to be caught in the act).
    """
    n = 3000
    url = serve(httpserver, Replies())
    src = write_input(tmp_path / "in.jsonl", n)
    out = tmp_path / "out.jsonl"
    backend = get_backend(f"openai-compatible/canned@{url}")
    meta = Work(load_prompt(), Strategy.WHOLE).meta(backend)
    asyncio.run(backend.aclose())
    failing = set(ids(n)[::10])
    out.write_text(
        "".join(
            ExtractionRecord(
                id=i,
                extraction=None if i in failing else ArticleExtraction(),
                meta=meta,
                error="HTTP 503 during an outage" if i in failing else None,
                raw="x" * 1500,
            ).model_dump_json()
            + "\n"
            for i in ids(n)
        ),
        encoding="utf-8",
    )
    original = out.read_bytes()
    good = set(ids(n)) - failing
    args = extract_args(src, url, out, "--retry-failed", "--concurrency", "8")

    def check() -> Counter[str]:
        seen = Counter(log_ids(out))  # the readers' rule: a torn last line is skipped
        assert max(seen.values()) == 1, seen.most_common(2)
        assert good <= set(seen)  # a good record is never lost
        reliability.fault("SIGKILL during --retry-failed")
        return seen

    def temporaries() -> list[Path]:
        return list(tmp_path.glob(".out.jsonl.*.tmp"))

    # 1. mid-rewrite (its temporary exists): the old log is left exactly as it was
    for _ in range(5):
        out.write_bytes(original)
        proc = cli_process(args)
        temporary = tmp_path / f".out.jsonl.{proc.pid}.tmp"
        if kill_when(proc, temporary.exists):
            break
    else:
        pytest.fail("no kill landed while the log was rewritten")
    assert out.read_bytes() == original
    check()
    # 2. just after the rename: the failures are gone, the good records all there
    for _ in range(5):
        out.write_bytes(original)
        inode = out.stat().st_ino
        if kill_when(cli_process(args), lambda inode=inode: out.stat().st_ino != inode):
            break
    else:
        pytest.fail("no kill landed just after the rename")
    assert not any(r.error for r in iter_records(out))
    check()
    # 3. at random moments of the redone articles
    seed = time.time_ns()
    rng = random.Random(seed)
    for _ in range(4):
        proc = cli_process(args)
        time.sleep(rng.uniform(0.5, 4.0))
        proc.kill()
        proc.communicate(timeout=60)
        check()
    code, output = cli(*args)
    final = strict_lines(out)
    reliability.records(ids(n), [r.id for r in final])

    assert code == 0, output
    assert sorted(r.id for r in final) == ids(n), seed
    assert all(r.error is None for r in final)
    assert not temporaries()  # a killed rewrite's temporary is removed by the next writer


def test_eval_retry_failed_redoes_a_systems_failed_predictions(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXTRACTOR_CACHE", str(tmp_path / "cache.sqlite"))
    # the first gold article's replies fail until the outage is over
    marker = json.dumps(load_gold(ROOT / "gold" / "v1").articles[0].article.text[:80])[1:-1]
    outage = [True]

    def handler(request: Request) -> Response:
        bad = outage[0] and marker in request.get_data(as_text=True)
        content = PROSE if bad else json.dumps({"events": []})
        return Response(json.dumps(completion(content)), 200, content_type="application/json")

    httpserver.expect_request("/v1/chat/completions").respond_with_handler(handler)
    url = httpserver.url_for("/v1")
    suite = tmp_path / "s.toml"
    suite.write_text(
        f'gold = "{ROOT / "gold" / "v1"}"\nlimit = 3\n[[systems]]\nname = "replay"\n'
        f'backend = "openai-compatible/replay@{url}"\nstrategy = "whole"\n',
        encoding="utf-8",
    )
    runs, reports = tmp_path / "runs", tmp_path / "reports"
    args = ["eval", str(suite), "--runs-dir", str(runs), "--reports-dir", str(reports)]
    predictions = runs / "s__replay" / "predictions.jsonl"
    code, output = cli(*args)
    assert code == 0, output
    assert sum(r.error is not None for r in strict_lines(predictions)) == 1
    outage[0] = False
    code, output = cli(*args, "--retry-failed")
    final = strict_lines(predictions)
    assert code == 0, output
    assert len(final) == 3 and len({r.id for r in final}) == 3
    assert all(r.error is None for r in final)
    info = json.loads((runs / "s__replay" / "run.json").read_text(encoding="utf-8"))
    assert info["summary"]["failed"] == 0 and info["errors"] == []


# --------------------------------------------------------------------------- 3. lock and mix


def test_a_second_process_on_a_log_or_cache_in_use_gets_a_clear_error(
    httpserver: HTTPServer, tmp_path: Path, reliability: Tally
) -> None:
    reliability.fault("two runs on one log")
    url = serve(httpserver, Replies(delay=0.3))
    src = write_input(tmp_path / "in.jsonl", 30)
    out, cache = tmp_path / "out.jsonl", tmp_path / "cache.sqlite"
    lock = tmp_path / "out.jsonl.lock"
    first = cli_process(extract_args(src, url, out, "--concurrency", "1", "--cache", str(cache)))
    deadline = time.monotonic() + 60
    while not (out.exists() and out.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.05)  # the first run is writing (it holds both locks)
    assert first.poll() is None, "the first run ended too soon"
    # both at once: a second run on the log, and another run on the same cache
    second = cli_process(extract_args(src, url, out))
    other = cli_process(extract_args(src, url, tmp_path / "other.jsonl", "--cache", str(cache)))
    _, second_err = second.communicate(timeout=120)
    _, other_err = other.communicate(timeout=120)
    held = first.poll() is None
    _, stderr = first.communicate(timeout=120)
    final = strict_lines(out)
    reliability.records(ids(30), [r.id for r in final])

    message = " ".join(second_err.split())
    assert held, "the first run should still have been running"
    assert second.returncode == 2, message
    assert (
        f"{out}: this record log is in use by another run (process {first.pid} holds {lock})"
        in message
    )
    assert "Traceback" not in message
    cache_message = " ".join(other_err.split())
    assert other.returncode == 2, cache_message
    assert f"{cache}: this response cache is in use by another run" in cache_message
    assert not (tmp_path / "other.jsonl").exists() or not log_ids(tmp_path / "other.jsonl")
    assert first.returncode == 0, stderr
    assert sorted(r.id for r in final) == ids(30)  # nothing interleaved, nothing twice
    assert not lock.exists()  # released (and removed) when the run ended


def test_two_opens_of_one_log_or_cache_in_one_process_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    with RecordLog(out), pytest.raises(OutputError, match=r"x\.jsonl: this record log is in use"):
        RecordLog(out)
    with RecordLog(out):  # released on close: the next writer gets it
        pass
    cache = ResponseCache(tmp_path / "c.sqlite")
    with pytest.raises(OutputError, match=r"c\.sqlite: this response cache is in use"):
        ResponseCache(tmp_path / "c.sqlite")
    cache.close()
    ResponseCache(tmp_path / "c.sqlite").close()


def test_a_resume_with_another_strategy_is_refused_and_passes_with_force_mix(
    httpserver: HTTPServer, tmp_path: Path, reliability: Tally
) -> None:
    reliability.fault("resume with another strategy")
    url = serve(httpserver, Replies())
    src = write_input(tmp_path / "in.jsonl", 2)
    out = tmp_path / "out.jsonl"
    code, output = cli(*extract_args(src, url, out))
    assert code == 0, output
    more = write_input(tmp_path / "more.jsonl", 3)
    window = [*extract_args(more, url, out)[:-4], "--strategy", "window", "-o", str(out)]
    code, output = cli(*window)
    assert code == 2, output
    assert (
        f"{out}: resuming would mix records made otherwise in one log: strategy: the log has "
        "'whole' (2 records), this run 'window'" in output
    )
    assert "--force-mix" in output and len(log_ids(out)) == 2  # nothing written
    code, output = cli(*window, "--force-mix")
    assert code == 0, output
    assert [r.meta.strategy for r in strict_lines(out)] == ["whole", "whole", "window"]
    # the same model behind another URL (a restarted server) is the same backend
    plain = tmp_path / "plain.jsonl"
    code, output = cli(*extract_args(src, url, plain))
    assert code == 0, output
    code, output = cli(*extract_args(more, url.replace("localhost", "127.0.0.1"), plain))
    assert code == 0, output
    backends = [r.meta.backend.partition("@")[2] for r in strict_lines(plain)]
    assert backends == [url, url, url.replace("localhost", "127.0.0.1")]


def test_a_resume_with_another_prompt_is_refused_unless_forced(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    url = serve(httpserver, Replies())
    out = tmp_path / "out.jsonl"
    prompt = load_prompt()
    # a new wording under the same id (as an edited prompt file would load)
    edited = dataclasses.replace(prompt, system=prompt.system + "\nBe brief.", sha256="0" * 64)

    async def go(p: Prompt, policy: RunPolicy | None = None) -> None:
        backend = get_backend(f"openai-compatible/canned@{url}")
        try:
            articles = [Article(id=a["id"], text=a["text"]) for a in map(article, range(3))]
            work = Work(p, Strategy.WHOLE, GenerateSettings(max_retries=0))
            await run_batch(articles[: 2 if p is prompt else 3], backend, output=out, work=work,
                            policy=policy)  # fmt: skip
        finally:
            await backend.aclose()

    asyncio.run(go(prompt))
    refused = r"prompt sha256: the log has '[0-9a-f]{12}' \(2 records\), this run '000000000000'"
    with pytest.raises(ConfigError, match=refused):
        asyncio.run(go(edited))
    assert len(log_ids(out)) == 2
    asyncio.run(go(edited, RunPolicy(force_mix=True)))
    assert len({r.meta.prompt_sha256 for r in strict_lines(out)}) == 2


def test_the_ray_engine_takes_the_same_lock_and_refuses_the_same_mix(tmp_path: Path) -> None:
    from extractor.run.engines.ray import run_ray

    out = tmp_path / "out.jsonl"
    articles = [Article(id="a", text="Clashes killed 3.")]
    work = Work(load_prompt(), Strategy.WHOLE)
    backend = "openai-compatible/canned@http://127.0.0.1:9/v1"  # never reached
    with RecordLog(out), pytest.raises(OutputError, match="in use by another run"):
        run_ray(articles, backend, output=out, work=work)
    with RecordLog(out) as log:  # a record of the sentence strategy
        meta = Work(load_prompt(), Strategy.SENTENCE).meta(get_backend(backend))
        log.write(ExtractionRecord(id="a", extraction=None, meta=meta, error="x"))
    with pytest.raises(ConfigError, match="strategy: the log has 'sentence'"):
        run_ray(articles, backend, output=out, work=work)
    assert os.path.getsize(out) and not (tmp_path / "out.jsonl.lock").exists()
