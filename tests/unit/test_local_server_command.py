"""Which server the embedded backend starts, and with which command line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from extractor.backends import servers
from extractor.backends.servers import (
    DEFAULT_SLOTS,
    SERVER_ARGS_ENV,
    SERVER_ENV,
    NativeServer,
    default_server_command,
    describe_exit,
    log_tail,
    native_server_binary,
    server_kind,
)
from extractor.errors import ConfigError
from extractor.run import default_concurrency


def test_native_server_gives_every_slot_the_full_context() -> None:
    argv = NativeServer(Path("/opt/llama-server"), slots=4)(
        Path("m.gguf"), alias="qwen", port=8123, n_ctx=8192, threads=2
    )
    assert argv[0] == "/opt/llama-server"
    opts = dict(zip(argv[1::2], argv[2::2], strict=False))
    assert opts["--ctx-size"] == str(4 * 8192)
    assert opts["--parallel"] == "4"
    assert opts["--host"] == "127.0.0.1" and opts["--port"] == "8123"
    assert opts["--alias"] == "qwen" and opts["--threads"] == "2"


def test_native_server_samples_as_llama_cpp_pythons_server_does() -> None:
    """llama-cpp-python's server penalises repeats when a request names no penalty; llama.cpp's
    own does not unless told, so ours is told the same value."""
    types = pytest.importorskip("llama_cpp.server.types")
    python_default = types.CreateChatCompletionRequest.model_fields["repeat_penalty"].default
    argv = NativeServer(Path("/opt/llama-server"))(
        Path("m.gguf"), alias="qwen", port=8123, n_ctx=8192, threads=2
    )
    assert float(argv[argv.index("--repeat-penalty") + 1]) == python_default != 1.0


def test_the_environment_chooses_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for default in ("python", ""):
        monkeypatch.setenv(SERVER_ENV, default)
        assert native_server_binary() is None
        assert default_server_command() is servers.llama_cpp_python_command
    binary = tmp_path / "llama-server"
    monkeypatch.setenv(SERVER_ENV, str(binary))
    assert native_server_binary() == binary
    command = default_server_command()
    assert isinstance(command, NativeServer) and command.binary == binary
    assert server_kind(command) == "llama.cpp llama-server (4 slots, repeat penalty 1.1)"


def test_native_finds_the_binary_beside_the_interpreter_or_says_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SERVER_ENV, "native")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    fake_python = tmp_path / "bin" / "python"
    fake_python.parent.mkdir()
    monkeypatch.setattr(sys, "executable", str(fake_python))
    with pytest.raises(ConfigError, match="make llama-server"):
        native_server_binary()
    server = fake_python.parent / "llama-server"
    server.write_text("#!/bin/sh\n", encoding="utf-8")
    server.chmod(0o755)
    assert native_server_binary() == server


def test_exit_descriptions_name_the_signal_or_status() -> None:
    assert describe_exit(3) == "exited with status 3"
    text = describe_exit(-11)
    assert text.startswith("was killed by SIGSEGV (signal 11)") and "extractor doctor" in text
    assert describe_exit(-9) == "was killed by SIGKILL (signal 9)"


def test_log_tail_keeps_the_last_non_blank_lines(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("".join(f"line {i}\n\n" for i in range(30)), encoding="utf-8")
    assert log_tail(log, lines=3).splitlines() == ["line 27", "line 28", "line 29"]
    assert log_tail(tmp_path / "missing.log") == ""
    assert log_tail(None) == ""


def test_the_runner_sends_the_embedded_server_as_many_articles_as_it_has_slots(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("EXTRACTOR_LLAMA_SERVER", raising=False)
    assert default_concurrency("local/qwen2.5-coder-1.5b") == 1  # llama-cpp-python: one at a time
    monkeypatch.setenv("EXTRACTOR_LLAMA_SERVER", str(tmp_path / "llama-server"))
    assert default_concurrency("local/qwen2.5-coder-1.5b") == DEFAULT_SLOTS > 1
    assert default_concurrency("openai-compatible/m@http://127.0.0.1:1/v1") == 8


def test_more_native_server_options_go_last_and_name_the_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(SERVER_ENV, str(tmp_path / "llama-server"))
    monkeypatch.setenv(SERVER_ARGS_ENV, "--spec-type ngram-simple --cache-reuse 256")
    command = default_server_command()
    assert isinstance(command, NativeServer)
    argv = command(Path("m.gguf"), alias="qwen", port=8123, n_ctx=8192, threads=2)
    assert argv[-4:] == ["--spec-type", "ngram-simple", "--cache-reuse", "256"]
    # the kind goes into records and cache keys: replies made with them are told apart
    assert server_kind(command) == (
        "llama.cpp llama-server (4 slots, repeat penalty 1.1, "
        "--spec-type ngram-simple --cache-reuse 256)"
    )
    monkeypatch.delenv(SERVER_ARGS_ENV)
    kind = server_kind(default_server_command())
    assert kind == "llama.cpp llama-server (4 slots, repeat penalty 1.1)"
