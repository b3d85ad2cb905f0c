"""Runs under injected faults: every article ends up done or recorded with its error, exactly once.

Each fault is served by a real loopback server (``tests/faults/server.py``) to the real runner,
openai SDK and instructor. A run either finishes (transient faults are retried by the SDK; a bad
reply or a timeout becomes that article's recorded error) or stops with a ``BackendError`` naming
the endpoint (the server stays unusable). Either way the output holds only valid records, no id
twice, and a resume against a healthy server completes the rest without redoing what was written.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.backends import GenerateSettings, get_backend
from extractor.cli import app
from extractor.errors import BackendError
from extractor.pipeline import Strategy
from extractor.pipeline.prompts import load_prompt
from extractor.records import ExtractionRecord
from extractor.run import RunStats, Work, run_batch
from extractor.schema import Article
from tests.faults.server import CannedServer, faults_of, served_by
from tests.faults.tally import Tally
from tests.integration.test_replay import ARTICLE, WHOLE

ROOT = Path(__file__).resolve().parents[2]
# the recorded whole-article reply, without its invented count (grounded as it is)
GOOD = json.dumps({"events": [{**WHOLE["events"][0], "counts": WHOLE["events"][0]["counts"][:1]}]})
IDS = [f"a{i}" for i in range(4)]


@dataclass(frozen=True)
class Fault:
    name: str
    plan: list[str]
    """Actions per request; request 1 is article a0's, the fault starts with a1's."""
    stops: bool
    """True when the run must stop (server unusable), False when it must finish."""
    message: str
    """Expected in the BackendError (stops) or in a1's recorded error ('' if a1 succeeds)."""


FAULTS = [
    Fault("429 with Retry-After, once", ["ok", "status:429:1", "ok"], False, ""),
    Fault("429 without Retry-After, once", ["ok", "status:429", "ok"], False, ""),
    Fault("500, once", ["ok", "status:500", "ok"], False, ""),
    Fault("503, once", ["ok", "status:503", "ok"], False, ""),
    Fault("connection reset, once", ["ok", "reset", "ok"], False, ""),
    Fault("429 with Retry-After, persistent", ["ok", "status:429:1"], True, "HTTP 429"),
    Fault("429 without Retry-After, persistent", ["ok", "status:429"], True, "HTTP 429"),
    Fault("500, persistent", ["ok", "status:500"], True, "HTTP 500"),
    Fault("503, persistent", ["ok", "status:503"], True, "HTTP 503"),
    Fault("connection reset, persistent", ["ok", "reset"], True, "cannot reach {url}"),
    Fault("400 request too large, once", ["ok", "status:400", "ok"], False, "HTTP 400"),
    Fault("reply slower than the timeout", ["ok", *["slow:2"] * 3, "ok"], False, "timed out"),
    Fault("truncated JSON", ["ok", 'raw:{"events": [{"sub_event_ty', "ok"], False, "validat"),
    Fault(
        "valid JSON breaking the schema",
        ["ok", 'raw:{"events": [{"sub_event_type": "picnic"}]}', "ok"],
        False,
        "validat",
    ),
    Fault("prose instead of JSON", ["ok", "raw:Sure! Here are the events:", "ok"], False, "valid"),
]


def read_output(path: Path) -> list[ExtractionRecord]:
    """Every line must be a whole, valid record."""
    return [
        ExtractionRecord.model_validate_json(line)
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


async def run_articles(url: str, output: Path, ids: list[str], concurrency: int = 1) -> RunStats:
    backend = get_backend(f"openai-compatible/replay@{url}")
    try:
        return await run_batch(
            [Article(id=i, text=ARTICLE) for i in ids],
            backend,
            output=output,
            work=Work(
                load_prompt(), Strategy.WHOLE, GenerateSettings(max_retries=0, timeout_s=0.5)
            ),
            concurrency=concurrency,
        )
    finally:
        await backend.aclose()


@pytest.fixture()
def servers() -> Iterator[list[CannedServer]]:
    started: list[CannedServer] = []
    yield started
    for s in started:
        s.stop()


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_leaves_every_article_done_or_recorded_once_and_resume_completes(
    fault: Fault, tmp_path: Path, servers: list[CannedServer], reliability: Tally
) -> None:
    faulty = CannedServer.start(GOOD, fault.plan)
    servers.append(faulty)
    out = tmp_path / "out.jsonl"
    stopped: BackendError | None = None
    try:
        stats = asyncio.run(run_articles(faulty.url, out, IDS))
    except BackendError as exc:
        stopped = exc
    first = read_output(out)
    # resume against a healthy server: only what was not written is asked for
    healthy = CannedServer.start(GOOD, ["ok"])
    servers.append(healthy)
    resumed = asyncio.run(run_articles(healthy.url, out, IDS))
    final = read_output(out)
    reliability.records(IDS, [r.id for r in final])
    # counted from what the server served, not from the plan: a fault that never fired fails here
    reliability.faults_served(fault.name, faults_of(fault.plan), faults_of(faulty.actions))

    assert sorted(r.id for r in final) == IDS  # nothing lost, nothing twice
    assert final[: len(first)] == first  # records already written are kept as they were
    assert resumed.skipped == len(first) and resumed.done == len(IDS) - len(first)
    assert len(healthy.actions) == len(IDS) - len(first)
    if fault.stops:
        assert stopped is not None, "the run should stop when the server stays unusable"
        assert fault.message.format(url=faulty.url) in str(stopped)
        assert [r.id for r in first] == ["a0"]  # a0 was answered before the fault
    else:
        assert stopped is None, stopped
        assert stats.done == len(IDS) and len(first) == len(IDS)
        by_id = {r.id: r for r in final}
        failed = {r.id for r in final if r.error is not None}
        assert failed == ({"a1"} if fault.message else set())
        if fault.message:
            error = by_id["a1"].error or ""
            assert fault.message in error.casefold() or fault.message in error, error
        for r in final:
            assert (r.extraction is None) == (r.error is not None)


def _serve_process(tmp_path: Path, plan: list[str]) -> tuple[subprocess.Popen[str], str]:
    reply = tmp_path / "reply.json"
    reply.write_text(GOOD, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.server", str(reply), *plan],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}/v1"


@pytest.mark.parametrize("concurrency", [1, 4])
def test_server_killed_mid_run_stops_cleanly_and_a_resume_completes(
    tmp_path: Path, concurrency: int, reliability: Tally
) -> None:
    """A real server process is SIGKILLed while answering article 4 of 8 (through the CLI)."""
    ids = [f"k{i}" for i in range(8)]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": ARTICLE}) + "\n" for i in ids), "utf-8")
    out = tmp_path / "out.jsonl"
    runner = CliRunner()

    def extract(url: str) -> tuple[int, str]:
        backend = f"openai-compatible/replay@{url}"
        args = ["extract", str(src), "--backend", backend, "--strategy", "whole", "-o", str(out)]
        res = runner.invoke(app, [*args, "--concurrency", str(concurrency)])
        return res.exit_code, res.output

    dying, url = _serve_process(tmp_path, ["ok", "ok", "ok", "die"])
    try:
        code, output = extract(url)
        # It must already be dead of its own "die" (its SIGKILL), before the cleanup below kills
        # it: a server that survived its fault would time out here instead.
        died = dying.wait(timeout=10)
    finally:
        if dying.poll() is None:
            dying.kill()
            dying.wait()
    reliability.faults_served(
        "server killed mid-run", ["die"], faults_of(a for a, _ in served_by(dying))
    )
    assert died == -signal.SIGKILL, died
    first = read_output(out)
    restarted, url2 = _serve_process(tmp_path, ["ok"])
    try:
        code2, output2 = extract(url2)
    finally:
        restarted.kill()
        restarted.wait()
    final = read_output(out)
    reliability.records(ids, [r.id for r in final])

    assert code == 2, output  # a clear stop, not a crash or a hang
    assert f"cannot reach {url}" in " ".join(output.split()), output
    assert "Traceback" not in output
    assert len(first) <= 3 and all(r.error is None for r in first)
    if concurrency == 1:
        assert [r.id for r in first] == ids[:3]  # the three answered before the kill
    assert code2 == 0, output2
    assert sorted(r.id for r in final) == ids  # none lost, none twice
    assert final[: len(first)] == first
    assert all(r.error is None and r.extraction is not None for r in final)
