"""A canned OpenAI-compatible server on 127.0.0.1 that can drop connections and die on cue.

The replay server (pytest-httpserver, ``replay.py``) answers every request with an HTTP reply, so it
cannot reset a TCP connection or vanish mid-run. This one is plain ``http.server``, driven by a
plan of actions, one per request in arrival order (the last one repeats):

- ``ok``: a chat completion whose content is the canned reply;
- ``raw:TEXT``: a chat completion whose content is TEXT (truncated or schema-breaking JSON);
- ``status:CODE`` or ``status:CODE:RETRY_AFTER``: an HTTP error, with Retry-After if given;
- ``slow:SECONDS``: the canned reply after a delay (longer than the client's timeout);
- ``reset``: read the request, then close the socket with SO_LINGER 0, so the client gets a TCP RST;
- ``die``: SIGKILL this process while the request is in flight (a server killed mid-run).

It runs in a thread (``CannedServer.start``) or as its own process, which is what ``die`` needs:
``python -m tests.faults.server REPLY_FILE PLAN...`` prints its port on the first line of stdout,
then one JSON line ``[action, path]`` per request, flushed before it acts (so a ``die`` is logged).

``served`` (and, for a process, ``served_by``) is the server's own log of what it served; a test
counts a fault from that log (``Tally.faults_served``), never from its plan, so a planned fault
that never fired fails the test instead of passing it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TextIO

from tests.faults.replay import completion


class _Handler(BaseHTTPRequestHandler):
    server: CannedServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        action = self.server.next_action(self.path)
        name, _, arg = action.partition(":")
        if name == "reset":
            # linger 0: close() sends RST instead of FIN, as a crashed proxy or peer does
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if name == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        if name == "status":
            code, _, retry_after = arg.partition(":")
            body = json.dumps({"error": {"message": f"injected {code}", "type": "server_error"}})
            headers = {"Retry-After": retry_after} if retry_after else {}
            self._send(int(code), body, headers)
            return
        if name == "slow":
            time.sleep(float(arg))
        content = arg if name == "raw" else self.server.reply
        self._send(200, json.dumps(completion(content)), {})

    def _send(self, code: int, body: str, headers: dict[str, str]) -> None:
        data = body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        with contextlib.suppress(OSError):  # the client gave up (timeout): nothing to do
            self.wfile.write(data)
            self.wfile.flush()

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # the socket may already be reset
            super().finish()

    def log_message(self, format: str, *args: object) -> None:
        return None


def faults_of(actions: Iterable[str]) -> list[str]:
    """The fault actions among ``actions`` (a plan, or what was served): all but ``ok``."""
    return [a for a in actions if a != "ok"]


class CannedServer(ThreadingHTTPServer):
    """The server; ``served`` lists (action, path) of each request, in arrival order."""

    daemon_threads = True

    def __init__(self, reply: str, plan: list[str], log: TextIO | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.reply = reply
        self.plan = plan
        self.served: list[tuple[str, str]] = []
        self._log = log
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def actions(self) -> list[str]:
        """What each request got, in arrival order."""
        return [action for action, _ in self.served]

    @property
    def url(self) -> str:
        """The base URL the openai SDK is given."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def next_action(self, path: str) -> str:
        with self._lock:
            action = self.plan[min(len(self.served), len(self.plan) - 1)]
            self.served.append((action, path))
            if self._log is not None:  # before acting: a "die" must reach the parent first
                self._log.write(json.dumps([action, path]) + "\n")
                self._log.flush()
            return action

    def handle_error(self, request: object, client_address: object) -> None:
        return None  # a reset or abandoned connection is the point of this server

    @classmethod
    def start(cls, reply: str, plan: list[str]) -> CannedServer:
        """Serve in a daemon thread until ``stop`` (``die`` needs a process of its own)."""
        if "die" in plan:
            raise ValueError("'die' would kill the test process; run the server as a subprocess")
        server = cls(reply, plan)
        server._thread = threading.Thread(target=server.serve_forever, daemon=True)
        server._thread.start()
        return server

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def served_by(proc: subprocess.Popen[str]) -> list[tuple[str, str]]:
    """What a server process (``python -m tests.faults.server``) served, once it has exited.

    Reads the rest of its stdout after the port line, so call it only after the process ended.
    """
    if proc.poll() is None:
        raise RuntimeError("served_by reads a finished server's log; this one still runs")
    assert proc.stdout is not None
    return [(a, p) for a, p in (json.loads(line) for line in proc.stdout.read().splitlines())]


def main(argv: list[str]) -> None:
    reply_file, *plan = argv
    with open(reply_file, encoding="utf-8") as f:
        reply = f.read()
    server = CannedServer(reply, plan or ["ok"], log=sys.stdout)
    sys.stdout.write(f"{server.server_address[1]}\n")  # the port, for the parent
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
