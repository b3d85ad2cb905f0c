"""The embedded default: llama.cpp's OpenAI-compatible server on 127.0.0.1, managed for the user.

``local/NAME`` pulls the named model (verified), starts ``python -m llama_cpp.server`` on a free
loopback port, waits until it answers, checks with a one-token completion that the model really
generates, and talks to it through the same openai + instructor path as any hosted model. A server
started by ``extractor serve`` is found through its state file and reused; a server we started is
stopped when the backend closes, at interpreter exit, and (through the kernel's parent-death
signal) even when our process is killed.

The child is supervised: when it exits (a crash such as the AMX fault of a ``-march=native``
build on a virtualised Xeon, an out-of-memory kill), the error names its exit status or signal and
quotes the end of its log, instead of the client's "cannot reach".
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor.backends import (
    BackendSpec,
    Completion,
    FailedCompletion,
    GenerateSettings,
    T,
    servers,
)
from extractor.backends.models import ModelSpec, get_model, pull
from extractor.backends.openai_compat import OpenAICompatBackend
from extractor.backends.servers import (
    HOST,
    NativeServer,
    ServerCommand,
    describe_exit,
    log_tail,
    server_kind,
)
from extractor.errors import BackendError
from extractor.home import extractor_home

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def default_threads() -> int:
    """The cores this process may run on (cgroup/affinity aware where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def free_port() -> int:
    """A port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        # SIGKILL, not SIGTERM: uvicorn's graceful shutdown waits for the generation in flight,
        # which llama.cpp finishes even when its client is gone (seen: an orphan for minutes).
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/models", timeout=timeout) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class LlamaServer:
    """One llama.cpp server process (started here) or a reference to one already running."""

    spec: ModelSpec
    port: int
    process: subprocess.Popen[bytes] | None
    log_path: Path | None
    kind: str = "unknown"
    """Which server program (``server_kind``)."""
    slots: int = 1
    """Requests it decodes at once."""

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL."""
        return f"http://{HOST}:{self.port}/v1"

    @classmethod
    def start(
        cls,
        spec: ModelSpec,
        *,
        port: int | None = None,
        threads: int | None = None,
        n_ctx: int | None = None,
        ready_timeout_s: float = 180.0,
        probe_timeout_s: float = 300.0,
        die_with_parent: bool = True,
        command: ServerCommand | None = None,
    ) -> LlamaServer:
        """Pull the model if needed, start the server, wait until it answers, then probe it.

        Args:
            spec: the model to serve.
            port: a fixed port (default: a free one).
            threads: CPU threads (default: the cores this process may use).
            n_ctx: context window (default: the model's).
            ready_timeout_s: how long the server may take to answer ``/models``.
            die_with_parent: have the kernel kill the server when this process dies.
            command: builds the server's argv (default: ``servers.default_server_command()``).
            probe_timeout_s: how long the one-token start-up completion may take.

        Raises:
            ConfigError: llama-cpp-python is not installed.
            BackendError: the server exited, did not answer in time, or could not generate one
                token; the message names the exit status or signal and quotes its log.
        """
        command = command or servers.default_server_command()
        model_file = pull(spec)
        port = port or free_port()
        logs = extractor_home() / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"llama-server-{spec.name}-{port}.log"
        cmd = command(
            model_file,
            alias=spec.name,
            port=port,
            n_ctx=n_ctx or spec.n_ctx,
            threads=threads or default_threads(),
        )
        logger.info("starting llama.cpp server: %s", " ".join(cmd))
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if die_with_parent else None,
                start_new_session=True,
            )
        slots = command.slots if isinstance(command, NativeServer) else 1
        server = cls(spec, port, process, log_path, server_kind(command), slots)
        atexit.register(server.stop)
        deadline = time.monotonic() + ready_timeout_s
        while time.monotonic() < deadline:
            server.check_alive()
            if _answers(server.base_url):
                server.probe(timeout_s=probe_timeout_s)
                return server
            time.sleep(0.25)
        server.stop()
        raise server.error(f"did not answer within {ready_timeout_s:.0f} s")

    def error(self, what: str) -> BackendError:
        """A BackendError saying what happened, with the server log's last lines."""
        tail = log_tail(self.log_path)
        where = f"; its log is {self.log_path}" if self.log_path else ""
        quoted = f"\nlast lines of the log:\n{tail}" if tail else ""
        return BackendError(
            f"local/{self.spec.name}", f"the llama.cpp server {what}{where}{quoted}"
        )

    def exit_status(self) -> int | None:
        """The child's return code once it has exited; None while it runs (or is not ours)."""
        return None if self.process is None else self.process.poll()

    def check_alive(self) -> None:
        """Raise if the server process we started has exited.

        Raises:
            BackendError: naming its exit status or signal, with its log's last lines.
        """
        code = self.exit_status()
        if code is not None:
            raise self.error(describe_exit(code))

    def died_during(self, exc: BaseException, grace_s: float = 2.0) -> BackendError | None:
        """After a failed request: the server's death as the error, if it died.

        The client sees the dropped connection a moment before the kernel reaps the child, so
        this waits up to ``grace_s`` for the exit status.
        """
        if self.process is None:
            return None
        try:
            code = self.process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            return None
        died = self.error(describe_exit(code))
        died.__cause__ = exc
        return died

    def probe(self, *, timeout_s: float = 300.0) -> None:
        """One-token completion: the model must really generate before the first article.

        A build that faults on its first matrix multiplication answers ``/models`` but dies
        here, so the run fails fast with the reason instead of on its first article.

        Raises:
            BackendError: the server died or could not complete.
        """
        body = json.dumps(
            {
                "model": self.spec.name,
                "messages": [{"role": "user", "content": "Say OK."}],
                "max_tokens": 1,
                "temperature": 0,
            }
        ).encode("utf-8")
        request = urllib.request.Request(
            f"{self.base_url}/chat/completions",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as reply:
                payload = json.loads(reply.read() or b"{}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            died = self.died_during(exc)
            self.stop()
            if died is not None:
                raise died from exc
            raise self.error(f"could not generate one token at start-up ({exc})") from exc
        if not payload.get("choices"):
            self.stop()
            raise self.error(f"answered the start-up completion without a choice: {payload!r:.200}")

    def stop(self) -> None:
        """Stop the process if we started it: SIGTERM, then SIGKILL after 3 s.

        A busy server does not stop on SIGTERM until its current generation ends, so the grace
        period is short; the server holds no state worth a longer wait.
        """
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def state_path(name: str) -> Path:
    """The state file where ``extractor serve`` records a running server for reuse."""
    return extractor_home() / "servers" / f"{name}.json"


def write_state(server: LlamaServer) -> None:
    """Record a running server so that later commands reuse it."""
    path = state_path(server.spec.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    pid = server.process.pid if server.process else None
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(
            {
                "port": server.port,
                "pid": pid,
                "sha256": server.spec.sha256,
                "kind": server.kind,
                "slots": server.slots,
            }
        ),
        encoding="utf-8",
    )
    os.replace(tmp, path)


def find_running(spec: ModelSpec) -> LlamaServer | None:
    """A server for this model recorded by ``extractor serve`` that still answers, if any."""
    path = state_path(spec.name)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("sha256") != spec.sha256:
        return None
    server = LlamaServer(
        spec,
        int(state["port"]),
        None,
        None,
        str(state.get("kind", "unknown")),
        int(state.get("slots", 1)),
    )
    return server if _answers(server.base_url) else None


def llama_client(model: str, base_url: str) -> OpenAICompatBackend:
    """The client for a llama.cpp server: JSON mode with the schema in the body (its grammar)."""
    return OpenAICompatBackend(
        backend_id=f"local/{model}",
        model=model,
        base_url=base_url,
        api_key="not-needed",
        mode="json",
        schema_in_body=True,
        http_retries=0,
    )


class LocalBackend:
    """``local/NAME``: a managed llama.cpp server behind the OpenAI-compatible backend."""

    supports_constrained_decoding = True

    def __init__(
        self, spec: BackendSpec, *, threads: int | None = None, n_ctx: int | None = None
    ) -> None:
        self.model_spec = get_model(spec.model)
        self.id = f"local/{spec.model}"
        self.model = spec.model
        self._threads = threads
        self._n_ctx = n_ctx
        self._server: LlamaServer | None = None
        self._client: OpenAICompatBackend | None = None
        # resolved once: describe() is part of every article's cache key
        self._default_kind = server_kind(servers.default_server_command())

    def _ensure(self) -> OpenAICompatBackend:
        if self._client is None:
            server = find_running(self.model_spec)
            if server is None:
                server = LlamaServer.start(
                    self.model_spec, threads=self._threads, n_ctx=self._n_ctx
                )
            self._server = server
            self._client = llama_client(self.model, server.base_url)
        return self._client

    @property
    def base_url(self) -> str:
        """The running server's URL (starts it if needed)."""
        self._ensure()
        assert self._server is not None
        return self._server.base_url

    @property
    def slots(self) -> int:
        """Requests the server decodes at once (starts it if needed): the runner's concurrency."""
        self._ensure()
        assert self._server is not None
        return self._server.slots

    def describe(self) -> dict[str, str]:
        """Facts for run records: the model file's sha256 and the server program say what ran."""
        kind = self._server.kind if self._server else self._default_kind
        return {
            "backend": self.id,
            "server": kind,
            "model": self.model,
            "model_sha256": self.model_spec.sha256,
            "model_licence": self.model_spec.licence,
            "base_model": self.model_spec.base_model,
            "instructor_mode": "json",
        }

    async def generate(
        self,
        messages: Sequence[Mapping[str, str]],
        response_model: type[T],
        settings: GenerateSettings,
        *,
        context: Mapping[str, Any] | None = None,
        json_schema: Mapping[str, Any] | None = None,
    ) -> Completion[T] | FailedCompletion:
        """Ask the local server; see ``Backend.generate``.

        Raises:
            BackendError: as the client does; when the server we started has died, the error
                names its exit status or signal and quotes its log.
        """
        client = self._ensure()
        server = self._server
        if server is not None:
            server.check_alive()
        try:
            return await client.generate(
                messages, response_model, settings, context=context, json_schema=json_schema
            )
        except BackendError as exc:
            died = server.died_during(exc) if server is not None else None
            if died is not None:
                raise died from exc
            raise

    async def aclose(self) -> None:
        """Close the client and stop the server if this backend started it."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._server is not None:
            self._server.stop()
            self._server = None
