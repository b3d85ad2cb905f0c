"""Soak: 10,000 articles through the CLI against a server that fails 5% of requests in every way it
can (429, 500, 503, reset, slow, truncated and schema-breaking replies) and is killed once mid-run;
a resume, then ``--retry-failed`` against the healthy server: every id exactly once, all done.

The server (``faulty_server.py``) is a process of its own on a fixed port, so the restarted one is
the same backend; it writes down each fault as it serves it, and the figures recorded in the
reliability tally are those it served. ``EXTRACTOR_SOAK_ARTICLES`` shrinks the corpus for a quick
local try; ``make test`` runs the full 10,000.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from extractor.records import iter_records
from tests.conftest import ROOT
from tests.faults.tally import Tally
from tests.scale.canned_server import article
from tests.scale.faulty_server import KINDS

logger = logging.getLogger(__name__)

N = int(os.environ.get("EXTRACTOR_SOAK_ARTICLES", "10000"))
RATE = 0.05

pytestmark = pytest.mark.soak


def start_server(
    served: Path, *, port: int = 0, rate: float = RATE, seed: int = 0, die_after: int = 0
) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "tests.scale.faulty_server", "--served", str(served)),
            *("--port", str(port), "--rate", str(rate), "--seed", str(seed)),
            *("--die-after", str(die_after), "--slow", "0.2"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    return proc, url


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


def extract(src: Path, out: Path, url: str, *more: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(sys.executable, "-m", "extractor", "extract", str(src)),
            *("--backend", f"openai-compatible/canned@{url}", "--strategy", "whole"),
            *("-o", str(out), "--concurrency", "64", *more),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_soak_10k_articles_with_every_fault_then_retry_failed(
    tmp_path: Path, reliability: Tally
) -> None:
    reliability.headline_row(f"{N:,}-article soak")
    started = time.monotonic()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = children.ru_utime + children.ru_stime
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(article(i)) + "\n" for i in range(N)), encoding="utf-8")
    expected = [article(i)["id"] for i in range(N)]
    out, served = tmp_path / "out.jsonl", tmp_path / "served.txt"
    runs: list[subprocess.CompletedProcess[str]] = []

    # 1. the first server dies (SIGKILL) about halfway through the requests; each time a run
    # stops (exit 2: the endpoint unreachable, or, rarely, the SDK's retries spent on one
    # request), the operator reruns it, against a server restarted on the same port if it died
    first, url = start_server(served, seed=1, die_after=N // 2)
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    server = first
    try:
        for attempt in range(6):
            if server.poll() is not None:  # still failing 5%, but it will not die again
                server.wait(timeout=30)
                server, _ = start_server(served, port=port, seed=2 + attempt)
            runs.append(extract(src, out, url))
            if runs[-1].returncode != 2:
                break
    finally:
        stop(server)
        stop(first)
    failed_before = sum(r.error is not None for r in iter_records(out))
    # 2. the outage is over: redo the failures
    healthy, _ = start_server(served, port=port, rate=0.0)
    try:
        retried = extract(src, out, url, "--retry-failed")
    finally:
        stop(healthy)
    final = list(iter_records(out))
    faults = Counter(served.read_text(encoding="utf-8").split())
    for kind, n in sorted(faults.items()):
        for _ in range(n):
            reliability.fault("server killed mid-run" if kind == "kill" else f"soak: {kind}")
    reliability.records(expected, [r.id for r in final])
    # the tally's duration is the wall time; the rest, for `pytest -o log_cli=true`
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    logger.info(
        "soak: %d articles, faults served %s, %d failed records retried, %d runs, %.0f s, "
        "%.0f s of CPU in the CLI and servers",
        N,
        dict(sorted(faults.items())),
        failed_before,
        len(runs) + 1,
        time.monotonic() - started,
        used.ru_utime + used.ru_stime - cpu_before,
    )

    stops = [r.stderr for r in runs if r.returncode == 2]
    assert first.returncode == -9 and faults["kill"] == 1  # it really died, once
    assert any("cannot reach" in e for e in stops), stops  # the kill stopped a run, cleanly
    assert all("cannot reach" in e or "HTTP " in e for e in stops), stops
    assert runs[-1].returncode == 1, runs[-1].stderr[-2000:]  # finished, with failures recorded
    assert set(KINDS) <= set(faults), faults  # every kind was served
    assert failed_before > 0  # there was something to retry
    assert retried.returncode == 0, retried.stderr[-2000:]
    ids = [r.id for r in final]
    assert len(ids) == N and sorted(ids) == sorted(expected)  # none lost, none twice
    assert all(r.error is None and r.extraction is not None for r in final)
    assert "Traceback" not in "".join(r.stderr for r in [*runs, retried])
