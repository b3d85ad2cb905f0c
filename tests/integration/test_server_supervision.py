"""The embedded server is supervised: its death is reported with its signal and its log.

A stand-in server (``tests/faults/dying_server.py``) is started by the real ``LlamaServer`` code
path, with the command line the backend builds, and kills itself with SIGSEGV on cue, as a
``-march=native`` llama.cpp does on an AMX Xeon. Nothing of openai or instructor is mocked: the
run's requests go to the stand-in over loopback.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.backends import models, servers
from extractor.backends.local import LlamaServer
from extractor.backends.models import ModelSpec
from extractor.cli import app
from extractor.errors import BackendError
from tests.faults.dying_server import FAULT_LINE
from tests.unit.test_models_and_prompts import LocalFile

ROOT = Path(__file__).resolve().parents[2]


def _spec(tmp_path: Path) -> ModelSpec:
    weights = tmp_path / "stand-in.gguf"
    weights.write_bytes(b"GGUF stand-in weights")
    data = weights.read_bytes()
    return ModelSpec(
        name="stand-in",
        filename="stand-in.gguf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        source=LocalFile(weights),
        licence="test",
        base_model="none",
    )


def _dying(die_on: int) -> servers.ServerCommand:
    def command(model_file: Path, *, alias: str, port: int, n_ctx: int, threads: int) -> list[str]:
        del model_file, alias, n_ctx, threads
        return [
            sys.executable,
            "-m",
            "tests.faults.dying_server",
            "--port",
            str(port),
            "--die-on",
            str(die_on),
        ]

    return command


@pytest.fixture()
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the stand-in runs as ``-m tests.faults.dying_server``


def test_startup_check_fails_fast_naming_the_signal_and_the_log(
    tmp_path: Path, extractor_home: Path, in_repo: None
) -> None:
    start = time.monotonic()
    with pytest.raises(BackendError) as info:
        LlamaServer.start(_spec(tmp_path), command=_dying(die_on=1), ready_timeout_s=30)
    elapsed = time.monotonic() - start
    message = str(info.value)
    assert "SIGSEGV" in message
    assert FAULT_LINE in message  # the log's last lines are quoted
    assert str(extractor_home / "logs") in message  # and the log is named
    assert "cannot reach" not in message
    assert elapsed < 20, f"start-up check took {elapsed:.1f} s"


def test_a_server_that_answers_the_probe_passes_it(
    tmp_path: Path, extractor_home: Path, in_repo: None
) -> None:
    server = LlamaServer.start(_spec(tmp_path), command=_dying(die_on=99), ready_timeout_s=30)
    try:
        assert server.exit_status() is None
        server.check_alive()
    finally:
        server.stop()
    assert server.exit_status() is not None


def test_run_stops_with_exit_2_naming_the_signal_when_the_server_dies(
    tmp_path: Path, extractor_home: Path, in_repo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The probe (request 1) passes; the first article's request (2) kills the server.
    monkeypatch.setitem(models.MODELS, "stand-in", _spec(tmp_path))
    monkeypatch.setattr(servers, "default_server_command", lambda: _dying(die_on=2))
    article = tmp_path / "a.txt"
    article.write_text("Two soldiers were killed in Idlib on Monday.", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(
        app, ["extract", str(article), "--backend", "local/stand-in", "-o", str(out)]
    )
    assert res.exit_code == 2, res.output
    assert "SIGSEGV" in res.output
    assert FAULT_LINE in res.output
    assert "cannot reach" not in res.output
    assert not out.exists() or out.read_text(encoding="utf-8") == ""
