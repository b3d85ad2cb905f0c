"""A 1,000-article CLI run interrupted twice (SIGINT, then SIGKILL) and resumed: every article
ends up in the output exactly once."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT
from tests.scale.canned_server import article
from tests.scale.conftest import start_canned

N = 1000


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def interrupt_after(cmd: list[str], out: Path, at: int, sig: signal.Signals) -> int:
    """Start the CLI, send ``sig`` once ``out`` has ``at`` lines; return its exit code."""
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # a job started in the background by a non-interactive shell ignores SIGINT, and the
        # child would inherit that: give it the default, as a terminal's Ctrl-C would find it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while lines(out) < at and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, f"the run ended before it could be interrupted at {at}"
    proc.send_signal(sig)
    try:
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_sigint_then_sigkill_then_resume_gives_every_article_once(tmp_path: Path) -> None:
    # Paced by the server (20 ms a reply, 2 in flight: at most 100 articles/s), not by the CPU:
    # on a loaded core an unpaced run could finish before this process, starved, sends a signal.
    server, canned_url = start_canned(delay=0.02)
    try:
        _interrupt_twice_and_resume(canned_url, tmp_path)
    finally:
        server.kill()
        server.wait()


def _interrupt_twice_and_resume(canned_url: str, tmp_path: Path) -> None:
    seed = time.time_ns()
    rng = random.Random(seed)
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(article(i)) + "\n" for i in range(N)), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cmd = [
        *(sys.executable, "-m", "extractor", "extract", str(src)),
        *("--backend", f"openai-compatible/canned@{canned_url}", "--strategy", "whole"),
        *("-o", str(out), "--concurrency", "2"),
    ]
    first, second = rng.randint(50, 350), rng.randint(450, 750)

    interrupt_after(cmd, out, first, signal.SIGINT)
    after_sigint = lines(out)
    assert first <= after_sigint < N, seed
    code = interrupt_after(cmd, out, second, signal.SIGKILL)
    assert code == -signal.SIGKILL
    after_sigkill = lines(out)
    assert second <= after_sigkill < N, seed

    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(ids) == N, (seed, len(ids))  # none duplicated...
    assert set(ids) == {article(i)["id"] for i in range(N)}  # ...and none lost
