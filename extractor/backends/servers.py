"""Which llama.cpp server the embedded backend starts, and its command line.

Two programs serve a local GGUF model over the OpenAI API: llama-cpp-python's server (the default,
installed with the ``local`` extra) and llama.cpp's own ``llama-server`` (``make llama-server``,
chosen with ``EXTRACTOR_LLAMA_SERVER``). ``local.py`` starts, probes, supervises and stops either.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from extractor.errors import ConfigError

HOST = "127.0.0.1"


def describe_exit(returncode: int) -> str:
    """``exited with status 3`` or ``was killed by SIGSEGV (signal 11)`` (Popen's convention)."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        hint = (
            " (a llama.cpp build for another CPU dies this way: `extractor doctor` checks it)"
            if -returncode in (signal.SIGILL, signal.SIGSEGV, signal.SIGBUS)
            else ""
        )
        return f"was killed by {name} (signal {-returncode}){hint}"
    return f"exited with status {returncode}"


def log_tail(path: Path | None, lines: int = 12, max_chars: int = 2000) -> str:
    """The last lines of a server log, for an error message ("" when there is none)."""
    if path is None:
        return ""
    try:
        data = path.read_bytes()[-64_000:]
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    kept = [line.rstrip() for line in text.splitlines() if line.strip()][-lines:]
    return "\n".join(kept)[-max_chars:]


def llama_cpp_python_command(
    model_file: Path, *, alias: str, port: int, n_ctx: int, threads: int
) -> list[str]:
    """The command line of llama-cpp-python's server for one model."""
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_file),
        "--model_alias",
        alias,
        "--host",
        HOST,
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        str(threads),
        "--n_batch",
        "512",
        "--verbose",
        os.environ.get("EXTRACTOR_LLAMA_VERBOSE", "false"),
    ]


class ServerCommand(Protocol):
    """Builds the argv that starts an OpenAI-compatible server for one model file."""

    def __call__(
        self, model_file: Path, *, alias: str, port: int, n_ctx: int, threads: int
    ) -> list[str]:
        """The argv; the server must listen on 127.0.0.1:``port`` and serve ``alias``."""
        ...


SERVER_ENV = "EXTRACTOR_LLAMA_SERVER"
"""Which server ``local/`` starts: unset or ``python``, llama-cpp-python's server (the default);
``native``, llama.cpp's own ``llama-server`` beside the interpreter (``make llama-server`` puts it
there) or on PATH; or the path of a ``llama-server`` binary. The native server is not the default:
on 2 cores it is level with llama-cpp-python one article at a time and slower with its slots
(``eval/reports/request_profile.md``, ``batch_throughput.md``)."""

SERVER_ARGS_ENV = "EXTRACTOR_LLAMA_SERVER_ARGS"
"""More ``llama-server`` options (a shell-quoted string), e.g. ``--spec-type ngram-simple`` or
``--cache-reuse 256``: they are part of the server's kind, so records and cache keys tell them
apart."""

REPEAT_PENALTY = 1.1
"""The repetition penalty of both servers. llama-cpp-python's server applies 1.1 to every request
that names none (its request model's default); llama.cpp's own server applies none (1.0). Without
it, greedy decoding on a small model loops until ``max_tokens`` (SmolLM2 on the seed: 6,144
completion tokens against 2,318 with it), so the native server is started with the Python
server's value: the two then sample alike, and comparing them compares serving, not sampling."""

DEFAULT_SLOTS = 4
"""Parallel sequences of the native server. Where decoding is bound by memory bandwidth (many
cores), several sequences cost little more than one; on 2 cores they do not (4 in flight gave
0.87x the articles per hour of one, ``eval/reports/batch_throughput.md``)."""


@dataclass(frozen=True)
class NativeServer:
    """llama.cpp's own ``llama-server``: parallel slots, continuous batching, per-slot caches."""

    binary: Path
    slots: int = DEFAULT_SLOTS
    extra: tuple[str, ...] = ()
    """More command-line options, after ours (``EXTRACTOR_LLAMA_SERVER_ARGS``)."""

    def __call__(
        self, model_file: Path, *, alias: str, port: int, n_ctx: int, threads: int
    ) -> list[str]:
        """The command line; every slot gets the model's full context window."""
        return [
            str(self.binary),
            "--model",
            str(model_file),
            "--alias",
            alias,
            "--host",
            HOST,
            "--port",
            str(port),
            "--ctx-size",
            str(n_ctx * self.slots),
            "--parallel",
            str(self.slots),
            "--threads",
            str(threads),
            "--batch-size",
            "512",
            "--repeat-penalty",
            str(REPEAT_PENALTY),
            "--no-webui",
            *self.extra,
        ]


def native_server_binary() -> Path | None:
    """The ``llama-server`` binary chosen by ``EXTRACTOR_LLAMA_SERVER``, or None for the default.

    Raises:
        ConfigError: ``native`` was asked for and no ``llama-server`` is installed.
    """
    chosen = os.environ.get(SERVER_ENV, "").strip()
    if chosen in ("", "python"):
        return None
    if chosen != "native":
        return Path(chosen)
    beside = Path(sys.executable).parent / "llama-server"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("llama-server")
    if found is None:
        raise ConfigError(
            f"{SERVER_ENV}=native but no llama-server is installed: `make llama-server` builds it"
        )
    return Path(found)


def default_slots() -> int:
    """Requests the server ``local/`` starts decodes at once: the native server's slots, else 1.

    Raises:
        ConfigError: the native server was asked for and is not installed.
    """
    return DEFAULT_SLOTS if native_server_binary() is not None else 1


def default_server_command() -> ServerCommand:
    """The server the embedded backend starts (``EXTRACTOR_LLAMA_SERVER``).

    Raises:
        ConfigError: the chosen server is not installed.
    """
    binary = native_server_binary()
    if binary is not None:
        return NativeServer(binary, extra=tuple(shlex.split(os.environ.get(SERVER_ARGS_ENV, ""))))
    try:
        import llama_cpp.server  # noqa: F401 # pyright: ignore[reportUnusedImport]
    except ImportError as exc:
        raise ConfigError(
            "the embedded backend needs llama-cpp-python's server: pip install 'extractor[local]' "
            "(compiles llama.cpp, about 7 minutes), or llama.cpp's own with "
            f"{SERVER_ENV}=native after `make llama-server`"
        ) from exc
    return llama_cpp_python_command


def server_kind(command: ServerCommand) -> str:
    """``llama-server (4 slots)`` or ``llama-cpp-python``, for records and ``extractor doctor``."""
    if isinstance(command, NativeServer):
        extra = f", {' '.join(command.extra)}" if command.extra else ""
        penalty = f"repeat penalty {REPEAT_PENALTY}"
        return f"llama.cpp llama-server ({command.slots} slots, {penalty}{extra})"
    return "llama-cpp-python server (1 request at a time)"
