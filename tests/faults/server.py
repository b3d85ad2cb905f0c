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
``python -m tests.faults.server REPLY_FILE PLAN...`` prints its port on the first line of stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.faults.replay import completion


class _Handler(BaseHTTPRequestHandler):
    server: CannedServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        action = self.server.next_action()
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


class CannedServer(ThreadingHTTPServer):
    """The server; ``actions`` lists what each request got, for assertions."""

    daemon_threads = True

    def __init__(self, reply: str, plan: list[str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.reply = reply
        self.plan = plan
        self.actions: list[str] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL the openai SDK is given."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def next_action(self) -> str:
        with self._lock:
            action = self.plan[min(len(self.actions), len(self.plan) - 1)]
            self.actions.append(action)
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


def main(argv: list[str]) -> None:
    reply_file, *plan = argv
    with open(reply_file, encoding="utf-8") as f:
        reply = f.read()
    server = CannedServer(reply, plan or ["ok"])
    sys.stdout.write(f"{server.server_address[1]}\n")  # the port, for the parent
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
