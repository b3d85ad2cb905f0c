"""A stand-in for the llama.cpp server that answers ``/v1/models`` and then dies like a bad build.

``python -m tests.faults.dying_server --port PORT --die-on N [--signal SEGV]`` serves
``GET /v1/models`` and answers chat completions with a canned one-token reply until request number
N (1 = the first POST), on which it writes a fault line to its log (stdout) and kills itself with
the signal: what a ``-march=native`` llama.cpp does on a Xeon whose AMX it may not use. Any other
argument (llama.cpp's own ``--model`` and so on) is accepted and ignored, so the local backend can
start it with the command line it builds for the real server.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULT_LINE = "ggml_backend_amx_mul_mat: general protection fault in ldtilecfg (stand-in)"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._send({"object": "list", "data": [{"id": "stand-in", "object": "model"}]})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.posts += 1
        if self.server.posts >= self.server.die_on:
            sys.stdout.write(FAULT_LINE + "\n")
            sys.stdout.flush()
            # Raised in this thread, not sent to the process: a process-directed signal may be
            # delivered to another thread while this one goes on to send the reply (seen under
            # load: the client got its answer from a server that then died).
            signal.raise_signal(self.server.signal)
            threading.Event().wait()  # never answer, should the signal be handled after all
        reply = {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "stand-in",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "{}"},
                    "finish_reason": "length",
                }
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
        }
        self._send(reply)

    def _send(self, payload: object) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return None


class _Server(ThreadingHTTPServer):
    posts = 0
    die_on = 1
    signal = signal.SIGSEGV


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--die-on", type=int, default=1)
    parser.add_argument("--signal", default="SEGV")
    args, _ = parser.parse_known_args()
    server = _Server(("127.0.0.1", args.port), _Handler)
    server.die_on = args.die_on
    server.signal = signal.Signals[f"SIG{args.signal}"]
    sys.stdout.write(f"stand-in llama.cpp server listening on 127.0.0.1:{args.port}\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
